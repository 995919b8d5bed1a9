import FlowTestSupport
import Foundation
import FlowGen
import FlowModel
import FlowStore
import XCTest

final class IngestFileTests: XCTestCase {
    func testFixtureLinesAreIngestedAsTheirKindAndExportedEqual() throws {
        let s = try Scratch()
        let db = s.path("f.db")
        let r = try runFlowtrail(["ingest", "--db", db, Paths.fixture])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("stored 12 flows, rejected 0 lines, 2 non-flow records"), r.out)
        let stats = try statsJSON(db: db)
        XCTAssertEqual(stats["flows"] as? Int, 12)
        XCTAssertEqual(stats["nonflow"] as? Int, 2)
        XCTAssertEqual(stats["rejected"] as? Int, 0)
        let lines = try String(contentsOfFile: Paths.fixture, encoding: .utf8).split(separator: "\n")
        var expected = Set<NSDictionary>()
        for line in lines {
            let o = try jsonObject(line)
            if let f = o["flow"] as? NSDictionary { expected.insert(f) } else if o["verdict"] != nil { expected.insert(o) }
        }
        let exported = try runFlowtrail(["export", "--db", db]).out.split(separator: "\n")
        let got = Set(try exported.map { try jsonObject($0)["flow"] as! NSDictionary })
        XCTAssertEqual(got, expected)
        // The lost_events record is kept in its own table, not as a flow.
        let store = try FlowStore(path: db, readOnly: true)
        XCTAssertEqual(try store.db.scalar("SELECT count(*) FROM lost_events"), 1)
    }

    /// A generated file mixed with every tolerated variant and with garbage lines.
    func testMixedGeneratedFileIsStoredOnceAndExportedEqual() throws {
        let s = try Scratch()
        let count = 200_000
        let lines = generatedLines(count, seed: 11)
        var text = [UInt8]()
        text.reserveCapacity(count * 2300)
        var garbage = 0
        let variants = LineVariant.allCases
        let junk = ["not json at all", "[1,2,3]", #"{"flow":{"time":"2024-01-01T00:00:00Z","verdict":"DROPPED","policy_match_type":"4"}}"#,
                    #"{"flow":{"time":"not a time"}}"#, #"{"flow":{"time":"2024-01-01T00:00:00Z","node_name":{}}}"#,
                    "level=info msg=\"agent log line interleaved\"", #"{"flow":{"time":"2024-01-01T00:00:00Z""#]
        for (k, line) in lines.enumerated() {
            if k % 5 == 1 {
                text += LineVariants.apply(variants[(k / 5) % variants.count], to: line).utf8
            } else {
                text += line.utf8
            }
            text.append(0x0A)
            if k % 997 == 0 {
                text += (junk[garbage % junk.count] + "\n").utf8
                garbage += 1
            }
            if k % 1499 == 0 { text.append(0x0A) }
        }
        let file = s.path("mixed.jsonl")
        try Data(text).write(to: URL(fileURLWithPath: file))
        let db = s.path("m.db")
        let rejects = s.path("rejects.txt")
        let r = try runFlowtrail(["ingest", "--db", db, "--rejects", rejects, file])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.err.contains("mixed.jsonl:"), "rejects are reported with file:line: \(r.err.prefix(300))")
        let stats = try statsJSON(db: db)
        XCTAssertEqual(stats["flows"] as? Int, count)
        XCTAssertEqual(stats["rejected"] as? Int, garbage)
        let rejected = try String(contentsOfFile: rejects, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        XCTAssertEqual(rejected.count, garbage)
        XCTAssertEqual(String(rejected[0]), junk[0], "rejected lines are written verbatim")

        let exported = try exportedByUUID(db: db)
        XCTAssertEqual(exported.count, count)
        for line in lines { try assertSameFlow(exported[uuid(of: Data(line.utf8))!], line) }
        // Running the same command again stores nothing new.
        let again = try runFlowtrail(["ingest", "--db", db, file])
        XCTAssertTrue(again.out.hasPrefix("stored 0 flows"), again.out)
        XCTAssertEqual(try statsJSON(db: db)["flows"] as? Int, count)
    }

    func testGzipAndStdinSources() throws {
        let s = try Scratch()
        let lines = generatedLines(3000, seed: 5)
        let plain = s.path("a.jsonl")
        try writeLines(lines[..<2000], to: plain)
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gzip.arguments = ["-k", plain]
        try gzip.run()
        gzip.waitUntilExit()
        let db = s.path("g.db")
        XCTAssertEqual(try runFlowtrail(["ingest", "--db", db, plain + ".gz"]).status, 0)
        let viaStdin = try runFlowtrail(["ingest", "--db", db, "-"], stdin: Data((lines[2000...].joined(separator: "\n") + "\n").utf8))
        XCTAssertEqual(viaStdin.status, 0, viaStdin.err)
        let exported = try exportedByUUID(db: db)
        XCTAssertEqual(exported.count, 3000)
        for line in lines { try assertSameFlow(exported[uuid(of: Data(line.utf8))!], line) }
        // The .gz position is kept too: a second run adds nothing.
        XCTAssertTrue(try runFlowtrail(["ingest", "--db", db, plain + ".gz"]).out.hasPrefix("stored 0 flows"))
    }

    func testUnusableDatabaseAndUnreadableSourceFailWithOneLine() throws {
        let s = try Scratch()
        let junk = s.path("junk.db")
        try String(repeating: "garbage", count: 1000).write(toFile: junk, atomically: false, encoding: .utf8)
        let r1 = try runFlowtrail(["ingest", "--db", junk, Paths.fixture])
        XCTAssertNotEqual(r1.status, 0)
        XCTAssertTrue(r1.err.contains("not a flowtrail database"), r1.err)
        XCTAssertEqual(r1.err.split(separator: "\n").count, 1)

        let db = s.path("ok.db")
        let r2 = try runFlowtrail(["ingest", "--db", db, s.path("missing.jsonl"), Paths.fixture])
        XCTAssertNotEqual(r2.status, 0)
        XCTAssertTrue(r2.err.contains("cannot read") && r2.err.contains("missing.jsonl"), r2.err)
        XCTAssertTrue(r2.out.contains("stored 12 flows"), "the readable source is still ingested: \(r2.out)")

        // A read-only database directory: SQLite cannot create its WAL there.
        let roDir = s.path("ro")
        try FileManager.default.createDirectory(atPath: roDir, withIntermediateDirectories: true)
        XCTAssertEqual(try runFlowtrail(["ingest", "--db", roDir + "/x.db", Paths.fixture]).status, 0)
        chmod(roDir + "/x.db", 0o444)
        chmod(roDir, 0o555)
        defer { chmod(roDir, 0o755) }
        if getuid() != 0 {  // root ignores permission bits
            let r3 = try runFlowtrail(["ingest", "--db", roDir + "/x.db", Paths.fixture])
            XCTAssertNotEqual(r3.status, 0)
            XCTAssertTrue(r3.err.contains("read-only") || r3.err.contains("readonly"), r3.err)
        }
    }

    func testDefaultDatabaseComesFromEnvironment() throws {
        let s = try Scratch()
        let db = s.path("env.db")
        XCTAssertEqual(try runFlowtrail(["ingest", Paths.fixture], env: ["FLOWTRAIL_DB": db]).status, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: db))
    }
}


