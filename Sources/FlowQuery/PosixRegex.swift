#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// `matches()`: CEL's RE2 syntax, rewritten into POSIX extended syntax (`RE2Pattern`) and
/// compiled once per pattern by the C library.
public final class PosixRegex: @unchecked Sendable {
    /// Heap memory: regcomp's result is not moved after compiling.
    private let compiled: UnsafeMutablePointer<regex_t> = {
        let p = UnsafeMutablePointer<regex_t>.allocate(capacity: 1)
        p.initialize(to: regex_t())
        return p
    }()
    private let ok: Bool

    public init(_ pattern: String) {
        guard let re = try? RE2Pattern(pattern) else { ok = false; return }
        let compiled = self.compiled
        ok = Self.inUTF8 { regcomp(compiled, re.posix, REG_EXTENDED | REG_NOSUB | (re.ignoreCase ? REG_ICASE : 0)) } == 0
    }

    /// RE2 works on characters; in the process's default C locale glibc works on bytes, so
    /// `^.$` would not match "é". Patterns compile and run under C.UTF-8 (per thread).
    nonisolated(unsafe) private static let utf8Locale = newlocale(1 << LC_CTYPE, "C.UTF-8", nil)

    private static func inUTF8<T>(_ body: () -> T) -> T {
        guard let utf8Locale else { return body() }
        let previous = uselocale(utf8Locale)
        defer { uselocale(previous) }
        return body()
    }

    deinit {
        if ok { regfree(compiled) }
        compiled.deallocate()
    }

    public func matches(_ text: String) -> Bool {
        guard ok else { return false }
        return Self.inUTF8 { regexec(compiled, text, 0, nil, 0) } == 0
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

    /// Compiled patterns, shared by the server's reader threads (regexec may run on one
    /// compiled pattern from several threads at once; the dictionary needs the lock).
    private static let cache = Mutex<[String: PosixRegex]>([:])

    /// Whether `text` matches `pattern` (patterns cached per process; queries use a handful).
    public static func matches(_ pattern: String, _ text: String) -> Bool {
        let r = cache.withLock { cache in
            if let r = cache[pattern] { return r }
            let r = PosixRegex(pattern)
            if cache.count > 256 { cache.removeAll() }
            cache[pattern] = r
            return r
        }
        return r.matches(text)
    }
}
