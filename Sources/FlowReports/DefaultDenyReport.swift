import FlowModel
import FlowQuery
import FlowStore

/// One connection default-deny would block: who (subject), with whom (peer), how; and what
/// was seen of it. The connection's fields read as the group's own (`group.peer`).
@dynamicMemberLookup
struct DefaultDenyGroup: Sendable {
    /// What makes flows one connection: the grouping key.
    struct Connection: Hashable, Sendable {
        let direction: Int64
        let subject: EndpointInfo
        let peer: EndpointInfo
        /// For world peers: the DNS names and IP seen.
        let peerNames: [String]
        let peerIP: String
        let protocolNumber: Int64
        let port: Int64
    }

    let connection: Connection
    var flows: Int64 = 0
    var firstSeen = Int64.max
    var lastSeen = Int64.min
    var exampleUUID = ""
    var exampleDay: Int64 = 0
    var verdicts: Set<Int64> = []
    var matchTypes: Set<Int64> = []

    subscript<T>(dynamicMember field: KeyPath<Connection, T>) -> T { connection[keyPath: field] }
}

/// "What would default-deny block": from the per-minute rollups, or (with extra filters, or
/// `fromRawFlows`) from the raw flows with the same grouping.
public struct DefaultDenyReport: Sendable {
    public let since: Int64
    public let until: Int64
    var groups: [DefaultDenyGroup] = []
    /// Lost-event records in the range and the events they say were lost: holes in the answer.
    public internal(set) var lostEvents: (records: Int64, events: Int64) = (0, 0)
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
        let range = ReportRange(engine: engine, since: since, until: until)
        let from = range.since, to = range.until
        var report = DefaultDenyReport(since: from, until: to)
        report.lostEvents = try LostEvents.total(store.db, since: from, until: to)
        let lookup = DictionaryLookup(engine.reader)
        var byKey: [DefaultDenyGroup.Connection: DefaultDenyGroup] = [:]
        for day in range.days {
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
                try fold(&byKey, direction: s.int(0), subject: try lookup.endpoint(s.int(1)), peer: try lookup.endpoint(s.int(2)),
                     peerNames: { try lookup.names(s.int(4)) }, peerIP: { try lookup.text(s.int(3)) },
                     protocolNumber: s.int(5), port: s.int(6), verdict: s.int(7), matchType: s.int(8),
                     flows: s.int(9), first: s.int(10), last: s.int(11), day: day, exampleUUID: "")
            }
        }
        // One example per final group (reading a flow decompresses its block).
        var examples = ExampleFinder(engine)
        // In time order, so groups whose first flows share a block decompress it once.
        for (k, g) in byKey.sorted(by: { $0.value.firstSeen < $1.value.firstSeen }) {
            byKey[k]!.exampleUUID = try examples.uuid(day: g.exampleDay, time: g.firstSeen)
        }
        report.groups = sorted(byKey)
        return report
    }

    init(since: Int64, until: Int64) {
        self.since = since
        self.until = until
    }

    /// Builds the report from rows another store grouped (or single flows: rows with the same
    /// key are added up), over the range `range`.
    public init(range: ReportRange, rows: [DefaultDenyRow], lostEvents: (records: Int64, events: Int64)) throws {
        self.init(since: range.since, until: range.until)
        self.lostEvents = lostEvents
        var byKey: [DefaultDenyGroup.Connection: DefaultDenyGroup] = [:]
        var endpoint = EndpointInfo.Cache()
        for r in rows {
            Self.fold(&byKey, direction: r.direction, subject: endpoint(r.subject), peer: endpoint(r.peer),
                      peerNames: { r.peerNames.sorted() }, peerIP: { r.peerIP }, protocolNumber: r.protocolNumber, port: r.port,
                      verdict: r.verdict, matchType: r.matchType, flows: r.flows, first: r.firstSeen, last: r.lastSeen,
                      day: 0, exampleUUID: r.exampleUUID)
        }
        groups = Self.sorted(byKey)
    }

    /// Adds one grouped row to its connection. World peers keep their DNS names and IP; other
    /// peers are one connection whatever their addresses.
    private static func fold(_ byKey: inout [DefaultDenyGroup.Connection: DefaultDenyGroup], direction: Int64,
                             subject: EndpointInfo, peer: EndpointInfo, peerNames: () throws -> [String], peerIP: () throws -> String,
                             protocolNumber: Int64, port: Int64, verdict: Int64, matchType: Int64,
                             flows: Int64, first: Int64, last: Int64, day: Int64, exampleUUID: String) rethrows {
        let world = peer.entity == "world" || (peer.namespace.isEmpty && peer.entity == nil)
        let key = DefaultDenyGroup.Connection(
            direction: direction, subject: subject, peer: peer,
            peerNames: world ? try peerNames() : [], peerIP: world ? try peerIP() : "",
            protocolNumber: protocolNumber, port: port)
        var g = byKey[key] ?? DefaultDenyGroup(connection: key)
        g.flows += flows
        if first < g.firstSeen || (first == g.firstSeen && exampleUUID < g.exampleUUID) {
            g.firstSeen = first
            g.exampleDay = day
            g.exampleUUID = exampleUUID
        }
        g.lastSeen = max(g.lastSeen, last)
        g.verdicts.insert(verdict)
        g.matchTypes.insert(matchType)
        byKey[key] = g
    }

    private static func sorted(_ byKey: [DefaultDenyGroup.Connection: DefaultDenyGroup]) -> [DefaultDenyGroup] {
        byKey.values.sorted { a, b in
            a.flows != b.flows ? a.flows > b.flows : a.firstSeen != b.firstSeen ? a.firstSeen < b.firstSeen : a.exampleUUID < b.exampleUUID
        }
    }

}

