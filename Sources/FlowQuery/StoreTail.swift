import FlowModel
import FlowStore
#if canImport(Glibc)
import Glibc
#endif

/// The newest row id sent from each day partition, so rows a reader already sent are not sent
/// again when it follows new commits (row ids only grow within a partition: `FlowWriter`).
public struct SentRows: Sendable {
    private var newest: [Int64: Int64] = [:]

    public init() {}

    public mutating func record(day: Int64, id: Int64) { newest[day] = max(newest[day] ?? .min, id) }

    public mutating func record(_ key: FlowKey) { record(day: FlowTime.day(key.time), id: key.id) }

    /// The part of `rows` not sent yet, or nil.
    public func unsent(_ rows: CommittedRows) -> CommittedRows? {
        guard let top = newest[rows.day] else { return rows }
        if rows.ids.upperBound - 1 <= top { return nil }
        if rows.ids.lowerBound > top { return rows }
        return CommittedRows(day: rows.day, ids: (top + 1)..<rows.ids.upperBound, minTime: rows.minTime, maxTime: rows.maxTime)
    }
}

/// `flowtrail query --follow` from another process than the writer: polls the partitions
/// table (each partition's flow count is its newest row id) and reads the rows added since.
///
/// A poll reads new rows within `lateness` of the partition's newest time before the poll:
/// a flow stored later than that behind the newest one (a node whose exporter lagged by more)
/// is not shown. Reading further back would rescan whole day partitions on every poll.
public struct StoreTail {
    let store: FlowStore
    var seen: [Int64: (flows: Int64, maxTime: Int64)] = [:]
    var sent = SentRows()
    /// Microseconds between polls.
    public var interval: UInt32 = 250_000
    public var lateness: Int64 = 300_000_000_000

    /// Notes what the store holds now: only rows stored after this are followed.
    public init(store: FlowStore) throws {
        self.store = store
        for (day, flows, _, maxTime) in try partitions() { seen[day] = (flows, maxTime) }
    }

    /// A row the history part already printed.
    public mutating func sent(_ key: FlowKey) { sent.record(key) }

    func partitions() throws -> [(Int64, Int64, Int64, Int64)] {
        try store.db.rows("SELECT day, flows, coalesce(min_time, 0), coalesce(max_time, 0) FROM partitions ORDER BY day").map {
            ($0[0].int ?? 0, $0[1].int ?? 0, $0[2].int ?? 0, $0[3].int ?? 0)
        }
    }

    /// Calls `body` with every new matching flow, forever (until the process is stopped or
    /// `body` throws); `idle` after each poll that found rows (to flush output).
    public mutating func follow(engine: QueryEngine, filters: [Typed], since: Int64?,
                                _ body: (UnsafeBufferPointer<UInt8>) throws -> Void, idle: () -> Void) throws {
        while true {
            var found = false
            let now = try partitions()
            if now.contains(where: { !store.days.contains($0.0) }) { try store.reloadPartitions() }
            for (day, flows, minTime, maxTime) in now {
                let before = seen[day] ?? (0, minTime)
                guard flows > before.flows else { continue }
                let from = max(minTime, before.flows == 0 ? minTime : before.maxTime - lateness)
                let rows = CommittedRows(day: day, ids: (before.flows + 1)..<(flows + 1), minTime: from, maxTime: maxTime)
                seen[day] = (flows, maxTime)
                guard let fresh = sent.unsent(rows) else { continue }
                try engine.committed(filters, fresh, since: since, body)
                found = true
            }
            if found { idle() }
            usleep(interval)
        }
    }
}
