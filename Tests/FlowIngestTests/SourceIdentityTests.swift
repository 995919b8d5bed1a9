import FlowTestSupport
import Foundation
import XCTest

/// Sources known by their content across one-shot runs (issue 9): renamed, copied and
/// truncated, gzipped after being read, half-written lines, gzip files still being written.
final class SourceIdentityTests: XCTestCase {
    /// Small distinct flows, one per second.
    static func lines(_ n: Int, from first: Int = 1) -> [String] {
        (first..<(first + n)).map { k in
            #"{"flow":{"time":"2026-03-10T00:\#(String(format: "%02d:%02d", k / 60, k % 60))Z","uuid":"flow-\#(k)","verdict":"FORWARDED","source":{"pod_name":"p\#(k % 7)"}},"node_name":"n1","time":"2026-03-10T00:\#(String(format: "%02d:%02d", k / 60, k % 60))Z"}"#
        }
    }

    func ingest(_ db: String, _ files: [String]) throws -> String {
        let r = try runFlowtrail(["ingest", "--db", db] + files)
        XCTAssertEqual(r.status, 0, r.err)
        return r.out + r.err
    }

    func storedUUIDs(_ db: String) throws -> [String] {
        try exportedByUUID(db: db).keys.sorted { Int($0.dropFirst(5))! < Int($1.dropFirst(5))! }
    }

    func append(_ lines: [String], to path: String) throws {
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        h.seekToEndOfFile()
        h.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        try h.close()
    }

    func gzip(_ path: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["gzip", "-f", path]
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
    }

    /// The issue's sequence: read, rename (rotation), read both, gzip the backup, read both.
    func testRenamedAndGzippedFilesResumeWhereReadingStopped() throws {
        let s = try Scratch()
        let db = s.path("r.db"), live = s.path("events.log"), rotated = s.path("events-2026-03-10T00-05-00.log")
        let l = Self.lines(4)
        try writeLines(l[0..<2], to: live)
        _ = try ingest(db, [live])
        try append([l[2]], to: live)
        try FileManager.default.moveItem(atPath: live, toPath: rotated)
        try writeLines([l[3]], to: live)
        let out = try ingest(db, [rotated, live])
        XCTAssertTrue(out.contains("stored 2 flows"), out)
        XCTAssertEqual(try storedUUIDs(db), ["flow-1", "flow-2", "flow-3", "flow-4"])
        try gzip(rotated)
        let again = try ingest(db, [rotated + ".gz", live])
        XCTAssertTrue(again.contains("stored 0 flows"), again)
        XCTAssertFalse(again.contains("skipped"), "nothing is even read twice: \(again)")
        XCTAssertEqual(try storedUUIDs(db).count, 4)
        // The live file alone, after another rotation while nothing ran: the rotated-away part
        // is finished first (it is found by its inode next to the path, and its content checked).
        try append([Self.lines(1, from: 5)[0]], to: live)
        try FileManager.default.moveItem(atPath: live, toPath: s.path("events-2026-03-10T00-09-00.log"))
        try writeLines(Self.lines(1, from: 6), to: live)
        _ = try ingest(db, [live])
        XCTAssertEqual(try storedUUIDs(db), (1...6).map { "flow-\($0)" })
    }

    func testCopyAndTruncateReadsTheCopyOnwardAndTheNewContentWhole() throws {
        let s = try Scratch()
        let db = s.path("c.db"), live = s.path("hubble.log"), backup = s.path("hubble.log.1")
        let l = Self.lines(6)
        try writeLines(l[0..<2], to: live)
        _ = try ingest(db, [live])
        try append([l[2]], to: live)
        // logrotate copytruncate: copy, then truncate in place (same inode), then new lines.
        try FileManager.default.copyItem(atPath: live, toPath: backup)
        try Data().write(to: URL(fileURLWithPath: live))
        try append(Array(l[3..<5]), to: live)
        let out = try ingest(db, [backup, live])
        XCTAssertTrue(out.contains("stored 3 flows"), out)
        XCTAssertEqual(try storedUUIDs(db), (1...5).map { "flow-\($0)" })
        try append([l[5]], to: live)
        _ = try ingest(db, [live, backup])
        XCTAssertEqual(try storedUUIDs(db), (1...6).map { "flow-\($0)" })
        XCTAssertEqual(try statsJSON(db: db)["duplicates"] as? Int, 0, "nothing was read twice")
    }

