import FlowModel

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a database holds: `flowtrail stats` and the stats route print this.
public struct StoreStats: Sendable {
    public var flows: Int64 = 0
    public var firstTime: Int64?
    public var lastTime: Int64?
    public var partitions: [(day: Int64, flows: Int64)] = []
    public var rejected: Int64 = 0
    public var nonFlow: [String: Int64] = [:]
    public var retentionDroppedFlows: Int64 = 0
    public var sources: [SourcePosition] = []
    public var dbBytes: Int64 = 0
    public var dictionaryEntries: Int64 = 0
    /// Flows not stored because they already were (delivered again).
    public var duplicates: Int64 = 0
    /// Enum names from a newer Cilium, per field: this build is older than the cluster.
    public var unknownEnumValues: [(field: String, name: String, flows: Int64, firstTime: Int64, lastTime: Int64)] = []
    /// Lost-event records and the events they say were lost, over all history.
    public var lostEventRecords: Int64 = 0
    public var eventsLost: Int64 = 0
    /// The newest lost-event records (at most `recentLostEvents`).
    public var recentLostEvents: [LostEventRecord] = []
    public static let recentLostEvents = 20

    public init() {}

    public var bytesPerFlow: Double { flows > 0 ? Double(dbBytes) / Double(flows) : 0 }
    public var nonFlowTotal: Int64 { nonFlow.values.reduce(0, +) }

    /// Reads the statistics of a store.
    public static func read(_ store: FlowStore) throws -> StoreStats {
        var s = StoreStats()
        for r in try store.db.rows("SELECT day, flows, min_time, max_time FROM partitions ORDER BY day") {
            let day = r[0].int ?? 0, flows = r[1].int ?? 0
            s.partitions.append((day, flows))
            s.flows += flows
            if let t = r[2].int { s.firstTime = min(s.firstTime ?? t, t) }
            if let t = r[3].int { s.lastTime = max(s.lastTime ?? t, t) }
        }
        s.rejected = try store.counter("rejected")
        for name in ["lost_events", "agent_event", "debug_event", "node_status"] {
            s.nonFlow[name] = try store.counter(name)
        }
        s.retentionDroppedFlows = try store.counter("retention_dropped_flows")
        s.duplicates = try store.counter("duplicates")
        s.sources = try store.allPositions()
        for r in try store.db.rows("SELECT field, name, flows, first_time, last_time FROM unknown_enum_values ORDER BY field, flows DESC, name") {
            s.unknownEnumValues.append((r[0].text ?? "", r[1].text ?? "", r[2].int ?? 0, r[3].int ?? 0, r[4].int ?? 0))
        }
        (s.lostEventRecords, s.eventsLost) = try LostEvents.total(store.db)
        s.recentLostEvents = try LostEvents.list(store.db, limit: Self.recentLostEvents)
        s.dictionaryEntries = try store.db.scalar("SELECT count(*) FROM dict") ?? 0
        s.dbBytes = fileSize(store.path) + fileSize(store.path + "-wal")
        return s
    }

    static func fileSize(_ path: String) -> Int64 {
        var st = stat()
        return stat(path, &st) == 0 ? Int64(st.st_size) : 0
    }

    /// Bytes a source's file holds beyond its committed position: the ingest lag. A file
    /// that was rotated away counts whole (its replacement has not been read yet).
    public static func lagBytes(_ p: SourcePosition) -> Int64? {
        var st = stat()
        guard stat(p.path, &st) == 0 else { return nil }
        return Int64(st.st_ino) == p.inode ? max(0, Int64(st.st_size) - p.offset) : Int64(st.st_size)
    }

