/// Why a line or value was refused, and the 1-based byte column where that was found.
public struct DecodeError: Error, CustomStringConvertible, Sendable {
    public let reason: String
    public let column: Int
    public init(_ reason: String, column: Int) {
        self.reason = reason
        self.column = column
    }
    public var description: String { "column \(column): \(reason)" }
}

/// A cursor over the UTF-8 bytes of one JSON text: validating scans with no allocation.
///
/// Strings are not unescaped unless asked; most Hubble strings have no escapes, so the decoder
/// copies their bytes straight through.
struct JSONCursor {
    let p: UnsafePointer<UInt8>
    let n: Int
    var i: Int
    /// Added to offsets in errors so columns count from the start of the line.
    let columnBase: Int

    init(_ buffer: UnsafeBufferPointer<UInt8>, columnBase: Int = 0) {
        p = buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!
        n = buffer.count
        i = 0
        self.columnBase = columnBase
    }

    func error(_ reason: String, at offset: Int? = nil) -> DecodeError {
        DecodeError(reason, column: columnBase + (offset ?? i) + 1)
    }

    @inline(__always)
    mutating func skipSpace() {
        while i < n {
            let c = p[i]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { i += 1 } else { return }
        }
    }

    /// The next non-space byte, or 0 at the end.
    @inline(__always)
    mutating func peek() -> UInt8 {
        skipSpace()
        return i < n ? p[i] : 0
    }

    @inline(__always)
    mutating func expect(_ c: UInt8, _ what: StaticString) throws {
        skipSpace()
        guard i < n, p[i] == c else {
            throw error(i < n ? "expected \(what)" : "unexpected end of line, expected \(what)")
        }
        i += 1
    }

    /// Scans a string at the cursor (which must be on `"`); returns its content range and
    /// whether it holds escapes. Validates escapes and refuses raw control characters.
    @inline(__always)
    mutating func string() throws -> (start: Int, end: Int, escaped: Bool) {
        guard i < n, p[i] == 0x22 else { throw error("expected a string") }
        i += 1
        let start = i
        var escaped = false
        let raw = UnsafeRawPointer(p)
        while i < n {
            // Eight bytes at a time while none is a quote, a backslash or a control character
            // (most of a Hubble line is long label strings).
            while i + 8 <= n {
                let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
                let q = w ^ (0x22 &* ones), b = w ^ (0x5C &* ones)
                let special = ((q &- ones) & ~q) | ((b &- ones) & ~b) | ((w &- 0x20 &* ones) & ~w)
                // `| w`: a byte of 0x80 or more starts a multi-byte character, checked below.
                if (special | w) & highs != 0 { break }
                i += 8
            }
            guard i < n else { break }
            let c = p[i]
            if c == 0x22 {
                let end = i
                i += 1
                return (start, end, escaped)
            }
            if c == 0x5C {
                escaped = true
                guard i + 1 < n else { break }
                let e = p[i + 1]
                switch e {
                case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74: i += 2
                case 0x75:
                    guard i + 5 < n else { throw error("truncated \\u escape") }
                    for k in 2...5 where !isHex(p[i + k]) { throw error("invalid \\u escape", at: i) }
                    i += 6
                default:
                    throw error("invalid escape in string")
                }
                continue
            }
            if c < 0x20 { throw error("control character in string") }
            if c >= 0x80 {
                // Stored text must be valid UTF-8, or the export would not be JSON (RFC 8259 §8.1).
                let length = Self.utf8SequenceLength(p + i, n - i)
                guard length > 0 else { throw error("invalid UTF-8 in string") }
                i += length
                continue
            }
            i += 1
        }
        throw error("unterminated string", at: start - 1)
    }

