import FlowTestSupport
import Foundation
import FlowModel
import XCTest

/// `flowtrail query` and `flowtrail explain` as a user runs them.
final class QueryCLITests: XCTestCase {
    static let scratch = try! Scratch()
    static let db: String = {
        let db = scratch.path("q.db")
        let file = scratch.path("in.jsonl")
        try! writeLines(generatedLines(5000, seed: 8), to: file)
        _ = try! runFlowtrail(["ingest", "--db", db, file, Paths.fixture])
        return db
    }()

    func query(_ args: [String]) throws -> (status: Int32, out: String, err: String) {
        try runFlowtrail(["query", "--db", Self.db] + args)
    }

    func testDefaultIsTheLast20OldestFirst() throws {
        let r = try query(["-o", "jsonl", "verdict == 'FORWARDED'"])
        XCTAssertEqual(r.status, 0, r.err)
        let lines = r.out.split(separator: "\n")
        XCTAssertEqual(lines.count, 20)
        let times = try lines.map { try jsonObject($0)["time"] as! String }
        XCTAssertEqual(times, times.sorted())
        let all = try query(["--all", "-o", "jsonl", "verdict == 'FORWARDED'"]).out.split(separator: "\n")
        XCTAssertEqual(Array(all.suffix(20)), lines, "the last 20 of all matches")
        let first = try query(["--first", "5", "-o", "jsonl", "verdict == 'FORWARDED'"]).out.split(separator: "\n")
        XCTAssertEqual(Array(all.prefix(5)), first)
    }

    /// Hubble's --cel-expression flag beside the positional form; `--` before an
    /// expression that starts with `-`; and the issue's expressions through the real binary.
    func testCELExpressionFlagAndExpressionsStartingWithADash() throws {
        let all = try query(["--count", "true"]).out
        XCTAssertEqual(try query(["--count", "--cel-expression", "-1 < 0"]).out, all)
        XCTAssertEqual(try query(["--count", "--", "-1 < 0"]).out, all)
        let drops = try query(["--count", "verdict == Verdict.DROPPED"]).out
        let audits = try query(["--count", "verdict == Verdict.AUDIT"]).out
        // --cel-expression is one of Hubble's filter flags: several are ORed, and an expression
        // argument must hold as well (flags and expressions AND).
        let either = try query(["--count", "--cel-expression", "verdict == Verdict.DROPPED", "--cel-expression", "verdict == Verdict.AUDIT"]).out
        XCTAssertEqual(Int(either.dropLast()), Int(drops.dropLast())! + Int(audits.dropLast())!)
        XCTAssertEqual(try query(["--count", "--cel-expression", "verdict == Verdict.DROPPED", "verdict == Verdict.AUDIT"]).out, "0\n")
        XCTAssertEqual(try query(["--count", "--cel-expression", "verdict == Verdict.DROPPED", "true"]).out, drops)
        for (e, matchesAll) in [("[] == []", true), ("[[]] != [[]]", false), ("[1, 2, 3].exists(e, e > 0)", true),
                                ("['a'].all(x, ['b'].all(y, true))", true), ("false < true", true),
                                ("'elem' in [1, 'elem', 2]", true), ("[].exists(e, e == 2)", false)] {
            let r = try query(["--count", "--", e])
            XCTAssertEqual(r.status, 0, "\(e): \(r.err)")
            XCTAssertEqual(r.out, matchesAll ? all : "0\n", e)
        }
        var conditional = "true"
        for _ in 0..<12 { conditional = "true ? \(conditional) : true" }
        XCTAssertEqual(try query(["--count", conditional]).out, all)
    }

    func testCountIsABareIntegerAndMatchesAll() throws {
        let r = try query(["--count", "policy_match_type == 4"])
        XCTAssertEqual(r.status, 0, r.err)
        let n = try XCTUnwrap(Int(r.out.trimmingCharacters(in: .whitespacesAndNewlines)))
        XCTAssertGreaterThan(n, 0)
        XCTAssertEqual(try query(["--all", "-o", "jsonl", "policy_match_type == 4"]).out.split(separator: "\n").count, n)
    }

    func testTimeBounds() throws {
        let all = try query(["--count", "true"]).out.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(all, "5012")
        let since = try query(["--count", "--since", "2026-01-01T00:00:01Z", "--until", "2026-01-01T00:00:02Z", "true"])
        XCTAssertEqual(since.status, 0, since.err)
        let n = Int(since.out.trimmingCharacters(in: .whitespacesAndNewlines))!
        XCTAssertGreaterThan(n, 500)
        XCTAssertLessThan(n, 1500)
    }

    func testInvalidExpressionExits2WithCaret() throws {
        let r = try query(["source.namespace == 'a' && verdcit == 'DROPPED'"])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.err.contains("column 28: unknown field \"verdcit\"; did you mean \"verdict\"?"), r.err)
        XCTAssertTrue(r.err.contains("\n                             ^"), r.err)
        XCTAssertEqual(try query(["@no-such-query"]).status, 2)
    }

    func testSavedQueriesRun() throws {
        for name in ["default-deny-would-block", "policy-drops", "dns-errors", "world-egress", "http-5xx"] {
            let r = try query(["--count", "@" + name])
            XCTAssertEqual(r.status, 0, "\(name): \(r.err)")
            XCTAssertNotNil(Int(r.out.trimmingCharacters(in: .whitespacesAndNewlines)), name)
        }
        let ddb = try query(["--all", "-o", "jsonl", "@default-deny-would-block"]).out.split(separator: "\n")
        XCTAssertFalse(ddb.isEmpty)
        for line in ddb {
            let flow = try jsonObject(line)["flow"] as! NSDictionary
            let verdict = flow["verdict"] as? String
            XCTAssertTrue(verdict == "AUDIT" || ((verdict == "FORWARDED" || verdict == "REDIRECTED") && flow["policy_match_type"] as? Int == 4), "\(flow)")
        }
    }

    func testOutputsAndExplain() throws {
        for format in ["compact", "dict", "json", "jsonpb", "json-array", "csv", "table"] {
            let r = try query(["-o", format, "--last", "3", "verdict == 'DROPPED'"])
            XCTAssertEqual(r.status, 0, "\(format): \(r.err)")
            XCTAssertFalse(r.out.isEmpty, format)
        }
        XCTAssertEqual((try JSONSerialization.jsonObject(with: Data(try query(["-o", "json-array", "--last", "3", "true"]).out.utf8)) as? [Any])?.count, 3)
        // -o json is hubble observe's: one GetFlowsResponse object a line.
        let lines = try query(["-o", "json", "--last", "3", "true"]).out.split(separator: "\n")
        XCTAssertEqual(lines.count, 3)
        for line in lines { XCTAssertNotNil(try jsonObject(line)["flow"]) }
        let e = try runFlowtrail(["explain", "--db", Self.db, "source.namespace == 'shop' && verdict == 'DROPPED'"])
        XCTAssertEqual(e.status, 0, e.err)
        XCTAssertTrue(e.out.contains("SELECT") && e.out.contains("plan:") && e.out.contains("USING INDEX"), e.out)
        XCTAssertFalse(e.out.contains("'shop'"), "user text is a parameter, not SQL")
    }
}
