import ArgumentParser
import FlowGen
import FlowModel
import FlowStore

/// `flowtrail gen`: deterministic, realistic Hubble JSON lines for tests, demos and benchmarks.
struct GenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gen", abstract: "Write generated Hubble flows (hubble observe -o json lines) to stdout.")

    @Option(help: "Number of lines.") var count: Int
    @Option(help: "Random seed; the same seed gives the same lines.") var seed: UInt64 = 1
    @Option(help: "Time of the first flow: RFC 3339 or a duration before now (default: so that the last flow is now).")
    var start: String?
    @Option(help: "Flows per second of simulated time.") var rate: Double = 1000

    func validate() throws {
        if count < 0 { throw ValidationError("--count must not be negative") }
        if !(rate > 0) { throw ValidationError("--rate must be positive") }
        if let start, DurationText.timeBound(start, now: 0) == nil {
            throw ValidationError("--start: \"\(start)\" is neither an RFC 3339 time nor a duration")
        }
    }

    func run() throws {
        var options = GeneratorOptions()
        options.seed = seed
        options.rate = rate
        let now = Clock.nowNanos()
        if let start {
            options.start = DurationText.timeBound(start, now: now)!
        } else {
            // Demo data ends now, so "the last hour" and `--since 2d` find it.
            options.start = now - Int64(Double(count) / rate * 1e9)
        }
        var generator = FlowGenerator(options)
        let out = StdoutWriter()
        var line: [UInt8] = []
        line.reserveCapacity(4096)
        for _ in 0..<count {
            line.removeAll(keepingCapacity: true)
            generator.appendLine(to: &line)
            line.withUnsafeBufferPointer { out.write($0) }
            out.newline()
        }
        out.flush()
    }
}
