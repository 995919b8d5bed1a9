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
    /// Why the pattern cannot be used (nil: it compiled).
    public let problem: String?

    public init(_ pattern: String) {
        let re: RE2Pattern
        do {
            re = try RE2Pattern(pattern)
        } catch let e as RE2Pattern.Unsupported {
            problem = "\(e.reason) (character \(e.offset + 1) of the pattern)"
            return
        } catch {
            problem = "\(error)"
            return
        }
        let compiled = self.compiled
        let rc = Self.inUTF8 { regcomp(compiled, re.posix, REG_EXTENDED | REG_NOSUB | (re.ignoreCase ? REG_ICASE : 0)) }
        problem = rc == 0 ? nil : "invalid regular expression"
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
        if problem == nil { regfree(compiled) }
        compiled.deallocate()
    }

    public func matches(_ text: String) -> Bool {
        guard problem == nil else { return false }
        return Self.inUTF8 { regexec(compiled, text, 0, nil, 0) } == 0
    }

    /// Why `pattern` cannot be used, or nil when it can.
    public static func problem(_ pattern: String) -> String? { PosixRegex(pattern).problem }

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
