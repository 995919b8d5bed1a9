import FlowStore
import FlowTestSupport
import Foundation
import XCTest

/// A database written by schema 2 (before flow identity and content-keyed sources) upgrades in
/// place: its partitions get the identity column, and a file it had read resumes once.
final class UpgradeTests: XCTestCase {
    func testASchema2DatabaseUpgradesAndItsSourcesResume() throws {
        let s = try Scratch()
        let db = s.path("old.db"), file = s.path("events.log")
        let lines = SourceIdentityTests.lines(3)
        try writeLines(lines, to: file)
        let consumed = Int64(lines[0].utf8.count + lines[1].utf8.count + 2)
        var st = stat()
        XCTAssertEqual(stat(file, &st), 0)
        do {
            // Schema 2 as an older flowtrail left it: one partition (the day of the lines),
            // with the first two lines' position recorded by path and inode.
            let c = try SQLiteConnection(path: db)
            try Migrator.migrate(c, migrations: Migrator.embedded.filter { $0.name < "0003" })
            let day: Int64 = 20522  // 2026-03-10
            for r in try c.rows("SELECT sql FROM partition_ddl ORDER BY seq") {
                try c.execute(r[0].text!.replacingOccurrences(of: "{day}", with: "20260310"))
            }
            try c.execute("INSERT INTO partitions(day, flows) VALUES (\(day), 0)")
            let ins = try c.prepare("INSERT INTO sources(path, dev, inode, offset, lines, size, updated) VALUES (?, ?, ?, ?, 2, ?, 0)")
            try ins.bind([.text(SourceReaderPath.absolute(file)), .int(Int64(st.st_dev)), .int(Int64(st.st_ino)), .int(consumed), .int(consumed)])
            try ins.run()
        }
        let r = try runFlowtrail(["ingest", "--db", db, file])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("stored 1 flows"), "only the line after the old position: \(r.out)")
        XCTAssertEqual(try exportedByUUID(db: db).keys.sorted(), ["flow-3"])
        // The position is now kept by content: the file renamed is still known.
        try FileManager.default.moveItem(atPath: file, toPath: file + ".1")
        let again = try runFlowtrail(["ingest", "--db", db, file + ".1"])
        XCTAssertTrue(again.out.contains("stored 0 flows"), again.out)
        let store = try FlowStore(path: db, readOnly: true)
        let columns = try store.db.rows("SELECT name FROM pragma_table_info('f_20260310')").compactMap { $0[0].text }
        XCTAssertTrue(columns.contains("h"), "\(columns)")
    }
}
