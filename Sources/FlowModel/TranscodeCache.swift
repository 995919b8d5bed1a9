/// Remembers the canonical form of raw JSON values the decoder has already transcoded.
///
/// An endpoint, a node's labels or a policy list repeats, byte for byte, on thousands of
/// lines. Once one raw form has been validated and canonicalised, the same bytes need only be
/// found (a syntax skip, a hash and a compare) and the stored canonical bytes copied.
final class TranscodeCache {
    /// A remembered value: its raw and canonical bytes live in `arena` (no reference counting
    /// on the hot path).
    struct Entry {
        var rawStart: Int, rawCount: Int
        var canonicalStart: Int, canonicalCount: Int
        var canonicalHash: UInt64
        var isZero: Bool
    }

    private var entries: [Entry] = []
    private let arena = ByteBuffer(capacity: 1 << 20)
    private var byRawHash: [UInt64: Int] = [:]
    /// Entries by the hash of their first `prefixLength` bytes: lets the decoder recognise a
    /// known value at the cursor without scanning it first (a memcmp instead of a JSON skip).
    private var byPrefix: [UInt64: [Int]] = [:]
    static let prefixLength = 48
    /// Bound on remembered bytes; the cache starts over past it (a new cluster, say).
    static let limit = 64 << 20

    /// The canonical bytes of an entry, valid until the next `remember`.
    @inline(__always)
    func canonical(_ e: Entry) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: arena.base + e.canonicalStart, count: e.canonicalCount)
    }

    /// A known value that the bytes at `p` (with `available` bytes left in the line) start with.
    @inline(__always)
    func match(_ p: UnsafePointer<UInt8>, available: Int) -> Entry? {
        guard available >= Self.prefixLength,
              let candidates = byPrefix[ByteHash.of(UnsafeBufferPointer(start: p, count: Self.prefixLength))]
        else { return nil }
        for k in candidates {
            let e = entries[k]
            if e.rawCount <= available, memcmp(arena.base + e.rawStart, p, e.rawCount) == 0 { return e }
        }
        return nil
    }

    /// The entry for exactly these raw bytes.
    @inline(__always)
    func find(_ raw: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Entry? {
        guard let k = byRawHash[hash] else { return nil }
        let e = entries[k]
        guard e.rawCount == raw.count, memcmp(arena.base + e.rawStart, raw.baseAddress!, raw.count) == 0 else { return nil }
        return e
    }

    func remember(raw: UnsafeBufferPointer<UInt8>, hash: UInt64, canonical: UnsafeBufferPointer<UInt8>, isZero: Bool) {
        if arena.count > Self.limit {
            entries.removeAll(keepingCapacity: true)
            byRawHash.removeAll(keepingCapacity: true)
            byPrefix.removeAll(keepingCapacity: true)
            arena.removeAll()
        }
        guard byRawHash[hash] == nil, raw.count > 0 else { return }  // a colliding value just is not cached
        let k = entries.count
        let rawStart = arena.count
        arena.append(raw)
        let canonicalStart = arena.count
        arena.append(canonical)
        entries.append(Entry(rawStart: rawStart, rawCount: raw.count, canonicalStart: canonicalStart,
                             canonicalCount: canonical.count, canonicalHash: ByteHash.of(canonical), isZero: isZero))
        byRawHash[hash] = k
        if raw.count >= Self.prefixLength {
            byPrefix[ByteHash.of(UnsafeBufferPointer(rebasing: raw[0..<Self.prefixLength])), default: []].append(k)
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
