import FlowModel
import FlowQuery
import XCTest

/// uint64 values above 2^63 - 1 and enum names from a newer Cilium, through SQL and the
/// interpreter alike (issue 9).
final class WideValuesTests: XCTestCase {
    static let cookies: [UInt64] = [0, 5, 1 << 62, UInt64(Int64.max), UInt64(Int64.max) + 1, 18446744073709551557, UInt64.max]

    func testUint64ComparesAsTheUnsignedValueItIs() throws {
        let lines = Self.cookies.enumerated().map { k, v in
            "{\"flow\":{\"time\":\"2026-03-10T00:00:0\(k)Z\",\"uuid\":\"c\(k)\",\"socket_cookie\":\"\(v)\"}}"
        }
        let f = try QueryFixture(lines: lines)
        let literals: [UInt64] = [0, 5, UInt64(Int64.max), UInt64(Int64.max) + 1, 18446744073709551557, UInt64.max]
        for op in ["==", "!=", "<", "<=", ">", ">="] {
            for literal in literals {
                let expression = "socket_cookie \(op) \(literal)u"
                let expected = Self.cookies.filter { cookie in
                    switch op {
                    case "==": cookie == literal
                    case "!=": cookie != literal
                    case "<": cookie < literal
                    case "<=": cookie <= literal
                    case ">": cookie > literal
                    default: cookie >= literal
                    }
                }.count
                let sql = try f.sqlLines([expression])
                XCTAssertEqual(sql.count, expected, expression)
                XCTAssertEqual(sql, try f.interpretedLines([expression]), expression)
            }
        }
        // The issue's cases; an int literal on the other side of a uint compares as a uint too.
        XCTAssertEqual(try f.engine.count(QueryEngine.check(["socket_cookie > 9223372036854775807u"])), 3)
        XCTAssertEqual(try f.engine.count(QueryEngine.check(["socket_cookie == 9223372036854775807u"])), 1)
        XCTAssertEqual(try f.engine.count(QueryEngine.check(["socket_cookie > 5"])), 5)
        XCTAssertEqual(try f.engine.count(QueryEngine.check(["socket_cookie in [18446744073709551615u, 5u]"])), 2)
    }

    func testEnumNamesFromANewerCiliumAreQueryable() throws {
        let f = try QueryFixture(lines: [
            #"{"flow":{"time":"2026-03-11T01:00:02Z","uuid":"a","verdict":"DROPPED","drop_reason_desc":"DROP_NO_DEVICE"}}"#,
            #"{"flow":{"time":"2026-03-11T01:00:03Z","uuid":"b","verdict":"DROPPED","drop_reason_desc":"POLICY_DENIED"}}"#,
            #"{"flow":{"time":"2026-03-11T01:00:04Z","uuid":"c","verdict":"FUTURE_VERDICT","traffic_direction":"SIDEWAYS"}}"#,
            #"{"flow":{"time":"2026-03-11T01:00:05Z","uuid":"d","IP":{"source":"10.0.0.1","ipVersion":"IP_FUTURE"}}}"#,
        ])
        let cases: [(String, Int)] = [
            (#"drop_reason_desc == "DROP_NO_DEVICE""#, 1),
            (#"drop_reason_desc != "DROP_NO_DEVICE""#, 3),
            (#"drop_reason_desc in ["DROP_NO_DEVICE", "POLICY_DENIED"]"#, 2),
            (#"verdict == "FUTURE_VERDICT""#, 1),
            (#"verdict == Verdict.DROPPED"#, 2),
            (#"traffic_direction == "SIDEWAYS""#, 1),
            (#"IP.ipVersion == "IP_FUTURE""#, 1),
            (#"IP.ipVersion == IPVersion.IPv4"#, 0),
        ]
        for (expression, n) in cases {
            let sql = try f.sqlLines([expression])
            XCTAssertEqual(sql.count, n, expression)
            XCTAssertEqual(sql, try f.interpretedLines([expression]), expression)
        }
        // A near miss of a known name is a typo, not a name from a newer schema.
        XCTAssertThrowsError(try QueryEngine.check([#"verdict == "DROPED""#])) { e in
            XCTAssertTrue("\(e)".contains("DROPPED"), "\(e)")
        }
        XCTAssertThrowsError(try QueryEngine.check([#"verdict == "dropped""#]))
    }
}
