import FlowModel
import FlowPolicy
import FlowQuery
import FlowStore

/// One connection of a simulation: flows of one direction, subject, peer, protocol, port,
/// recorded and simulated outcome and deciding rule (spec §9; grouped like the default-deny
/// report's connections).
struct SimulatedConnection: Hashable, Sendable {
    let direction: Int64
    let subject: EndpointInfo
    let peer: EndpointInfo
    let peerNames: [String]
    let peerIP: String
    let protocolNumber: Int64
    /// Destination port, or the ICMP type.
    let port: Int64
    let recorded: RecordedOutcome
    let allowed: Bool
    let decidedBy: DecidedBy

    var change: OutcomeChange { OutcomeChange(recorded: recorded, simulatedAllowed: allowed) }
}

struct SimulatedGroup: Sendable {
    var flows: Int64 = 0
    var firstSeen = Int64.max
    var lastSeen = Int64.min
    var exampleUUID = ""
    /// Where the example flow is, for groups from the grouped path.
    var example: (day: Int64, time: Int64, source: Int64, destination: Int64)?
}

/// One evaluated flow, for `--flows` (spec §9).
public struct SimulatedFlow: Sendable {
    public let uuid: String
    public let time: String
    public let direction: PolicyDirection
    public let recorded: RecordedOutcome
    public let decision: Decision
}

/// A proposed policy set replayed over stored flows (docs/SIMULATE.md): what each flow would
/// meet, grouped into connections, with the rules that decided them.
///
/// L3/L4 flows are evaluated once per distinct (event, verdict, subject, peer, peer IP and
/// names, protocol, port) from a GROUP BY over the flow rows; ICMP (the type is not a
/// column), L7 requests, old-style replies and drops without a reason code are read one by one.
public struct Simulation: Sendable {
    public let since: Int64
    public let until: Int64
    public internal(set) var flowsEvaluated: Int64 = 0
    public internal(set) var skipped: [SkipReason: Int64] = [:]
    public internal(set) var changes: [OutcomeChange: Int64] = [:]
    public let unsupported: [UnsupportedUse]
    public let rules: [RuleRef]
    var ruleFlows: [RuleRef: (flows: Int64, last: Int64)] = [:]
    var connections: [(SimulatedConnection, SimulatedGroup)] = []
    public internal(set) var lostEvents: (records: Int64, events: Int64) = (0, 0)
    public let policies: Int

    /// Rows read one by one: ICMP, L7 events, traces without `is_reply` (the deprecated `reply`
    /// is in the residual JSON), policy drops without a reason code (maybe a numeric one).
    static let perFlowCondition = """
        ((f.event_type IN (1, 4, 5, 129) OR (f.event_type = 0 AND f.flow_type = 2))
          AND (f.l4_protocol IN (\(L4Protocol.icmpv4), \(L4Protocol.icmpv6)) OR f.event_type = 129 OR f.event_type = 0
               OR (f.event_type = 4 AND f.is_reply IS NULL) OR (f.verdict = 2 AND f.drop_reason = 0)))
        """

    /// Runs `set` over `[since, until)` of the store (whole store without bounds), flows
    /// narrowed by `filters` (ORed). `perFlow`, when given, receives every evaluated flow in
    /// time order (then every row is read one by one).
    public static func run(engine: QueryEngine, set: PolicySet, since: Int64?, until: Int64?, filters: [Typed] = [],
                           perFlow: ((SimulatedFlow) throws -> Void)? = nil) throws -> Simulation {
        let range = ReportRange(engine: engine, since: since, until: until)
        let from = since ?? range.since, to = until ?? range.until
        var sim = Simulation(since: from, until: to, unsupported: set.unsupported, rules: set.rules, policies: set.policies)
        sim.lostEvents = try LostEvents.total(engine.store.db, since: from, until: to)
        var run = SimulationRun(engine: engine, evaluator: PolicyEvaluator(set))
        for day in engine.days(since: from, until: to) {
            let (filter, params) = QueryEngine.filterSQL(filters, day: day, offset: 2)
            let bounds: [SQLValue] = [.int(from), .int(to)]
            if perFlow == nil {
                try run.grouped(day: day, filter: filter, params: bounds + params, into: &sim)
            }
            try run.oneByOne(day: day, filter: filter, params: bounds + params, all: perFlow != nil, into: &sim, perFlow)
        }
        try run.finish(&sim)
        return sim
    }

    mutating func count(_ c: SimulatedConnection, flows: Int64, first: Int64, last: Int64, into groups: inout [SimulatedConnection: SimulatedGroup]) -> Bool {
        flowsEvaluated += flows
        changes[c.change, default: 0] += flows
        if case .rule(let ref) = c.decidedBy {
            let old = ruleFlows[ref] ?? (0, .min)
            ruleFlows[ref] = (old.flows + flows, max(old.last, last))
        }
        var g = groups[c] ?? SimulatedGroup()
        let earlier = first < g.firstSeen
        g.flows += flows
        g.firstSeen = min(g.firstSeen, first)
        g.lastSeen = max(g.lastSeen, last)
        groups[c] = g
        return earlier
    }
}

