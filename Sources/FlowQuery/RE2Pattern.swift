/// CEL's `matches` takes RE2 syntax; the C library's `regcomp` takes POSIX extended syntax.
/// This rewrites the RE2 forms people write (`\d`, `\w`, `\s`, `(?i)`, `(?:…)`, lazy
/// quantifiers, escapes inside brackets, `\Q…\E`, `\xHH`) into POSIX, and refuses the ones
/// POSIX cannot express (`\b`, `\pL`, back-references, flags other than a leading `(?i)`)
/// with a reason. Without it, glibc accepts `\d` as a plain `d` and silently matches the
/// wrong flows.
public struct RE2Pattern: Equatable {
    /// The POSIX extended pattern.
    public let posix: String
    /// A leading `(?i)`: compile with `REG_ICASE`.
    public let ignoreCase: Bool

    /// Why a pattern cannot be used, with the 0-based offset in the pattern.
    public struct Unsupported: Error, Equatable {
        public let offset: Int
        public let reason: String
    }

    /// Translates `pattern`, or throws `Unsupported`.
    public init(_ pattern: String) throws {
        var t = Translator(Array(pattern.unicodeScalars))
        try t.run()
        posix = t.out
        ignoreCase = t.ignoreCase
    }
}

private struct Translator {
    let p: [Unicode.Scalar]
    var i = 0
    var out = ""
    var ignoreCase = false
    /// Whether the last thing written was a quantifier (so a `?` right after it is RE2's
    /// lazy marker, which cannot change whether a text matches).
    var lastWasQuantifier = false
    /// Inside `{…}` of a repetition.
    var inBraces = false
    /// `(?s)`: `.` also matches a newline.
    var dotAll = false

    /// Whether the `{` at `i` starts an RE2 repetition: {n}, {n,} or {n,m}, n and m at most
    /// 1000, without leading zeros.
    func isRepetition() -> Bool {
        var j = i + 1
        func number() -> Int? {
            let start = j
            while j < p.count, ("0"..."9").contains(p[j]) { j += 1 }
            guard j > start, j - start <= 4 else { return nil }
            if p[start] == "0", j - start > 1 { return nil }
            let v = Int(String(String.UnicodeScalarView(p[start..<j])))!
            return v <= 1000 ? v : nil
        }
        guard let n = number() else { return false }
        if j < p.count, p[j] == "}" { return true }
        guard j < p.count, p[j] == "," else { return false }
        j += 1
        if j < p.count, p[j] == "}" { return true }
        guard let m = number(), m >= n else { return false }
        return j < p.count && p[j] == "}"
    }

    init(_ p: [Unicode.Scalar]) { self.p = p }

    /// A range that REG_ICASE handles as RE2 does: within a-z, within A-Z, or without letters.
    static func foldsCleanly(_ a: Unicode.Scalar, _ b: Unicode.Scalar) -> Bool {
        let lo = a.value, hi = b.value
        if (0x61...0x7A).contains(lo), hi <= 0x7A { return true }
        if (0x41...0x5A).contains(lo), hi <= 0x5A { return true }
        let hasLetter = !(hi < 0x41 || (lo > 0x5A && hi < 0x61) || (lo > 0x7A && hi < 0x80))
        return !hasLetter
    }

    static let posixSpecial: Set<Unicode.Scalar> = [".", "[", "]", "(", ")", "*", "+", "?", "{", "}", "|", "^", "$", "\\"]

    func fail(_ reason: String, at offset: Int) -> RE2Pattern.Unsupported {
        RE2Pattern.Unsupported(offset: offset, reason: reason)
    }

    /// A literal character, escaped where POSIX gives it a meaning.
    mutating func literal(_ c: Unicode.Scalar) {
        if Self.posixSpecial.contains(c) { out += "\\" }
        out.unicodeScalars.append(c)
    }

