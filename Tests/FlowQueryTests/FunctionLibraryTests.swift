import FlowQuery
import XCTest

/// The functions added through the one-declaration table (issue 11): Kubernetes' IP and CIDR
/// library and lowerAscii, on IPv4 and IPv6 flows, through SQL and the interpreter.
final class FunctionLibraryTests: XCTestCase {
    static let lines = [
        #"{"flow":{"time":"2026-03-01T00:00:01Z","uuid":"v4a","IP":{"source":"10.1.2.3","destination":"192.168.7.9"},"Summary":"GET /API"}}"#,
        #"{"flow":{"time":"2026-03-01T00:00:02Z","uuid":"v4b","IP":{"source":"172.16.0.5","destination":"10.0.0.1"}}}"#,
        #"{"flow":{"time":"2026-03-01T00:00:03Z","uuid":"v6a","IP":{"source":"fd00::1","destination":"2001:db8::5"}}}"#,
        #"{"flow":{"time":"2026-03-01T00:00:04Z","uuid":"v6b","IP":{"source":"2001:DB8:0:0::7","destination":"::ffff:10.0.0.1"}}}"#,
        #"{"flow":{"time":"2026-03-01T00:00:05Z","uuid":"none","Summary":"no IP layer"}}"#,
    ]

    func testAddressFunctionsOnIPv4AndIPv6() throws {
        let f = try QueryFixture(lines: Self.lines)
        let cases: [(String, Int)] = [
            ("cidr('10.0.0.0/8').containsIP(IP.source)", 1),
            ("cidr('10.0.0.0/8').containsIP(IP.destination)", 1),
            ("cidr('0.0.0.0/0').containsIP(IP.source)", 2),
            ("cidr('::/0').containsIP(IP.source)", 2),
            ("cidr('2001:db8::/32').containsIP(IP.source) || cidr('2001:db8::/32').containsIP(IP.destination)", 2),
            ("cidr('10.1.2.3/32').containsIP(ip(IP.source))", 1),
            ("isIP(IP.source)", 4),
            ("!isIP(IP.source)", 1),
            ("ip(IP.source) == ip('2001:db8::7')", 1),
            ("ip(IP.source).family() == 6", 2),
            ("ip(IP.destination) == ip('10.0.0.1')", 1),
            ("isCIDR(IP.source + '/24')", 4),
            ("isCIDR(IP.source)", 0),
            ("Summary.lowerAscii() == 'get /api'", 1),
            ("Summary.lowerAscii().startsWith('no ip')", 1),
            // && and || absorb a runtime error the other side decides, in SQL and the interpreter.
            ("ip(Summary).family() == 4 || uuid == 'v4b'", 1),
            ("!(ip(Summary).family() == 4 && uuid == 'nope')", 5),
        ]
        for (e, n) in cases {
            let sql = try f.sqlLines([e])
            XCTAssertEqual(sql.count, n, e)
            XCTAssertEqual(sql.sorted(), try f.interpretedLines([e]).sorted(), e)
        }
    }

    /// Kubernetes' URL library, for `--http-path`: the parts of `l7.http.url`, in SQL and the
    /// interpreter alike; no URL (a relative path, an empty field) is no match.
    func testURLFunctions() throws {
        let lines = [
            #"{"flow":{"time":"2026-03-01T00:00:01Z","uuid":"a","l7":{"http":{"url":"http://api.shop:8080/api/v1/cart?x=1#top"}}}}"#,
            #"{"flow":{"time":"2026-03-01T00:00:02Z","uuid":"b","l7":{"http":{"url":"/healthz"}}}}"#,
            #"{"flow":{"time":"2026-03-01T00:00:03Z","uuid":"c","l7":{"http":{"url":"https://[fd00::1]:443/x%20y"}}}}"#,
            #"{"flow":{"time":"2026-03-01T00:00:04Z","uuid":"d","l7":{"http":{"url":"relative/path"}}}}"#,
            #"{"flow":{"time":"2026-03-01T00:00:05Z","uuid":"e"}}"#,
        ]
        let f = try QueryFixture(lines: lines)
        let cases: [(String, Int)] = [
            ("isURL(l7.http.url)", 3),
            ("url(l7.http.url).getEscapedPath() == '/api/v1/cart'", 1),
            ("url(l7.http.url).getEscapedPath().matches('^/api/')", 1),
            ("url(l7.http.url).getEscapedPath() == '/healthz'", 1),
            ("url(l7.http.url).getEscapedPath() == '/x%20y'", 1),
            ("url(l7.http.url).getScheme() == 'http'", 1),
            ("url(l7.http.url).getHost() == 'api.shop:8080'", 1),
            ("url(l7.http.url).getHostname() == 'fd00::1'", 1),
            ("url(l7.http.url).getPort() == '443'", 1),
            ("url(l7.http.url).getHostname() == ''", 1),
        ]
        for (e, n) in cases {
            let sql = try f.sqlLines([e])
            XCTAssertEqual(sql.count, n, e)
            XCTAssertEqual(sql.sorted(), try f.interpretedLines([e]).sorted(), e)
        }
        XCTAssertThrowsError(try Checker.check("url('not a url').getHost() == ''"))
    }

    /// Negation never traps: the int64 minimum negated is an error (no match); a uint cannot be
    /// negated at all, as in CEL.
    func testNegationOverflowIsNoMatchNotACrash() throws {
        let f = try QueryFixture(lines: Self.lines)
        XCTAssertEqual(try f.sqlLines(["-(-9223372036854775807 - 1) == 0"]).count, 0)
        XCTAssertEqual(try f.interpretedLines(["-(-9223372036854775807 - 1) == 0"]).count, 0)
        XCTAssertThrowsError(try Checker.check("-9223372036854775808u == 0u"))
    }

    func testConstantsThatAreNoAddressAreErrorsAtTheirColumn() {
        let cases: [(String, Int, String)] = [
            ("cidr('10.0.0.0/33').containsIP(IP.source)", 6, "is not a CIDR"),
            ("ip('10.0.0') == ip(IP.source)", 4, "is not an IP address"),
            ("cidr('10.0.0.0/8').containsIP('nope')", 31, "is not an IP address"),
            ("IP.source.lowerAscii(1) == ''", 11, "lowerAscii takes 0 arguments"),
            ("lowerAscii(IP.source) == ''", 1, "call it as a method"),
            ("cidr(IP.source) == 'x'", 17, "cannot compare net.CIDR with string"),
            ("ip('1.2.3.4') < ip('1.2.3.5')", 15, "only compare with == and !="),
        ]
        for (e, column, fragment) in cases {
            XCTAssertThrowsError(try Checker.check(e), e) { error in
                guard let q = error as? QueryError else { return XCTFail("\(error)") }
                XCTAssertEqual(q.column, column, "\(e): \(q)")
                XCTAssertTrue(q.message.contains(fragment), "\(e): \(q.message)")
            }
        }
    }
}