/// One grouped row of would-be-blocked flows from a store other than SQLite: the grouping
/// key's stored values (endpoints as canonical JSON, "" when absent; the peer's IP and DNS
/// names) and what was seen (`flows`, first and last time in UTC nanoseconds, the uuid of the
/// first flow).
public struct DefaultDenyRow: Sendable {
    public var direction: Int64, subject: String, peer: String, peerIP: String, peerNames: [String]
    public var protocolNumber: Int64, port: Int64, verdict: Int64, matchType: Int64
    public var flows: Int64, firstSeen: Int64, lastSeen: Int64, exampleUUID: String

    public init(direction: Int64, subject: String, peer: String, peerIP: String, peerNames: [String],
                protocolNumber: Int64, port: Int64, verdict: Int64, matchType: Int64,
                flows: Int64, firstSeen: Int64, lastSeen: Int64, exampleUUID: String) {
        self.direction = direction
        self.subject = subject
        self.peer = peer
        self.peerIP = peerIP
        self.peerNames = peerNames
        self.protocolNumber = protocolNumber
        self.port = port
        self.verdict = verdict
        self.matchType = matchType
        self.flows = flows
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.exampleUUID = exampleUUID
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
        return Self.uuid(inLine: String(decoding: engine.reader.lineBytes, as: UTF8.self))
    }

    /// The `uuid` of a stored flow's line (canonical JSON: one `"uuid":"…"`), or "".
    static func uuid(inLine text: String) -> String {
        guard let r = text.range(of: "\"uuid\":\"") else { return "" }
        return String(text[r.upperBound...].prefix { $0 != "\"" })
    }
}

/// Dictionary values by id, as reports need them; the reader fetches and caches the bytes,
/// this keeps what was made of them.
final class DictionaryLookup {
    let reader: FlowReader
    private var endpoints: [Int64: EndpointInfo] = [:]

    init(_ reader: FlowReader) { self.reader = reader }

    func text(_ id: Int64) throws -> String {
        id == 0 ? "" : String(decoding: try reader.dictionaryValue(id), as: UTF8.self)
    }

    func endpoint(_ id: Int64) throws -> EndpointInfo {
        if let e = endpoints[id] { return e }
        let e = id == 0 ? EndpointInfo() : EndpointInfo(json: try text(id))
        endpoints[id] = e
        return e
    }

    func names(_ id: Int64) throws -> [String] { Self.names(json: try text(id)) }

    /// A JSON list of names (`destination_names`), sorted; [] for anything else.
    static func names(json: String) -> [String] {
        guard case .array(let items)? = try? JSONValue.parse(json) else { return [] }
        return items.compactMap { if case .string(let s) = $0 { return s }; return nil }.sorted()
    }
}