    mutating func run() throws {
        while i < p.count {
            let c = p[i]
            var quantifier = c == "*" || c == "+" || c == "?"
            if c == "{" {
                // RE2 reads `{` as a repetition only in the forms {n}, {n,} and {n,m};
                // anything else (`{,2}`, `a{`, `{02}`) is literal text, which glibc would not
                // agree with.
                if isRepetition() { inBraces = true } else { out += "\\{"; i += 1; lastWasQuantifier = false; continue }
            }
            if c == "}" && inBraces { quantifier = true; inBraces = false }
            if c == "?" && lastWasQuantifier {
                i += 1  // lazy: the same texts match
                lastWasQuantifier = false
                continue
            }
            switch c {
            case "\\": try escape()
            case "[": try bracket()
            case "(": try group()
            case "." where !dotAll:
                out += "[^\n]"  // RE2's `.` stops at a newline; POSIX's does not
                i += 1
            default:
                out.unicodeScalars.append(c)
                i += 1
            }
            lastWasQuantifier = quantifier
        }
    }

    /// `\x` outside brackets.
    mutating func escape() throws {
        let start = i
        guard i + 1 < p.count else { throw fail("trailing backslash", at: start) }
        let c = p[i + 1]
        i += 2
        switch c {
        case "d": out += "[0-9]"
        case "D": out += "[^0-9]"
        case "s": out += "[\t\n\u{0C}\r ]"  // RE2's \s; [[:space:]] would add \v
        case "S": out += "[^\t\n\u{0C}\r ]"
        case "A": out += "^"
        case "z": out += "$"
        case "w": out += "[0-9A-Za-z_]"
        case "W": out += "[^0-9A-Za-z_]"
        case "Q":
            while i < p.count {
                if p[i] == "\\", i + 1 < p.count, p[i + 1] == "E" { i += 2; return }
                literal(p[i])
                i += 1
            }
        case "E": break  // a stray \E ends nothing (RE2 ignores it too)
        default:
            if let v = try control(c, start: start) { literal(v); return }
            throw fail("\\\(c) is RE2 syntax that flowtrail's matcher does not support", at: start)
        }
    }

    /// A character written as an escape: punctuation, `\n`-style controls or `\xHH`.
    /// Returns nil for letters and digits that are not one of those.
    mutating func control(_ c: Unicode.Scalar, start: Int) throws -> Unicode.Scalar? {
        switch c {
        case "n": return "\n"
        case "t": return "\t"
        case "r": return "\r"
        case "f": return "\u{0C}"
        case "v": return "\u{0B}"
        case "a": return "\u{07}"
        case "x": return try hex(start: start)
        default:
            if c.properties.isAlphabetic || ("0"..."9").contains(c) || c.value > 0x7F { return nil }
            return c  // escaped punctuation stands for itself
        }
    }

    /// `\xHH` or `\x{H…}` (the `\x` already read).
    mutating func hex(start: Int) throws -> Unicode.Scalar {
        var digits = ""
        if i < p.count, p[i] == "{" {
            i += 1
            while i < p.count, p[i] != "}" { digits.unicodeScalars.append(p[i]); i += 1 }
            guard i < p.count else { throw fail("unterminated \\x{", at: start) }
            i += 1
        } else {
            for _ in 0..<2 where i < p.count { digits.unicodeScalars.append(p[i]); i += 1 }
        }
        guard let v = UInt32(digits, radix: 16), let s = Unicode.Scalar(v), v > 0 else {
            throw fail("bad \\x escape", at: start)
        }
        return s
    }

    /// `(?…)` forms; a plain `(` passes through.
    mutating func group() throws {
        let start = i
        guard i + 1 < p.count, p[i + 1] == "?" else {
            out += "("
            i += 1
            return
        }
        i += 2
        if i < p.count, p[i] == ":" {
            out += "("
            i += 1
            return
        }
        if i < p.count, p[i] == "P" || p[i] == "<" {
            if p[i] == "P" { i += 1 }
            guard i < p.count, p[i] == "<" else { throw fail("unknown group syntax", at: start) }
            while i < p.count, p[i] != ">" { i += 1 }
            guard i < p.count else { throw fail("unterminated group name", at: start) }
            i += 1
            out += "("
            return
        }
        // Flags: (?i) at the very start is case-insensitive matching; s and U cannot change
        // which of these one-line texts match. Anything else POSIX cannot say.
        var flags = ""
        while i < p.count, p[i] != ")" {
            flags.unicodeScalars.append(p[i])
            i += 1
        }
        guard i < p.count else { throw fail("unterminated group", at: start) }
        i += 1
        for f in flags.unicodeScalars {
            switch f {
            case "i" where start == 0: ignoreCase = true
            case "s": dotAll = true
            case "U": break
            case "i": throw fail("(?i) is supported only at the start of the pattern", at: start)
            default: throw fail("the (?\(flags)) flags are RE2 syntax that flowtrail's matcher does not support", at: start)
            }
        }
    }

