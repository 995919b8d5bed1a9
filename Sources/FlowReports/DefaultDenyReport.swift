import FlowModel
import FlowQuery
import FlowStore

/// One connection default-deny would block: who (subject), with whom (peer), how.
public struct DefaultDenyGroup: Sendable {
    var direction: Int64
    var subject: EndpointInfo
    var peer: EndpointInfo
    /// For world peers: the DNS names and IP seen.
    var peerNames: [String]
    var peerIP: String
    var protocolNumber: Int64
    var port: Int64
    public internal(set) var flows: Int64 = 0
    var firstSeen = Int64.max
    var lastSeen = Int64.min
    var exampleUUID = ""
    var exampleDay: Int64 = 0
    var verdicts: Set<Int64> = []
    var matchTypes: Set<Int64> = []

    struct Key: Hashable {
        let direction: Int64
        let subject: EndpointInfo
        let peer: EndpointInfo
        let peerNames: [String]
        let peerIP: String
        let protocolNumber: Int64
        let port: Int64
    }

    var key: Key { Key(direction: direction, subject: subject, peer: peer, peerNames: peerNames, peerIP: peerIP, protocolNumber: protocolNumber, port: port) }
}

/// "What would default-deny block": from the per-minute rollups, or (with extra filters, or
/// `fromRawFlows`) from the raw flows with the same grouping.
public struct DefaultDenyReport: Sendable {
    public let since: Int64
    public let until: Int64
    public internal(set) var groups: [DefaultDenyGroup] = []
    public var totalFlows: Int64 { groups.reduce(0) { $0 + $1.flows } }

    public static let notes = [
        "Flows counted: policy-verdict events (not replies, not trace events) with verdict AUDIT (policy audit mode lets a would-be drop through), or FORWARDED/REDIRECTED with policy_match_type 4.",
        "policy_match_type 4 (printed 'all') means the allow-all policy-map entry matched: any peer, protocol and port. Cilium adds it when a policy sets enableDefaultDeny: false, but an explicit allow-all rule (fromEntities/toEntities: all) produces it too; check your policies before reading every such flow as a would-be drop.",
        "Ranges are whole minutes: since is rounded down and until up to the minute, as the rollups are kept.",
    ]

    /// Builds the report over `[since, until)` (whole minutes) of the store behind `engine`.
    public static func build(engine: QueryEngine, since: Int64?, until: Int64?, filters: [Typed] = [],
                             fromRawFlows: Bool = false) throws -> DefaultDenyReport {
        let store = engine.store
        let minute = Rollups.nanosPerMinute
        let from = since.map { $0 >= 0 ? $0 / minute * minute : ($0 - minute + 1) / minute * minute } ?? (store.days.first ?? 0) * 86_400_000_000_000
        let to = until.map { ($0 + minute - 1) / minute * minute } ?? ((store.days.last ?? 0) + 1) * 86_400_000_000_000
        var report = DefaultDenyReport(since: from, until: to)
        let lookup = DictionaryLookup(store)
        var byKey: [DefaultDenyGroup.Key: DefaultDenyGroup] = [:]
        for day in store.days where (day + 1) * 86_400_000_000_000 > from && day * 86_400_000_000_000 < to {
            let sql: String
            var params: [SQLValue] = [.int(from), .int(to)]
            if filters.isEmpty && !fromRawFlows {
                sql = """
                    SELECT direction, subject, peer, peer_ip, peer_names, protocol, port, verdict, match_type,
                           sum(flows), min(first_time), max(last_time)
                    FROM "d_\(FlowTime.dayStamp(day))" WHERE minute >= ?1 / \(minute) AND minute < ?2 / \(minute)
                    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
                    """
            } else {
                // The same grouping over raw flows; extra filters narrow it (ORed among themselves).
                let (filter, filterParams) = QueryEngine.filterSQL(filters, day: day, offset: 2)
                params += filterParams
                sql = """
                    SELECT \(Rollups.defaultDenyKey), count(*), min(time), max(time)
                    FROM "\(FlowStore.flowTable(day))" AS f WHERE f.time >= ?1 AND f.time < ?2
                      AND \(Rollups.defaultDenyCondition) AND (\(filter))
                    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
                    """
            }
            let s = try store.db.prepare(sql)
            try s.bind(params)
            while try s.step() {
                let direction = s.int(0)
                let peer = try lookup.endpoint(s.int(2))
                let world = peer.entity == "world" || (peer.namespace.isEmpty && peer.entity == nil)
                var g = DefaultDenyGroup(
                    direction: direction, subject: try lookup.endpoint(s.int(1)), peer: peer,
                    peerNames: world ? try lookup.names(s.int(4)) : [],
                    peerIP: world ? try lookup.text(s.int(3)) : "",
                    protocolNumber: s.int(5), port: s.int(6))
                let first = s.int(10)
                let key = g.key
                if let existing = byKey[key] { g = existing }
                g.flows += s.int(9)
                if first < g.firstSeen {
                    g.firstSeen = first
                    g.exampleDay = day
                }
                g.lastSeen = max(g.lastSeen, s.int(11))
                g.verdicts.insert(s.int(7))
                g.matchTypes.insert(s.int(8))
                byKey[key] = g
            }
        }
        // One example per final group (reading a flow decompresses its block).
        var examples = ExampleFinder(engine)
        // In time order, so groups whose first flows share a block decompress it once.
        for (k, g) in byKey.sorted(by: { $0.value.firstSeen < $1.value.firstSeen }) {
            byKey[k]!.exampleUUID = try examples.uuid(day: g.exampleDay, time: g.firstSeen)
        }
        report.groups = byKey.values.sorted { a, b in
            a.flows != b.flows ? a.flows > b.flows : a.firstSeen != b.firstSeen ? a.firstSeen < b.firstSeen : a.exampleUUID < b.exampleUUID
        }
        return report
    }

}

