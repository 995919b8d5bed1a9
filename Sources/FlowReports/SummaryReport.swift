import FlowModel
import FlowQuery
import FlowStore

/// Traffic over a range: flows by verdict, top drop reasons, top talkers (workload to
/// workload) and a histogram of flows by verdict, from the per-minute rollups (or, with
/// filters, from raw flows).
public struct SummaryReport: Sendable {
    public let since: Int64
    public let until: Int64
    public let bucketMinutes: Int64
    public internal(set) var verdicts: [Int64: Int64] = [:]
    /// Drops by reason code; a drop without `drop_reason_desc` counts under 0
    /// (DROP_REASON_UNKNOWN), so the reasons add up to the drops.
    public internal(set) var dropReasons: [Int64: Int64] = [:]
    /// Names of drop-reason codes this build does not know (from a newer Cilium).
    var unknownReasonNames: [Int64: String] = [:]
    public internal(set) var talkers: [(source: String, destination: String, flows: Int64)] = []
    /// bucket start (ns) → verdict → flows.
    public internal(set) var histogram: [Int64: [Int64: Int64]] = [:]
    public var totalFlows: Int64 { verdicts.values.reduce(0, +) }
    /// Lost-event records in the range and the events they say were lost: holes in the answer.
    public internal(set) var lostEvents: (records: Int64, events: Int64) = (0, 0)

    /// The histogram buckets offered, by name.
    public static let bucketMinutes: [String: Int64] = ["1m": 1, "5m": 5, "1h": 60]

    public static func build(engine: QueryEngine, since: Int64?, until: Int64?, bucketMinutes: Int64,
                             filters: [Typed] = [], top: Int = 10) throws -> SummaryReport {
        let store = engine.store
        let minute = Rollups.nanosPerMinute
        let range = ReportRange(engine: engine, since: since, until: until)
        let from = range.since, to = range.until
        var r = SummaryReport(since: from, until: to, bucketMinutes: bucketMinutes)
        r.lostEvents = try LostEvents.total(store.db, since: from, until: to)
        let lookup = DictionaryLookup(engine.reader)
        var pairs: [String: Int64] = [:]
        for day in range.days {
            let stamp = FlowTime.dayStamp(day)
            var params: [SQLValue] = [.int(from), .int(to)]
            let verdictSQL: String, talkerSQL: String
            if filters.isEmpty {
                let range = "WHERE minute >= ?1 / \(minute) AND minute < ?2 / \(minute)"
                verdictSQL = "SELECT minute, verdict, drop_reason, sum(flows) FROM \"v_\(stamp)\" \(range) GROUP BY 1, 2, 3"
                // Talkers are kept per hour: the hours that overlap the range.
                let hour = Rollups.nanosPerHour
                talkerSQL = "SELECT src_ep, dst_ep, sum(flows) FROM \"t_\(stamp)\" WHERE hour >= ?1 / \(hour) AND hour <= (?2 - 1) / \(hour) GROUP BY 1, 2"
            } else {
                let (filter, p) = QueryEngine.filterSQL(filters, day: day, offset: 2)
                params += p
                let rows = "FROM \"\(FlowStore.flowTable(day))\" AS f WHERE f.time >= ?1 AND f.time < ?2 AND (\(filter))"
                verdictSQL = "SELECT f.time / \(minute), f.verdict, f.drop_reason, count(*) \(rows) GROUP BY 1, 2, 3"
                talkerSQL = "SELECT coalesce(f.src_ep, 0), coalesce(f.dst_ep, 0), count(*) \(rows) GROUP BY 1, 2"
            }
            let v = try store.db.prepare(verdictSQL)
            try v.bind(params)
            while try v.step() { r.add(minute: v.int(0), verdict: v.int(1), dropReason: v.int(2), flows: v.int(3)) }
            let t = try store.db.prepare(talkerSQL)
            try t.bind(params)
            var unnamed: [(source: Int64, destination: Int64)] = []
            while try t.step() {
                let source = try lookup.endpoint(t.int(0)), destination = try lookup.endpoint(t.int(1))
                if source.display.isEmpty || destination.display.isEmpty {
                    unnamed.append((t.int(0), t.int(1)))
                    continue
                }
                pairs[source.display + "\u{0}" + destination.display, default: 0] += t.int(2)
            }
            // Endpoints without a pod or a reserved entity (a CIDR identity, an endpoint Hubble
            // could not resolve) have no name of their own: their flows are grouped again by
            // IP, so unrelated peers do not merge into one talker.
            for pair in unnamed {
                var sql = """
                    SELECT f.src_ip, f.dst_ip, count(*) FROM "\(FlowStore.flowTable(day))" AS f
                    WHERE f.time >= ?1 AND f.time < ?2 AND coalesce(f.src_ep, 0) = ?3 AND coalesce(f.dst_ep, 0) = ?4
                    """
                var p: [SQLValue] = [.int(from), .int(to), .int(pair.source), .int(pair.destination)]
                if !filters.isEmpty {
                    let (filter, fp) = QueryEngine.filterSQL(filters, day: day, offset: 4)
                    sql += " AND (\(filter))"
                    p += fp
                }
                let s = try store.db.prepare(sql + " GROUP BY 1, 2")
                try s.bind(p)
                while try s.step() {
                    let source = try Self.name(lookup.endpoint(pair.source), ip: lookup.text(s.int(0)))
                    let destination = try Self.name(lookup.endpoint(pair.destination), ip: lookup.text(s.int(1)))
                    pairs[source + "\u{0}" + destination, default: 0] += s.int(2)
                }
            }
        }
        for row in try store.db.rows("SELECT code, name FROM unknown_enum_values WHERE field = 'drop_reason_desc'") {
            if let code = row[0].int, let name = row[1].text { r.unknownReasonNames[code] = name }
        }
        r.setTalkers(pairs, top: top)
        return r
    }

