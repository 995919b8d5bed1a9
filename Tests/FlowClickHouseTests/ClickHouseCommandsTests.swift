import FlowTestSupport
import Foundation
import XCTest

/// The commands beyond query and default-deny on a real ClickHouse 18.16 server, each against
/// SQLite holding the same flows: `report summary`, `stats`, `simulate` (grouped and per flow)
/// and `query -f`.
final class ClickHouseCommandsTests: XCTestCase {
    func testSummaryStatsAndSimulationAnswerAsSQLite() throws {
        let s = try Scratch()
        let server = try ClickHouseServer(scratch: s)
        defer { server.stop() }
        let fixture = try String(contentsOfFile: Paths.fixture, encoding: .utf8).split(separator: "\n").map(String.init)
        let file = s.path("flows.jsonl")
        try writeLines(generatedLines(20_000, seed: 77) + fixture, to: file)
        let db = s.path("same.db"), store = server.url("commands")
        XCTAssertEqual(try runFlowtrail(["ingest", "--db", db, file]).status, 0)
        let ingest = try runFlowtrail(["ingest", "--store", store, file])
        XCTAssertEqual(ingest.status, 0, ingest.err)

        func both(_ args: [String], stdin: Data? = nil) throws -> (sqlite: String, clickhouse: String) {
            let at = args[0] == "report" ? 2 : 1
            let a = try runFlowtrail(Array(args[..<at]) + ["--db", db] + Array(args[at...]), stdin: stdin)
            let b = try runFlowtrail(Array(args[..<at]) + ["--store", store] + Array(args[at...]), stdin: stdin)
            XCTAssertEqual(a.status, 0, "\(args): \(a.err)")
            XCTAssertEqual(b.status, 0, "\(args): \(b.err)")
            return (a.out, b.out)
        }

        // The summary: plain (rollups on SQLite, GROUP BY on ClickHouse), with a filter the SQL
        // holds whole, with one finished by the interpreter, and as a table.
        for extra in [[], ["verdict == Verdict.DROPPED"], ["l7.http.url.contains(\"/api/\") || source.workloads.exists(w, w.kind == \"Deployment\")"],
                      ["--bucket", "1h", "-o", "table"]] {
            let (a, b) = try both(["report", "summary"] + extra)
            XCTAssertEqual(a, b, "summary \(extra)")
            XCTAssertTrue(a.contains("talkers") || a.contains("TALKER") || a.contains("SOURCE"), a)
        }

        // The plain default-deny report reads the aggregate kept at insert (migration 0002);
        // it must hold rows, and answer as SQLite (filtered reports read the flows).
        let (denyA, denyB) = try both(["report", "default-deny", "-o", "json"])
        XCTAssertEqual(denyA, denyB)
        let aggregated = try runCommand(["curl", "-s", "--data-binary", "SELECT count() FROM commands.default_deny", "http://127.0.0.1:\(server.httpPort)/"])
        XCTAssertGreaterThan(Int(aggregated.out.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0, 0, aggregated.out)

        // Stats: the same flows, days and time range.
        let (statsA, statsB) = try both(["stats", "-o", "json"])
        let sa = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(statsA.utf8)) as? [String: Any])
        let sb = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(statsB.utf8)) as? [String: Any])
        for key in ["flows", "first_time", "last_time"] {
            XCTAssertEqual("\(sa[key] ?? "nil")", "\(sb[key] ?? "nil")", "stats \(key)")
        }
        func days(_ stats: [String: Any]) -> [String] {
            (stats["partitions"] as? [[String: Any]] ?? []).map { "\($0["day"] ?? "") \($0["flows"] ?? "")" }
        }
        XCTAssertEqual(days(sa), days(sb))
        XCTAssertGreaterThan(days(sa).count, 3)
        XCTAssertGreaterThan(sb["db_bytes"] as? Int ?? 0, 0)
        XCTAssertEqual((sb["sources"] as? [Any])?.count, 1, "the ingested file's position")

        // A policy set replayed: SQLite's grouped scan and ClickHouse's flow-by-flow reading agree
        // on every connection, count and deciding rule; per flow, on every flow.
        let policy = s.path("policy.yaml")
        try """
            apiVersion: cilium.io/v2
            kind: CiliumClusterwideNetworkPolicy
            metadata:
              name: cluster-only
            spec:
              endpointSelector: {}
              ingress:
              - fromEntities: [cluster]
              egress:
              - toEntities: [cluster]
              - toCIDR: [10.0.0.0/8]
                toPorts:
                - ports: [{port: "443", protocol: TCP}]
            ---
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata:
              name: http-gets
              namespace: default
            spec:
              endpointSelector: {}
              ingress:
              - fromEntities: [world]
                toPorts:
                - ports: [{port: "80", protocol: TCP}]
                  rules:
                    http: [{method: GET}]
            """.write(toFile: policy, atomically: true, encoding: .utf8)
        for extra in [["-o", "json"], ["-o", "csv", "source.namespace != \"kube-system\""]] {
            let (a, b) = try both(["simulate", "--policy", policy] + extra)
            XCTAssertEqual(a, b, "simulate \(extra)")
            XCTAssertGreaterThan(a.count, 200, a)
        }
        let (flowsA, flowsB) = try both(["simulate", "--policy", policy, "--flows"])
        XCTAssertEqual(flowsA.split(separator: "\n").sorted(), flowsB.split(separator: "\n").sorted(), "simulate --flows")
        XCTAssertGreaterThan(flowsA.split(separator: "\n").count, 5_000)
    }

    /// `query -f --last 1` prints the newest stored flow, then the matching flows another
    /// process stores, each once.
    func testFollowPrintsNewFlows() throws {
        let s = try Scratch()
        let server = try ClickHouseServer(scratch: s)
        defer { server.stop() }
        let store = server.url("follow")
        try writeLines(generatedLines(500, seed: 145), to: s.path("a.jsonl"))
        let later = generatedLines(400, seed: 146, start: 1_900_000_000_000_000_000)
        try writeLines(later, to: s.path("b.jsonl"))
        XCTAssertEqual(try runFlowtrail(["ingest", "--store", store, s.path("a.jsonl")]).status, 0)
        let filter = "verdict == Verdict.FORWARDED || l7.http.url.contains(\"/\")"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Paths.flowtrail)
        p.arguments = ["query", "--store", store, "-f", "--last", "1", "-o", "jsonl", "--", filter]
        let out = Pipe()
        p.standardOutput = out
        let received = Received()
        out.fileHandleForReading.readabilityHandler = { received.append($0.availableData) }
        try p.run()
        defer {
            if p.isRunning { p.terminate() }
            out.fileHandleForReading.readabilityHandler = nil
        }
        func waitForLines(_ n: Int) -> [String] {
            let deadline = Date().addingTimeInterval(60)
            while received.lines.count < n, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            return received.lines
        }
        XCTAssertEqual(waitForLines(1).count, 1, "the newest stored matching flow first")
        // What SQLite selects of the later flows: the follower must print exactly those.
        let db = s.path("b.db")
        XCTAssertEqual(try runFlowtrail(["ingest", "--db", db, s.path("b.jsonl")]).status, 0)
        let expected = try runFlowtrail(["query", "--db", db, "--all", "-o", "jsonl", "--", filter]).out.split(separator: "\n").map(String.init)
        XCTAssertGreaterThan(expected.count, 100)
        // In two parts, the second sent twice: a flow stored again is not printed again.
        try writeLines(later.prefix(150), to: s.path("b1.jsonl"))
        XCTAssertEqual(try runFlowtrail(["ingest", "--store", store, s.path("b1.jsonl")]).status, 0)
        Thread.sleep(forTimeInterval: 1)
        XCTAssertEqual(try runFlowtrail(["ingest", "--store", store, s.path("b.jsonl")]).status, 0)
        XCTAssertEqual(try runFlowtrail(["ingest", "--store", store, "-"], stdin: try Data(contentsOf: URL(fileURLWithPath: s.path("b.jsonl")))).status, 0)
        let lines = waitForLines(1 + expected.count)
        Thread.sleep(forTimeInterval: 1.5)
        XCTAssertEqual(received.lines.count, 1 + expected.count, "no flow printed twice")
        XCTAssertEqual(lines.dropFirst().sorted(), expected.sorted())
    }
}

/// Output a pipe's handler appends while the test reads it, as whole lines.
final class Received: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func append(_ d: Data) { lock.lock(); data += d; lock.unlock() }
    var lines: [String] {
        lock.lock()
        defer { lock.unlock() }
        // Whole lines only: the last one may still be arriving.
        let end = data.lastIndex(of: 0x0A).map { data.index(after: $0) } ?? data.startIndex
        return String(decoding: data[..<end], as: UTF8.self).split(separator: "\n").map(String.init)
    }
}