    /// The length of the valid UTF-8 sequence at `s` (RFC 3629: no overlong forms, no
    /// surrogates, nothing above U+10FFFF), or 0 when it is not one.
    static func utf8SequenceLength(_ s: UnsafePointer<UInt8>, _ available: Int) -> Int {
        let c = s[0]
        func cont(_ k: Int) -> Bool { k < available && s[k] & 0xC0 == 0x80 }
        switch c {
        case 0xC2...0xDF: return cont(1) ? 2 : 0
        case 0xE0: return available > 1 && s[1] >= 0xA0 && s[1] <= 0xBF && cont(2) ? 3 : 0
        case 0xE1...0xEC, 0xEE...0xEF: return cont(1) && cont(2) ? 3 : 0
        case 0xED: return available > 1 && s[1] >= 0x80 && s[1] <= 0x9F && cont(2) ? 3 : 0
        case 0xF0: return available > 1 && s[1] >= 0x90 && s[1] <= 0xBF && cont(2) && cont(3) ? 4 : 0
        case 0xF1...0xF3: return cont(1) && cont(2) && cont(3) ? 4 : 0
        case 0xF4: return available > 1 && s[1] >= 0x80 && s[1] <= 0x8F && cont(2) && cont(3) ? 4 : 0
        default: return 0
        }
    }