/// The state of one run: the evaluator, dictionary lookups and decision caches.
struct SimulationRun {
    let engine: QueryEngine
    let evaluator: PolicyEvaluator
    let lookup: DictionaryLookup
    var groups: [SimulatedConnection: SimulatedGroup] = [:]
    private var labels: [Int64: EndpointLabels] = [:]
    private var addresses: [Int64: [UInt8]?] = [:]
    private var decisions: [FlowCase: Decision] = [:]

    init(engine: QueryEngine, evaluator: PolicyEvaluator) {
        self.engine = engine
        self.evaluator = evaluator
        lookup = DictionaryLookup(engine.reader)
    }

    mutating func endpointLabels(_ id: Int64) throws -> EndpointLabels {
        if let l = labels[id] { return l }
        var texts: [String] = [], identity: Int64 = 0
        if id != 0, case .object(let o)? = try? JSONValue.parse(try lookup.text(id)) {
            if case .array(let a)? = o["labels"] { texts = a.compactMap { if case .string(let s) = $0 { return s }; return nil } }
            if case .number(_, let raw)? = o["identity"] { identity = Int64(raw) ?? 0 }
        }
        let l = EndpointLabels(texts: texts, identity: identity)
        labels[id] = l
        return l
    }

    mutating func address(_ id: Int64) throws -> [UInt8]? {
        if let a = addresses[id] { return a }
        let a = CIDR.address(try lookup.text(id))
        addresses[id] = a
        return a
    }

    mutating func decide(_ c: FlowCase) -> Decision {
        if let d = decisions[c] { return d }
        let d = evaluator.evaluate(c)
        decisions[c] = d
        return d
    }

    /// L3/L4 flows, one evaluation per distinct key.
    mutating func grouped(day: Int64, filter: String, params: [SQLValue], into sim: inout Simulation) throws {
        let s = try engine.store.db.prepare("""
            SELECT f.event_type, f.flow_type, f.verdict, f.drop_reason, coalesce(f.is_reply, 0), f.direction, f.trace_point,
                   f.src_ep, f.dst_ep, CASE f.direction WHEN 1 THEN f.src_ip ELSE f.dst_ip END,
                   CASE f.direction WHEN 2 THEN f.dst_names END, f.l4_protocol, f.dst_port,
                   count(*), min(f.time), max(f.time)
            FROM "\(FlowStore.flowTable(day))" AS f
            WHERE f.time >= ?1 AND f.time < ?2 AND (\(filter)) AND NOT \(Simulation.perFlowCondition)
            GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13
            """)
        try s.bind(params)
        while try s.step() {
            let flows = s.int(13)
            let eventType = FlowClassification.eventType(s.int(0), flowType: s.int(1))
            let direction = s.int(5)
            let recorded: RecordedOutcome
            switch FlowClassification.classify(eventType: eventType, verdict: s.int(2), dropReason: s.int(3), isReply: s.int(4) != 0,
                                               direction: direction, tracePoint: s.int(6), l7Type: 0, l7Kind: "") {
            case .failure(let e):
                sim.skipped[e.reason, default: 0] += flows
                continue
            case .success(let r): recorded = r
            }
            let dir: PolicyDirection = direction == 1 ? .ingress : .egress
            let sourceID = s.int(7), destinationID = s.int(8)
            let (subjectID, peerID) = dir == .ingress ? (destinationID, sourceID) : (sourceID, destinationID)
            let subject = try endpointLabels(subjectID)
            guard subject.namespace != nil else {
                sim.skipped[.subjectNotPod, default: 0] += flows
                continue
            }
            let peer = try endpointLabels(peerID)
            let ipID = s.int(9), namesID = s.int(10)
            let flowCase = FlowCase(direction: dir, subject: subject, peer: peer, peerIP: peer.isWorld ? try address(ipID) : nil,
                                    peerNames: peer.isWorld && dir == .egress ? try lookup.names(namesID) : [],
                                    protocolNumber: s.int(11), port: s.int(12))
            let d = decide(flowCase)
            let c = try connection(dir, subjectID: subjectID, peerID: peerID, peerWorld: peer.isWorld, ipID: ipID, namesID: namesID,
                                   protocolNumber: flowCase.protocolNumber, port: flowCase.port, recorded: recorded, decision: d)
            let first = s.int(14)
            if sim.count(c, flows: flows, first: first, last: s.int(15), into: &groups) {
                groups[c]!.example = (day, first, sourceID, destinationID)
            }
        }
    }

