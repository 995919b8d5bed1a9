import Foundation
import FlowQuery
import XCTest

/// `matches()` is RE2 itself (libre2), as cel-go's is Go's RE2: CEL's syntax exactly.
final class RegexTests: XCTestCase {
    /// Patterns in RE2 syntax, texts, and whether RE2 finds a match (as `re.search` in
    /// Python and RE2 itself do for these forms).
    func testRE2SyntaxMatchesAsRE2Does() {
        let cases: [(pattern: String, text: String, match: Bool)] = [
            (#"^a\d+$"#, "a123", true),
            (#"^a\d+$"#, "add", false),
            (#"^\D+$"#, "abc", true),
            (#"^\D+$"#, "ab1", false),
            (#"\s"#, "a b", true),
            (#"^\S+$"#, "a b", false),
            (#"^\w+$"#, "frontend_2", true),
            (#"^\w+$"#, "front-end", false),
            (#"\W"#, "front-end", true),
            (#"(?i)^FRONTEND-[a-z0-9]+$"#, "frontend-7f9c", true),
            (#"^FRONTEND"#, "frontend", false),
            (#"^(?:kind/)?worker$"#, "kind/worker", true),
            (#"^(?P<ns>[a-z]+)/(?P<pod>[a-z]+)$"#, "shop/cart", true),
            (#"a.*?b"#, "axxb", true),
            (#"^a+?$"#, "aaa", true),
            (#"^a{2,3}?$"#, "aaa", true),
            (#"^x}?$"#, "x}", true),
            (#"^[\d.]+$"#, "10.0.1.2", true),
            (#"^[\d.]+$"#, "10.0.1.x", false),
            (#"^[\w-]+$"#, "auth-gateway", true),
            (#"^[a\-z]$"#, "-", true),
            (#"^[a\-z]$"#, "b", false),
            (#"^[]a]$"#, "]", true),
            (#"^[\]]$"#, "]", true),
            (#"^[\^]$"#, "^", true),
            (#"^[^\^]$"#, "^", false),
            (#"^[\[]$"#, "[", true),
            (#"^[[:digit:]]+$"#, "443", true),
            (#"^a\.b$"#, "a.b", true),
            (#"^a\.b$"#, "axb", false),
            (#"^\Qa.b*\E$"#, "a.b*", true),
            (#"^\Qa.b*\E$"#, "axbb", false),
            (#"^\x41\x{42}$"#, "AB", true),
            (#"\\"#, #"C:\path"#, true),
            (#"^a\/b$"#, "a/b", true),
            ("^api\\.(example|internal)\\.com$", "api.internal.com", true),
            // Found in review against the real RE2: braces RE2 reads as text, `.` and newlines,
            // \s without \v, (?i) ranges, characters beyond ASCII, hex range ends, [[:word:]].
            (#"^a{,2}$"#, "aa", false),
            (#"^a{,2}$"#, "a{,2}", true),
            (#"a{02}"#, "aa", false),
            (#"^x{y}$"#, "x{y}", true),
            (#"^a{2}$"#, "aa", true),
            (#"a.b"#, "a\nb", false),
            (#"(?s)a.b"#, "a\nb", true),
            (#"\s"#, "\u{0B}", false),
            (#"^\S$"#, "\u{0B}", true),
            (#"(?i)^[a-c]+$"#, "AbC", true),
            (#"^.$"#, "é", true),
            (#"^é+$"#, "éé", true),
            (#"^[^a]$"#, "é", true),
            (#"(?i)é"#, "É", true),
            (#"^[\x20-\x7e]+$"#, "GET /", true),
            (#"^[[:word:]]+$"#, "a_1", true),
            (#"\Ashop\z"#, "shop", true),
            (#"\Ashop\z"#, "shopping", false),
        ]
        for c in cases {
            XCTAssertNil(RE2Regex.problem(c.pattern), c.pattern)
            XCTAssertEqual(RE2Regex.matches(c.pattern, c.text), c.match, "\(c.pattern) on \(c.text)")
        }
    }

    /// Forms the old POSIX translation had to refuse are RE2's own now, with RE2's answers.
    func testFormsBeyondPOSIXMatchAsRE2Does() {
        let cases: [(pattern: String, text: String, match: Bool)] = [
            (#"\bcart\b"#, "shop/cart-1", true),
            (#"\bcart\b"#, "shopcart", false),
            (#"^\pL+$"#, "café", true),
            (#"^\pL+$"#, "cafe1", false),
            (#"a(?i)b"#, "aB", true),
            (#"(?m)^b$"#, "a\nb", true),
            (#"^[\D]+$"#, "abc", true),
            (#"(?i)^[0-z]+$"#, "AZ09", true),
        ]
        for c in cases {
            XCTAssertNil(RE2Regex.problem(c.pattern), c.pattern)
            XCTAssertEqual(RE2Regex.matches(c.pattern, c.text), c.match, "\(c.pattern) on \(c.text)")
        }
    }

    /// What RE2 refuses is refused with RE2's reason, never matched.
    func testInvalidPatternsAreRefusedWithRE2sReason() {
        let refused: [(pattern: String, reason: String)] = [
            (#"(a)\1"#, "invalid escape sequence"),
            (#"[a"#, "missing ]"),
            (#"a\"#, "trailing \\"),
            (#"[z-a]"#, "invalid character class range"),
            ("(", "missing )"),
            (#"a{1001}"#, "invalid repetition size"),
            (#"((a{1000}){1000}){1000}"#, "invalid repetition size"),
        ]
        for r in refused {
            let problem = RE2Regex.problem(r.pattern)
            XCTAssertNotNil(problem, r.pattern)
            XCTAssertTrue(problem?.contains(r.reason) ?? false, "\(r.pattern): \(problem ?? "nil")")
            XCTAssertFalse(RE2Regex.matches(r.pattern, "word"))
        }
    }

    /// Matching time is linear: the classic catastrophic pattern on a long text is instant.
    func testNestedQuantifiersRunInLinearTime() {
        let text = String(repeating: "a", count: 50_000) + "!"
        let start = Date()
        XCTAssertFalse(RE2Regex.matches(#"^(a+)+$"#, text))
        XCTAssertTrue(RE2Regex.matches(#"(a+)+!"#, text))
        XCTAssertLessThan(Date().timeIntervalSince(start), 1.0)
    }

    /// In an expression, a refused pattern is a query error at the pattern's column, and raw
    /// strings keep their backslashes.
    func testExpressionsUseRE2Patterns() throws {
        XCTAssertThrowsError(try Checker.check(#"source.pod_name.matches(r'(a)\1')"#)) { error in
            let e = error as? QueryError
            XCTAssertEqual(e?.column, 25)
            XCTAssertTrue(e?.message.contains("invalid escape sequence") ?? false, "\(error)")
        }
        XCTAssertNoThrow(try Checker.check(#"source.pod_name.matches(r'\bcart-\d+$')"#))
        XCTAssertNoThrow(try Checker.check(#"source.pod_name.matches('-\\d+$')"#))
    }
}