    /// One member of a bracket expression.
    enum Member { case char(Unicode.Scalar), range(Unicode.Scalar, Unicode.Scalar), posixClass(String) }

    /// `[…]`: members are collected and written back in an order POSIX reads as intended
    /// (`]` first, `^` not first, `-` last), since POSIX brackets have no escapes.
    mutating func bracket() throws {
        let start = i
        i += 1
        var negated = false
        if i < p.count, p[i] == "^" { negated = true; i += 1 }
        var members: [Member] = []
        var first = true
        while true {
            guard i < p.count else { throw fail("missing ]", at: start) }
            let c = p[i]
            if c == "]" && !first { i += 1; break }
            first = false
            var single: Unicode.Scalar
            if c == "[", i + 1 < p.count, p[i + 1] == ":" {
                var j = i + 2
                var name = ""
                while j + 1 < p.count, !(p[j] == ":" && p[j + 1] == "]") { name.unicodeScalars.append(p[j]); j += 1 }
                guard j + 1 < p.count else { throw fail("unterminated [: class", at: i) }
                members.append(.posixClass(name))
                i = j + 2
                continue
            } else if c == "\\" {
                guard i + 1 < p.count else { throw fail("trailing backslash", at: i) }
                let e = p[i + 1]
                let at = i
                i += 2
                switch e {
                case "d": members.append(.range("0", "9")); continue
                case "s": members += ["\t", "\n", "\u{0C}", "\r", " "].map { .char($0) }; continue
                case "w": members += [.range("0", "9"), .range("A", "Z"), .range("a", "z"), .char("_")]; continue
                case "D", "S", "W": throw fail("\\\(e) inside brackets cannot be written for the POSIX matcher", at: at)
                default:
                    guard let v = try control(e, start: at) else {
                        throw fail("\\\(e) is RE2 syntax that flowtrail's matcher does not support", at: at)
                    }
                    single = v
                }
            } else {
                single = c
                i += 1
            }
            // A range a-b (a `-` before `]` is a literal).
            if i + 1 < p.count, p[i] == "-", p[i + 1] != "]" {
                i += 1
                var upper = p[i]
                if upper == "\\" {
                    guard i + 1 < p.count else { throw fail("bad range end", at: i) }
                    let e = p[i + 1]
                    i += 2
                    guard let v = try control(e, start: i - 2) else { throw fail("bad range end", at: i - 2) }
                    upper = v
                } else {
                    i += 1
                }
                guard single.value <= upper.value else { throw fail("range out of order", at: start) }
                // glibc's case folding gets ranges that mix letters with other characters wrong.
                if ignoreCase, !Self.foldsCleanly(single, upper) {
                    throw fail("with (?i), a range must be all letters of one case or hold none", at: start)
                }
                members.append(.range(single, upper))
            } else {
                members.append(.char(single))
            }
        }
        let chars = members.compactMap { if case .char(let c) = $0 { return c } else { return nil } }
        var body = chars.contains("]") ? "]" : ""
        for m in members {
            switch m {
            case .char(let c) where c == "]" || c == "-" || c == "^" || c == "[": continue
            case .char(let c): body.unicodeScalars.append(c)
            case .range(let a, let b):
                if "]-^[".unicodeScalars.contains(a) || "]-^[".unicodeScalars.contains(b) {
                    throw fail("a range with ], -, ^ or [ at an end cannot be written for the POSIX matcher", at: start)
                }
                body.unicodeScalars.append(a)
                body += "-"
                body.unicodeScalars.append(b)
            case .posixClass("word"): body += "0-9A-Za-z_"  // RE2 has it, glibc does not
            case .posixClass(let name): body += "[:\(name):]"
            }
        }
        // `[` must not be followed by `:`, `.` or `=`; `^` must not come first; `-` must come
        // last (or first).
        if chars.contains("[") { body += "[" }
        if chars.contains("^") { body += "^" }
        if chars.contains("-") { body = body == "^" ? "-^" : body + "-" }
        if body == "^", !negated {
            out += "\\^"  // `[^]` would read as a negation
            return
        }
        out += (negated ? "[^" : "[") + body + "]"
    }
}