    /// The report from rows another store grouped (ClickHouse): flows per minute (minute
    /// number since the epoch) by verdict and drop reason, and flows per talker pair (each
    /// endpoint's canonical JSON, "" when absent, with its IP for endpoints without a name).
    public init(range: ReportRange, bucketMinutes: Int64, minutes: [(minute: Int64, verdict: Int64, dropReason: Int64, flows: Int64)],
                talkers: [(source: String, sourceIP: String, destination: String, destinationIP: String, flows: Int64)],
                lostEvents: (records: Int64, events: Int64), top: Int = 10) {
        self.init(since: range.since, until: range.until, bucketMinutes: bucketMinutes)
        self.lostEvents = lostEvents
        for m in minutes { add(minute: m.minute, verdict: m.verdict, dropReason: m.dropReason, flows: m.flows) }
        var info = EndpointInfo.Cache()
        var pairs: [String: Int64] = [:]
        for t in talkers {
            // As on SQLite: endpoints without a name of their own are told apart by IP.
            let source = Self.name(info(t.source), ip: t.sourceIP), destination = Self.name(info(t.destination), ip: t.destinationIP)
            pairs[source + "\u{0}" + destination, default: 0] += t.flows
        }
        setTalkers(pairs, top: top)
    }

    init(since: Int64, until: Int64, bucketMinutes: Int64) {
        self.since = since
        self.until = until
        self.bucketMinutes = bucketMinutes
    }

    /// Counts `n` flows of minute `minute` (minutes since the epoch).
    mutating func add(minute: Int64, verdict: Int64, dropReason: Int64, flows n: Int64) {
        verdicts[verdict, default: 0] += n
        if dropReason != 0 || verdict == Self.dropped { dropReasons[dropReason, default: 0] += n }
        let bucket = minute / bucketMinutes * bucketMinutes * Rollups.nanosPerMinute
        histogram[bucket, default: [:]][verdict, default: 0] += n
    }

    /// The `top` talkers of `pairs` ("source\0destination" → flows), most flows first.
    mutating func setTalkers(_ pairs: [String: Int64], top: Int) {
        talkers = Array(pairs.map { k, n in
            let parts = k.split(separator: "\u{0}", omittingEmptySubsequences: false).map(String.init)
            return (parts[0], parts.count > 1 ? parts[1] : "", n)
        }.sorted { $0.flows != $1.flows ? $0.flows > $1.flows : ($0.source, $0.destination) < ($1.source, $1.destination) }.prefix(top))
    }

