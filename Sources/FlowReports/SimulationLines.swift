import FlowModel
import FlowPolicy
import FlowQuery

/// A stored flow as a store without SQLite's dictionary hands it to a simulation (ClickHouse):
/// the line `hubble observe -o json` prints, and the texts its connection is described by.
public struct SimulationInput {
    /// UTC nanoseconds.
    public var time: Int64
    /// The flow's JSON line (valid during the call only).
    public var line: UnsafeBufferPointer<UInt8>
    /// The endpoints' canonical JSON objects, "" when the flow has none.
    public var source: String
    public var destination: String
    public var sourceIP: String
    public var destinationIP: String
    /// `destination_names` as a JSON list, "" when absent.
    public var destinationNames: String

    public init(time: Int64, line: UnsafeBufferPointer<UInt8>, source: String, destination: String,
                sourceIP: String, destinationIP: String, destinationNames: String) {
        self.time = time
        self.line = line
        self.source = source
        self.destination = destination
        self.sourceIP = sourceIP
        self.destinationIP = destinationIP
        self.destinationNames = destinationNames
    }
}

extension Simulation {
    /// Runs `set` over flows a store hands over one by one, oldest first (`flows` calls its
    /// argument once per flow in `[since, until)` that the filters match): each flow is read and
    /// evaluated as `run(…perFlow:)` does on SQLite, and grouped into the same connections.
    /// Slower than SQLite's grouped scan (every flow's JSON is parsed); the answer is the same.
    public static func run(set: PolicySet, since: Int64, until: Int64, lostEvents: (records: Int64, events: Int64),
                           flows: ((SimulationInput) throws -> Void) throws -> Void,
                           perFlow: ((SimulatedFlow) throws -> Void)? = nil) throws -> Simulation {
        var sim = Simulation(since: since, until: until, unsupported: set.unsupported, rules: set.rules, policies: set.policies)
        sim.lostEvents = lostEvents
        var decisions = DecisionCache(PolicyEvaluator(set))
        var endpoint = EndpointInfo.Cache()
        var namesByText: [String: [String]] = [:]
        var groups: [SimulatedConnection: SimulatedGroup] = [:]
        func names(_ json: String) -> [String] {
            if let n = namesByText[json] { return n }
            let n = DictionaryLookup.names(json: json)
            namesByText[json] = n
            return n
        }
        try flows { f in
            guard let read = sim.flowCase(f.line) else { return }
            let decision = decisions.decide(read.flow)
            let port = keyPort(read.flow, icmpRules: set.hasICMPRules)
            let ingress = read.flow.direction == .ingress
            let world = read.flow.peer.isWorld
            let c = SimulatedConnection(
                connection: DefaultDenyGroup.Connection(
                    direction: read.flow.direction.rawValue,
                    subject: endpoint(ingress ? f.destination : f.source), peer: endpoint(ingress ? f.source : f.destination),
                    peerNames: world && !ingress ? names(f.destinationNames) : [],
                    peerIP: world ? (ingress ? f.sourceIP : f.destinationIP) : "",
                    protocolNumber: read.flow.protocolNumber, port: port),
                recorded: read.recorded, allowed: decision.allowed, decidedBy: decision.decidedBy)
            if sim.count(c, flows: 1, first: f.time, last: f.time, into: &groups) {
                groups[c]!.exampleUUID = read.uuid
            }
            try perFlow?(SimulatedFlow(uuid: read.uuid, time: read.time, direction: read.flow.direction,
                                       recorded: read.recorded, decision: decision))
        }
        sim.connections = ordered(groups)
        return sim
    }
}
