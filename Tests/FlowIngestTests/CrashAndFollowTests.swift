import FlowTestSupport
import Foundation
import FlowGen
import FlowModel
import FlowStore
import XCTest

/// Flows stored so far, read the way another process would.
func storedFlows(_ db: String) -> Int {
    guard let store = try? FlowStore(path: db, readOnly: true) else { return 0 }
    return Int((try? store.db.scalar("SELECT coalesce(sum(flows), 0) FROM partitions")) ?? 0)
}

/// Waits until `db` holds `count` flows; returns the seconds it took, or nil after `timeout`.
func waitForFlows(_ db: String, _ count: Int, timeout: Double = 10) -> Double? {
    let start = Date()
    while Date().timeIntervalSince(start) < timeout {
        if storedFlows(db) >= count { return Date().timeIntervalSince(start) }
        usleep(20_000)
    }
    return nil
}

func append(_ lines: ArraySlice<String>, to path: String, newline: Bool = true) throws {
    let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    h.seekToEndOfFile()
    h.write(Data((lines.joined(separator: "\n") + (newline ? "\n" : "")).utf8))
    try h.close()
}

final class CrashAndFollowTests: XCTestCase {
    func testSIGKILLAtRandomMomentsStoresEveryFlowExactlyOnce() throws {
        let s = try Scratch()
        let count = 200_000
        let lines = generatedLines(count, seed: 23)
        let file = s.path("big.jsonl")
        try (lines.joined(separator: "\n") + "\ngarbage line\n").write(toFile: file, atomically: false, encoding: .utf8)
        let db = s.path("k.db")
        var rng = Xoshiro256StarStar(seed: 2026)
        var midIngestKills = 0
        var stored: [Int] = []
        // Kill at random moments until three kills have landed mid-ingest (or the input is done).
        for _ in 0..<12 where midIngestKills < 3 {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: Paths.flowtrail)
            p.arguments = ["ingest", "--db", db, "--batch-size", "700", file]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            usleep(UInt32(100_000 + rng.below(900_000)))
            let running = p.isRunning
            if running { kill(p.processIdentifier, SIGKILL) }
            p.waitUntilExit()
            let now = storedFlows(db)
            if running && now < count { midIngestKills += 1 }
            stored.append(now)
        }
        XCTAssertGreaterThanOrEqual(midIngestKills, 1, "kills should land mid-ingest; stored after each run: \(stored)")
        XCTAssertEqual(stored, stored.sorted(), "each run resumes where the last commit ended")
        let r = try runFlowtrail(["ingest", "--db", db, file])
        XCTAssertEqual(r.status, 0, r.err)
        let exported = try exportedByUUID(db: db)
        XCTAssertEqual(exported.count, count, "after \(midIngestKills) kills mid-ingest; stored after each: \(stored)")
        XCTAssertEqual(storedFlows(db), count)
        for line in lines { try assertSameFlow(exported[uuid(of: Data(line.utf8))!], line) }
    }

    func testFollowAppendsRotationsAndTruncationsLandOnceWithinASecond() throws {
        let s = try Scratch()
        let lines = generatedLines(400, seed: 31)
        let file = s.path("hubble.log")
        let db = s.path("follow.db")
        try writeLines(lines[0..<100], to: file)

        let p = Process()
        p.executableURL = URL(fileURLWithPath: Paths.flowtrail)
        p.arguments = ["ingest", "--db", db, "--follow", file]
        p.standardOutput = FileHandle.nullDevice
        let errPipe = Pipe()
        p.standardError = errPipe
        try p.run()
        defer { if p.isRunning { kill(p.processIdentifier, SIGKILL) } }

        XCTAssertNotNil(waitForFlows(db, 100), "initial content")
        var latencies: [Double] = []

        // Appends.
        try append(lines[100..<150], to: file)
        latencies.append(try XCTUnwrap(waitForFlows(db, 150), "append"))

        // A partial last line waits for its newline.
        let half = lines[150].count / 2
        try append([String(lines[150].prefix(half))], to: file, newline: false)
        usleep(600_000)
        XCTAssertEqual(storedFlows(db), 150, "a partial line is not stored")
        try append([String(lines[150].dropFirst(half))], to: file)
        latencies.append(try XCTUnwrap(waitForFlows(db, 151), "completed line"))

        // Rename-and-recreate rotation; the old file still gets lines after the rename.
        let rotated = s.path("hubble.log.1")
        try FileManager.default.moveItem(atPath: file, toPath: rotated)
        try append(lines[151..<171], to: rotated)
        try writeLines(lines[171..<201], to: file)
        latencies.append(try XCTUnwrap(waitForFlows(db, 201), "rotation"))

        // Truncation in place (copytruncate), then new lines.
        usleep(300_000)
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
        try h.truncate(atOffset: 0)
        try h.close()
        usleep(300_000)
        try append(lines[201..<211], to: file)
        latencies.append(try XCTUnwrap(waitForFlows(db, 211), "truncation"))

        for l in latencies { XCTAssertLessThan(l, 1.0, "stored within a second: \(latencies)") }

        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        let exported = try exportedByUUID(db: db)
        XCTAssertEqual(exported.count, 211)
        for line in lines[0..<211] { try assertSameFlow(exported[uuid(of: Data(line.utf8))!], line) }
    }

    func testRestartAfterRotationWhileStoppedFinishesTheOldFile() throws {
        let s = try Scratch()
        let lines = generatedLines(300, seed: 41)
        let file = s.path("flows.log")
        let db = s.path("r.db")
        try writeLines(lines[0..<100], to: file)
        XCTAssertEqual(try runFlowtrail(["ingest", "--db", db, file]).status, 0)
        // While flowtrail is not running: more lines, then a rotation.
        try append(lines[100..<150], to: file)
        try FileManager.default.moveItem(atPath: file, toPath: s.path("flows-2026.log"))
        try writeLines(lines[150..<300], to: file)
        let r = try runFlowtrail(["ingest", "--db", db, file])
        XCTAssertEqual(r.status, 0, r.err)
        let exported = try exportedByUUID(db: db)
        XCTAssertEqual(exported.count, 300)
        for line in lines { try assertSameFlow(exported[uuid(of: Data(line.utf8))!], line) }
    }
}
