import FlowModel
import FlowPolicy
import FlowQuery
import FlowStore

/// One connection of a simulation: the default-deny report's connection (direction, subject,
/// peer, protocol, port), with the recorded and simulated outcome and the deciding rule
/// (spec §9). Its fields read as the connection's own (`c.peer`).
@dynamicMemberLookup
struct SimulatedConnection: Hashable, Sendable {
    let connection: DefaultDenyGroup.Connection
    let recorded: RecordedOutcome
    let allowed: Bool
    let decidedBy: DecidedBy

    var change: OutcomeChange { OutcomeChange(recorded: recorded, simulatedAllowed: allowed) }

    subscript<T>(dynamicMember field: KeyPath<DefaultDenyGroup.Connection, T>) -> T { connection[keyPath: field] }
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
/// Flows are reduced to distinct keys (SimulationScan.swift: the hourly policy rollup, raw rows
/// at the range's edges) and each key is evaluated once; see `run`.
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

    /// Runs `set` over `[since, until)` of the store (whole store without bounds), flows
    /// narrowed by `filters` (ORed). `perFlow`, when given, receives every evaluated flow in
    /// time order (every row is then read and decoded). Otherwise rows are scanned by
    /// `workers` threads (each opening its own read-only connection) and reduced to distinct
    /// keys (SimulationScan.swift), each evaluated once; only HTTP requests whose outcome
    /// depends on the request itself are read one by one.
    public static func run(engine: QueryEngine, set: PolicySet, since: Int64?, until: Int64?, filters: [Typed] = [],
                           workers: Int = 1, perFlow: ((SimulatedFlow) throws -> Void)? = nil) throws -> Simulation {
        let range = ReportRange(engine: engine, since: since, until: until)
        let from = since ?? range.since, to = until ?? range.until
        var sim = Simulation(since: from, until: to, unsupported: set.unsupported, rules: set.rules, policies: set.policies)
        sim.lostEvents = try LostEvents.total(engine.store.db, since: from, until: to)
        var run = SimulationRun(engine: engine, evaluator: PolicyEvaluator(set))
        let days = engine.days(since: from, until: to)
        if let perFlow {
            for day in days {
                let (filter, params) = QueryEngine.filterSQL(filters, day: day, offset: 2)
                try run.oneByOne(day: day, filter: filter, params: [.int(from), .int(to)] + params, into: &sim, perFlow)
            }
        } else {
            let scan = try Self.scan(engine: engine, days: days, from: from, to: to, filters: filters,
                                     needsICMPType: set.hasICMPRules, workers: workers)
            for (r, n) in scan.skipped { sim.skipped[r, default: 0] += n }
            var requests: Set<ScanKey> = []
            for (key, group) in scan.groups where !(try run.count(key, group, into: &sim)) { requests.insert(key) }
            try run.describe(into: &sim)
            if !requests.isEmpty {
                for day in days {
                    let (filter, params) = QueryEngine.filterSQL(filters, day: day, offset: 2)
                    try run.requests(day: day, filter: filter, params: [.int(from), .int(to)] + params, only: requests, into: &sim)
                }
            }
        }
        try run.finish(&sim)
        return sim
    }

