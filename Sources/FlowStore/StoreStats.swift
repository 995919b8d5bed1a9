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
        for r in try store.db.rows("SELECT path, dev, inode, offset, lines, size FROM sources ORDER BY path") {
            s.sources.append(SourcePosition(path: r[0].text ?? "", device: r[1].int ?? 0, inode: r[2].int ?? 0,
                                            offset: r[3].int ?? 0, lines: r[4].int ?? 0, size: r[5].int ?? 0))
        }
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
        out.append(string: "],\"retention_dropped_flows\":\(retentionDroppedFlows),\"sources\":[")
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
        lines.append("database bytes:   \(dbBytes)" + (flows > 0 ? " (\(Int(bytesPerFlow.rounded())) bytes per flow)" : ""))
        if !sources.isEmpty {
            lines.append("sources:")
            for p in sources { lines.append("  \(p.path)  offset \(p.offset)  lines \(p.lines)") }
        }
        return lines.joined(separator: "\n")
    }
}