/// Finds a group's example flow: the candidate flow at exactly its first-seen time.
struct ExampleFinder {
    let engine: QueryEngine
    private var statements: [Int64: Statement] = [:]

    init(_ engine: QueryEngine) { self.engine = engine }

    mutating func uuid(day: Int64, time: Int64) throws -> String {
        if statements[day] == nil {
            statements[day] = try engine.store.db.prepare("""
                SELECT \(FlowReader.selectList) FROM "\(FlowStore.flowTable(day))" AS f
                WHERE f.time = ?1 AND \(Rollups.defaultDenyCondition) LIMIT 1
                """)
        }
        let s = statements[day]!
        defer { s.reset() }
        s.bind(1, time)
        guard try s.step() else { return "" }
        try engine.reader.line(day: day, row: s, firstDictColumn: 2)
        let text = String(decoding: engine.reader.lineBytes, as: UTF8.self)
        guard let r = text.range(of: "\"uuid\":\"") else { return "" }
        return String(text[r.upperBound...].prefix { $0 != "\"" })
    }
}

/// Dictionary values by id, cached for the life of a report.
final class DictionaryLookup {
    let store: FlowStore
    private var endpoints: [Int64: EndpointInfo] = [:]
    private var texts: [Int64: String] = [:]
    private lazy var statement = try? store.db.prepare("SELECT value FROM dict WHERE id = ?")

    init(_ store: FlowStore) { self.store = store }

    func text(_ id: Int64) throws -> String {
        guard id != 0 else { return "" }
        if let t = texts[id] { return t }
        guard let s = statement else { throw StoreError("cannot read the dictionary") }
        s.bind(1, id)
        defer { s.reset() }
        let t = try s.step() ? s.text(0) : ""
        texts[id] = t
        return t
    }

    func endpoint(_ id: Int64) throws -> EndpointInfo {
        if let e = endpoints[id] { return e }
        let e = id == 0 ? EndpointInfo() : EndpointInfo(json: try text(id))
        endpoints[id] = e
        return e
    }

    func names(_ id: Int64) throws -> [String] {
        guard case .array(let items)? = try? JSONValue.parse(try text(id)) else { return [] }
        return items.compactMap { if case .string(let s) = $0 { return s }; return nil }.sorted()
    }
}
