import FlowTestSupport
import Foundation
import XCTest

/// Other SQLite tools read the store through its views (issue 12): the sqlite3 shell, Python's
/// sqlite3 with pandas, and Datasette's JSON API each answer a question, and agree with
/// `flowtrail query`.
final class SQLViewTests: XCTestCase {
    static let scratch = try! Scratch()
    static let db: String = {
        let db = scratch.path("views.db"), file = scratch.path("in.jsonl")
        try! writeLines(generatedLines(4_000, seed: 121), to: file)
        _ = try! runFlowtrail(["ingest", "--db", db, file])
        return db
    }()

    /// Runs a program; its status and standard output.
    static func run(_ args: [String], timeout: Int = 300) throws -> (Int32, String) {
        try runCommand(["timeout", String(timeout)] + args)
    }

    /// Installs PyPI packages the test needs when they are missing.
    static func python(has module: String, package: String) throws {
        if try run(["python3", "-c", "import \(module)"]).0 != 0 {
            XCTAssertEqual(try run(["python3", "-m", "pip", "install", "-q", package], timeout: 600).0, 0, "pip install \(package)")
        }
    }

    func count(_ expression: String) throws -> Int {
        Int(try runFlowtrail(["query", "--db", Self.db, "--count", "--", expression]).out.dropLast()) ?? -1
    }

    func testTheSQLite3ShellAnswersThroughTheViews() throws {
        let (status, out) = try Self.run(["sqlite3", "-readonly", Self.db,
                                          "SELECT count(*) FROM flows WHERE verdict = 'DROPPED' AND destination_namespace = 'shop';"])
        guard status != 127 else { throw XCTSkip("the sqlite3 shell is not installed (apt-get install sqlite3)") }
        XCTAssertEqual(status, 0)
        XCTAssertEqual(Int(out.trimmingCharacters(in: .whitespacesAndNewlines)),
                       try count(#"verdict == Verdict.DROPPED && destination.namespace == "shop""#))
        // The view follows the partitions: a flow on a new day is there at once.
        let line = #"{"flow":{"time":"2030-01-01T00:00:00Z","uuid":"later","verdict":"DROPPED","source":{"namespace":"z"}}}"#
        XCTAssertEqual(try runFlowtrail(["ingest", "--db", Self.db, "-"], stdin: Data((line + "\n").utf8)).status, 0)
        XCTAssertEqual(try Self.run(["sqlite3", Self.db, "SELECT time FROM flows WHERE source_namespace = 'z';"]).1,
                       "2030-01-01T00:00:00.000000000Z\n")
    }

    func testPandasReadsTheTopDroppedPods() throws {
        try Self.python(has: "pandas", package: "pandas")
        let script = """
            import sqlite3, pandas
            con = sqlite3.connect('file:\(Self.db)?mode=ro', uri=True)
            df = pandas.read_sql("SELECT destination_pod AS pod, count(*) AS drops FROM flows WHERE verdict = 'DROPPED' AND destination_pod IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1", con)
            print(df.iloc[0]['pod'], int(df.iloc[0]['drops']))
            """
        let (status, out) = try Self.run(["python3", "-c", script])
        XCTAssertEqual(status, 0, out)
        let parts = out.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ")
        XCTAssertEqual(parts.count, 2, out)
        XCTAssertEqual(Int(parts[1]), try count(#"verdict == Verdict.DROPPED && destination.pod_name == "\#(parts[0])""#))
    }

    func testDatasetteAnswersOverItsJSONAPI() throws {
        try Self.python(has: "datasette", package: "datasette")
        let port = 20_000 + Int(getpid() % 10_000)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-m", "datasette", "serve", "--port", String(port), "--host", "127.0.0.1", "-i", Self.db]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        defer { p.terminate(); p.waitUntilExit() }
        let sql = "select count(*) as n from flows where traffic_direction = 'EGRESS' and protocol = 'UDP' and destination_port = 53"
        let url = "http://127.0.0.1:\(port)/views.json?_shape=array&sql=" + sql.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        var body = ""
        for _ in 0..<100 {
            let (status, out) = try Self.run(["curl", "-sf", url], timeout: 10)
            if status == 0 { body = out; break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        let rows = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [[String: Any]], body)
        XCTAssertEqual(rows.first?["n"] as? Int,
                       try count("traffic_direction == TrafficDirection.EGRESS && has(l4.UDP) && l4.UDP.destination_port == 53"))
    }
}
