@testable import FlowClickHouse
import FlowGen
import FlowTestSupport
import Foundation
import XCTest

/// The proof of issue 16 on a real two-shard ClickHouse 18.16 cluster (two server processes on
/// loopback, a `remote_servers` block, Distributed tables): the same 200,000-flow stream
/// ingested into SQLite and, through the flowtrail CLI, into the cluster (with ingesters
/// SIGKILLed mid-batch and the whole stream sent again) gives identical answers.
final class ClickHouseClusterTests: XCTestCase {
    func testTwoShardsAnswerAsSQLiteAfterKillsAndReplays() throws {
        let s = try Scratch()
        let shards = try ClickHouseServer.twoShards(scratch: s)
        defer { shards.forEach { $0.stop() } }
        let count = 200_000
        let lines = generatedLines(count, seed: 41)
        let file = s.path("flows.jsonl")
        try writeLines(lines, to: file)
        let db = s.path("same.db")
        let sqlite = try runFlowtrail(["ingest", "--db", db, file])
        XCTAssertEqual(sqlite.status, 0, sqlite.err)
        let store = "clickhouse://127.0.0.1:\(shards[0].httpPort),127.0.0.1:\(shards[1].httpPort)/flows"

        // Ingesters killed at random moments (small batches, so kills land between and inside
        // INSERTs), then one run to the end.
        var rng = Xoshiro256StarStar(seed: 16)
        var kills = 0
        for _ in 0..<6 where kills < 3 {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: Paths.flowtrail)
            p.arguments = ["ingest", "--store", store, "--cluster", "two", "--batch-size", "4000", file]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            usleep(UInt32(400_000 + rng.below(1_500_000)))
            if p.isRunning {
                kill(p.processIdentifier, SIGKILL)
                kills += 1
            }
            p.waitUntilExit()
        }
        XCTAssertGreaterThan(kills, 0, "no ingester was killed mid-ingest")
        let finish = try runFlowtrail(["ingest", "--store", store, "--cluster", "two", file])
        XCTAssertEqual(finish.status, 0, finish.err)
        try assertSameAnswers(db: db, store: store, count: count, "after \(kills) kills")

        // Every shard holds part of the flows (sharded by identity).
        for shard in shards {
            let local = try ClickHouseStore(try StoreURL(shard.url("flows"), environment: [:]), create: false)
            defer { local.close() }
            let rows = Int(try local.execute("SELECT count() FROM flows_local FINAL FORMAT TSV").trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            XCTAssertGreaterThan(rows, count / 4, "shard \(shard.httpPort) holds \(rows) flows")
        }

        // The whole stream again, from standard input (no position to resume from): every flow
        // is sent a second time, as after a crash between a batch and its positions.
        let again = try runFlowtrailData(["ingest", "--store", store, "-"], stdin: try Data(contentsOf: URL(fileURLWithPath: file)))
        XCTAssertEqual(again.status, 0, again.err)
        try assertSameAnswers(db: db, store: store, count: count, "after the stream was sent twice")

        // An upgrade: the shards forget their schema versions, as after a flowtrail with fewer.
        // Through one address the new versions are refused (they would be made on one host
        // alone); with every shard and --cluster they apply again, the default-deny aggregate
        // backfilled over itself without counting a flow twice.
        for shard in shards {
            let local = try ClickHouseStore(try StoreURL(shard.url("flows"), environment: [:]), create: false)
            defer { local.close() }
            try local.execute("DROP TABLE schema_migrations")
        }
        let one = try runFlowtrail(["ingest", "--store", shards[0].url("flows"), "-"], stdin: Data())
        XCTAssertNotEqual(one.status, 0)
        XCTAssertTrue(one.err.contains("--cluster"), one.err)
        let upgrade = try runFlowtrail(["ingest", "--store", store, "--cluster", "two", "-"], stdin: Data())
        XCTAssertEqual(upgrade.status, 0, upgrade.err)
        let deny = try runFlowtrail(["report", "default-deny", "--store", store, "-o", "json"])
        XCTAssertEqual(deny.out, try runFlowtrail(["report", "default-deny", "--db", db, "-o", "json"]).out, "default-deny after the upgrade")
    }

    /// Counts for query-language expressions (compiled whole and finished by the interpreter),
    /// the default-deny report (plain and filtered), CSV export and JSON lines: SQLite's answers.
    func assertSameAnswers(db: String, store: String, count: Int, _ when: String) throws {
        func both(_ args: [String]) throws -> (sqlite: String, clickhouse: String) {
            // The store options go right after the (sub)command's name, before any `--`.
            let at = args[0] == "report" ? 2 : 1
            let a = try runFlowtrailData(Array(args[..<at]) + ["--db", db] + Array(args[at...]))
            let b = try runFlowtrailData(Array(args[..<at]) + ["--store", store] + Array(args[at...]))
            XCTAssertEqual(a.status, 0, a.err)
            XCTAssertEqual(b.status, 0, "\(args): \(b.err)")
            return (String(decoding: a.out, as: UTF8.self), String(decoding: b.out, as: UTF8.self))
        }
        XCTAssertEqual(try both(["query", "--count"]).clickhouse, "\(count)\n", when)
        for e in ["verdict == Verdict.DROPPED", "source.namespace == \"kube-system\" || destination.labels.exists(l, l.startsWith(\"k8s:app\"))",
                  "l7.http.code >= 500", "policy_match_type == 4 && !is_reply", "l4.TCP.destination_port in [443, 5432]",
                  "source.workloads.exists(w, w.kind == \"Deployment\") && verdict == Verdict.FORWARDED",
                  "destination_names.exists(n, n.endsWith(\".com\"))", "IP.ipVersion == IPVersion.IPv6",
                  "drop_reason_desc == DropReason.POLICY_DENIED && time > timestamp(\"2026-01-01T00:00:30Z\")"] {
            let (a, b) = try both(["query", "--count", "--", e])
            XCTAssertEqual(a, b, "\(e) \(when)")
        }
        let (jsonA, jsonB) = try both(["query", "--all", "-o", "json", "verdict == Verdict.DROPPED || l7.dns.rcode != 0"])
        XCTAssertEqual(jsonA.split(separator: "\n").sorted(), jsonB.split(separator: "\n").sorted(), when)
        XCTAssertGreaterThan(jsonA.split(separator: "\n").count, 100)
        let (lastA, lastB) = try both(["query", "--last", "30", "-o", "json"])
        XCTAssertEqual(lastA, lastB, "--last 30 \(when)")
        for filter in [[], ["source.workloads.exists(w, w.kind == \"Deployment\")"]] {
            let (a, b) = try both(["report", "default-deny", "-o", "json"] + filter)
            XCTAssertEqual(a, b, "default-deny \(filter) \(when)")
            XCTAssertTrue(a.contains("\"total_flows\":"), a)
        }
        let (csvA, csvB) = try both(["export", "-o", "csv"])
        let rowsA = csvA.split(whereSeparator: \.isNewline), rowsB = csvB.split(whereSeparator: \.isNewline)
        XCTAssertEqual(rowsA.first, rowsB.first, "CSV header")
        XCTAssertEqual(rowsA.count, count + 1)
        XCTAssertEqual(rowsA.dropFirst().sorted(), rowsB.dropFirst().sorted(), "CSV export \(when)")
    }
}
