import FlowTestSupport
import Foundation
import XCTest

/// The CSV export read back by a real outside client: Python's `csv` module over urllib.
final class ServerExportTests: XCTestCase {
    /// Values a spreadsheet export must survive, and what a reader must get back (formula
    /// guard on, then off).
    static let tricky = [
        "ü, \"quoted\"\nsecond line",
        "=HYPERLINK(\"http://x\")",
        "+1 call",
        "-2",
        "@SUM(A1)",
        "plain ☃ 雪",
        "tab\tinside, and \r\n CRLF",
    ]

    func testCSVReadsBackInPythonWithTheRightRowsAndValues() throws {
        let s = try Scratch()
        let db = s.path("csv.db")
        var lines = generatedLines(20_000, seed: 41)
        // Give some flows tricky summaries and a comma in a pod name.
        var expectedSummary: [String: String] = [:]
        for k in stride(from: 0, to: lines.count, by: 97) {
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(lines[k].utf8), options: .mutableContainers) as? NSMutableDictionary)
            let flow = try XCTUnwrap((object["flow"] as? NSDictionary)?.mutableCopy() as? NSMutableDictionary)
            let summary = Self.tricky[(k / 97) % Self.tricky.count]
            flow["Summary"] = summary
            if let src = (flow["source"] as? NSDictionary)?.mutableCopy() as? NSMutableDictionary {
                src["pod_name"] = "web,\(k)"
                flow["source"] = src
            }
            object["flow"] = flow
            lines[k] = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
            expectedSummary[try XCTUnwrap(flow["uuid"] as? String)] = summary
        }
        let file = s.path("in.jsonl")
        try writeLines(lines, to: file)
        XCTAssertEqual(try runFlowtrail(["ingest", "--db", db, file]).status, 0)
        let server = try ServerProcess(db: db)
        defer { server.stop() }
        let expectedPath = s.path("expected.json")
        try JSONSerialization.data(withJSONObject: expectedSummary).write(to: URL(fileURLWithPath: expectedPath))

        let script = """
        import csv, io, json, sys, urllib.request
        base, expected_path, total = sys.argv[1], sys.argv[2], int(sys.argv[3])
        expected = json.load(open(expected_path, encoding="utf-8"))
        def rows(query):
            with urllib.request.urlopen(base + "/api/v1/export?" + query) as r:
                assert r.headers["Content-Type"].startswith("text/csv"), r.headers["Content-Type"]
                assert r.headers["Content-Disposition"].startswith("attachment"), r.headers["Content-Disposition"]
                raw = r.read()
            assert raw.endswith(b"\\r\\n")
            return list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
        def check(query, guard):
            table = rows(query)
            header, body = table[0], table[1:]
            assert len(body) == total, (len(body), total)
            u, s, p = header.index("uuid"), header.index("Summary"), header.index("source.pod_name")
            seen = 0
            for row in body:
                assert len(row) == len(header), row
                if row[u] in expected:
                    want = expected[row[u]]
                    if guard and want[:1] in ("=", "+", "-", "@", "\\t", "\\r"):
                        want = "'" + want
                    assert row[s] == want, (row[s], want)
                    assert row[p].startswith("web,"), row[p]
                    seen += 1
            assert seen == len(expected), (seen, len(expected))
            return header
        header = check("format=csv&columns=time,uuid,verdict,source.pod_name,source.labels,Summary,l4.destination_port", True)
        assert header == ["time", "uuid", "verdict", "source.pod_name", "source.labels", "Summary", "l4.destination_port"], header
        check("format=csv&raw=true&columns=uuid,Summary,source.pod_name", False)
        default = rows("format=csv")[0]
        assert default[0] == "time" and "Summary" in default and "l4.protocol" in default, default
        print("OK")
        """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script, "http://127.0.0.1:\(server.port)", expectedPath, String(lines.count)]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        p.waitUntilExit()
        let said = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(p.terminationStatus, 0, String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
        XCTAssertEqual(said.trimmingCharacters(in: .whitespacesAndNewlines), "OK")
    }

    func testColumnsAreCatalogPathsAndRepeatedFieldsJoin() throws {
        let s = try Scratch()
        let db = s.path("cols.db")
        XCTAssertEqual(try runFlowtrail(["ingest", "--db", db, Paths.fixture]).status, 0)
        let r = try runFlowtrail(["export", "--db", db, "--format", "csv", "--columns", "uuid,_flow.source.labels,sourceNames,l4.protocol,is_reply,policy_match_type"])
        XCTAssertEqual(r.status, 0, r.err)
        let rows = r.out.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        XCTAssertEqual(rows.first, "uuid,source.labels,source_names,l4.protocol,is_reply,policy_match_type")
        // Every fixture flow, in time order, with its labels joined by ';'.
        let jsonl = try runFlowtrail(["export", "--db", db])
        let flows = try jsonl.out.split(separator: "\n").map { try XCTUnwrap(try jsonObject($0)["flow"] as? NSDictionary) }
        XCTAssertEqual(rows.count - 1, flows.count)
        for (row, flow) in zip(rows.dropFirst(), flows) {
            let labels = ((flow["source"] as? NSDictionary)?["labels"] as? [String] ?? []).joined(separator: ";")
            XCTAssertTrue(row.hasPrefix("\(flow["uuid"] as? String ?? ""),\(labels.contains(",") ? "\"" + labels + "\"" : labels),"), row)
            XCTAssertTrue(row.hasSuffix(",\(flow["policy_match_type"] as? Int ?? 0)"), row)
        }
        let bad = try runFlowtrail(["export", "--db", db, "--format", "csv", "--columns", "uuid,soruce.namespace"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.err.contains("did you mean \"source.namespace\""), bad.err)
    }
}
