import CRE2
import Synchronization

/// CEL's `matches()` on RE2 itself (cel-go uses Go's regexp, which is RE2): the same syntax,
/// matching time linear in the text (no pattern can make a query run away), and memory per
/// pattern bounded by `maxMemory`. A pattern RE2 refuses (bad syntax, a repetition too large)
/// is a query error with RE2's reason.
public final class RE2Regex: @unchecked Sendable {
    /// Bytes one compiled pattern may use, program and matching caches together. RE2's DFA
    /// falls back to its (slower, still linear) NFA past it, so a tight budget costs only speed.
    public static let maxMemory: Int64 = 2 << 20
    /// Compiled patterns kept across queries; with `maxMemory` each, the cache stays under
    /// 128 MiB whatever patterns clients send.
    public static let cacheCount = 64

    private let re: OpaquePointer?
    /// Why the pattern cannot be used (nil: it compiled).
    public let problem: String?

    public init(_ pattern: String) {
        var error = [CChar](repeating: 0, count: 256)
        var text = pattern
        let compiled = text.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) {
                flowtrail_re2_new($0.baseAddress, $0.count, Self.maxMemory, &error, error.count)
            }
        }
        re = compiled
        problem = compiled == nil ? String(cString: error) : nil
    }

    deinit { if let re { flowtrail_re2_free(re) } }

    /// Whether the pattern matches anywhere in `text` (CEL's `matches` is unanchored).
    public func matches(_ text: String) -> Bool {
        guard let re else { return false }
        var t = text
        return t.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { flowtrail_re2_partial_match(re, $0.baseAddress, $0.count) } == 1
        }
    }

    /// Why `pattern` cannot be used, or nil when it can.
    public static func problem(_ pattern: String) -> String? { cached(pattern).problem }

    /// Compiled patterns, least recently used first; shared by the server's reader threads
    /// (RE2 matches from several threads at once on one compiled pattern).
    private static let cache = Mutex<[(pattern: String, regex: RE2Regex)]>([])

    static func cached(_ pattern: String) -> RE2Regex {
        if let hit = cache.withLock({ c -> RE2Regex? in
            guard let k = c.firstIndex(where: { $0.pattern == pattern }) else { return nil }
            let entry = c.remove(at: k)
            c.append(entry)
            return entry.regex
        }) { return hit }
        // Compiled outside the lock: a large pattern takes a while.
        let fresh = RE2Regex(pattern)
        cache.withLock { c in
            if c.count >= cacheCount { c.removeFirst() }
            c.append((pattern, fresh))
        }
        return fresh
    }

    /// Whether `text` matches `pattern` (compiled once, cached).
    public static func matches(_ pattern: String, _ text: String) -> Bool {
        cached(pattern).matches(text)
    }
}