final class DiskFullTests: XCTestCase {
    /// A database on a 3 MB tmpfs: ingest stops with a one-line reason, keeps only whole
    /// batches, and a later run with room resumes exactly where the last commit ended.
    func testDiskFullStopsCleanlyAndResumesExactlyOnce() throws {
        let s = try Scratch()
        let mount: TmpfsMount
        do { mount = try TmpfsMount(at: s.path("tiny"), size: "3M") } catch { throw XCTSkip("\(error)") }
        let mountPoint = mount.path
        let lines = generatedLines(20_000, seed: 3)
        let file = s.path("in.jsonl")
        try writeLines(lines, to: file)
        let db = mountPoint + "/full.db"
        let r = try runFlowtrail(["ingest", "--db", db, "--batch-size", "1000", file])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("disk full"), r.err)
        XCTAssertEqual(r.err.split(separator: "\n").count, 1, r.err)
        let partial = storedFlows(db)
        XCTAssertGreaterThan(partial, 0)
        XCTAssertLessThan(partial, 20_000)
        // Only whole batches are stored: the committed position is exactly after the stored lines.
        let store = try FlowStore(path: db, readOnly: true)
        let position = try XCTUnwrap(try store.latestPosition(path: SourceReaderPath.absolute(file)))
        XCTAssertEqual(Int(position.lines), partial)
        XCTAssertEqual(Int(position.offset), lines[0..<partial].reduce(0) { $0 + $1.utf8.count + 1 })
        // Move the database somewhere with room and finish the job.
        let roomy = s.path("roomy.db")
        for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: db + suffix) {
            try FileManager.default.copyItem(atPath: db + suffix, toPath: roomy + suffix)
        }
        XCTAssertEqual(try runFlowtrail(["ingest", "--db", roomy, file]).status, 0)
        let exported = try exportedByUUID(db: roomy)
        XCTAssertEqual(exported.count, 20_000)
    }
}

enum SourceReaderPath {
    /// The key flowtrail stores a source's position under: its resolved absolute path.
    static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path).resolvingSymlinksInPath().path
    }
}
