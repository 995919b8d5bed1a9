import FlowTestSupport
import Foundation
import XCTest

/// `hubble observe`'s flags and output on flowtrail's commands, through the real binary on a
/// real store.
final class HubbleFlagsCLITests: XCTestCase {
    static let scratch = try! Scratch()
    static let db = scratch.path("flags.db")
    static let ingested: Void = {
        try! writeLines(generatedLines(4_000, seed: 144), to: scratch.path("in.jsonl"))
        precondition(try! runFlowtrail(["ingest", "--db", db, scratch.path("in.jsonl"), Paths.fixture]).status == 0)
    }()

    override func setUp() { Self.ingested }

    func count(_ args: [String], command: [String] = ["query"]) throws -> Int {
        let r = try runFlowtrail(command + ["--db", Self.db, "--count"] + args)
        XCTAssertEqual(r.status, 0, "\(args): \(r.err)")
        return Int(r.out.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    /// Flags mean what the equivalent expression means; flags AND expressions.
    func testFlagsFilterAsExpressionsDo() throws {
        let cases: [([String], String)] = [
            (["--verdict", "DROPPED"], "verdict == 'DROPPED'"),
            (["-n", "payments"], "source.namespace == 'payments' || destination.namespace == 'payments'"),
            (["--to-port", "443", "--protocol", "tcp"], "has(l4.TCP) && l4.TCP.destination_port == 443u"),
            (["--not", "--verdict", "FORWARDED"], "verdict != 'FORWARDED'"),
            (["--type", "policy-verdict", "--traffic-direction", "ingress"], "event_type.type == 5 && traffic_direction == 'INGRESS'"),
            (["--http-status", "5+"], "has(l7.http) && l7.http.code >= 500u && l7.http.code <= 599u"),
        ]
        for (flags, expression) in cases {
            let n = try count(flags)
            XCTAssertEqual(n, try count([expression]), "\(flags)")
            XCTAssertGreaterThan(n, 0, "\(flags) should match some of the generated flows")
        }
        // Expressions and flags together: both must hold.
        XCTAssertEqual(try count(["--verdict", "DROPPED", "source.namespace == 'payments'"]),
                       try count(["verdict == 'DROPPED' && source.namespace == 'payments'"]))
        // The same flags on export, report and simulate.
        let export = try runFlowtrail(["export", "--db", Self.db, "--verdict", "DROPPED"])
        XCTAssertEqual(export.status, 0, export.err)
        XCTAssertEqual(export.out.split(separator: "\n").count, try count(["--verdict", "DROPPED"]))
        let all = try runFlowtrail(["report", "default-deny", "--db", Self.db, "-o", "json"])
        let shop = try runFlowtrail(["report", "default-deny", "--db", Self.db, "-o", "json", "-n", "shop"])
        XCTAssertEqual(shop.status, 0, shop.err)
        XCTAssertNotEqual(all.out, shop.out)
    }

    /// A bad value is an error naming the flag, with exit status 2.
    func testBadFlagValuesNameTheFlag() throws {
        for (flags, fragment) in [
            (["--port", "eighty"], "--port"), (["--verdict", "DROPED"], "--verdict"), (["--from-ip", "10.0.0.0/33"], "--from-ip"),
            (["--label", "app in ("], "--label"), (["--http-status", "6+"], "--http-status"), (["--type", "nonsense"], "--type"),
            (["--identity", "nobody"], "--identity"), (["--ip", "1.2.3.4", "--from-ip", "5.6.7.8"], "cannot be combined"),
            (["--not", "--not", "--verdict", "DROPPED"], "--not"), (["--allowlist", "{\"verdict\":"], "--allowlist"),
            (["--cel-expression", "verdict =="], "column"), (["--tcp-flags", "syn,nope"], "--tcp-flags"),
        ] {
            let r = try runFlowtrail(["query", "--db", Self.db] + flags)
            XCTAssertEqual(r.status, 2, "\(flags): \(r.err)")
            XCTAssertTrue(r.err.contains(fragment), "\(flags): \(r.err)")
        }
    }

    /// `explain` prints the FlowFilters the flags built and the expression they became.
    func testExplainShowsTheFlowFilters() throws {
        let r = try runFlowtrail(["explain", "--db", Self.db, "--namespace", "kube-system", "--not", "--verdict", "FORWARDED"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("{\"source_pod\":[\"kube-system/\"]}"), r.out)
        XCTAssertTrue(r.out.contains("{\"destination_pod\":[\"kube-system/\"]}"), r.out)
        XCTAssertTrue(r.out.contains("denylist"), r.out)
        XCTAssertTrue(r.out.contains("expression: "), r.out)
    }

    /// `--until` is inclusive: a range of one instant holds the flows at that instant.
    func testUntilIsInclusive() throws {
        let last = try runFlowtrail(["query", "--db", Self.db, "--last", "1", "-o", "json"])
        let t = try XCTUnwrap(try flowObject(last.out)["time"] as? String)
        XCTAssertGreaterThanOrEqual(try count(["--since", t, "--until", t]), 1)
        XCTAssertEqual(try count(["--since", t, "--until", t]), try count(["time == timestamp('\(t)')"]))
    }

    /// Compact output is the Hubble CLI's: the lines it printed for the same flows
    /// (Tests/Fixtures/hubble-grpc, invocation 1; the capture cut long lines with "…").
    func testCompactOutputIsHubbles() throws {
        let index = try JSONSerialization.jsonObject(with: Data(contentsOf: CapturedRequestTests.folder.appendingPathComponent("index.json"))) as! [String: Any]
        let first = (index["invocations"] as! [[String: Any]])[0]
        let printed = first["hubble_stdout"] as! [String]
        let s = try Scratch()
        let db = s.path("three.db")
        let lines = try String(contentsOfFile: Paths.fixture, encoding: .utf8).split(separator: "\n").prefix(3).map(String.init)
        try writeLines(lines, to: s.path("three.jsonl"))
        XCTAssertEqual(try runFlowtrail(["ingest", "--db", db, s.path("three.jsonl")]).status, 0)
        let ours = try runFlowtrail(["query", "--db", db, "--all", "--color", "never"]).out.split(separator: "\n").map(String.init)
        XCTAssertEqual(ours.count, 3)
        for line in printed {
            let prefix = line.hasSuffix("…") ? String(line.dropLast()) : line
            XCTAssertTrue(ours.contains { $0 == line || (line.hasSuffix("…") && $0.hasPrefix(prefix)) }, "\(line)\nnot in\n\(ours.joined(separator: "\n"))")
        }
        // -o json prints each GetFlowsResponse on its own line, as the CLI printed (invocation 2).
        let json = try runFlowtrail(["query", "--db", db, "--all", "-o", "json"]).out.split(separator: "\n").map(String.init)
        for line in (index["invocations"] as! [[String: Any]])[1]["hubble_stdout"] as! [String] {
            XCTAssertTrue(json.contains { $0.hasPrefix(String(line.dropLast())) }, line)
        }
    }

    /// `query -f --last 1` prints the newest stored flow, then flows as another process stores
    /// them. (The first line says the follower has taken its snapshot: flows stored before it
    /// started would not be shown, and a slow start must not make the test wait forever.)
    func testFollowPrintsNewFlows() throws {
        let s = try Scratch()
        let db = s.path("follow.db")
        try writeLines(generatedLines(20, seed: 145), to: s.path("a.jsonl"))
        try writeLines(generatedLines(5, seed: 146, start: 1_900_000_000_000_000_000), to: s.path("b.jsonl"))
        XCTAssertEqual(try runFlowtrail(["ingest", "--db", db, s.path("a.jsonl")]).status, 0)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Paths.flowtrail)
        p.arguments = ["query", "--db", db, "-f", "--last", "1", "-o", "jsonl"]
        let out = Pipe()
        p.standardOutput = out
        let received = LockedData()
        out.fileHandleForReading.readabilityHandler = { received.append($0.availableData) }
        try p.run()
        defer {
            if p.isRunning { p.terminate() }
            out.fileHandleForReading.readabilityHandler = nil
        }
        func waitForLines(_ n: Int) -> [Data] {
            let deadline = Date().addingTimeInterval(30)
            while dataLines(received.value).count < n, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            return dataLines(received.value)
        }
        XCTAssertEqual(waitForLines(1).count, 1, "the newest stored flow first")
        XCTAssertEqual(try runFlowtrail(["ingest", "--db", db, s.path("b.jsonl")]).status, 0)
        let uuids = waitForLines(6).dropFirst().compactMap { uuid(of: $0) }
        let expected = try String(contentsOfFile: s.path("b.jsonl"), encoding: .utf8).split(separator: "\n").compactMap { uuid(of: Data($0.utf8)) }
        XCTAssertEqual(uuids, expected)
    }
}

/// Bytes a pipe's handler appends while the test reads them.
final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func append(_ d: Data) { lock.lock(); data += d; lock.unlock() }
    var value: Data { lock.lock(); defer { lock.unlock() }; return data }
}