    /// The JSON form (keys: flows, rejected, nonflow, first_time, last_time, partitions, db_bytes, …).
    /// With `hidePaths` (the HTTP API), sources are named by their file name only.
    public func json(hidePaths: Bool = false) -> String {
        let out = ByteBuffer()
        func time(_ t: Int64?) -> String { t.map { "\"\(FlowTime.format($0))\"" } ?? "null" }
        out.append(string: "{\"flows\":\(flows),\"rejected\":\(rejected),\"nonflow\":\(nonFlowTotal),")
        out.append(string: "\"nonflow_by_kind\":{")
        out.append(string: nonFlow.keys.sorted().map { "\"\($0)\":\(nonFlow[$0]!)" }.joined(separator: ","))
        out.append(string: "},\"first_time\":\(time(firstTime)),\"last_time\":\(time(lastTime)),")
        out.append(string: "\"partitions\":[")
        out.append(string: partitions.map { "{\"day\":\"\(FlowTime.dayStamp($0.day))\",\"flows\":\($0.flows)}" }.joined(separator: ","))
        out.append(string: "],\"retention_dropped_flows\":\(retentionDroppedFlows),\"duplicates\":\(duplicates),")
        out.append(string: "\"unknown_enum_values\":[")
        out.append(string: unknownEnumValues.map {
            "{\"field\":\(JSONText.quoted($0.field)),\"name\":\(JSONText.quoted($0.name)),\"flows\":\($0.flows),"
                + "\"first_time\":\(time($0.firstTime)),\"last_time\":\(time($0.lastTime))}"
        }.joined(separator: ","))
        out.append(string: "],\"lost_events\":{\"records\":\(lostEventRecords),\"events_lost\":\(eventsLost),\"recent\":[")
        out.append(string: recentLostEvents.map(LostEvents.json).joined(separator: ","))
        out.append(string: "]},\"sources\":[")
        for (k, p) in sources.enumerated() {
            if k > 0 { out.append(0x2C) }
            if hidePaths {
                out.append(string: "{\"name\":")
                JSONText.appendQuoted(p.name, to: out)
            } else {
                out.append(string: "{\"path\":")
                JSONText.appendQuoted(p.path, to: out)
                out.append(string: ",\"device\":\(p.device),\"inode\":\(p.inode)")
            }
            let lag = Self.lagBytes(p).map(String.init) ?? "null"
            out.append(string: ",\"offset\":\(p.offset),\"lines\":\(p.lines),\"size\":\(p.size),\"lag_bytes\":\(lag)}")
        }
        out.append(string: "],\"dictionary_entries\":\(dictionaryEntries),\"db_bytes\":\(dbBytes),")
        out.append(string: "\"bytes_per_flow\":\(flows > 0 ? String(Int(bytesPerFlow.rounded())) : "null")}")
        return out.toString()
    }

    /// The human-readable form.
    public func text() -> String {
        var lines: [String] = []
        lines.append("flows:            \(flows)")
        lines.append("first flow:       \(firstTime.map(FlowTime.format) ?? "-")")
        lines.append("last flow:        \(lastTime.map(FlowTime.format) ?? "-")")
        lines.append("partitions:       \(partitions.count)" + (partitions.isEmpty ? "" :
            " (\(FlowTime.dayStamp(partitions.first!.day)) … \(FlowTime.dayStamp(partitions.last!.day)))"))
        lines.append("rejected lines:   \(rejected)")
        lines.append("non-flow records: \(nonFlowTotal)" + (nonFlowTotal == 0 ? "" :
            " (" + nonFlow.keys.sorted().filter { nonFlow[$0]! > 0 }.map { "\($0) \(nonFlow[$0]!)" }.joined(separator: ", ") + ")"))
        if retentionDroppedFlows > 0 { lines.append("dropped by retention: \(retentionDroppedFlows) flows") }
        if duplicates > 0 { lines.append("duplicates skipped: \(duplicates) flows (delivered again, stored once)") }
        if !unknownEnumValues.isEmpty {
            lines.append("unknown enum values (flows from a newer Cilium than this build knows; kept as sent):")
            for u in unknownEnumValues {
                lines.append("  \(u.field) = \(u.name)  \(u.flows) flows, \(FlowTime.format(u.firstTime)) … \(FlowTime.format(u.lastTime))")
            }
        }
        if lostEventRecords > 0 {
            lines.append("lost events:      \(eventsLost) events in \(lostEventRecords) records (holes in the history)")
            for r in recentLostEvents {
                lines.append("  \(r.time.map(FlowTime.format) ?? "(no time)")  \(r.node ?? "-")  \(r.source)  \(r.eventsLost) lost")
            }
            if lostEventRecords > Int64(recentLostEvents.count) { lines.append("  … (the newest \(recentLostEvents.count) shown)") }
        }
        lines.append("database bytes:   \(dbBytes)" + (flows > 0 ? " (\(Int(bytesPerFlow.rounded())) bytes per flow)" : ""))
        if !sources.isEmpty {
            lines.append("sources:")
            for p in sources { lines.append("  \(p.path)  offset \(p.offset)  lines \(p.lines)") }
        }
        return lines.joined(separator: "\n")
    }
}
