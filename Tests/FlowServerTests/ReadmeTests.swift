import FlowTestSupport
import Foundation
import XCTest

/// The README's commands, run as a newcomer runs them, on the demo data they make: each shows
/// real output (a count above zero, flows, a CSV with rows), not an empty answer (issue 12).
final class ReadmeTests: XCTestCase {
    static let readme = try! String(contentsOf: Paths.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)

    /// The lines of the README's ```sh block under `heading`.
    static func shellBlock(after heading: String) -> [String] {
        guard let h = readme.range(of: heading), let open = readme.range(of: "```sh\n", range: h.upperBound..<readme.endIndex),
              let close = readme.range(of: "```", range: open.upperBound..<readme.endIndex) else { return [] }
        return readme[open.upperBound..<close.lowerBound].split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") }
    }

    /// Runs a shell command line in `dir`, with the README's binary path pointing at this build.
    static func sh(_ line: String, in dir: String, port: Int? = nil) throws -> (status: Int32, out: String) {
        var command = line.replacingOccurrences(of: ".build/release/flowtrail", with: Paths.flowtrail)
        if let port { command = command.replacingOccurrences(of: "127.0.0.1:4290", with: "127.0.0.1:\(port)") }
        // A live follow runs until stopped: two seconds show it streams.
        if command.contains("follow=true") { command = command.replacingOccurrences(of: "curl -N", with: "curl -N --max-time 2") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = ["-c", "set -o pipefail; " + command]
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func testTheREADMECommandsShowRealOutputOnTheDemoData() throws {
        let s = try Scratch()
        // The first command, but for the build (the tests' binary) and serve (started below);
        // a smaller demo keeps the test quick, with the same rate, so it spans the same kind of time.
        let first = try XCTUnwrap(Self.shellBlock(after: "# flowtrail").first { $0.contains("gen --count") })
        let steps = first.components(separatedBy: " && ").filter { !$0.contains("swift build") && !$0.hasPrefix("scripts/setup") && !$0.contains(" serve ") }
        XCTAssertEqual(steps.count, 4, "gen, ingest, stats, query: \(steps)")
        for step in steps {
            let r = try Self.sh(step.replacingOccurrences(of: "--count 200000", with: "--count 20000"), in: s.url.path)
            XCTAssertEqual(r.status, 0, step)
            if step.contains(" query ") { XCTAssertEqual(r.out.split(separator: "\n").count, 10, "ten flows: \(r.out)") }
            if step.contains(" stats ") { XCTAssertTrue(r.out.contains("flows:            20000"), r.out) }
        }
        let server = try ServerProcess(db: s.path("demo.db"))
        defer { server.stop() }
        let curls = Self.shellBlock(after: "## HTTP API")
        XCTAssertGreaterThanOrEqual(curls.count, 10)
        for line in curls {
            let r = try Self.sh(line.components(separatedBy: "  #").first!, in: s.url.path, port: server.port)
            XCTAssertTrue(r.status == 0 || (line.contains("follow=true") && r.status == 28), "\(line): exit \(r.status)")
            XCTAssertFalse(r.out.contains("\"count\":0"), "\(line): \(r.out.prefix(200))")
            XCTAssertFalse(r.out.contains("\"error\""), "\(line): \(r.out.prefix(200))")
            if line.contains("-OJ") {
                let csv = try String(contentsOfFile: s.path("flows.csv"), encoding: .utf8)
                XCTAssertGreaterThan(csv.utf8.split(separator: 0x0A).count, 100, "the export of the last day has rows (CRLF lines)")
            } else if !line.contains("follow=true") {
                XCTAssertGreaterThan(r.out.count, 20, "\(line): \(r.out.prefix(200))")
            }
            if line.contains("/ingest") { XCTAssertTrue(r.out.contains("\"flows\":1000"), r.out) }
        }
        // Relative times find the demo, which ends now.
        XCTAssertNotEqual(try runFlowtrail(["query", "--db", s.path("demo.db"), "--since", "1h", "--count", "true"]).out, "0\n")
    }
}
