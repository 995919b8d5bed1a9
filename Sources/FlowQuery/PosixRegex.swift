#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `matches()`: POSIX extended regular expressions from the C library, compiled once per
/// pattern. CEL specifies RE2; the common subset (classes, anchors, alternation, repetition)
/// behaves the same, while RE2-only syntax such as `\d` or `(?i)` is refused as invalid.
public final class PosixRegex {
    private var compiled = regex_t()
    private let ok: Bool

    public init(_ pattern: String) {
        ok = regcomp(&compiled, pattern, REG_EXTENDED | REG_NOSUB) == 0
    }

    deinit { if ok { regfree(&compiled) } }

    public func matches(_ text: String) -> Bool {
        guard ok else { return false }
        return regexec(&compiled, text, 0, nil, 0) == 0
    }

    public static func isValid(_ pattern: String) -> Bool { PosixRegex(pattern).ok }

    nonisolated(unsafe) private static var cache: [String: PosixRegex] = [:]

    /// Whether `text` matches `pattern` (patterns cached per process; queries use a handful).
    public static func matches(_ pattern: String, _ text: String) -> Bool {
        if let r = cache[pattern] { return r.matches(text) }
        let r = PosixRegex(pattern)
        if cache.count > 256 { cache.removeAll() }
        cache[pattern] = r
        return r.matches(text)
    }
}
