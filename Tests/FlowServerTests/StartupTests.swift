import FlowTestSupport
import Foundation
import XCTest

/// What a newcomer meets first (issue 12): start-up failures end `serve` at once in one line,
/// database errors say what is wrong, wrong input fails, ranges and formats are consistent.
final class StartupTests: XCTestCase {
    /// Runs the binary with a deadline; its status, stderr and how long it took.
    static func timed(_ args: [String], deadline: Double = 10) throws -> (status: Int32, err: String, seconds: Double) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Paths.flowtrail)
        p.arguments = args
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        let start = Date()
        try p.run()
        DispatchQueue.global().asyncAfter(deadline: .now() + deadline) { if p.isRunning { kill(p.processIdentifier, SIGKILL) } }
        let data = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self), Date().timeIntervalSince(start))
    }

    func testServeStartupFailuresEndTheProcessInOneLine() throws {
        let s = try Scratch()
        let db = s.path("a.db")
        try writeLines(generatedLines(50, seed: 111), to: s.path("in.jsonl"))
        XCTAssertEqual(try runFlowtrail(["ingest", "--db", db, s.path("in.jsonl")]).status, 0)
        // A port in use: one line naming the address and the reason, at once; the lock is free.
        let first = try ServerProcess(db: s.path("other.db"))
        defer { first.stop() }
        let busy = try Self.timed(["serve", "--db", db, "--listen", "127.0.0.1:\(first.port)", "--grpc-listen", "off"])
        XCTAssertNotEqual(busy.status, 0)
        XCTAssertLessThan(busy.seconds, 2)
        XCTAssertEqual(busy.err, "flowtrail: cannot listen on 127.0.0.1:\(first.port): Address already in use\n")
        XCTAssertEqual(try runFlowtrail(["ingest", "--db", db, s.path("in.jsonl")]).status, 0, "the writer lock was released")
        // An unreadable followed file, a directory to follow, a database that cannot be created.
        for (args, fragment) in [
            (["--follow", s.path("missing.log")], "cannot follow \(s.path("missing.log")): No such file or directory"),
            (["--follow", s.url.path], "it is a directory"),
        ] {
            let r = try Self.timed(["serve", "--db", db, "--listen", "127.0.0.1:0", "--grpc-listen", "off"] + args)
            XCTAssertNotEqual(r.status, 0)
            XCTAssertLessThan(r.seconds, 2)
            XCTAssertTrue(r.err.contains(fragment), r.err)
            XCTAssertEqual(r.err.split(separator: "\n").count, 1, r.err)
        }
        let nowhere = try Self.timed(["serve", "--db", s.path("no/such/dir/x.db"), "--listen", "127.0.0.1:0", "--grpc-listen", "off"])
        XCTAssertNotEqual(nowhere.status, 0)
        XCTAssertTrue(nowhere.err.contains("cannot open"), nowhere.err)
        // SIGTERM at start-up ends it too.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Paths.flowtrail)
        p.arguments = ["serve", "--db", db, "--listen", "127.0.0.1:0", "--grpc-listen", "off"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        Thread.sleep(forTimeInterval: 0.05)
        let sent = Date()
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        XCTAssertLessThan(Date().timeIntervalSince(sent), 3)
    }

    func testDatabaseErrorsSayWhatIsWrong() throws {
        let s = try Scratch()
        let other = s.path("other.db")
        let sqlite = Process()
        sqlite.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        sqlite.arguments = ["python3", "-c", "import sqlite3; c = sqlite3.connect('\(other)'); c.execute('create table t(x)'); c.commit()"]
        try sqlite.run()
        sqlite.waitUntilExit()
        let corrupt = s.path("corrupt.db")
        try writeLines(generatedLines(3_000, seed: 112), to: s.path("in.jsonl"))
        XCTAssertEqual(try runFlowtrail(["ingest", "--db", corrupt, s.path("in.jsonl")]).status, 0)
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: corrupt))
        h.seek(toFileOffset: 8192)
        h.write(Data(repeating: 0xFF, count: 64 * 4096))
        try h.close()
        for (args, fragment) in [
            (["stats", "--db", s.url.path], "is a directory, not a database file"),
            (["ingest", "--db", s.url.path, s.path("in.jsonl")], "is a directory, not a database file"),
            (["ingest", "--db", other, s.path("in.jsonl")], "is a SQLite database but not a flowtrail store"),
            (["stats", "--db", other], "is a SQLite database but not a flowtrail store"),
            (["query", "--db", corrupt, "--count", "true"], "is corrupt"),
        ] {
            let r = try runFlowtrail(args)
            XCTAssertNotEqual(r.status, 0, "\(args)")
            XCTAssertTrue(r.err.contains(fragment), "\(args): \(r.err)")
        }
        XCTAssertTrue(try runFlowtrail(["query", "--db", corrupt, "--count", "true"]).err.contains("sqlite3 \(corrupt) .recover"))
        // The other application's file was left as it was.
        let tables = try runCommand(["python3", "-c", "import sqlite3; print(sqlite3.connect('\(other)').execute('select count(*) from sqlite_master').fetchone()[0])"])
        XCTAssertEqual(tables.out, "1\n")
        // A database on a read-only filesystem: writing says so; reading works.
        if let mount = try? TmpfsMount(at: s.path("ro"), size: "16m") {
            let good = s.path("good.db")
            XCTAssertEqual(try runFlowtrail(["ingest", "--db", good, s.path("in.jsonl")]).status, 0)
            try FileManager.default.copyItem(atPath: good, toPath: mount.path + "/ro.db")
            XCTAssertTrue(mount.remountReadOnly())
            let write = try runFlowtrail(["ingest", "--db", mount.path + "/ro.db", s.path("in.jsonl")])
            XCTAssertNotEqual(write.status, 0)
            XCTAssertTrue(write.err.contains("is read-only"), write.err)
            XCTAssertEqual(try runFlowtrail(["query", "--db", mount.path + "/ro.db", "--count", "true"]).out, "3000\n")
        }
    }

    func testIngestOfNoHubbleRecordsFailsAndReportRangesAreWhole() throws {
        let s = try Scratch()
        let db = s.path("r.db")
        try "source,destination\na,b\n".write(toFile: s.path("flows.csv"), atomically: true, encoding: .utf8)
        let csv = try runFlowtrail(["ingest", "--db", db, s.path("flows.csv")])
        XCTAssertEqual(csv.status, 1)
        XCTAssertTrue(csv.err.contains("no line is a Hubble record"), csv.err)
        // A file with some Hubble records among bad lines is not a failure of the whole.
        try writeLines(generatedLines(10, seed: 113) + ["oops"], to: s.path("mixed.jsonl"))
        XCTAssertEqual(try runFlowtrail(["ingest", "--db", db, s.path("mixed.jsonl")]).status, 0)
        // Both ends of every report, with and without bounds: never an end before the start.
        for report in [["report", "summary"], ["report", "default-deny", "-o", "json"]] {
            for bounds in [[], ["--since", "90m"], ["--since", "2000-01-01T00:00:00Z"], ["--until", "1h"],
                           ["--since", "2d", "--until", "1d"]] {
                let r = try runFlowtrail(report + ["--db", db] + bounds)
                XCTAssertEqual(r.status, 0, "\(report) \(bounds): \(r.err)")
                let o = try jsonObject(Substring(r.out))
                let since = try XCTUnwrap(o["since"] as? String), until = try XCTUnwrap(o["until"] as? String)
                XCTAssertLessThanOrEqual(since, until, "\(report) \(bounds)")
                if bounds == ["--since", "90m"] { XCTAssertGreaterThan(until, since, "--since 90m reaches now") }
            }
        }
    }

    func testOutputOptionsAreTheSameEverywhere() throws {
        let s = try Scratch()
        let db = s.path("o.db")
        try writeLines(generatedLines(500, seed: 114), to: s.path("in.jsonl"))
        XCTAssertEqual(try runFlowtrail(["ingest", "--db", db, s.path("in.jsonl")]).status, 0)
        XCTAssertTrue(try runFlowtrail(["export", "--db", db, "-o", "csv"]).out.hasPrefix("time,"))
        XCTAssertEqual(try runFlowtrail(["export", "--db", db, "--format", "csv"]).out, try runFlowtrail(["export", "--db", db, "-o", "csv"]).out)
        XCTAssertEqual(try runFlowtrail(["stats", "--db", db, "-o", "json"]).out, try runFlowtrail(["stats", "--db", db, "--json"]).out)
        let table = try runFlowtrail(["report", "summary", "--db", db, "-o", "table"]).out
        XCTAssertTrue(table.contains("verdicts:") && table.contains("FORWARDED"), table)
        let bad = try runFlowtrail(["export", "--db", db, "-o", "xml"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.err.contains("'jsonl', 'ndjson' or 'csv'"), bad.err)
    }

    /// One workload seen with two label sets (a rollout) gets two policies with two names.
    func testSuggestedPolicyNamesAreUniquePerNamespace() throws {
        let s = try Scratch()
        let db = s.path("p.db")
        func flow(_ k: Int, _ labels: String) -> String {
            #"{"flow":{"time":"2026-02-01T00:00:0\#(k)Z","uuid":"r\#(k)","verdict":"FORWARDED","event_type":{"type":5},"traffic_direction":"EGRESS","policy_match_type":4,"is_reply":false,"l4":{"TCP":{"destination_port":443}},"source":{"identity":\#(100 + k),"namespace":"shop","pod_name":"cart-\#(k)","labels":[\#(labels)],"workloads":[{"name":"cart","kind":"Deployment"}]},"destination":{"identity":2,"labels":["reserved:world"]},"IP":{"destination":"1.2.3.4"}}}"#
        }
        try writeLines([flow(1, #""k8s:app=cart""#), flow(2, #""k8s:app=cart","k8s:version=v2""#)], to: s.path("in.jsonl"))
        XCTAssertEqual(try runFlowtrail(["ingest", "--db", db, s.path("in.jsonl")]).status, 0)
        let yaml = try runFlowtrail(["report", "default-deny", "--db", db, "--since", "2026-01-01T00:00:00Z", "-o", "yaml"]).out
        let names = yaml.split(separator: "\n").filter { $0.contains("name: \"flowtrail-allow") }.map { $0.trimmingCharacters(in: .whitespaces) }
        XCTAssertEqual(names, [#"name: "flowtrail-allow-cart""#, #"name: "flowtrail-allow-cart-2""#], yaml)
    }
}
