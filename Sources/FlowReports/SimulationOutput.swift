import FlowModel
import FlowPolicy
import FlowQuery

/// A simulation as JSON, a table, CSV, and one JSON line per flow (spec §9; docs/SIMULATE.md).
extension Simulation {
    static func q(_ s: String) -> String { JSONText.quoted(s) }

    /// `{"policy","kind","section","rule"}` or `{"default":"…"}`.
    static func decidedByJSON(_ d: DecidedBy) -> String {
        switch d {
        case .rule(let r): "{\"policy\":\(q(r.policy)),\"kind\":\(q(r.kind)),\"section\":\(q(r.section)),\"rule\":\(r.rule)}"
        case .default(let name): "{\"default\":\(q(name))}"
        }
    }

    static func decidedByText(_ d: DecidedBy) -> String {
        switch d {
        case .rule(let r): "\(r.policy) \(r.section)[\(r.rule)]"
        case .default(let name): name
        }
    }

    /// One evaluated flow: `{"uuid","time","direction","recorded","simulated","change","decided_by"}`.
    public static func flowJSON(_ f: SimulatedFlow) -> String {
        "{\"uuid\":\(q(f.uuid)),\"time\":\(q(f.time)),\"direction\":\(q(f.direction == .ingress ? "INGRESS" : "EGRESS")),"
            + "\"recorded\":\(q(f.recorded.rawValue)),\"simulated\":\(q(f.decision.allowed ? "allowed" : "denied")),"
            + "\"change\":\(q(OutcomeChange(recorded: f.recorded, simulatedAllowed: f.decision.allowed).rawValue)),"
            + "\"decided_by\":\(decidedByJSON(f.decision.decidedBy))}"
    }

    public var flowsSkipped: Int64 { skipped.values.reduce(0, +) }

    /// The whole result: counts, unsupported constructs, every rule with the flows it decided
    /// (0 for stale rules), and connections, changes first.
    public func json() -> String {
        let skippedJSON = SkipReason.allCases.compactMap { r in skipped[r].map { "\(Self.q(r.rawValue)):\($0)" } }
        let changesJSON = OutcomeChange.allCases.map { "\(Self.q($0.rawValue)):\(changes[$0] ?? 0)" }
        let unsupportedJSON = unsupported.map {
            "{\"policy\":\(Self.q($0.policy)),\"field\":\(Self.q($0.field)),\"reason\":\(Self.q($0.reason))}"
        }
        let rulesJSON = rules.map { r in
            let used = ruleFlows[r]
            return "{\"policy\":\(Self.q(r.policy)),\"kind\":\(Self.q(r.kind)),\"section\":\(Self.q(r.section)),\"rule\":\(r.rule),"
                + "\"flows\":\(used?.flows ?? 0),\"last_seen\":\(used.map { Self.q(FlowTime.format($0.last)) } ?? "null")}"
        }
        let connectionsJSON = connections.map { c, g in
            "{\"direction\":\(Self.q(DefaultDenyReport.directionName(c.direction))),"
                + "\"subject\":\(DefaultDenyReport.endpointJSON(c.subject)),"
                + "\"peer\":\(DefaultDenyReport.endpointJSON(c.peer, names: c.peerNames, ip: c.peerIP)),"
                + "\"protocol\":\(Self.q(DefaultDenyReport.protocolName(c.protocolNumber))),\"port\":\(c.port),"
                + "\"recorded\":\(Self.q(c.recorded.rawValue)),\"simulated\":\(Self.q(c.allowed ? "allowed" : "denied")),"
                + "\"change\":\(Self.q(c.change.rawValue)),\"flows\":\(g.flows),"
                + "\"first_seen\":\(Self.q(FlowTime.format(g.firstSeen))),\"last_seen\":\(Self.q(FlowTime.format(g.lastSeen))),"
                + "\"example_uuid\":\(Self.q(g.exampleUUID)),\"decided_by\":\(Self.decidedByJSON(c.decidedBy))}"
        }
        return "{\"since\":\(Self.q(FlowTime.format(since))),\"until\":\(Self.q(FlowTime.format(until))),"
            + "\"policies\":\(policies),\"flows_evaluated\":\(flowsEvaluated),"
            + "\"flows_skipped\":{" + skippedJSON.joined(separator: ",") + "},"
            + "\"changes\":{" + changesJSON.joined(separator: ",") + "},"
            + "\"lost_events\":{\"records\":\(lostEvents.records),\"events_lost\":\(lostEvents.events)},"
            + "\"unsupported\":[" + unsupportedJSON.joined(separator: ",") + "],"
            + "\"rules\":[" + rulesJSON.joined(separator: ",") + "],"
            + "\"connections\":[" + connectionsJSON.joined(separator: ",") + "]}"
    }

    static let headers = ["change", "flows", "direction", "subject", "peer", "protocol", "port", "recorded", "simulated",
                          "decided_by", "first_seen", "last_seen", "example_uuid"]

    func cells(_ c: SimulatedConnection, _ g: SimulatedGroup) -> [String] {
        var peer = c.peer.display
        if !c.peerNames.isEmpty { peer += " (" + c.peerNames.joined(separator: ",") + ")" }
        if !c.peerIP.isEmpty { peer += " " + c.peerIP }
        return [c.change.rawValue, String(g.flows), DefaultDenyReport.directionName(c.direction), c.subject.display, peer,
                DefaultDenyReport.protocolName(c.protocolNumber), String(c.port), c.recorded.rawValue,
                c.allowed ? "allowed" : "denied", Self.decidedByText(c.decidedBy),
                FlowTime.format(g.firstSeen), FlowTime.format(g.lastSeen), g.exampleUUID]
    }

    /// For people: connections whose outcome changes, grouped by change (allowed → denied
    /// first), then how many stay the same, stale rules, unsupported constructs and a summary.
    public func table() -> String {
        var out = ""
        let changed = connections.filter { $0.0.change != .unchanged }
        if changed.isEmpty {
            out += "No recorded connection changes outcome.\n"
        } else {
            out += TabularFormat.table(headers: Self.headers, rows: changed.map(cells))
        }
        let unchanged = connections.filter { $0.0.change == .unchanged }
        if !unchanged.isEmpty {
            // Usually most of them: counted here, listed by -o json and -o csv.
            out += "\n\(unchanged.count) connections (\(unchanged.reduce(0) { $0 + $1.1.flows }) flows) keep their outcome; -o json or -o csv lists them.\n"
        }
        let stale = rules.filter { ruleFlows[$0] == nil }
        if !stale.isEmpty {
            out += "\nRules that decided no flow:\n" + stale.map { "  \($0.policy) \($0.section)[\($0.rule)] (\($0.kind))" }.joined(separator: "\n") + "\n"
        }
        for u in unsupported { out += "unsupported: \(u.policy) \(u.field): \(u.reason)\n" }
        let changeText = OutcomeChange.allCases.filter { $0 != .unchanged }.map { "\(changes[$0] ?? 0) \($0.rawValue)" }
        out += "\n\(flowsEvaluated) flows evaluated (\(changeText.joined(separator: ", "))), \(flowsSkipped) skipped, "
            + "\(policies) policies, \(FlowTime.format(since)) to \(FlowTime.format(until)).\n"
        if lostEvents.records > 0 {
            out += "warning: \(lostEvents.records) lost-event records in the range (\(lostEvents.events) events lost): flows are missing.\n"
        }
        return out
    }

    /// RFC 4180 CSV of the connections with a header row.
    public func csv() -> String { TabularFormat.csv(headers: Self.headers, rows: connections.map(cells)) }
}
