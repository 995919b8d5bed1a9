/// Remembers the canonical form of raw JSON values the decoder has already transcoded.
///
/// An endpoint, a node's labels or a policy list repeats, byte for byte, on thousands of
/// lines. Once one raw form has been validated and canonicalised, the same bytes need only be
/// found (a syntax skip, a hash and a compare) and the stored canonical bytes copied.
final class TranscodeCache {
    struct Entry {
        var raw: [UInt8]
        var canonical: [UInt8]
        var canonicalHash: UInt64
        var isZero: Bool
    }

    private var entries: [Entry] = []
    private var byRawHash: [UInt64: Int] = [:]
    /// Entries by the hash of their first `prefixLength` bytes: lets the decoder recognise a
    /// known value at the cursor without scanning it first (a memcmp instead of a JSON skip).
    private var byPrefix: [UInt64: [Int]] = [:]
    private var bytes = 0
    static let prefixLength = 48
    /// Bound on remembered bytes; the cache starts over past it (a new cluster, say).
    static let limit = 64 << 20

    /// A known value that the bytes at `p` (with `available` bytes left in the line) start with.
    @inline(__always)
    func match(_ p: UnsafePointer<UInt8>, available: Int) -> Entry? {
        guard available >= Self.prefixLength,
              let candidates = byPrefix[ByteHash.of(UnsafeBufferPointer(start: p, count: Self.prefixLength))]
        else { return nil }
        for k in candidates {
            let e = entries[k]
            if e.raw.count <= available,
               e.raw.withUnsafeBufferPointer({ memcmp($0.baseAddress!, p, $0.count) == 0 }) { return e }
        }
        return nil
    }

    /// The entry for exactly these raw bytes.
    @inline(__always)
    func find(_ raw: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Entry? {
        guard let k = byRawHash[hash] else { return nil }
        let e = entries[k]
        guard e.raw.count == raw.count,
              e.raw.withUnsafeBufferPointer({ memcmp($0.baseAddress!, raw.baseAddress!, raw.count) == 0 }) else { return nil }
        return e
    }

    func remember(raw: UnsafeBufferPointer<UInt8>, hash: UInt64, canonical: UnsafeBufferPointer<UInt8>, isZero: Bool) {
        if bytes > Self.limit {
            entries.removeAll(keepingCapacity: true)
            byRawHash.removeAll(keepingCapacity: true)
            byPrefix.removeAll(keepingCapacity: true)
            bytes = 0
        }
        guard byRawHash[hash] == nil else { return }  // a colliding value just is not cached
        let k = entries.count
        entries.append(Entry(raw: Array(raw), canonical: Array(canonical),
                             canonicalHash: ByteHash.of(canonical), isZero: isZero))
        byRawHash[hash] = k
        if raw.count >= Self.prefixLength {
            byPrefix[ByteHash.of(UnsafeBufferPointer(rebasing: raw[0..<Self.prefixLength])), default: []].append(k)
        }
        bytes += raw.count * 2 + 64
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
