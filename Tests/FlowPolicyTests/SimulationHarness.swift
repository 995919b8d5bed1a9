import FlowPolicy
import FlowQuery
import FlowTestSupport
import Foundation
import XCTest

/// What a flow should meet: `allowed`/`denied` and the decider (`NS/NAME section[i]` or a
/// default's name), or a skip reason.
struct Expect {
    let flow: TestFlow
    let simulated: String
    let decidedBy: String

    init(_ flow: TestFlow, _ simulated: String, _ decidedBy: String = "") {
        self.flow = flow
        self.simulated = simulated
        self.decidedBy = decidedBy
    }

    static func skip(_ flow: TestFlow, _ reason: SkipReason) -> Expect { Expect(flow, "skip", reason.rawValue) }
}

func decidedText(_ d: DecidedBy) -> String {
    switch d {
    case .rule(let r): "\(r.policy) \(r.section)[\(r.rule)]"
    case .default(let name): name
    }
}

func decidedText(_ json: NSDictionary) -> String {
    if let d = json["default"] as? String { return d }
    return "\(json["policy"] ?? "") \(json["section"] ?? "")[\(json["rule"] ?? "")]"
}

/// Checks every expectation two ways: in process (the evaluator on the flow's JSON), and end
/// to end (the flows ingested into a real store, `flowtrail simulate` grouped and `--flows`).
func checkSimulation(_ yaml: String, _ cases: [Expect], file: StaticString = #filePath, line: UInt = #line) throws {
    let set = try PolicySet.load([PolicySource(name: "test.yaml", text: yaml)])
    let evaluator = PolicyEvaluator(set)
    var flows: [TestFlow] = []
    for (i, c) in cases.enumerated() {
        var f = c.flow
        f.seconds = i
        flows.append(f)
        switch FlowJSONCase.read(try JSONValue.parse(f.json())) {
        case .failure(let e):
            XCTAssertEqual("skip \(e.reason.rawValue)", "\(c.simulated) \(c.decidedBy)", "in process: \(f.uuid)", file: file, line: line)
        case .success(let r):
            let d = evaluator.evaluate(r.flow)
            XCTAssertEqual("\(d.allowed ? "allowed" : "denied") \(decidedText(d.decidedBy))", "\(c.simulated) \(c.decidedBy)",
                           "in process: \(f.uuid)", file: file, line: line)
        }
    }
    // End to end through the store.
    let s = try Scratch()
    let db = s.path("sim.db"), input = s.path("flows.jsonl"), policy = s.path("policy.yaml")
    try writeLines(flows.map { $0.json() }, to: input)
    try yaml.write(toFile: policy, atomically: true, encoding: .utf8)
    XCTAssertEqual(try runFlowtrail(["ingest", "--db", db, input]).status, 0, file: file, line: line)
    let perFlow = try runFlowtrail(["simulate", "--db", db, "--policy", policy, "--flows"])
    XCTAssertEqual(perFlow.status, 0, perFlow.err, file: file, line: line)
    var seen: [String: String] = [:]
    for l in perFlow.out.split(separator: "\n") {
        let o = try jsonObject(l)
        seen[o["uuid"] as! String] = "\(o["simulated"]!) \(decidedText(o["decided_by"] as! NSDictionary))"
    }
    let grouped = try runFlowtrail(["simulate", "--db", db, "--policy", policy, "-o", "json"])
    XCTAssertEqual(grouped.status, 0, grouped.err, file: file, line: line)
    let result = try jsonObject(Substring(grouped.out))
    var wantChanges: [String: Int] = [:], wantSkipped: [String: Int] = [:]
    for c in cases {
        if c.simulated == "skip" {
            wantSkipped[c.decidedBy, default: 0] += 1
            XCTAssertNil(seen[c.flow.uuid], "--flows printed skipped \(c.flow.uuid)", file: file, line: line)
            continue
        }
        XCTAssertEqual(seen[c.flow.uuid], "\(c.simulated) \(c.decidedBy)", "--flows: \(c.flow.uuid)", file: file, line: line)
        let recorded = c.flow.verdict == "AUDIT" ? "audit" : c.flow.verdict == "DROPPED" ? "denied" : "allowed"
        let change = recorded == c.simulated ? "unchanged" : "\(recorded)_to_\(c.simulated)"
        wantChanges[change, default: 0] += 1
    }
    let changes = result["changes"] as! [String: Int]
    XCTAssertEqual(changes.filter { $0.value > 0 }, wantChanges, "grouped changes", file: file, line: line)
    XCTAssertEqual(result["flows_skipped"] as! [String: Int], wantSkipped, "grouped skips", file: file, line: line)
    // Every connection's decider is one the flows expect.
    let deciders = Set(cases.filter { $0.simulated != "skip" }.map { "\($0.simulated) \($0.decidedBy)" })
    for conn in result["connections"] as! [NSDictionary] {
        let d = "\(conn["simulated"]!) \(decidedText(conn["decided_by"] as! NSDictionary))"
        XCTAssertTrue(deciders.contains(d), "grouped connection decided \(d)", file: file, line: line)
    }
}