    /// Groups and skip counts over `[from, to)`: the p_ rollup for whole hours (without
    /// filters), raw rows at the edges and where the rollup cannot decide.
    static func scan(engine: QueryEngine, days: [Int64], from: Int64, to: Int64, filters: [Typed], needsICMPType: Bool,
                     workers: Int) throws -> (groups: [ScanKey: ScanGroup], skipped: [SkipReason: Int64]) {
        let hour = Rollups.nanosPerHour, dayNanos: Int64 = 86_400_000_000_000
        let firstHour = ReportRange.ceil(from, hour) / hour, endHour = ReportRange.floor(to, hour) / hour
        var ranges: [(day: Int64, from: Int64, to: Int64)] = [], rollups: [(day: Int64, fromHour: Int64, toHour: Int64)] = []
        for day in days {
            let lo = max(from, day * dayNanos), hi = min(to, (day + 1) * dayNanos)
            guard lo < hi else { continue }
            let h0 = max(firstHour, day * 24), h1 = min(endHour, (day + 1) * 24)
            var rolled = filters.isEmpty && h0 < h1
            if rolled {
                rolled = try engine.store.db.scalar("SELECT count(*) FROM sqlite_master WHERE name = ?", [.text("p_" + FlowTime.dayStamp(day))]) == 1
            }
            if rolled {
                rollups.append((day, h0, h1))
                ranges.append((day, lo, h0 * hour))
                ranges.append((day, h1 * hour, hi))
            } else {
                ranges.append((day, lo, hi))
            }
        }
        var result = try SimulationScanner.run(store: engine.store, ranges: ranges, rollups: rollups, filters: filters,
                                               condition: nil, needsICMPType: needsICMPType, workers: workers)
        if result.residualRows > 0 {
            // Rollup rows whose outcome may depend on the residual JSON: those raw rows.
            let more = try SimulationScanner.run(store: engine.store, ranges: rollups.map { ($0.day, $0.fromHour * hour, $0.toHour * hour) },
                                                 rollups: [], filters: [], condition: Rollups.simulationNeedsResidual(icmp: needsICMPType),
                                                 needsICMPType: needsICMPType, workers: workers)
            for (k, g) in more.groups { result.groups[k, default: ScanGroup()].merge(g) }
            for (r, n) in more.skipped { result.skipped[r, default: 0] += n }
        }
        return (result.groups, result.skipped)
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
    private var decisions: DecisionCache

    init(engine: QueryEngine, evaluator: PolicyEvaluator) {
        self.engine = engine
        self.evaluator = evaluator
        decisions = DecisionCache(evaluator)
        lookup = DictionaryLookup(engine.reader)
    }

    mutating func endpointLabels(_ id: Int64) throws -> EndpointLabels {
        if let l = labels[id] { return l }
        let l = EndpointLabels(endpoint: id == 0 ? nil : try? JSONValue.parse(try lookup.text(id)))
        labels[id] = l
        return l
    }

    mutating func address(_ id: Int64) throws -> [UInt8]? {
        if let a = addresses[id] { return a }
        let a = CIDR.address(try lookup.text(id))
        addresses[id] = a
        return a
    }

    /// A connection by dictionary ids, before its endpoints are described: scanned groups add
    /// up here (integer keys hash fast), then merge into described connections at the end.
    struct IDConnection: Hashable {
        let key: ScanKey
        let decision: Decision
    }
    private var idGroups: [IDConnection: ScanGroup] = [:]
    /// Decisions by key (recorded outcome left out: it does not change the decision); nil:
    /// an HTTP request whose outcome depends on the request.
    private var keyDecisions: [ScanKey: Decision?] = [:]

    /// Counts a scanned group; false (and nothing counted) for HTTP requests whose outcome
    /// depends on the request: those are read one by one.
    mutating func count(_ key: ScanKey, _ g: ScanGroup, into sim: inout Simulation) throws -> Bool {
        var decisionKey = key
        decisionKey.recorded = .allowed
        let decision: Decision?
        if let cached = keyDecisions[decisionKey] {
            decision = cached
        } else {
            let dir: PolicyDirection = key.direction == 1 ? .ingress : .egress
            var request: L7Request?
            if key.l7 == -1 {
                request = .http(method: "", authority: "", path: "", headers: [:])
            } else if key.l7 > 0 {
                request = .dns(query: try lookup.text(key.l7))
            }
            let flowCase = FlowCase(direction: dir, subject: try endpointLabels(key.subject), peer: try endpointLabels(key.peer),
                                    peerIP: key.peerIP != 0 ? try address(key.peerIP) : nil,
                                    peerNames: key.names != 0 ? try lookup.names(key.names) : [],
                                    protocolNumber: key.protocolNumber, port: key.port, request: request)
            decision = key.l7 == -1 && evaluator.requestMatters(flowCase) ? nil : evaluator.evaluate(flowCase)
            keyDecisions[decisionKey] = .some(decision)
        }
        guard let decision else { return false }
        var connectionKey = key
        // Connections show a world peer's IP and names; other peers are described by labels.
        connectionKey.l7 = 0
        idGroups[IDConnection(key: connectionKey, decision: decision), default: ScanGroup()].merge(g)
        return true
    }

    /// Merges the id-keyed groups into described connections.
    mutating func describe(into sim: inout Simulation) throws {
        for (c, g) in idGroups {
            let k = c.key
            let dir: PolicyDirection = k.direction == 1 ? .ingress : .egress
            let connection = try connection(dir, subjectID: k.subject, peerID: k.peer, peerWorld: k.peerIP != 0 || k.names != 0,
                                            ipID: k.peerIP, namesID: k.names, protocolNumber: k.protocolNumber, port: k.port,
                                            recorded: k.recorded, decision: c.decision)
            if sim.count(connection, flows: g.flows, first: g.first, last: g.last, into: &groups) {
                groups[connection]!.example = g.example
                groups[connection]!.exampleUUID = ""
            }
        }
        idGroups = [:]
    }

    /// HTTP requests of the keys in `only`, read and evaluated one by one.
    mutating func requests(day: Int64, filter: String, params: [SQLValue], only: Set<ScanKey>, into sim: inout Simulation) throws {
        let extra = Int32(2 + FlowReader.dictColumnCount)
        let s = try engine.store.db.prepare("""
            SELECT \(FlowReader.selectList), f.src_ep, f.dst_ep, f.src_ip, f.dst_ip, f.dst_names, f.verdict, f.direction,
                   f.l4_protocol, f.dst_port
            FROM "\(FlowStore.flowTable(day))" AS f
            WHERE f.time >= ?1 AND f.time < ?2 AND (\(filter))
              AND (f.event_type = 129 OR (f.event_type = 0 AND f.flow_type = 2)) AND f.l7_type = 1
              AND (f.http_method IS NOT NULL OR f.http_code <> 0)
            ORDER BY f.time, f.id
            """)
        try s.bind(params)
        while try s.step() {
            let verdict = s.int(extra + 5), direction = s.int(extra + 6)
            let recorded: RecordedOutcome
            switch verdict {
            case 1, 5: recorded = .allowed
            case 4: recorded = .audit
            case 2: recorded = .denied
            default: continue
            }
            let ingress = direction == 1
            let source = s.int(extra), destination = s.int(extra + 1)
            let (subject, peer) = ingress ? (destination, source) : (source, destination)
            let world = try endpointLabels(peer).isWorld
            let key = ScanKey(recorded: recorded, direction: direction, subject: subject, peer: peer,
                              peerIP: world ? s.int(ingress ? extra + 2 : extra + 3) : 0, names: world && !ingress ? s.int(extra + 4) : 0,
                              protocolNumber: s.int(extra + 7), port: s.int(extra + 8), l7: -1)
            guard only.contains(key) else { continue }
            try engine.reader.line(day: day, row: s, firstDictColumn: 2)
            guard let json = try? JSONValue.parse(String(decoding: engine.reader.lineBytes, as: UTF8.self)),
                  case .success(let read) = FlowJSONCase.read(json) else { continue }
            let d = evaluator.evaluate(read.flow)
            let c = try connection(read.flow.direction, subjectID: subject, peerID: peer, peerWorld: world, ipID: key.peerIP,
                                   namesID: key.names, protocolNumber: key.protocolNumber, port: key.port, recorded: read.recorded, decision: d)
            let time = s.int(0)
            if sim.count(c, flows: 1, first: time, last: time, into: &groups) {
                groups[c]!.exampleUUID = read.uuid
                groups[c]!.example = nil
            }
        }
    }

    /// Every row read and evaluated one by one (`--flows`).
    mutating func oneByOne(day: Int64, filter: String, params: [SQLValue], into sim: inout Simulation,
                           _ perFlow: ((SimulatedFlow) throws -> Void)?) throws {
        let extra = Int32(2 + FlowReader.dictColumnCount)
        let s = try engine.store.db.prepare("""
            SELECT \(FlowReader.selectList), f.src_ep, f.dst_ep, f.src_ip, f.dst_ip, f.dst_names
            FROM "\(FlowStore.flowTable(day))" AS f
            WHERE f.time >= ?1 AND f.time < ?2 AND (\(filter))
            ORDER BY f.time, f.id
            """)
        try s.bind(params)
        while try s.step() {
            try engine.reader.line(day: day, row: s, firstDictColumn: 2)
            guard let read = sim.flowCase(engine.reader.lineBytes) else { continue }
            let d = decisions.decide(read.flow)
            let port = Simulation.keyPort(read.flow, icmpRules: evaluator.set.hasICMPRules)
            let ingress = read.flow.direction == .ingress
            let sourceID = s.int(extra), destinationID = s.int(extra + 1)
            let (subjectID, peerID) = ingress ? (destinationID, sourceID) : (sourceID, destinationID)
            let c = try connection(read.flow.direction, subjectID: subjectID, peerID: peerID, peerWorld: read.flow.peer.isWorld,
                                   ipID: ingress ? s.int(extra + 2) : s.int(extra + 3), namesID: ingress ? 0 : s.int(extra + 4),
                                   protocolNumber: read.flow.protocolNumber, port: port, recorded: read.recorded, decision: d)
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
        SimulatedConnection(
            connection: DefaultDenyGroup.Connection(
                direction: dir.rawValue, subject: try lookup.endpoint(subjectID), peer: try lookup.endpoint(peerID),
                peerNames: peerWorld && dir == .egress ? try lookup.names(namesID) : [],
                peerIP: peerWorld ? try lookup.text(ipID) : "", protocolNumber: protocolNumber, port: port),
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
                groups[c]!.exampleUUID = ExampleFinder.uuid(inLine: String(decoding: engine.reader.lineBytes, as: UTF8.self))
            }
            s.reset()
        }
        sim.connections = Simulation.ordered(groups)
    }
}

/// Decisions by flow case: a case without an L7 request recurs across many flows and is
/// evaluated once; one with a request is evaluated every time (its outcome may depend on it).
struct DecisionCache {
    let evaluator: PolicyEvaluator
    private var decisions: [FlowCase: Decision] = [:]

