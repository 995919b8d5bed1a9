import FlowModel

/// The `lost_events` records: holes in the history. Hubble's ring buffer overflowed, the
/// observer's queue was full, or the perf ring dropped events (LostEventSource in flow.proto);
/// `num_events_lost` events are missing around `time` on `node_name`.
public struct LostEventRecord: Sendable, Equatable {
    /// UTC nanoseconds; nil when the record came without a time.
    public var time: Int64?
    public var node: String?
    /// `PERF_EVENT_RING_BUFFER`, `OBSERVER_EVENTS_QUEUE`, `HUBBLE_RING_BUFFER`, or what was sent.
    public var source: String
    public var eventsLost: Int64

    public init(time: Int64?, node: String?, source: String, eventsLost: Int64) {
        self.time = time
        self.node = node
        self.source = source
        self.eventsLost = eventsLost
    }
}

/// Reads the `lost_events` table (written by `FlowWriter`, migrations/0001).
public enum LostEvents {
    /// Records and events lost in `[since, until)` (records without a time are outside every
    /// range but the whole history: both bounds nil).
    public static func total(_ db: SQLiteConnection, since: Int64? = nil, until: Int64? = nil) throws -> (records: Int64, events: Int64) {
        let (condition, args) = range(since, until)
        let r = try db.rows("SELECT count(*), coalesce(sum(\(eventsLostSQL)), 0) FROM lost_events \(condition)", args)
        return (r.first?[0].int ?? 0, r.first?[1].int ?? 0)
    }

    /// The records in `[since, until)`, newest first, at most `limit`.
    public static func list(_ db: SQLiteConnection, since: Int64? = nil, until: Int64? = nil, limit: Int = 100) throws -> [LostEventRecord] {
        let (condition, args) = range(since, until)
        let rows = try db.rows("""
            SELECT time, node_name, coalesce(json_extract(json, '$.source'), json_extract(json, '$.Source'), 0), \(eventsLostSQL)
            FROM lost_events \(condition) ORDER BY time DESC, id DESC LIMIT ?
            """, args + [.int(Int64(limit))])
        return rows.map { r in
            let source: String
            switch r[2] {
            case .int(let n): source = FlowEnums.lostEventSource.name(n) ?? String(n)
            case .text(let s): source = s
            default: source = FlowEnums.lostEventSource.name(0)!
            }
            return LostEventRecord(time: r[0].int, node: r[1].text, source: source, eventsLost: r[3].int ?? 0)
        }
    }

    /// `num_events_lost` of a record (a uint64, written as a string or a number, either key spelling).
    static let eventsLostSQL = "CAST(coalesce(json_extract(json, '$.num_events_lost'), json_extract(json, '$.numEventsLost'), 0) AS INTEGER)"

    static func range(_ since: Int64?, _ until: Int64?) -> (String, [SQLValue]) {
        guard since != nil || until != nil else { return ("", []) }
        return ("WHERE time >= ? AND time < ?", [.int(since ?? .min), .int(until ?? .max)])
    }

    /// JSON for a record: `{"time":…,"node_name":…,"source":…,"num_events_lost":N}`.
    public static func json(_ r: LostEventRecord) -> String {
        let time = r.time.map { JSONText.quoted(FlowTime.format($0)) } ?? "null"
        let node = r.node.map(JSONText.quoted) ?? "null"
        return "{\"time\":\(time),\"node_name\":\(node),\"source\":\(JSONText.quoted(r.source)),\"num_events_lost\":\(r.eventsLost)}"
    }

    /// The warning a query or report over `[since, until)` prints on stderr when its range has
    /// holes; nil when it has none.
    public static func warning(_ db: SQLiteConnection, since: Int64?, until: Int64?) -> String? {
        guard let t = try? total(db, since: since ?? .min, until: until ?? .max) else { return nil }
        return warning(records: t.records, events: t.events)
    }

    /// The warning for `records` lost-events records in a range (nil for none), from any store.
    public static func warning(records: Int64, events: Int64) -> String? {
        guard records > 0 else { return nil }
        return "warning: \(records) lost_events record\(records == 1 ? "" : "s") (\(events) events lost) fall in this range: the history has holes there (flowtrail stats lists them)"
    }

    /// `"lost_events"` content for JSON answers over a range, from any store:
    /// `{"records":N,"events_lost":N}`.
    public static func summaryJSON(records: Int64, events: Int64) -> String {
        "{\"records\":\(records),\"events_lost\":\(events)}"
    }
}