    @inline(__always)
    func isHex(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)
    }

    /// An integer literal at the cursor (optionally quoted when `quoted` allows it).
    /// Refuses fractions and exponents: no flow field holds a non-integer number.
    mutating func integer(allowQuoted: Bool) throws -> (value: Int64, negative: Bool, magnitude: UInt64) {
        skipSpace()
        let start = i
        var quoted = false
        if i < n, p[i] == 0x22 {
            guard allowQuoted else { throw error("expected a number, found a string") }
            quoted = true
            i += 1
        }
        var negative = false
        if i < n, p[i] == 0x2D { negative = true; i += 1 }
        var magnitude: UInt64 = 0
        var digits = 0
        while i < n {
            let d = p[i] &- 0x30
            guard d < 10 else { break }
            let (m, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(d))
            guard !o1, !o2 else { throw error("integer out of range", at: start) }
            magnitude = s
            digits += 1
            i += 1
        }
        guard digits > 0 else {
            throw error(i < n && (p[i] == 0x22 || p[i] == 0x7B || p[i] == 0x5B || p[i] == 0x74 || p[i] == 0x66)
                ? "expected a number" : "invalid number", at: start)
        }
        if i < n, p[i] == 0x2E || p[i] == 0x65 || p[i] == 0x45 {
            throw error("expected an integer", at: start)
        }
        if quoted {
            guard i < n, p[i] == 0x22 else { throw error("invalid integer string", at: start) }
            i += 1
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { throw error("integer out of range", at: start) }
            return (magnitude == UInt64(Int64.max) + 1 ? .min : -Int64(magnitude), true, magnitude)
        }
        return (magnitude > UInt64(Int64.max) ? -1 : Int64(magnitude), false, magnitude)
    }

    /// Skips any JSON value, validating it; returns where it started.
    @discardableResult
    mutating func skipValue(depth: Int) throws -> Int {
        guard depth < JSONLimits.maxDepth else { throw error("nesting deeper than \(JSONLimits.maxDepth) levels") }
        skipSpace()
        guard i < n else { throw error("unexpected end of line, expected a value") }
        let start = i
        switch p[i] {
        case 0x22:
            _ = try string()
        case 0x7B:
            i += 1
            if peek() == 0x7D { i += 1; return start }
            while true {
                skipSpace()
                _ = try string()
                try expect(0x3A, "':'")
                try skipValue(depth: depth + 1)
                let c = peek()
                i += 1
                if c == 0x7D { break }
                guard c == 0x2C else { throw error("expected ',' or '}'", at: i - 1) }
            }
        case 0x5B:
            i += 1
            if peek() == 0x5D { i += 1; return start }
            while true {
                try skipValue(depth: depth + 1)
                let c = peek()
                i += 1
                if c == 0x5D { break }
                guard c == 0x2C else { throw error("expected ',' or ']'", at: i - 1) }
            }
        case 0x74: try literal("true")
        case 0x66: try literal("false")
        case 0x6E: try literal("null")
        default:
            try number()
        }
        return start
    }

    /// Any JSON number (used for fields we do not know, which are kept verbatim).
    mutating func number() throws {
        let start = i
        if i < n, p[i] == 0x2D { i += 1 }
        var digits = 0
        while i < n, p[i] &- 0x30 < 10 { i += 1; digits += 1 }
        if i < n, p[i] == 0x2E {
            i += 1
            var f = 0
            while i < n, p[i] &- 0x30 < 10 { i += 1; f += 1 }
            guard f > 0 else { throw error("invalid number", at: start) }
        }
        if i < n, p[i] == 0x65 || p[i] == 0x45 {
            i += 1
            if i < n, p[i] == 0x2B || p[i] == 0x2D { i += 1 }
            var e = 0
            while i < n, p[i] &- 0x30 < 10 { i += 1; e += 1 }
            guard e > 0 else { throw error("invalid number", at: start) }
        }
        guard digits > 0 else { throw error("invalid JSON value", at: start) }
    }

    @inline(__always)
    mutating func literal(_ word: StaticString) throws {
        let len = word.utf8CodeUnitCount
        guard i + len <= n, memcmp(p + i, word.utf8Start, len) == 0 else { throw error("invalid JSON value") }
        i += len
    }

    /// `true`, `false` at the cursor.
    mutating func bool() throws -> Bool {
        skipSpace()
        guard i < n else { throw error("unexpected end of line") }
        if p[i] == 0x74, i + 4 <= n, memcmp(p + i, "true", 4) == 0 { i += 4; return true }
        if p[i] == 0x66, i + 5 <= n, memcmp(p + i, "false", 5) == 0 { i += 5; return false }
        throw error("expected true or false")
    }

    /// Whether the cursor is on `null`; consumes it if so.
    @inline(__always)
    mutating func takeNull() -> Bool {
        skipSpace()
        if i + 4 <= n, p[i] == 0x6E, memcmp(p + i, "null", 4) == 0 { i += 4; return true }
        return false
    }

    /// A short description of the JSON type at the cursor, for error messages.
    mutating func typeName() -> String {
        switch peek() {
        case 0x22: "a string"
        case 0x7B: "an object"
        case 0x5B: "an array"
        case 0x74, 0x66: "a boolean"
        case 0x6E: "null"
        default: "a number"
        }
    }

    /// Appends the unescaped text of string content `start..<end` to `out`.
    static func unescape(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, into out: ByteBuffer) {
        var i = start
        while i < end {
            let c = p[i]
            guard c == 0x5C else { out.append(c); i += 1; continue }
            let e = p[i + 1]
            i += 2
            switch e {
            case 0x62: out.append(0x08)
            case 0x66: out.append(0x0C)
            case 0x6E: out.append(0x0A)
            case 0x72: out.append(0x0D)
            case 0x74: out.append(0x09)
            case 0x75:
                var code = hex4(p + i)
                i += 4
                if code >= 0xD800, code < 0xDC00, i + 6 <= end, p[i] == 0x5C, p[i + 1] == 0x75 {
                    let low = hex4(p + i + 2)
                    if low >= 0xDC00, low < 0xE000 {
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        i += 6
                    }
                }
                let scalar = Unicode.Scalar(code) ?? "\u{FFFD}"
                for b in String(Character(scalar)).utf8 { out.append(b) }
            default: out.append(e)
            }
        }
    }

    static func hex4(_ p: UnsafePointer<UInt8>) -> UInt32 {
        var v: UInt32 = 0
        for k in 0..<4 {
            let c = p[k]
            let d: UInt8 = c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x61 + 10
            v = v << 4 | UInt32(d)
        }
        return v
    }
}

/// Limits that keep hostile input from costing unbounded time or stack.
public enum JSONLimits {
    /// Deepest object/array nesting accepted in a line.
    public static let maxDepth = 64
    /// Longest line accepted, in bytes (Hubble's lines are 1–3 KB; 16 MiB leaves room for huge
    /// label sets). A longer one is rejected with its line number, without being held whole.
    public static let maxLineBytes = 16 << 20
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
