#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `matches()`: CEL's RE2 syntax, rewritten into POSIX extended syntax (`RE2Pattern`) and
/// compiled once per pattern by the C library.
public final class PosixRegex {
    private var compiled = regex_t()
    private let ok: Bool

    public init(_ pattern: String) {
        guard let re = try? RE2Pattern(pattern) else { ok = false; return }
        ok = regcomp(&compiled, re.posix, REG_EXTENDED | REG_NOSUB | (re.ignoreCase ? REG_ICASE : 0)) == 0
    }

    deinit { if ok { regfree(&compiled) } }

    public func matches(_ text: String) -> Bool {
        guard ok else { return false }
        return regexec(&compiled, text, 0, nil, 0) == 0
    }

    /// Why `pattern` cannot be used, or nil when it can.
    public static func problem(_ pattern: String) -> String? {
        do {
            _ = try RE2Pattern(pattern)
        } catch let e as RE2Pattern.Unsupported {
            return "\(e.reason) (character \(e.offset + 1) of the pattern)"
        } catch {
            return "\(error)"
        }
        return PosixRegex(pattern).ok ? nil : "invalid regular expression"
    }

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
