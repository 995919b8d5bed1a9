import Foundation
import FlowModel
import FlowGen
import FlowStore
import XCTest

/// A database file in a fresh temporary directory, removed after the test.
final class TempDir {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("flowtrail-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    deinit { try? FileManager.default.removeItem(at: url) }
}

func fixtureLines() throws -> [String] {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    let text = try String(contentsOf: root.appendingPathComponent("Fixtures/hubble-samples.jsonl"), encoding: .utf8)
    return text.split(separator: "\n").map(String.init)
}

func json(_ text: String) throws -> NSObject {
    try JSONSerialization.jsonObject(with: Data(text.utf8)) as! NSObject
}

/// Decodes lines and writes the flows among them; returns how many flows were written.
@discardableResult
func write(_ lines: [String], to store: FlowStore, commitEvery: Int = 1000) throws -> Int {
    let writer = FlowWriter(store: store)
    let decoder = FlowDecoder()
    var flows = 0
    for line in lines {
        var bytes = Array(line.utf8)
        let kind = try bytes.withUnsafeMutableBufferPointer { try decoder.decode(UnsafeBufferPointer($0)) }
        if kind == .flow {
            try writer.add(decoder.flow)
            flows += 1
            if writer.pendingFlows >= commitEvery { try writer.commit() }
        }
    }
    try writer.commit()
    return flows
}

func exportAll(_ store: FlowStore, since: Int64? = nil, until: Int64? = nil) throws -> [String] {
    var out: [String] = []
    try FlowReader(store: store).forEachLine(since: since, until: until) { out.append(String(decoding: $0, as: UTF8.self)) }
    return out
}

final class StoreTests: XCTestCase {
    func testNewDatabaseIsMigratedAndInWALMode() throws {
        let dir = try TempDir()
        let latest = Int64(Migrator.embedded.last!.name.prefix(4))!
        do {
            let store = try FlowStore(path: dir.path("a.db"))
            XCTAssertEqual(try store.db.scalar("SELECT max(version) FROM schema_migrations"), latest)
            XCTAssertEqual(try store.db.rows("PRAGMA journal_mode").first?.first?.text, "wal")
        }
        // Opening again applies nothing twice.
        let store = try FlowStore(path: dir.path("a.db"))
        XCTAssertEqual(try store.db.scalar("SELECT count(*) FROM schema_migrations"), Int64(Migrator.embedded.count))
    }

    func testOneWriterAtATimeAndReadersAlongside() throws {
        let dir = try TempDir()
        let writer = try FlowStore(path: dir.path("a.db"))
        XCTAssertThrowsError(try FlowStore(path: dir.path("a.db"))) { error in
            XCTAssertTrue("\(error)".contains("another flowtrail process"), "\(error)")
        }
        try write(try fixtureLines(), to: writer)
        let reader = try FlowStore(path: dir.path("a.db"), readOnly: true)
        XCTAssertEqual(try exportAll(reader).count, 12)
        withExtendedLifetime(writer) {}
    }

    func testPartitionTableHasAColumnForEveryCatalogColumn() throws {
        let dir = try TempDir()
        let store = try FlowStore(path: dir.path("a.db"))
        try write(try fixtureLines(), to: store)
        let day = try XCTUnwrap(store.days.first)
        let names = Set(try store.db.rows("PRAGMA table_info(\"\(FlowStore.flowTable(day))\")").compactMap { $0[1].text })
        for c in Column.allCases { XCTAssertTrue(names.contains(c.sqlName), c.sqlName) }
        let indexes = Set(try store.db.rows("PRAGMA index_list(\"\(FlowStore.flowTable(day))\")").compactMap { $0[1].text })
        XCTAssertEqual(indexes.count, 5, "\(indexes)")
    }

