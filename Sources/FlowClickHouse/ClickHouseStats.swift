import FlowModel
import FlowQuery
import FlowStore
import Foundation

/// What a ClickHouse store holds, in the shape `flowtrail stats` and `/api/v1/stats` print for
/// SQLite (`StoreStats`).
///
/// Flows are counted with FINAL (a flow sent twice counts once). Not kept in ClickHouse, so 0:
/// the ingest counters (rejected lines, non-flow records, duplicates skipped: each ingest prints
/// its own), flows dropped by retention, unknown enum names and dictionary entries.
/// `db_bytes` is `system.parts`' `bytes_on_disk` of the store's active parts on the URL's
/// first host (on a cluster, that host's shard only).
public enum ClickHouseStats {
    /// Reads the statistics.
    /// - Throws: `ClickHouseError` when the server cannot be asked.
    public static func read(_ store: ClickHouseStore) throws -> StoreStats {
        var s = StoreStats()
        let dayNanos: Int64 = 86_400_000_000_000
        try store.rows("""
            SELECT toInt64(intDiv(time, \(dayNanos))) AS day, toInt64(count()), min(time), max(time)
            FROM flows FINAL GROUP BY day ORDER BY day FORMAT RowBinary
            """) { r in
            let day = try r.int64(), flows = try r.int64(), first = try r.int64(), last = try r.int64()
            // intDiv truncates toward zero: a time before 1970 belongs to the day before.
            s.partitions.append((first < 0 ? FlowTime.day(first) : day, flows))
            s.flows += flows
            s.firstTime = min(s.firstTime ?? first, first)
            s.lastTime = max(s.lastTime ?? last, last)
            return true
        }
        s.sources = try store.allPositions()
        (s.lostEventRecords, s.eventsLost) = try ClickHouseReports.lostEvents(store, since: nil, until: nil)
        s.recentLostEvents = try lostEventList(store, since: nil, until: nil, limit: StoreStats.recentLostEvents)
        let bytes = try store.execute("""
            SELECT sum(bytes_on_disk) FROM system.parts WHERE database = \(ClickHouseText.literal(store.url.database)) AND active FORMAT TSV
            """)
        s.dbBytes = Int64(bytes.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        return s
    }

    /// The newest lost-event records in `[since, until)` (both nil: all, untimed ones too),
    /// at most `limit`.
    public static func lostEventList(_ store: ClickHouseStore, since: Int64?, until: Int64?, limit: Int) throws -> [LostEventRecord] {
        let condition = ClickHouseReports.lostEventsCondition(since: since, until: until)
        var list: [LostEventRecord] = []
        try store.rows("""
            SELECT time, timed, node_name, events, json FROM lost_events FINAL \(condition)
            ORDER BY time DESC, h DESC LIMIT \(limit) FORMAT RowBinary
            """) { r in
            let time = try r.int64(), timed = try r.uint8() == 1, node = try r.string(), events = try r.int64()
            let json = try? JSONValue.parse(try r.string())
            list.append(LostEventRecord(time: timed ? time : nil, node: node.isEmpty ? nil : node, source: source(json), eventsLost: events))
            return true
        }
        return list
    }

    /// Flows stored (FINAL), the first and last flow times, and how many nodes sent flows.
    public static func totals(_ store: ClickHouseStore) throws -> (flows: Int64, first: Int64?, last: Int64?, nodes: Int64) {
        var answer: (Int64, Int64?, Int64?, Int64) = (0, nil, nil, 0)
        try store.rows("SELECT toInt64(count()), min(time), max(time), toInt64(ifNull(uniqExact(node_name), 0)) FROM flows FINAL FORMAT RowBinary") { r in
            let n = try r.int64(), first = try r.int64(), last = try r.int64(), nodes = try r.int64()
            answer = (n, n > 0 ? first : nil, n > 0 ? last : nil, nodes)
            return true
        }
        return answer
    }

    /// Each node's name and flows stored.
    public static func nodes(_ store: ClickHouseStore) throws -> [(name: String, flows: Int64)] {
        var out: [(String, Int64)] = []
        try store.rows("""
            SELECT assumeNotNull(node_name) AS node, toInt64(count()) FROM flows FINAL WHERE node_name IS NOT NULL
            GROUP BY node FORMAT RowBinary
            """) { r in
            out.append((try r.string(), try r.int64()))
            return true
        }
        return out
    }

    /// The (cluster, namespace) pairs of the stored endpoints, either side.
    public static func namespaces(_ store: ClickHouseStore) throws -> [(cluster: String, namespace: String)] {
        var out: [(String, String)] = []
        for side in ["src", "dst"] {
            try store.rows("""
                SELECT DISTINCT \(side)_cluster, \(side)_namespace FROM flows WHERE \(side)_namespace != '' FORMAT RowBinary
                """) { r in
                out.append((try r.string(), try r.string()))
                return true
            }
        }
        return out
    }

    /// A lost-events record's `source`, by name (Hubble writes the enum's name or number).
    static func source(_ json: JSONValue?) -> String {
        switch json?["source"] ?? json?["Source"] {
        case .string(let s)?: return s
        case .number(_, let raw)?: return FlowEnums.lostEventSource.name(Int64(raw) ?? 0) ?? raw
        default: return FlowEnums.lostEventSource.name(0) ?? "UNKNOWN_LOST_EVENT_SOURCE"
        }
    }
}
