import Dispatch
import FlowModel
import Synchronization

/// Collects decoded flows into a batch and commits the batch in one transaction, together
/// with the read positions of the sources it came from.
///
/// Either the whole batch (rows, residual blocks, dictionary entries, counters, positions)
/// is in the database or none of it is, so a restart resumes exactly where the last commit
/// ended.
public final class FlowWriter {
    public let store: FlowStore
    let codec = BlockCodec()
    /// Flows per residual block: larger compresses better, smaller reads faster for lookups.
    public static let blockSize = 1024
    static let stride = Column.allCases.count
    static let null = Int64.min
    /// What `add` needs of each column, worked out once instead of once a flow.
    private static let columns = Column.allCases.map {
        (column: $0, dictionary: $0.dictionary, absent: $0.nullable ? null : 0)
    }
    /// The partition the previous flow went to.
    private var lastPartition: PendingPartition?

    /// When true, `commit()` hands the batch to a background thread and returns, so decoding
    /// the next batch overlaps with writing this one (at most two batches waiting).
    /// `flush()` waits for it. The store's connection must then be left to the writer.
    public var pipelined = false
    private var batch = Batch()
    private let queue = DispatchQueue(label: "flowtrail.commit")
    private let inFlight = DispatchSemaphore(value: 2)
    /// The first failed write's error. Every later commit throws this same error, so the
    /// reason the user sees is the real one (disk full), not a consequence of it.
    private let failure = Mutex<(any Error)?>(nil)
    private var rowStatements: [Int64: (Statement, Statement)] = [:]
    private var nextBlock: [Int64: Int64] = [:]
    private var nextRow: [Int64: Int64] = [:]
    /// Partitions created by the batch being written.
    private var newDays: [Int64] = []
    /// Flows in the current batch.
    public var pendingFlows: Int { batch.flows }
    /// Called after each commit with the rows it added (on the thread that wrote them), so a
    /// live feed can read exactly the new flows.
    public var onCommit: (@Sendable ([CommittedRows]) -> Void)?
    private var committed: [CommittedRows] = []

    /// Recognises flows already stored or already in a batch.
    let duplicates: DuplicateFilter

    /// Flow keys held in memory before the writer is flushed and most are dropped (about 40
    /// bytes each); tests set it small to cross many checkpoints.
    public var duplicateCheckpointSize: Int {
        get { duplicates.checkpointSize }
        set { duplicates.checkpointSize = newValue }
    }

    public init(store: FlowStore) {
        self.store = store
        duplicates = DuplicateFilter(path: store.path)
    }

    /// Adds a decoded flow to the batch, unless it is already stored or in a batch (the same
    /// flow delivered again, `FlowIdentity`): returns false then, and counts it.
    @discardableResult
    public func add(_ flow: DecodedFlow) throws -> Bool {
        let day = FlowTime.day(flow.time)
        let identity = FlowIdentity.hash(flow)
        if try duplicates.isDuplicate(day: day, time: flow.time, hash: identity) {
            count("duplicates")
            return false
        }
        let part: PendingPartition
        if let p = lastPartition, p.day == day {
            part = p  // flows come in time order: nearly always the partition of the flow before
        } else if let p = batch.partitions[day] {
            part = p
        } else {
            part = PendingPartition(day: day)
            batch.partitions[day] = part
        }
        lastPartition = part
        let dict = store.dictionary
        for c in Self.columns {
            if !flow.has(c.column) {
                part.rows.append(c.absent)
            } else if let kind = c.dictionary {
                part.rows.append(dict.id(kind, flow.sideBytes(c.column), contentHash: flow.sideHash(c.column)))
            } else if c.column == .time {
                part.rows.append(flow.time)
            } else {
                part.rows.append(flow.ints[c.column.rawValue])
            }
        }
        // Summed here, on the decoding thread: the writing thread (SQLite) is the busier one.
        part.rows.withUnsafeBufferPointer { rows in
            part.rollup.add(UnsafeBufferPointer(rebasing: rows[(rows.count - Self.stride)...]), null: Self.null)
        }
        part.identities.append(identity)
        part.block.append(flow.residual.bytes)
        part.block.append(0x0A)
        part.rowCount += 1
        if part.rowCount % Self.blockSize == 0 { try part.sealBlock(codec) }
        part.minTime = min(part.minTime, flow.time)
        part.maxTime = max(part.maxTime, flow.time)
        batch.flows += 1
        for u in flow.unknownEnums {
            let key = UnknownEnumKey(field: u.field, name: u.name)
            if var v = batch.unknownEnums[key] {
                v.flows += 1
                v.first = min(v.first, flow.time)
                v.last = max(v.last, flow.time)
                batch.unknownEnums[key] = v
            } else {
                batch.unknownEnums[key] = (1, flow.time, flow.time)
            }
        }
        return true
    }

