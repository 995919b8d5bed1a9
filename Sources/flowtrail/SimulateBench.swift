import ArgumentParser
import Foundation
import FlowPolicy
import FlowQuery

/// `flowtrail bench simulate`: `flowtrail simulate` on a store against a straightforward
/// per-flow evaluation of the same policies over the raw JSON file, in the same run.
struct SimulateBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Time `flowtrail simulate -o json` on a store and a per-flow evaluation over the source file.",
        discussion: """
            Build with `swift build -c release` first. The store run is a child process (wall time and \
            peak RSS, median of --runs). The peer reads the file the store was loaded from line by \
            line, parses each flow and evaluates it with the same evaluator, one flow at a time \
            (no grouping); both must count the same changes.
            """
    )

    @OptionGroup var database: DatabaseOption
    @Option(help: "The JSON file the store was loaded from.") var source: String
    @Option(help: "Policy files (repeatable).") var policy: [String] = []
    @Option(help: "Timed runs of the store side.") var runs = 3

    func run() throws {
        let helper = IngestBench()
        let me = CommandLine.arguments[0]
        let policyArgs = policy.map { "--policy \(helper.q($0))" }.joined(separator: " ")
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("flowtrail-bench-simulate.json").path
        var times: [(Double, Int)] = []
        for _ in 0..<runs {
            times.append(try helper.timed("\(helper.q(me)) simulate --db \(helper.q(database.path)) \(policyArgs) -o json > \(helper.q(out))"))
        }
        times.sort { $0.0 < $1.0 }
        let (seconds, rss) = times[times.count / 2]
        let stored = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as! [String: Any]
        let storeChanges = stored["changes"] as! [String: Int]
        print("flowtrail simulate (store): median \(fixed(seconds, 2)) s of \(runs) (min \(fixed(times.first!.0, 2)), max \(fixed(times.last!.0, 2))), "
              + "peak RSS \(rss / 1024) MB, \(stored["flows_evaluated"]!) flows evaluated, \(stored["policies"]!) policies, "
              + "\((stored["connections"] as! [Any]).count) connections")

        // The peer: every line parsed and evaluated on its own.
        let sources = try policy.map { PolicySource(name: $0, text: try String(contentsOfFile: $0, encoding: .utf8)) }
        let evaluator = PolicyEvaluator(try PolicySet.load(sources))
        let start = Date()
        var changes: [String: Int] = [:]
        var evaluated = 0
        guard let file = fopen(source, "r") else { throw ValidationError("cannot open \(source)") }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        while getline(&line, &capacity, file) > 0 {
            guard let json = try? JSONValue.parse(String(cString: line!)),
                  case .success(let c) = FlowJSONCase.read(json) else { continue }
            let d = evaluator.evaluate(c.flow)
            changes[OutcomeChange(recorded: c.recorded, simulatedAllowed: d.allowed).rawValue, default: 0] += 1
            evaluated += 1
        }
        free(line)
        let peer = Date().timeIntervalSince(start)
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        print("per-flow over \(source): \(fixed(peer, 2)) s, peak RSS \(usage.ru_maxrss / 1024) MB, \(evaluated) flows evaluated")
        print("changes (store): \(storeChanges.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
        print("changes (peer):  \(changes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
        let agree = storeChanges.filter { $0.value > 0 } == changes && (stored["flows_evaluated"] as! Int) == evaluated
        print(agree ? "the two agree" : "THE TWO DISAGREE")
        if !agree { throw ExitCode(1) }
    }
}
