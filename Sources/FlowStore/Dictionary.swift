import FlowModel

/// The in-memory side of the `dict` table: value bytes → id, and id → value bytes.
///
/// Every flow looks up 5–10 values here, so lookups hash the bytes 8 at a time and compare
/// against the stored copy only on a hash hit; no allocation unless the value is new.
public final class DictionaryCache {
    private var byHash: [UInt64: Int64] = [:]
    /// Values whose 64-bit hash collided with another value's (practically never).
    private var collided: [[UInt8]: Int64] = [:]
    /// Where each id's bytes are in `arena`, indexed by id (ids are dense from 1; kind 0: none).
    private var slots: [(kind: Int, start: Int, count: Int)] = [(0, 0, 0)]
    private let arena = ByteBuffer(capacity: 1 << 16)
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
        while slots.count <= Int(id) { slots.append((0, 0, 0)) }
        slots[Int(id)] = (kind.rawValue, arena.count, bytes.count)
        arena.append(bytes)
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
        if let id = byHash[h] {
            let v = slots[Int(id)]
            if v.kind == kind.rawValue, v.count == bytes.count,
               bytes.isEmpty || memcmp(arena.base + v.start, bytes.baseAddress!, v.count) == 0 { return id }
        }
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
        guard id > 0, id < slots.count else { return nil }
        let v = slots[Int(id)]
        return v.kind == 0 ? nil : Array(UnsafeBufferPointer(start: arena.base + v.start, count: v.count))
    }

    /// Entries created since the last call.
    func takeNew() -> [(id: Int64, kind: DictionaryKind, bytes: [UInt8])] {
        defer { fresh.removeAll(keepingCapacity: true) }
        return fresh
    }

    /// Forgets everything and loads the table again (after a failed transaction: ids given
    /// out in it name rows that do not exist).
    public func reload(_ db: SQLiteConnection) throws {
        clear()
        try load(db)
    }

    /// Forgets everything (after a failed transaction) so the next load starts clean.
    func clear() {
        byHash = [:]; collided = [:]; slots = [(0, 0, 0)]; arena.removeAll(); fresh = []; nextID = 1
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