    /// Forgets what the writer knows of partitions that are gone (retention dropped them), so
    /// a late flow for such a day starts a new partition. Call after `flush()`.
    public func forgetDroppedPartitions() {
        let present = Set(store.days)
        for day in Set(rowStatements.keys).union(nextRow.keys) where !present.contains(day) {
            rowStatements[day] = nil
            nextBlock[day] = nil
            nextRow[day] = nil
            duplicates.forget(day: day)
        }
    }

    /// Records a `lost_events` record.
    public func addLostEvent(json: [UInt8], node: String?, time: Int64?) {
        batch.lostEvents.append((time, node, json))
        count("lost_events")
    }

    /// Adds to a named counter (rejected lines, non-flow records).
    public func count(_ name: String, _ delta: Int64 = 1) {
        batch.counters[name, default: 0] += delta
    }

    /// Sets the position to commit for a source (by its fingerprint).
    public func setPosition(_ p: SourcePosition) {
        batch.positions[p.fingerprint] = p
    }

    /// Whether anything waits to be committed.
    public var isEmpty: Bool { batch.isEmpty }

    /// Commits the batch in one transaction (in the background when `pipelined`).
    public func commit() throws {
        try throwIfFailed()
        guard !batch.isEmpty else { return }
        let sealed = batch
        sealed.dictionary = store.dictionary.takeNew()
        // Compress the last, partly filled blocks here, on the decoding side: the writing side
        // (SQLite) is the busier of the two threads.
        for part in sealed.partitions.values { try part.sealBlock(codec) }
        batch = Batch()
        lastPartition = nil
        if pipelined {
            inFlight.wait()
            do { try throwIfFailed() } catch {
                inFlight.signal()
                throw error
            }
            queue.async {
                try? self.write(sealed)  // a failure is kept in `failure` and thrown by the next call
                self.inFlight.signal()
            }
        } else {
            try write(sealed)
        }
        if duplicates.needsCheckpoint {
            if pipelined {
                queue.sync {}
                try throwIfFailed()
            }
            duplicates.checkpoint()
        }
    }

    /// Commits the batch and waits until everything handed to the background is written.
    public func flush() throws {
        try commit()
        guard pipelined else { return }
        queue.sync {}  // the queue is serial: this returns once every handed-off batch is written
        try throwIfFailed()
    }

    /// Throws the first failed write's error, if any.
    private func throwIfFailed() throws {
        if let e = failure.withLock({ $0 }) { throw e }
    }

    /// Writes a sealed batch in one transaction.
    private func write(_ b: Batch) throws {
        // A batch queued behind a failed one must not be written: its dictionary ids and its
        // source positions assume the failed batch is in the database.
        try throwIfFailed()
        let db = store.db
        committed.removeAll(keepingCapacity: true)
        do {
            try db.execute("BEGIN IMMEDIATE")
            try writeDictionary(b.dictionary)
            for day in b.partitions.keys.sorted() { try writePartition(b.partitions[day]!) }
            try writeLostEvents(b.lostEvents)
            for (name, delta) in b.counters { try store.addCounter(name, delta) }
            try writePositions(b.positions)
            try writeUnknownEnums(b.unknownEnums)
            try store.refreshViews()
            try db.execute("COMMIT")
        } catch {
            try? db.execute("ROLLBACK")
            store.viewsStale = false
            // The in-memory dictionary and block ids may now name rows that do not exist.
            if !pipelined { store.dictionary.clear() }
            var reason = error
            if let e = error as? StoreError { reason = StoreError(FlowStore.explain(e, path: store.path), code: e.code) }
            failure.withLock { if $0 == nil { $0 = reason } }
            throw reason
        }
        if !newDays.isEmpty {
            newDays.removeAll()
            try store.reloadPartitions()
        }
        if let onCommit, !committed.isEmpty { onCommit(committed) }
    }