    /// Rows read and evaluated one by one (or, for `--flows`, every row).
    mutating func oneByOne(day: Int64, filter: String, params: [SQLValue], all: Bool, into sim: inout Simulation,
                           _ perFlow: ((SimulatedFlow) throws -> Void)?) throws {
        let extra = Int32(2 + FlowReader.dictColumnCount)
        let s = try engine.store.db.prepare("""
            SELECT \(FlowReader.selectList), f.src_ep, f.dst_ep, f.src_ip, f.dst_ip, f.dst_names
            FROM "\(FlowStore.flowTable(day))" AS f
            WHERE f.time >= ?1 AND f.time < ?2 AND (\(filter)) AND \(all ? "1" : Simulation.perFlowCondition)
            ORDER BY f.time, f.id
            """)
        try s.bind(params)
        while try s.step() {
            try engine.reader.line(day: day, row: s, firstDictColumn: 2)
            let text = String(decoding: engine.reader.lineBytes, as: UTF8.self)
            guard let json = try? JSONValue.parse(text) else { continue }
            let read: FlowJSONCase
            switch FlowJSONCase.read(json) {
            case .failure(let e):
                sim.skipped[e.reason, default: 0] += 1
                continue
            case .success(let r): read = r
            }
            let d = read.flow.request == nil ? decide(read.flow) : evaluator.evaluate(read.flow)
            let ingress = read.flow.direction == .ingress
            let sourceID = s.int(extra), destinationID = s.int(extra + 1)
            let (subjectID, peerID) = ingress ? (destinationID, sourceID) : (sourceID, destinationID)
            let c = try connection(read.flow.direction, subjectID: subjectID, peerID: peerID, peerWorld: read.flow.peer.isWorld,
                                   ipID: ingress ? s.int(extra + 2) : s.int(extra + 3), namesID: ingress ? 0 : s.int(extra + 4),
                                   protocolNumber: read.flow.protocolNumber, port: read.flow.port, recorded: read.recorded, decision: d)
            let time = s.int(0)
            if sim.count(c, flows: 1, first: time, last: time, into: &groups) {
                groups[c]!.exampleUUID = read.uuid
                groups[c]!.example = nil
            }
            try perFlow?(SimulatedFlow(uuid: read.uuid, time: read.time, direction: read.flow.direction, recorded: read.recorded, decision: d))
        }
    }

    mutating func connection(_ dir: PolicyDirection, subjectID: Int64, peerID: Int64, peerWorld: Bool, ipID: Int64, namesID: Int64,
                             protocolNumber: Int64, port: Int64, recorded: RecordedOutcome, decision: Decision) throws -> SimulatedConnection {
        SimulatedConnection(direction: dir.rawValue, subject: try lookup.endpoint(subjectID), peer: try lookup.endpoint(peerID),
                            peerNames: peerWorld && dir == .egress ? try lookup.names(namesID) : [],
                            peerIP: peerWorld ? try lookup.text(ipID) : "", protocolNumber: protocolNumber, port: port,
                            recorded: recorded, allowed: decision.allowed, decidedBy: decision.decidedBy)
    }

    /// Examples for grouped connections, and the order: changes first, then by flows.
    mutating func finish(_ sim: inout Simulation) throws {
        var statements: [Int64: Statement] = [:]
        for (c, g) in groups where g.exampleUUID.isEmpty {
            guard let ex = g.example else { continue }
            if statements[ex.day] == nil {
                statements[ex.day] = try engine.store.db.prepare("""
                    SELECT \(FlowReader.selectList) FROM "\(FlowStore.flowTable(ex.day))" AS f
                    WHERE f.time = ?1 AND f.src_ep IS ?2 AND f.dst_ep IS ?3 LIMIT 1
                    """)
            }
            let s = statements[ex.day]!
            try s.bind([.int(ex.time), ex.source == 0 ? .null : .int(ex.source), ex.destination == 0 ? .null : .int(ex.destination)])
            if try s.step() {
                try engine.reader.line(day: ex.day, row: s, firstDictColumn: 2)
                let text = String(decoding: engine.reader.lineBytes, as: UTF8.self)
                if let r = text.range(of: "\"uuid\":\"") { groups[c]!.exampleUUID = String(text[r.upperBound...].prefix { $0 != "\"" }) }
            }
            s.reset()
        }
        let rank = Dictionary(uniqueKeysWithValues: OutcomeChange.allCases.enumerated().map { ($1, $0) })
        sim.connections = groups.sorted { a, b in
            let ra = rank[a.key.change]!, rb = rank[b.key.change]!
            if ra != rb { return ra < rb }
            if a.value.flows != b.value.flows { return a.value.flows > b.value.flows }
            if a.value.firstSeen != b.value.firstSeen { return a.value.firstSeen < b.value.firstSeen }
            return a.value.exampleUUID < b.value.exampleUUID
        }
    }
}
