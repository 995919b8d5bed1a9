#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A cursor over JSON the store itself wrote (residuals, rebuilt lines), so known to be
/// valid: strings are crossed with memchr and nothing is validated again. Input from
/// outside goes through `JSONCursor`, which validates.
struct TrustedScan {
    let p: UnsafePointer<UInt8>
    let n: Int
    var i: Int

    @inline(__always) mutating func space() {
        while i < n, p[i] == 0x20 || p[i] == 0x0A || p[i] == 0x0D || p[i] == 0x09 { i += 1 }
    }

    /// At an opening quote: moves past the closing one; returns the content's range.
    @inline(__always) mutating func string() -> (Int, Int) {
        let start = i + 1
        var j = start
        while j < n {
            guard let q = memchr(p + j, 0x22, n - j) else { i = n; return (start, n) }
            let at = UnsafePointer<UInt8>(q.assumingMemoryBound(to: UInt8.self)) - p
            var slashes = 0
            while at - 1 - slashes >= start, p[at - 1 - slashes] == 0x5C { slashes += 1 }
            j = at + 1
            if slashes % 2 == 0 {
                i = j
                return (start, at)
            }
        }
        i = n
        return (start, n)
    }

    /// Skips one value (string, number, literal, object or array).
    @inline(__always) mutating func skip() {
        var depth = 0
        while i < n {
            switch p[i] {
            case 0x22:
                _ = string()
                if depth == 0 { return }
                continue
            case 0x7B, 0x5B:
                depth += 1
            case 0x7D, 0x5D:
                if depth == 0 { return }
                depth -= 1
                if depth == 0 { i += 1; return }
            case 0x2C:
                if depth == 0 { return }
            default:
                break
            }
            i += 1
        }
    }

    /// At a value: enters it if it is an object (true), else skips it (false).
    @inline(__always) mutating func enterObject() -> Bool {
        space()
        guard i < n, p[i] == 0x7B else { skip(); return false }
        i += 1
        return true
    }

    /// Inside an object: the next member's key (content range), leaving the cursor on its
    /// value; nil after the closing brace.
    @inline(__always) mutating func nextMember() -> (Int, Int)? {
        while true {
            space()
            guard i < n else { return nil }
            if p[i] == 0x7D { i += 1; return nil }
            if p[i] == 0x2C { i += 1; continue }
            let key = string()
            space()
            if i < n, p[i] == 0x3A { i += 1 }
            space()
            return key
        }
    }
}
