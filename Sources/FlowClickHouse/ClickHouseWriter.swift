import Dispatch
import FlowIngest
import FlowModel
import FlowQuery
import FlowStore
import NIOCore

/// The ingest sink for a ClickHouse store: a batch of flows becomes one `INSERT … FORMAT
/// RowBinary` (one part per day on each shard, all or nothing on a server while under
/// ClickHouse's block size: docs/clickhouse-18.16-notes.md §5), then the sources' positions
/// are inserted.
///
/// Exactly once: a crash after the flows' INSERT and before the positions' leaves the batch
/// to be sent again by the next run; the copies share the sort key (time, identity hash), so
/// the ReplacingMergeTree keeps one and FINAL reads one before the merge (docs/ARCHITECTURE.md,
/// "ClickHouse"). Duplicates are therefore not counted at ingest: `flows` counts rows sent.
///
/// Batches are sent by one thread of the writer's own, in order, while the ingest thread
/// decodes the next batch (at most one batch in flight): a batch's positions are sent after
/// its flows by that thread, so the order the exactly-once argument needs holds. An error is
/// thrown by the next `commit` or `flush`.
public final class ClickHouseWriter: FlowSink {
    let store: ClickHouseStore
    private let encoder = ClickHouseFlowRow()
    private var rows = FlowModel.ByteBuffer(capacity: 1 << 22)
    /// The buffer the sending thread is done with, for the next batch.
    private var spare: FlowModel.ByteBuffer? = FlowModel.ByteBuffer(capacity: 1 << 22)
    private let sender = DispatchQueue(label: "flowtrail-clickhouse-insert")
    private let inFlight = DispatchSemaphore(value: 1)
    private let lock = DispatchSemaphore(value: 1)
    private var failure: Error?
    private var flows = 0
    private var lostEvents = FlowModel.ByteBuffer(capacity: 4096)
    private var lostEventCount = 0
    private var positions: [Int64: SourcePosition] = [:]
    private let flowInsert: String
    /// Rows per INSERT at most, well under ClickHouse's `min_insert_block_size_rows` (1,048,576)
    /// so that each INSERT stays one block: all or nothing.
    public static let maxBatch = 262_144

    public init(store: ClickHouseStore) {
        self.store = store
        flowInsert = "INSERT INTO flows (\(ClickHouseFlowRow.columns.joined(separator: ", "))) FORMAT RowBinary"
    }

    public func add(_ flow: DecodedFlow) throws -> Bool {
        encoder.append(flow, to: rows)
        flows += 1
        if flows >= Self.maxBatch { try sendFlows() }
        return true
    }

    public func addLostEvent(json: [UInt8], node: String?, time: Int64?) {
        RowBinary.int64(time ?? 0, lostEvents)
        lostEvents.append(time == nil ? 0 : 1)
        var h = ByteHash.of(json.withUnsafeBufferPointer { $0 })
        if let node { h ^= ByteHash.of(Array(node.utf8).withUnsafeBufferPointer { $0 }) &* 31 }
        RowBinary.int64(Int64(bitPattern: h), lostEvents)
        RowBinary.string(node ?? "", lostEvents)
        RowBinary.int64(Self.eventsLost(json), lostEvents)
        json.withUnsafeBufferPointer { RowBinary.string($0, lostEvents) }
        lostEventCount += 1
    }

    /// `num_events_lost` (a uint64, as a string or a number; either key spelling).
    static func eventsLost(_ json: [UInt8]) -> Int64 {
        guard let v = try? JSONValue.parse(String(decoding: json, as: UTF8.self)) else { return 0 }
        for key in ["num_events_lost", "numEventsLost"] {
            switch v[key] {
            case .number(_, let raw)?: return Int64(raw) ?? 0
            case .string(let s)?: return Int64(s) ?? 0
            default: continue
            }
        }
        return 0
    }

    /// Records of other kinds are counted by the ingest summary only.
    public func count(_ name: String, _ delta: Int64) {}

    public func setPosition(_ p: SourcePosition) { positions[p.fingerprint] = p }

