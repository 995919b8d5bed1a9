import Foundation
import FlowModel
import FlowQuery
import XCTest

final class QueryLanguageTests: XCTestCase {
    static let fixture = try! QueryFixture(generated: 0)

    /// The fixture lines in file order, and which of them an expression selects (by line).
    func selected(_ expression: String) throws -> Set<String> {
        let sql = Set(try Self.fixture.sqlLines([expression]))
        XCTAssertEqual(sql, Set(try Self.fixture.interpretedLines([expression])), expression)
        return sql
    }

    func times(_ lines: Set<String>) -> Set<String> {
        Set(lines.compactMap { line -> String? in
            guard case .string(let t)? = (try? JSONValue.parse(line))?["time"] else { return nil }
            return t
        })
    }

    /// The expressions from Cilium's own CEL filter tests give Hubble's answers on the fixtures.
    func testCiliumTestExpressions() throws {
        // FORWARDED or TRANSLATED: fixture lines 1–7, 10, 11 are FORWARDED (line 3 is REDIRECTED).
        let fwd = try selected("_flow.verdict == Verdict.FORWARDED || _flow.verdict == Verdict.TRANSLATED")
        XCTAssertEqual(fwd.count, 8)
        // IPs: line 14 has source 1.1.1.1; nothing goes to 8.8.8.8.
        XCTAssertEqual(times(try selected("_flow.IP.source == '1.1.1.1' || _flow.IP.destination == '8.8.8.8'")),
                       ["1970-01-01T00:20:34.567800Z"])
        // TCP flows: lines 1, 3, 4, 6, 7, 9, 10, 11, 14.
        XCTAssertEqual(try selected("has(_flow.l4.TCP)").count, 9)
        let web = try selected("has(_flow.l4.TCP) && (_flow.l4.TCP.destination_port == uint(80) || _flow.l4.TCP.destination_port == uint(443))")
        XCTAssertEqual(times(web), ["2023-08-21T12:12:18.510175415Z"])
    }

    func testRejectedExpressionsFromCiliumTests() {
        for (expression, fragment) in [("something-invalid", "column"), ("_flow", "not a field"), ("", "empty expression")] {
            XCTAssertThrowsError(try Checker.check(expression), expression) { error in
                XCTAssertTrue("\(error)".contains(fragment), "\(expression): \(error)")
            }
        }
    }

    func testErrorsCarryColumnCaretAndSuggestion() {
        let cases: [(String, Int, String)] = [
            ("soruce.namespace == \"x\"", 1, "did you mean \"source.namespace\"?"),
            ("verdict == \"DROPED\"", 12, "did you mean \"DROPPED\"?"),
            ("verdict == Verdict.DROPED", 12, "did you mean Verdict.DROPPED?"),
            ("source.namespace == 3", 18, "cannot compare string with int"),
            ("policy_match_type", 1, "not a bool"),
            ("verdict == (1", 14, "expected \")\""),
            ("'open string", 1, "unterminated string"),
            ("source.labels.exists(l, l == 1)", 27, "cannot compare string with int"),
            ("Summary.matches('(')", 17, "invalid regular expression"),
            ("frobnicate(1)", 1, "unknown function frobnicate()"),
        ]
        for (expression, column, fragment) in cases {
            XCTAssertThrowsError(try Checker.check(expression), expression) { error in
                guard let e = error as? QueryError else { return XCTFail("\(error)") }
                XCTAssertEqual(e.column, column, "\(expression): \(e)")
                XCTAssertTrue(e.description.contains(fragment), "\(expression): \(e)")
                XCTAssertTrue(e.description.contains("\n  " + expression + "\n"), "caret line: \(e)")
            }
        }
    }

    func testHostileInputIsRefusedNotCrashed() {
        let deep = String(repeating: "(", count: 5000) + "true" + String(repeating: ")", count: 5000)
        XCTAssertThrowsError(try Checker.check(deep)) { XCTAssertTrue("\($0)".contains("nested deeper than 100 levels"), "\($0)") }
        let long = Array(repeating: "verdict == 1", count: 3000).joined(separator: " || ")
        XCTAssertThrowsError(try Checker.check(long)) { XCTAssertTrue("\($0)".contains("longer than"), "\($0)") }
        let nots = String(repeating: "!", count: 10_000) + "true"
        XCTAssertThrowsError(try Checker.check(nots))
    }

    func testConveniencesAndZeroValueSemantics() throws {
        let f = Self.fixture
        XCTAssertEqual(try f.sqlLines(["verdict == \"DROPPED\""]).count, try f.sqlLines(["_flow.verdict == Verdict.DROPPED"]).count)
        XCTAssertEqual(try f.sqlLines(["policy_match_type == 3"]), try f.sqlLines(["policy_match_type == 3u"]))
        // Absent scalars are zero: every fixture flow but the policy-verdict one has match type 0.
        XCTAssertEqual(try selected("policy_match_type == 0").count, 11)
        // World traffic has no namespace.
        XCTAssertEqual(try selected("source.namespace == \"\"").count, 5)
        XCTAssertEqual(try selected("!has(source.pod_name)").count, 5)
        XCTAssertEqual(try selected("has(is_reply)").count, 9)
        XCTAssertEqual(try selected("time >= timestamp('2023-01-01T00:00:00Z')").count, 4)
        XCTAssertEqual(try selected("time - timestamp('2021-11-10T10:40:56Z') < duration('1s') && time >= timestamp('2021-11-10T10:40:56Z')").count, 2)
        XCTAssertEqual(try selected("time < timestamp('1970-01-02T00:00:00Z') + duration('24h')").count, 1)
        XCTAssertEqual(try selected("source.labels.exists(l, l == 'reserved:world')").count, 2)
        XCTAssertEqual(try selected("'k8s:app=ratings' in source.labels || 'k8s:app=ratings' in destination.labels").count, 2)
        XCTAssertEqual(try selected("destination.workloads.exists(w, w.kind == 'Deployment')").count, 1)
        XCTAssertEqual(try selected("Summary.contains('DNS') ? l7.type == L7FlowType.RESPONSE : false").count, 1)
        XCTAssertEqual(try selected("node_name.matches('^kind-(kind/)?[a-z-]+$')").count, 5)
        // The same in RE2 forms (a raw string, a non-capturing group, \w in brackets).
        XCTAssertEqual(try selected(#"node_name.matches(r'^kind-(?:kind/)?[\w-]+$')"#).count, 5)
    }

    func testSeveralExpressionsAreORed() throws {
        let f = Self.fixture
        let a = Set(try f.sqlLines(["verdict == 'DROPPED'"])), b = Set(try f.sqlLines(["verdict == 'REDIRECTED'"]))
        XCTAssertEqual(Set(try f.sqlLines(["verdict == 'DROPPED'", "verdict == 'REDIRECTED'"])), a.union(b))
    }

    func testUserTextNeverReachesTheSQL() throws {
        let hostile = "x'); DROP TABLE dict; --"
        let filters = try QueryEngine.check(["source.namespace == \"\(hostile)\" || Summary.startsWith(\"\(hostile)\")"])
        let (sql, params) = Self.fixture.engine.statement(filters, day: Self.fixture.store.days[0])
        XCTAssertFalse(sql.contains("DROP"), sql)
        XCTAssertTrue(params.contains(.text(hostile)))
        XCTAssertEqual(try Self.fixture.sqlLines(["source.namespace == \"\(hostile)\""]).count, 0)
    }
}
