import FlowModel

/// The in-memory side of the `dict` table: value bytes → id, and id → value bytes.
///
/// Every flow looks up 5–10 values here, so lookups hash the bytes 8 at a time and compare
/// against the stored copy only on a hash hit; no allocation unless the value is new.
public final class DictionaryCache {
    private var byHash: [UInt64: Int64] = [:]
    /// Values whose 64-bit hash collided with another value's (practically never).
    private var collided: [[UInt8]: Int64] = [:]
    /// Indexed by id (ids are dense from 1).
    private var values: [(kind: DictionaryKind, bytes: [UInt8])?] = [nil]
    public private(set) var nextID: Int64 = 1
    /// Entries created since the last `takeNew()`, to be inserted with the batch.
    private var fresh: [(id: Int64, kind: DictionaryKind, bytes: [UInt8])] = []

    public init() {}

    /// Loads all entries of the `dict` table.
    public func load(_ db: SQLiteConnection) throws {
        let s = try db.prepare("SELECT id, kind, value FROM dict")
        while try s.step() {
            guard let kind = DictionaryKind(rawValue: Int(s.int(1))) else { continue }
            remember(id: s.int(0), kind: kind, bytes: Array(s.bytes(2)))
        }
    }

    private func remember(id: Int64, kind: DictionaryKind, bytes: [UInt8]) {
        let h = bytes.withUnsafeBufferPointer { Self.mix(ByteHash.of($0), kind) }
        if byHash[h] == nil { byHash[h] = id } else { collided[[UInt8(kind.rawValue)] + bytes] = id }
        while values.count <= Int(id) { values.append(nil) }
        values[Int(id)] = (kind, bytes)
        nextID = max(nextID, id + 1)
    }

    /// The id of a value, creating an entry when it is new.
    @inline(__always)
    public func id(_ kind: DictionaryKind, _ bytes: UnsafeBufferPointer<UInt8>) -> Int64 {
        id(kind, bytes, contentHash: ByteHash.of(bytes))
    }

    /// The id of a value whose `ByteHash` is already known.
    @inline(__always)
    public func id(_ kind: DictionaryKind, _ bytes: UnsafeBufferPointer<UInt8>, contentHash: UInt64) -> Int64 {
        let h = Self.mix(contentHash, kind)
        if let id = byHash[h], let v = values[Int(id)], v.kind == kind, Self.equal(v.bytes, bytes) { return id }
        return slowID(kind, bytes, hash: h)
    }

    @inline(never)
    private func slowID(_ kind: DictionaryKind, _ bytes: UnsafeBufferPointer<UInt8>, hash h: UInt64) -> Int64 {
        let key = [UInt8(kind.rawValue)] + Array(bytes)
        if byHash[h] != nil, let id = collided[key] { return id }
        let id = nextID
        remember(id: id, kind: kind, bytes: Array(bytes))
        fresh.append((id, kind, Array(bytes)))
        return id
    }

    /// The stored bytes of an id.
    public func value(_ id: Int64) -> [UInt8]? {
        id > 0 && id < values.count ? values[Int(id)]?.bytes : nil
    }

    /// All ids of one kind whose value satisfies a test (dictionaries are small).
    public func ids(_ kind: DictionaryKind, where test: ([UInt8]) -> Bool) -> [Int64] {
        values.indices.compactMap { i in
            guard let v = values[i], v.kind == kind, test(v.bytes) else { return nil }
            return Int64(i)
        }
    }

    /// Entries created since the last call.
    func takeNew() -> [(id: Int64, kind: DictionaryKind, bytes: [UInt8])] {
        defer { fresh.removeAll(keepingCapacity: true) }
        return fresh
    }

    /// Forgets everything (after a failed transaction) so the next load starts clean.
    func clear() {
        byHash = [:]; collided = [:]; values = [nil]; fresh = []; nextID = 1
    }

    @inline(__always)
    static func equal(_ a: [UInt8], _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        if b.isEmpty { return true }
        return a.withUnsafeBufferPointer { memcmp($0.baseAddress!, b.baseAddress!, b.count) == 0 }
    }

    @inline(__always)
    static func mix(_ contentHash: UInt64, _ kind: DictionaryKind) -> UInt64 {
        (contentHash ^ (0x9E37_79B9_7F4A_7C15 &* UInt64(kind.rawValue))) &* 0xFF51_AFD7_ED55_8CCD
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