    func testAHalfWrittenLastLineIsReadWholeByTheNextRun() throws {
        let s = try Scratch()
        let db = s.path("h.db"), live = s.path("live.log")
        let l = Self.lines(3)
        let cut = l[1].index(l[1].startIndex, offsetBy: 100)
        try (l[0] + "\n" + l[1][..<cut]).write(toFile: live, atomically: false, encoding: .utf8)
        let r1 = try runFlowtrail(["ingest", "--db", db, live])
        XCTAssertEqual(r1.status, 0, r1.err)
        XCTAssertTrue(r1.out.contains("stored 1 flows, rejected 0 lines"), r1.out)
        XCTAssertTrue(r1.err.contains("live.log:2: the last line has no newline yet"), r1.err)
        // The writer finishes the line and writes another.
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: live))
        h.seekToEndOfFile()
        h.write(Data((String(l[1][cut...]) + "\n" + l[2] + "\n").utf8))
        try h.close()
        let r2 = try runFlowtrail(["ingest", "--db", db, live])
        XCTAssertTrue(r2.out.contains("stored 2 flows, rejected 0 lines"), r2.out + r2.err)
        XCTAssertEqual(try storedUUIDs(db), ["flow-1", "flow-2", "flow-3"])
        // A whole record without its newline is taken: a file that simply ends without one.
        let whole = s.path("whole.log")
        try (Self.lines(1, from: 9)[0]).write(toFile: whole, atomically: false, encoding: .utf8)
        XCTAssertTrue(try ingest(db, [whole]).contains("stored 1 flows"))
        try append(["", Self.lines(1, from: 10)[0]], to: whole)  // "\n" + next line: the next run reads on
        XCTAssertTrue(try ingest(db, [whole]).contains("stored 1 flows"))
        XCTAssertEqual(try storedUUIDs(db).count, 5)
        XCTAssertEqual(try statsJSON(db: db)["duplicates"] as? Int, 0)
    }

    func testAGzipFileCutShortStopsAtItsLastWholeLineAndResumes() throws {
        let s = try Scratch()
        let db = s.path("g.db"), plain = s.path("events.log")
        let l = Self.lines(400)
        try writeLines(l, to: plain)
        try gzip(plain)
        let full = try Data(contentsOf: URL(fileURLWithPath: plain + ".gz"))
        // Still being written: only part of the compressed stream is there.
        let partial = s.path("events-part.log.gz")
        try full.prefix(full.count / 2).write(to: URL(fileURLWithPath: partial))
        let r1 = try runFlowtrail(["ingest", "--db", db, partial])
        XCTAssertEqual(r1.status, 0, r1.err)
        XCTAssertFalse(r1.out.contains("rejected 1"), r1.out)
        let first = try storedUUIDs(db)
        XCTAssertGreaterThan(first.count, 0)
        XCTAssertLessThan(first.count, 400)
        XCTAssertEqual(first, (1...first.count).map { "flow-\($0)" }, "a prefix of whole lines")
        // The rest arrives: the next run reads on from the last whole line.
        try full.write(to: URL(fileURLWithPath: partial))
        let r2 = try runFlowtrail(["ingest", "--db", db, partial])
        XCTAssertTrue(r2.out.contains("stored \(400 - first.count) flows"), r2.out + r2.err)
        XCTAssertEqual(try storedUUIDs(db).count, 400)
        XCTAssertEqual(try statsJSON(db: db)["duplicates"] as? Int, 0)
    }

    func testAFileEditedBehindItsPositionIsReadAgainWithoutDoubles() throws {
        let s = try Scratch()
        let db = s.path("e.db"), file = s.path("capture.jsonl")
        let l = Self.lines(5)
        try writeLines(l[0..<3], to: file)
        _ = try ingest(db, [file])
        // Same first line, different content after it (another capture that starts alike).
        try writeLines([l[0], l[3], l[4], l[1]], to: file)
        let out = try ingest(db, [file])
        XCTAssertTrue(out.contains("stored 2 flows") && out.contains("skipped 2 flows already stored"), out)
        XCTAssertEqual(try storedUUIDs(db), (1...5).map { "flow-\($0)" })
    }

    func testTheSameFlowsDeliveredTwiceAreStoredOnce() throws {
        let s = try Scratch()
        let db = s.path("d.db")
        let uuids = generatedLines(3_000, seed: 41)
        // Flows without a uuid (agents before Cilium 1.10) are known by their content.
        let bare = Self.lines(200, from: 100).map { $0.replacingOccurrences(of: #""uuid":"flow-\d+","#, with: "", options: .regularExpression) }
        let body = Data(((uuids + bare).joined(separator: "\n") + "\n").utf8)
        for round in 0..<2 {
            let r = try runFlowtrail(["ingest", "--db", db, "-"], stdin: body)
            XCTAssertEqual(r.status, 0, r.err)
            XCTAssertTrue(r.out.contains(round == 0 ? "stored 3200 flows" : "stored 0 flows"), r.out)
        }
        // A third copy in another file, shuffled and mixed with new flows.
        let more = generatedLines(500, seed: 42, start: 1_767_312_000_000_000_000)
        var mixed = uuids + bare + more
        mixed.shuffle()
        let file = s.path("mixed.jsonl")
        try writeLines(mixed, to: file)
        let r = try runFlowtrail(["ingest", "--db", db, file])
        XCTAssertTrue(r.out.contains("stored 500 flows") && r.out.contains("skipped 3200 flows"), r.out)
        let stats = try statsJSON(db: db)
        XCTAssertEqual(stats["flows"] as? Int, 3_700)
        XCTAssertEqual(stats["duplicates"] as? Int, 6_400)
        XCTAssertEqual(try runFlowtrail(["query", "--db", db, "--count", "true"]).out, "3700\n")
        // Two flows that differ only in one field are two flows.
        let twins = [
            #"{"flow":{"time":"2026-03-10T00:00:00Z","verdict":"DROPPED","source":{"pod_name":"a"}}}"#,
            #"{"flow":{"time":"2026-03-10T00:00:00Z","verdict":"DROPPED","source":{"pod_name":"b"}}}"#,
        ]
        let t = try runFlowtrail(["ingest", "--db", db, "-"], stdin: Data((twins.joined(separator: "\n") + "\n").utf8))
        XCTAssertTrue(t.out.contains("stored 2 flows"), t.out)
    }
}