    private func writeDictionary(_ fresh: [(id: Int64, kind: DictionaryKind, bytes: [UInt8])]) throws {
        guard !fresh.isEmpty else { return }
        let s = try store.db.prepare("INSERT INTO dict(id, kind, value) VALUES (?, ?, ?)")
        for e in fresh {
            s.bind(1, e.id)
            s.bind(2, Int64(e.kind.rawValue))
            e.bytes.withUnsafeBufferPointer { s.bind(3, text: $0) }
            try s.run()
        }
    }

    private func statements(_ day: Int64) throws -> (Statement, Statement) {
        if let s = rowStatements[day] { return s }
        if !store.days.contains(day), !newDays.contains(day) {
            if try store.db.scalar("SELECT 1 FROM partitions WHERE day = ?", [.int(day)]) == nil {
                try store.createPartition(day)
            }
            newDays.append(day)
        }
        let columns = Column.allCases.map(\.sqlName).joined(separator: ", ")
        let marks = Array(repeating: "?", count: Self.stride + 3).joined(separator: ", ")
        let rows = try store.db.prepare("INSERT INTO \"\(FlowStore.flowTable(day))\" (\(columns), block, id, h) VALUES (\(marks))")
        let blocks = try store.db.prepare("INSERT INTO \"\(FlowStore.blockTable(day))\" (id, data) VALUES (?, ?)")
        rowStatements[day] = (rows, blocks)
        return (rows, blocks)
    }

    private func writePartition(_ part: PendingPartition) throws {
        let (rowStmt, blockStmt) = try statements(part.day)
        var blockID: Int64
        if let b = nextBlock[part.day] {
            blockID = b
        } else {
            blockID = (try store.db.scalar("SELECT max(id) FROM \"\(FlowStore.blockTable(part.day))\"") ?? 0) + 1
        }
        // Row ids only break ties between flows of the same nanosecond. Rows are never deleted
        // one by one (retention drops partitions), so the partition's flow count gives the next.
        var rowID: Int64
        if let r = nextRow[part.day] {
            rowID = r
        } else {
            rowID = (try store.db.scalar("SELECT flows FROM partitions WHERE day = ?", [.int(part.day)]) ?? 0) + 1
        }
        // Row r of the batch is entry r % blockSize of the batch's block r / blockSize.
        for block in part.sealed {
            blockStmt.bind(1, blockID + Int64(block.index))
            block.data.withUnsafeBytes { blockStmt.bind(2, blob: $0) }
            try blockStmt.run()
        }
        let count = part.rowCount
        try part.rows.withUnsafeBufferPointer { rows in
            for r in 0..<count {
                let base = r * Self.stride
                for k in 0..<Self.stride {
                    let v = rows[base + k]
                    if v == Self.null { rowStmt.bindNull(Int32(k + 1)) } else { rowStmt.bind(Int32(k + 1), v) }
                }
                let ref = (blockID + Int64(r / Self.blockSize)) << 16 | Int64(r % Self.blockSize)
                rowStmt.bind(Int32(Self.stride + 1), ref)
                rowStmt.bind(Int32(Self.stride + 2), rowID)
                rowStmt.bind(Int32(Self.stride + 3), part.identities[r])
                rowID += 1
                try rowStmt.run()
            }
        }
        try part.rollup.write(store, day: part.day)
        committed.append(CommittedRows(day: part.day, ids: rowID - Int64(count)..<rowID,
                                       minTime: part.minTime, maxTime: part.maxTime))
        blockID += Int64(part.sealed.count)
        nextBlock[part.day] = blockID
        nextRow[part.day] = rowID
        let s = try store.db.prepare("""
            UPDATE partitions SET flows = flows + ?, min_time = min(coalesce(min_time, ?), ?),
              max_time = max(coalesce(max_time, ?), ?) WHERE day = ?
            """)
        try s.bind([.int(Int64(count)), .int(part.minTime), .int(part.minTime), .int(part.maxTime), .int(part.maxTime), .int(part.day)])
        try s.run()
    }

    private func writeLostEvents(_ lostEvents: [(time: Int64?, node: String?, json: [UInt8])]) throws {
        guard !lostEvents.isEmpty else { return }
        let s = try store.db.prepare("INSERT OR IGNORE INTO lost_events(time, node_name, json, h) VALUES (?, ?, ?, ?)")
        for e in lostEvents {
            // Its identity: the same record delivered again is kept once (migration 0004).
            var h = e.json.withUnsafeBufferPointer { ByteHash.of($0) } ^ UInt64(bitPattern: e.time ?? 0)
            if let node = e.node { h = (h &* 0x9E37_79B9_7F4A_7C15) ^ Array(node.utf8).withUnsafeBufferPointer { ByteHash.of($0) } }
            try s.bind([e.time.map { .int($0) } ?? .null, e.node.map { .text($0) } ?? .null,
                        .text(String(decoding: e.json, as: UTF8.self)), .int(Int64(bitPattern: h))])
            try s.run()
        }
    }

