#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FlowModel

/// Reads stored flows back as Hubble JSON, in time order.
public final class FlowReader {
    public let store: FlowStore
    let codec = BlockCodec()
    /// Recently decompressed blocks, keyed by (day, block id); rows in time order mostly hit
    /// the same block again and again.
    private var cache: [BlockKey: DecodedBlock] = [:]
    private var cacheOrder: [BlockKey] = []
    /// Blocks kept decompressed (each about 0.5 MB). One-shot reads need few; a server's
    /// readers keep more, so a hot page of flows spread over many blocks stays cached.
    public var cacheSize = 16
    private let out = ByteBuffer(capacity: 8192)
    private var dictStatement: Statement?
    /// Dictionary values of the current row, at `ranges[column]`.
    private let arena = ByteBuffer(capacity: 8192)
    private var ranges = [Range<Int>?](repeating: nil, count: Column.allCases.count)

    public init(store: FlowStore) {
        self.store = store
    }

    /// The dictionary columns, in the order the row query selects them after time and block.
    static let dictColumns = Column.allCases.filter { $0.dictionary != nil }
    /// How many dictionary columns `selectList` holds after time and block.
    public static var dictColumnCount: Int { dictColumns.count }
    /// What a row query must select, in order, for `line(day:row:firstDictColumn:)` (prefix `f.`).
    public static let selectList = (["time", "block"] + dictColumns.map(\.sqlName)).map { "f." + $0 }.joined(separator: ", ")

    /// Calls `body` with each flow line (`{"flow":…,"node_name":…,"time":…}`, no newline)
    /// whose time is in `[since, until)`, oldest first.
    public func forEachLine(since: Int64? = nil, until: Int64? = nil,
                            _ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        for day in store.days {
            let dayStart = day * 86_400_000_000_000
            if let since, dayStart + 86_400_000_000_000 <= since { continue }
            if let until, dayStart >= until { continue }
            let s = try store.db.prepare("""
                SELECT \(Self.selectList) FROM "\(FlowStore.flowTable(day))" AS f
                WHERE f.time >= ? AND f.time < ? ORDER BY f.time, f.id
                """)
            s.bind(1, since ?? Int64.min)
            s.bind(2, until ?? Int64.max)
            while try s.step() {
                try line(day: day, row: s, firstDictColumn: 2)
                try body(out.bytes)
            }
        }
    }

    /// Encodes the flow of the current row of `row` (which selected time, block, then the
    /// dictionary columns from `firstDictColumn`) into the reader's buffer.
    public func line(day: Int64, row: Statement, firstDictColumn: Int32) throws {
        let time = row.int(0)
        let ref = row.int(1)
        let block = try self.block(day: day, id: ref >> 16)
        let index = Int(ref & 0xFFFF)
        guard index + 1 < block.offsets.count else { throw StoreError("flow row points past its residual block") }
        arena.removeAll()
        for (k, c) in Self.dictColumns.enumerated() {
            let i = firstDictColumn + Int32(k)
            if row.isNull(i) { ranges[c.rawValue] = nil; continue }
            let start = arena.count
            arena.append(try dictionaryValue(row.int(i)))
            ranges[c.rawValue] = start..<arena.count
        }
        out.removeAll()
        let arena = self.arena
        let ranges = self.ranges
        FlowEncoder.writeLine(residual: block.residual(index), time: time, extracted: { c in
            ranges[c.rawValue].map { UnsafeBufferPointer(start: arena.base + $0.lowerBound, count: $0.count) }
        }, into: out)
    }

    /// The encoded line of the last `line(day:row:firstDictColumn:)` call.
    public var lineBytes: UnsafeBufferPointer<UInt8> { out.bytes }

    /// The residual JSON of the flow at block reference `ref` of partition `day`.
    public func residual(day: Int64, ref: Int64) throws -> UnsafeBufferPointer<UInt8> {
        let block = try self.block(day: day, id: ref >> 16)
        let index = Int(ref & 0xFFFF)
        guard index + 1 < block.offsets.count else { throw StoreError("flow row points past its residual block") }
        return block.residual(index)
    }

    /// The stored value of dictionary entry `id` (text, or canonical JSON), fetched once.
    public func dictionaryValue(_ id: Int64) throws -> [UInt8] {
        if let v = fetched[id] { return v }
        if let v = store.dictionary.value(id) { return v }
        // A read-only store does not load the dictionary; entries are fetched as rows use them.
        if dictStatement == nil { dictStatement = try store.db.prepare("SELECT value FROM dict WHERE id = ?") }
        let s = dictStatement!
        s.bind(1, id)
        defer { s.reset() }
        guard try s.step() else { throw StoreError("dictionary entry \(id) is missing") }
        let v = Array(s.bytes(0))
        fetched[id] = v
        return v
    }

    /// Dictionary entries fetched by this reader.
    private var fetched: [Int64: [UInt8]] = [:]

    private func block(day: Int64, id: Int64) throws -> DecodedBlock {
        let key = BlockKey(day: day, id: id)
        if let b = cache[key] { return b }
        let s = try store.db.prepare("SELECT data FROM \"\(FlowStore.blockTable(day))\" WHERE id = ?")
        s.bind(1, id)
        guard try s.step() else { throw StoreError("residual block \(id) of day \(FlowTime.dayStamp(day)) is missing") }
        // The block leaving the cache lends its memory to the one coming in.
        var spare: UnsafeMutableBufferPointer<UInt8>?
        if cacheOrder.count >= cacheSize, var evicted = cache.removeValue(forKey: cacheOrder.removeFirst()) {
            if isKnownUniquelyReferenced(&evicted) { spare = evicted.surrender() }
        }
        let (memory, count) = try codec.decompress(s.bytes(0), into: spare)
        let decoded = DecodedBlock(memory: memory, count: count)
        cache[key] = decoded
        cacheOrder.append(key)
        return decoded
    }
}

struct BlockKey: Hashable {
    let day: Int64
    let id: Int64
}

/// A decompressed block: residuals separated by newlines; `offsets[i]` is where residual i starts.
final class DecodedBlock {
    /// Owned memory (the block is its first `count` bytes), so residual pointers stay valid
    /// while the block is cached.
    private let memory: UnsafeMutableBufferPointer<UInt8>
    private var owned = true
    let offsets: [Int]

    /// Takes ownership of `memory` (from `BlockCodec.decompress`).
    init(memory: UnsafeMutableBufferPointer<UInt8>, count: Int) {
        self.memory = memory
        // Residual starts: after each newline, found with memchr (a byte loop was 18% of a
        // report that reads one flow from each of 191 blocks).
        var offsets = [0]
        offsets.reserveCapacity(FlowWriter.blockSize + 1)
        let base = memory.baseAddress!
        var i = 0
        while i < count, let hit = memchr(base + i, 0x0A, count - i) {
            i = base.distance(to: hit.assumingMemoryBound(to: UInt8.self)) + 1
            offsets.append(i)
        }
        self.offsets = offsets
    }

    deinit { if owned { memory.deallocate() } }

    /// Gives up the block's memory for reuse; the block must not be read afterwards.
    func surrender() -> UnsafeMutableBufferPointer<UInt8> {
        owned = false
        return memory
    }

    /// Residual `index` (without its newline).
    func residual(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: memory[offsets[index]..<(offsets[index + 1] - 1)])
    }
}