    static let dropped = FlowEnums.verdict.number("DROPPED")!

    /// A talker's name: the endpoint's own (entity, namespace/workload or pod), else its IP,
    /// else its identity.
    static func name(_ e: EndpointInfo, ip: String) -> String {
        if !e.display.isEmpty { return e.display }
        if !ip.isEmpty { return ip }
        return e.identity != 0 ? "identity \(e.identity)" : "unknown"
    }

    /// The report as aligned text: totals, verdicts, drop reasons, talkers, the histogram.
    public func table() -> String {
        func verdictName(_ v: Int64) -> String { FlowEnums.verdict.name(v) ?? String(v) }
        func rows(_ title: String, _ header: [String], _ body: [[String]]) -> String {
            guard !body.isEmpty else { return "\(title): none\n\n" }
            let all = [header] + body
            let widths = header.indices.map { c in all.map { $0[c].count }.max() ?? 0 }
            let lines = all.map { r in r.indices.map { c in c == r.count - 1 ? r[c] : r[c].padding(toLength: widths[c], withPad: " ", startingAt: 0) }
                .joined(separator: "  ") }
            return "\(title):\n" + lines.map { "  " + $0 }.joined(separator: "\n") + "\n\n"
        }
        var out = "\(totalFlows) flows from \(FlowTime.format(since)) to \(FlowTime.format(until))"
        if lostEvents.records > 0 { out += " (\(lostEvents.events) events lost in \(lostEvents.records) records: holes)" }
        out += "\n\n"
        out += rows("verdicts", ["VERDICT", "FLOWS"], verdicts.keys.sorted().map { [verdictName($0), String(verdicts[$0]!)] })
        let drops = dropReasons.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(10)
        out += rows("top drop reasons", ["REASON", "FLOWS"], drops.map {
            [FlowEnums.dropReason.name($0.key) ?? unknownReasonNames[$0.key] ?? String($0.key), String($0.value)]
        })
        out += rows("top talkers", ["SOURCE", "DESTINATION", "FLOWS"], talkers.map { [$0.source, $0.destination, String($0.flows)] })
        let seen = Set(histogram.values.flatMap(\.keys)).sorted()
        out += rows("flows per \(bucketMinutes)m", ["START"] + seen.map(verdictName),
                    histogram.keys.sorted().map { b in [FlowTime.format(b)] + seen.map { String(histogram[b]![$0] ?? 0) } })
        return out
    }

    public func json() -> String {
        let q = JSONText.quoted
        func verdictName(_ v: Int64) -> String { FlowEnums.verdict.name(v) ?? String(v) }
        let verdictJSON = verdicts.keys.sorted().map { "\(q(verdictName($0))):\(verdicts[$0]!)" }.joined(separator: ",")
        let drops = dropReasons.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(10)
            .map { "{\"reason\":\(q(FlowEnums.dropReason.name($0.key) ?? unknownReasonNames[$0.key] ?? String($0.key))),\"flows\":\($0.value)}" }
            .joined(separator: ",")
        let talkersJSON = talkers.map { "{\"source\":\(q($0.source)),\"destination\":\(q($0.destination)),\"flows\":\($0.flows)}" }.joined(separator: ",")
        let buckets = histogram.keys.sorted().map { b in
            "{\"start\":\(q(FlowTime.format(b))),\"verdicts\":{" + histogram[b]!.keys.sorted().map { "\(q(verdictName($0))):\(histogram[b]![$0]!)" }.joined(separator: ",") + "}}"
        }.joined(separator: ",")
        return "{\"since\":\(q(FlowTime.format(since))),\"until\":\(q(FlowTime.format(until))),\"total_flows\":\(totalFlows),"
            + "\"verdicts\":{\(verdictJSON)},\"top_drop_reasons\":[\(drops)],\"top_talkers\":[\(talkersJSON)],"
            + "\"bucket\":\(q("\(bucketMinutes)m")),\"histogram\":[\(buckets)],"
            + "\"lost_events\":{\"records\":\(lostEvents.records),\"events_lost\":\(lostEvents.events)}}"
    }
}
