/// The tokens of the expression language.
enum Token: Equatable {
    case identifier(String)
    case int(Int64)
    case uint(UInt64)
    case string(String)
    case symbol(String)  // operators and punctuation
    case end
}

/// A token and the 1-based column where it starts.
struct Lexeme {
    let token: Token
    let column: Int
}

/// Splits an expression into tokens (CEL syntax: `&&`, `||`, `==`, `'…'` and `"…"` strings
/// with escapes, raw `r'…'` strings, `80u` unsigned literals).
enum Lexer {
    static func tokens(_ text: String) throws -> [Lexeme] {
        let b = Array(text.utf8)
        var out: [Lexeme] = []
        var i = 0
        func col(_ k: Int) -> Int { String(decoding: b[0..<k], as: UTF8.self).count + 1 }
        while i < b.count {
            let c = b[i]
            if c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { i += 1; continue }
            let start = i
            // r'…' / R"…": CEL's raw strings, where a backslash is itself (regexes: r'\d+').
            let raw = (c == 0x72 || c == 0x52) && i + 1 < b.count && (b[i + 1] == 0x22 || b[i + 1] == 0x27)
            if isIdentStart(c) && !raw {
                while i < b.count, isIdentStart(b[i]) || isDigit(b[i]) { i += 1 }
                out.append(Lexeme(token: .identifier(String(decoding: b[start..<i], as: UTF8.self)), column: col(start)))
            } else if isDigit(c) {
                var value: UInt64 = 0
                var hex = false
                if c == 0x30, i + 1 < b.count, b[i + 1] == 0x78 || b[i + 1] == 0x58 { hex = true; i += 2 }
                var digits = 0
                while i < b.count, hex ? isHex(b[i]) : isDigit(b[i]) {
                    let d = UInt64(hex ? hexValue(b[i]) : b[i] - 0x30)
                    let (m, o1) = value.multipliedReportingOverflow(by: hex ? 16 : 10)
                    let (s, o2) = m.addingReportingOverflow(d)
                    if o1 || o2 { throw QueryError("number too large", column: col(start)) }
                    value = s
                    i += 1
                    digits += 1
                }
                if digits == 0 { throw QueryError("invalid number", column: col(start)) }
                if i < b.count, b[i] == 0x2E || b[i] == 0x65 || b[i] == 0x45 {
                    throw QueryError("floating-point numbers are not supported", column: col(start))
                }
                if i < b.count, b[i] == 0x75 || b[i] == 0x55 {
                    i += 1
                    out.append(Lexeme(token: .uint(value), column: col(start)))
                } else {
                    guard value <= UInt64(Int64.max) else { throw QueryError("number too large for int (add u for uint)", column: col(start)) }
                    out.append(Lexeme(token: .int(Int64(value)), column: col(start)))
                }
                if i < b.count, isIdentStart(b[i]) { throw QueryError("unexpected character after a number", column: col(i)) }
            } else if c == 0x22 || c == 0x27 || raw {
                if raw { i += 1 }
                let quote = b[i]
                i += 1
                var bytes: [UInt8] = []
                var closed = false
                while i < b.count {
                    let d = b[i]
                    if d == quote { closed = true; i += 1; break }
                    if d == 0x0A { break }
                    if d == 0x5C && !raw {
                        guard i + 1 < b.count else { break }
                        let e = b[i + 1]
                        i += 2
                        switch e {
                        case 0x6E: bytes.append(0x0A)
                        case 0x74: bytes.append(0x09)
                        case 0x72: bytes.append(0x0D)
                        case 0x5C, 0x22, 0x27, 0x2F, 0x3F, 0x60: bytes.append(e)
                        case 0x61: bytes.append(0x07)
                        case 0x62: bytes.append(0x08)
                        case 0x66: bytes.append(0x0C)
                        case 0x76: bytes.append(0x0B)
                        case 0x75:
                            guard i + 4 <= b.count, let v = UInt32(String(decoding: b[i..<(i + 4)], as: UTF8.self), radix: 16),
                                  let scalar = Unicode.Scalar(v) else {
                                throw QueryError("invalid \\u escape", column: col(i - 2))
                            }
                            bytes += Array(String(Character(scalar)).utf8)
                            i += 4
                        default:
                            throw QueryError("invalid escape in string", column: col(i - 2))
                        }
                        continue
                    }
                    bytes.append(d)
                    i += 1
                }
                if !closed { throw QueryError("unterminated string", column: col(start)) }
                out.append(Lexeme(token: .string(String(decoding: bytes, as: UTF8.self)), column: col(start)))
            } else {
                let two = i + 1 < b.count ? String(decoding: b[i...(i + 1)], as: UTF8.self) : ""
                if ["&&", "||", "==", "!=", "<=", ">="].contains(two) {
                    out.append(Lexeme(token: .symbol(two), column: col(start)))
                    i += 2
                } else if "()[],.!<>?:-+".utf8.contains(c) {
                    out.append(Lexeme(token: .symbol(String(UnicodeScalar(c))), column: col(start)))
                    i += 1
                } else {
                    let ch = String(decoding: b[i...].prefix { $0 >= 0x80 || $0 == c }.prefix(4), as: UTF8.self)
                    throw QueryError("unexpected character \"\(ch.isEmpty ? String(UnicodeScalar(c)) : String(ch.prefix(1)))\"", column: col(start))
                }
            }
        }
        out.append(Lexeme(token: .end, column: col(b.count)))
        return out
    }

    static func isIdentStart(_ c: UInt8) -> Bool { (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F }
    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    static func isHex(_ c: UInt8) -> Bool { isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66) }
    static func hexValue(_ c: UInt8) -> UInt8 { isDigit(c) ? c - 0x30 : (c | 0x20) - 0x61 + 10 }
}