    init(_ evaluator: PolicyEvaluator) { self.evaluator = evaluator }

    mutating func decide(_ c: FlowCase) -> Decision {
        guard c.request == nil else { return evaluator.evaluate(c) }
        if let d = decisions[c] { return d }
        let d = evaluator.evaluate(c)
        decisions[c] = d
        return d
    }
}

extension Simulation {
    /// A stored flow line read as a flow case; nil when it is not JSON, or when the spec skips
    /// it (§8: then counted in `skipped`).
    mutating func flowCase<Line: Collection>(_ line: Line) -> FlowJSONCase? where Line.Element == UInt8 {
        guard let json = try? JSONValue.parse(String(decoding: line, as: UTF8.self)) else { return nil }
        switch FlowJSONCase.read(json) {
        case .failure(let e):
            skipped[e.reason, default: 0] += 1
            return nil
        case .success(let r): return r
        }
    }

    /// The port a flow's connection is keyed by, as the grouped scan keys it, so that `--flows`
    /// and grouped answers group alike: an ICMP type only when a policy reads ICMP types.
    static func keyPort(_ flow: FlowCase, icmpRules: Bool) -> Int64 {
        let icmp = flow.protocolNumber == L4Protocol.icmpv4 || flow.protocolNumber == L4Protocol.icmpv6
        return icmp && !icmpRules ? 0 : flow.port
    }

    /// Connections in report order: changes first, then by flows, first seen, example.
    static func ordered(_ groups: [SimulatedConnection: SimulatedGroup]) -> [(SimulatedConnection, SimulatedGroup)] {
        let rank = Dictionary(uniqueKeysWithValues: OutcomeChange.allCases.enumerated().map { ($1, $0) })
        return groups.sorted { a, b in
            let ra = rank[a.key.change]!, rb = rank[b.key.change]!
            if ra != rb { return ra < rb }
            if a.value.flows != b.value.flows { return a.value.flows > b.value.flows }
            if a.value.firstSeen != b.value.firstSeen { return a.value.firstSeen < b.value.firstSeen }
            return a.value.exampleUUID < b.value.exampleUUID
        }
    }
}