    func testFixtureFlowsComeBackEqualAndInTimeOrder() throws {
        let dir = try TempDir()
        let store = try FlowStore(path: dir.path("a.db"))
        let lines = try fixtureLines()
        XCTAssertEqual(try write(lines, to: store), 12)
        let exported = try exportAll(store)
        XCTAssertEqual(exported.count, 12)
        var expected: [NSDictionary] = []
        for line in lines {
            let obj = try json(line) as! NSDictionary
            if let flow = obj["flow"] as? NSDictionary { expected.append(flow) }
            else if obj["time"] != nil && obj["lost_events"] == nil && obj["agent_event"] == nil { expected.append(obj) }
        }
        let got = try exported.map { try (json($0) as! NSDictionary)["flow"] as! NSDictionary }
        XCTAssertEqual(Set(got), Set(expected))
        let times = got.map { FlowTime.parse($0["time"] as! String)! }
        XCTAssertEqual(times, times.sorted())
        // Partitions by UTC day: 1970-01-01, 2021-06-16, 2021-10-04, 2021-11-10, 2023-08-21, 2026-02-24.
        XCTAssertEqual(store.days.map(FlowTime.dayStamp), ["19700101", "20210616", "20211004", "20211110", "20230821", "20260224"])
    }

    func testTimeBoundsSelectFlows() throws {
        let dir = try TempDir()
        let store = try FlowStore(path: dir.path("a.db"))
        try write(try fixtureLines(), to: store)
        let since = FlowTime.parse("2021-11-10T10:40:56.874054400Z")!
        let until = FlowTime.parse("2021-11-10T10:41:26.095336300Z")!
        let got = try exportAll(store, since: since, until: until)
        XCTAssertEqual(got.count, 2)  // the lower bound is inclusive, the upper exclusive
    }

    func testEndpointsAreStoredOnceAndReusedAcrossReopen() throws {
        let dir = try TempDir()
        let lines = try fixtureLines()
        var entries: Int64 = 0
        do {
            let store = try FlowStore(path: dir.path("a.db"))
            try write(lines, to: store)
            entries = try store.db.scalar("SELECT count(*) FROM dict")!
        }
        let again = try FlowStore(path: dir.path("a.db"))
        try write(lines, to: again)
        XCTAssertEqual(try again.db.scalar("SELECT count(*) FROM dict"), entries, "no new dictionary entries for the same values")
        XCTAssertEqual(try exportAll(again).count, 12, "the same flows written again are stored once")
    }

    func testNotADatabaseIsAClearError() throws {
        let dir = try TempDir()
        let path = dir.path("junk.db")
        try String(repeating: "not sqlite at all\n", count: 400).write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try FlowStore(path: path)) { error in
            XCTAssertTrue("\(error)".contains("not a flowtrail database"), "\(error)")
        }
    }

    func testRetentionDropsWholePartitions() throws {
        let dir = try TempDir()
        let store = try FlowStore(path: dir.path("a.db"))
        try write(try fixtureLines(), to: store)
        let dropped = try store.dropPartitions(before: FlowTime.parse("2023-01-01T00:00:00Z")!)
        XCTAssertEqual(dropped.partitions, 4)
        XCTAssertEqual(dropped.flows, 8)
        XCTAssertEqual(try exportAll(store).count, 4)
        XCTAssertEqual(try store.counter("retention_dropped_flows"), 8)
        // Each remaining day keeps its six tables (flows, blocks, four rollups); the dropped
        // days keep none, and their rollups no longer count the dropped flows.
        for prefix in ["f", "b", "v", "t", "d", "p"] {
            let tables = try store.db.rows("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '\(prefix)\\_%' ESCAPE '\\'")
            XCTAssertEqual(tables.count, 2, prefix)
        }
        var rolled: Int64 = 0
        for day in store.days { rolled += try store.db.scalar("SELECT sum(flows) FROM \"v_\(FlowTime.dayStamp(day))\"") ?? 0 }
        XCTAssertEqual(rolled, 4)
    }

    func testStatsJSONHasTheDocumentedKeys() throws {
        let dir = try TempDir()
        let store = try FlowStore(path: dir.path("a.db"))
        try write(try fixtureLines(), to: store)
        let stats = try json(try StoreStats.read(store).json()) as! NSDictionary
        for key in ["flows", "rejected", "nonflow", "first_time", "last_time", "partitions", "db_bytes"] {
            XCTAssertNotNil(stats[key], key)
        }
        XCTAssertEqual(stats["flows"] as? Int, 12)
        XCTAssertEqual(stats["first_time"] as? String, "1970-01-01T00:20:34.567800Z")
        XCTAssertEqual(stats["last_time"] as? String, "2026-02-24T08:47:58.042012383Z")
    }
}