    public var pendingFlows: Int { flows }
    public var isEmpty: Bool { flows == 0 && lostEventCount == 0 && positions.isEmpty }

    public func commit() throws {
        var lost: NIOCore.ByteBuffer?
        if lostEventCount > 0 {
            lost = NIOCore.ByteBuffer(bytes: lostEvents.bytes)
            lostEvents.removeAll()
            lostEventCount = 0
        }
        var positionRows: NIOCore.ByteBuffer?
        if !positions.isEmpty {
            let out = FlowModel.ByteBuffer(capacity: 1024)
            let now = Clock.nowNanos()
            for p in positions.values {
                RowBinary.int64(p.fingerprint, out)
                RowBinary.string(p.path, out)
                for v in [p.device, p.inode, p.offset, p.lines, p.size, p.tailHash, now] { RowBinary.int64(v, out) }
            }
            positionRows = NIOCore.ByteBuffer(bytes: out.bytes)
            positions.removeAll()
        }
        try send(lostEvents: lost, positions: positionRows)
    }

    private func sendFlows() throws { try send(lostEvents: nil, positions: nil) }

    /// Hands the pending flows (then lost events, then positions) to the sending thread,
    /// after the batch before has been sent.
    private func send(lostEvents lost: NIOCore.ByteBuffer?, positions positionRows: NIOCore.ByteBuffer?) throws {
        guard flows > 0 || lost != nil || positionRows != nil else { return }
        inFlight.wait()
        if let e = takeFailure() {
            inFlight.signal()
            throw e
        }
        let batch = flows > 0 ? rows : nil
        if batch != nil {
            rows = spare ?? FlowModel.ByteBuffer(capacity: 1 << 22)
            spare = nil
            flows = 0
        }
        let store = self.store, statement = flowInsert
        sender.async {
            do {
                if let batch {
                    try store.insert(statement, rows: NIOCore.ByteBuffer(bytes: batch.bytes))
                    batch.removeAll()
                }
                if let lost {
                    try store.insert("INSERT INTO lost_events (time, timed, h, node_name, events, json) FORMAT RowBinary", rows: lost)
                }
                if let positionRows {
                    try store.insert("INSERT INTO positions (fingerprint, path, dev, inode, offset, lines, size, tail_hash, updated) FORMAT RowBinary",
                                     rows: positionRows)
                }
            } catch {
                self.lock.wait()
                if self.failure == nil { self.failure = error }
                self.lock.signal()
            }
            if let batch { self.lock.wait(); self.spare = batch; self.lock.signal() }
            self.inFlight.signal()
        }
    }

    private func takeFailure() -> Error? {
        lock.wait()
        defer { lock.signal() }
        return failure
    }

    /// Waits until every batch handed over is sent; throws the first failure.
    public func flush() throws {
        inFlight.wait()
        inFlight.signal()
        if let e = takeFailure() { throw e }
    }

    /// Drops the day partitions that end at or before `cutoff` on every shard.
    public func dropPartitions(before cutoff: Int64) throws -> (partitions: Int, flows: Int64) {
        try commit()
        try flush()
        let tables = try ClickHouseStore.rowTableNames.map { try store.rowTable($0) }
        let table = tables[0]
        var dropped = 0
        var flowCount: Int64 = 0
        for shard in store.url.shards {
            let s = try ClickHouseStore(shard, create: false)
            defer { s.close() }
            var days: [(Int64, Int64)] = []
            try s.rows("""
                SELECT toInt64(partition), toInt64(sum(rows)) FROM system.parts
                WHERE database = \(ClickHouseText.literal(shard.database)) AND table = \(ClickHouseText.literal(table)) AND active
                GROUP BY partition FORMAT RowBinary
                """) { r in
                days.append((try r.int64(), try r.int64()))
                return true
            }
            for (stamp, rowCount) in days {
                guard let day = FlowTime.day(stamp: stamp), (day + 1) * 86_400_000_000_000 <= cutoff else { continue }
                for t in tables {
                    try s.execute("ALTER TABLE \(t) DROP PARTITION \(stamp)")
                }
                dropped += 1
                flowCount += rowCount
            }
        }
        return (dropped, flowCount)
    }
}
