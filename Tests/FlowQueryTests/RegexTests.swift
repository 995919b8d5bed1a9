import FlowQuery
import XCTest

/// `matches()` takes CEL's RE2 syntax. glibc's POSIX matcher would accept `\d` as a plain `d`
/// and silently select the wrong flows, so patterns are rewritten, or refused with a reason.
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
            (#"^(?P<ns>[a-z]+)/(?<pod>[a-z]+)$"#, "shop/cart", true),
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
            XCTAssertNil(PosixRegex.problem(c.pattern), c.pattern)
            XCTAssertEqual(PosixRegex.matches(c.pattern, c.text), c.match, "\(c.pattern) on \(c.text)")
        }
    }

    /// RE2 forms that POSIX cannot express are refused with the reason, never matched wrongly.
    func testUnsupportedRE2SyntaxIsRefusedWithAReason() {
        let refused: [(pattern: String, reason: String)] = [
            (#"\bword"#, #"\b is RE2 syntax"#),
            (#"\pL+"#, #"\p is RE2 syntax"#),
            (#"(a)\1"#, #"\1 is RE2 syntax"#),
            (#"a(?i)b"#, "only at the start"),
            (#"(?m)^a$"#, "flags"),
            (#"[\D]"#, "inside brackets"),
            (#"[a"#, "missing ]"),
            (#"a\"#, "trailing backslash"),
            (#"[z-a]"#, "out of order"),
            ("(", "invalid regular expression"),
            (#"(?i)[0-z]"#, "with (?i), a range"),
        ]
        for r in refused {
            let problem = PosixRegex.problem(r.pattern)
            XCTAssertNotNil(problem, r.pattern)
            XCTAssertTrue(problem?.contains(r.reason) ?? false, "\(r.pattern): \(problem ?? "nil")")
            XCTAssertFalse(PosixRegex.matches(r.pattern, "word"))
        }
    }

    /// In an expression, a refused pattern is a query error at the pattern's column, and raw
    /// strings keep their backslashes.
    func testExpressionsUseRE2Patterns() throws {
        XCTAssertThrowsError(try Checker.check(#"source.pod_name.matches(r'\bcart')"#)) { error in
            let e = error as? QueryError
            XCTAssertEqual(e?.column, 25)
            XCTAssertTrue(e?.message.contains(#"\b is RE2 syntax"#) ?? false, "\(error)")
        }
        XCTAssertNoThrow(try Checker.check(#"source.pod_name.matches(r'-\d+$')"#))
        XCTAssertNoThrow(try Checker.check(#"source.pod_name.matches('-\\d+$')"#))
    }
}