    private func writePositions(_ positions: [Int64: SourcePosition]) throws {
        guard !positions.isEmpty else { return }
        let s = try store.db.prepare("""
            INSERT INTO sources(fingerprint, path, dev, inode, offset, lines, size, tail_hash, updated)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(fingerprint) DO UPDATE SET path = excluded.path, dev = excluded.dev, inode = excluded.inode,
              offset = excluded.offset, lines = excluded.lines, size = excluded.size, tail_hash = excluded.tail_hash,
              updated = excluded.updated
            """)
        let now = Clock.nowNanos()
        for p in positions.values {
            try s.bind([.int(p.fingerprint), .text(p.path), .int(p.device), .int(p.inode), .int(p.offset), .int(p.lines),
                        .int(p.size), .int(p.tailHash), .int(now)])
            try s.run()
        }
    }

    private func writeUnknownEnums(_ values: [UnknownEnumKey: (flows: Int64, first: Int64, last: Int64)]) throws {
        guard !values.isEmpty else { return }
        let s = try store.db.prepare("""
            INSERT INTO unknown_enum_values(field, name, code, flows, first_time, last_time) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT(field, name) DO UPDATE SET flows = flows + excluded.flows,
              first_time = min(first_time, excluded.first_time), last_time = max(last_time, excluded.last_time)
            """)
        for (k, v) in values {
            try s.bind([.text(k.field), .text(k.name), .int(UnknownEnumValue.code(k.name)), .int(v.flows), .int(v.first), .int(v.last)])
            try s.run()
        }
    }
}

/// A field and an enum name this build does not know.
struct UnknownEnumKey: Hashable {
    let field: String
    let name: String
}

/// The rows one commit added to one partition: row ids are given in insertion order, so a
/// commit's rows are a contiguous id range; their times lie in `minTime...maxTime`.
public struct CommittedRows: Sendable, Equatable {
    public let day: Int64
    public let ids: Range<Int64>
    public let minTime: Int64
    public let maxTime: Int64

    public init(day: Int64, ids: Range<Int64>, minTime: Int64, maxTime: Int64) {
        self.day = day
        self.ids = ids
        self.minTime = minTime
        self.maxTime = maxTime
    }
}

/// Rows and residuals of one partition in the current batch.
final class PendingPartition {
    let day: Int64
    /// Flat rows: `FlowWriter.stride` column values each, in `Column` order.
    var rows: [Int64] = []
    /// Each row's `FlowIdentity` hash (column `h`).
    var identities: [Int64] = []
    var rowCount = 0
    /// Residuals of the open block, newline-separated.
    let block = ByteBuffer(capacity: 1 << 20)
    /// Compressed blocks, in row order.
    var sealed: [(index: Int, data: [UInt8])] = []
    var minTime = Int64.max
    var maxTime = Int64.min
    /// The rows' contribution to the partition's rollup tables.
    var rollup = RollupBatch()

    init(day: Int64) { self.day = day }

    /// Compresses the open block (if it holds anything) and starts a new one.
    func sealBlock(_ codec: BlockCodec) throws {
        guard block.count > 0 else { return }
        let compressed = try codec.compress(block.bytes)
        sealed.append((sealed.count, Array(compressed.bindMemory(to: UInt8.self))))
        block.removeAll()
    }
}

/// Everything one transaction writes.
final class Batch {
    var partitions: [Int64: PendingPartition] = [:]
    var lostEvents: [(time: Int64?, node: String?, json: [UInt8])] = []
    var counters: [String: Int64] = [:]
    var positions: [Int64: SourcePosition] = [:]
    var unknownEnums: [UnknownEnumKey: (flows: Int64, first: Int64, last: Int64)] = [:]
    var dictionary: [(id: Int64, kind: DictionaryKind, bytes: [UInt8])] = []
    var flows = 0

    var isEmpty: Bool { flows == 0 && lostEvents.isEmpty && counters.isEmpty && positions.isEmpty }
}