final class MigrationTests: XCTestCase {
    func testMigrationsAreAppliedInOrderOnceAndRecorded() throws {
        let dir = try TempDir()
        let path = dir.path("old.db")
        // A database made by this version…
        let store = try FlowStore(path: path)
        try write(try fixtureLines(), to: store)
        // …opened by a later version with one more migration: it upgrades in place.
        let next = Migrator.embedded + [(name: "9999_flow_notes", sql: """
            CREATE TABLE flow_notes (uuid TEXT PRIMARY KEY, note TEXT NOT NULL);
            INSERT INTO flow_notes VALUES ('c938628b-0c3a-4440-9ecd-3e3ca00d3a16', 'seen in a test');
            """)]
        try Migrator.migrate(store.db, migrations: next)
        try Migrator.migrate(store.db, migrations: next)  // a second open applies nothing again
        let applied = try store.db.rows("SELECT version, name FROM schema_migrations ORDER BY version")
        XCTAssertEqual(applied.map { $0[1].text }, Migrator.embedded.map(\.name) + ["9999_flow_notes"])
        XCTAssertEqual(try store.db.scalar("SELECT count(*) FROM flow_notes"), 1)
        XCTAssertEqual(try exportAll(store).count, 12, "stored flows survive the upgrade")
    }

    func testAFailingMigrationLeavesTheDatabaseAsItWas() throws {
        let dir = try TempDir()
        let store = try FlowStore(path: dir.path("a.db"))
        let broken = Migrator.embedded + [(name: "9999_broken", sql: "CREATE TABLE x (a INTEGER); THIS IS NOT SQL;")]
        XCTAssertThrowsError(try Migrator.migrate(store.db, migrations: broken)) { error in
            XCTAssertTrue("\(error)".contains("9999_broken"), "\(error)")
        }
        XCTAssertEqual(try store.db.scalar("SELECT max(version) FROM schema_migrations"), Int64(Migrator.embedded.last!.name.prefix(4))!)
        XCTAssertNil(try store.db.scalar("SELECT 1 FROM sqlite_master WHERE name = 'x'"))
    }
}

/// The rollups a commit sums in memory equal their SQL form (`Rollups.statements`, which
/// backfills a store from before them): dropped and rebuilt from the raw rows, every rollup
/// table holds the same rows.
final class RollupFormTests: XCTestCase {
    func testCommittedRollupsEqualTheirSQLBackfill() throws {
        let dir = try TempDir()
        let path = dir.path("r.db")
        // Five flows a second: 30,000 flows span two partitions.
        var g = FlowGenerator(GeneratorOptions(seed: 5, start: 1_767_225_600_000_000_000 - 3_000_000_000_000, rate: 5))
        let lines = (0..<30_000).map { _ in g.nextLine() }
        var before: [String: [[SQLValue]]] = [:]
        do {
            let store = try FlowStore(path: path)
            _ = try write(lines, to: store, commitEvery: 777)
            XCTAssertGreaterThan(store.days.count, 1)
            for day in store.days {
                for t in ["v_", "t_", "d_", "p_"] {
                    let name = t + FlowTime.dayStamp(day)
                    before[name] = try store.db.rows("SELECT * FROM \"\(name)\"")
                    try store.db.execute("DROP TABLE \"\(name)\"")
                }
            }
        }
        let store = try FlowStore(path: path)
        var simulationRows = 0
        for (name, rows) in before {
            // WITHOUT ROWID tables read in primary-key order.
            let after = try store.db.rows("SELECT * FROM \"\(name)\"")
            XCTAssertEqual(after, rows, name)
            XCTAssertGreaterThan(rows.count, 0, name)
            if name.hasPrefix("p_") { simulationRows += rows.count }
        }
        // The policy rollup is far smaller than the flows it counts.
        XCTAssertLessThan(simulationRows, lines.count / 2)
    }
}
