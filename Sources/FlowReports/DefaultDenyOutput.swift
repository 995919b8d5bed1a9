import FlowQuery
import FlowModel

/// The default-deny report as JSON, a table and CSV.
extension DefaultDenyReport {
    static func q(_ s: String) -> String { JSONText.quoted(s) }

    static func protocolName(_ n: Int64) -> String {
        switch n {
        case L4Protocol.tcp: "TCP"
        case L4Protocol.udp: "UDP"
        case L4Protocol.sctp: "SCTP"
        case L4Protocol.icmpv4: "ICMPv4"
        case L4Protocol.icmpv6: "ICMPv6"
        default: n == 0 ? "" : String(n)
        }
    }

    static func directionName(_ d: Int64) -> String { d == 1 ? "INGRESS" : d == 2 ? "EGRESS" : "TRAFFIC_DIRECTION_UNKNOWN" }

    static func endpointJSON(_ e: EndpointInfo, names: [String] = [], ip: String = "") -> String {
        var fields: [String] = []
        if let entity = e.entity { fields.append("\"entity\":\(q(entity))") }
        if !e.namespace.isEmpty { fields.append("\"namespace\":\(q(e.namespace))") }
        if !e.workload.isEmpty {
            fields.append("\"workload\":\(q(e.workload))")
            fields.append("\"workload_kind\":\(q(e.workloadKind))")
        }
        if !e.pod.isEmpty { fields.append("\"pod\":\(q(e.pod))") }
        fields.append("\"identity\":\(e.identity)")
        fields.append("\"labels\":[" + e.stableLabels.map(q).joined(separator: ",") + "]")
        if !names.isEmpty { fields.append("\"names\":[" + names.map(q).joined(separator: ",") + "]") }
        if !ip.isEmpty { fields.append("\"ip\":\(q(ip))") }
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// `{"since":…,"until":…,"total_flows":N,"notes":[…],"lost_events":{"records":N,"events_lost":N},"groups":[…]}`.
    public func json() -> String {
        let verdictName = { (v: Int64) in FlowEnums.verdict.name(v) ?? String(v) }
        let groupsJSON = groups.map { g in
            "{\"direction\":\(Self.q(Self.directionName(g.direction))),\"subject\":\(Self.endpointJSON(g.subject)),"
                + "\"peer\":\(Self.endpointJSON(g.peer, names: g.peerNames, ip: g.peerIP)),"
                + "\"protocol\":\(Self.q(Self.protocolName(g.protocolNumber))),\"port\":\(g.port),\"flows\":\(g.flows),"
                + "\"first_seen\":\(Self.q(FlowTime.format(g.firstSeen))),\"last_seen\":\(Self.q(FlowTime.format(g.lastSeen))),"
                + "\"example_uuid\":\(Self.q(g.exampleUUID)),"
                + "\"verdicts\":[" + g.verdicts.sorted().map { Self.q(verdictName($0)) }.joined(separator: ",") + "],"
                + "\"match_types\":[" + g.matchTypes.sorted().map(String.init).joined(separator: ",") + "]}"
        }
        return "{\"since\":\(Self.q(FlowTime.format(since))),\"until\":\(Self.q(FlowTime.format(until))),"
            + "\"total_flows\":\(totalFlows),\"notes\":[" + Self.notes.map(Self.q).joined(separator: ",") + "],"
            + "\"lost_events\":{\"records\":\(lostEvents.records),\"events_lost\":\(lostEvents.events)},"
            + "\"groups\":[" + groupsJSON.joined(separator: ",") + "]}"
    }

    /// Cells of one group, for the table and CSV.
    static let headers = ["flows", "direction", "subject", "peer", "protocol", "port", "verdicts", "match_types", "first_seen", "last_seen", "example_uuid"]

    func cells(_ g: DefaultDenyGroup) -> [String] {
        var peer = g.peer.display
        if !g.peerNames.isEmpty { peer += " (" + g.peerNames.joined(separator: ",") + ")" }
        if !g.peerIP.isEmpty { peer += " " + g.peerIP }
        return [String(g.flows), Self.directionName(g.direction), g.subject.display, peer,
                Self.protocolName(g.protocolNumber), String(g.port),
                g.verdicts.sorted().map { FlowEnums.verdict.name($0) ?? String($0) }.joined(separator: ";"),
                g.matchTypes.sorted().map(String.init).joined(separator: ";"),
                FlowTime.format(g.firstSeen), FlowTime.format(g.lastSeen), g.exampleUUID]
    }

    /// Aligned columns, largest groups first.
    public func table() -> String {
        var out = TabularFormat.table(headers: Self.headers, rows: groups.map(cells))
        out += "\n\(totalFlows) flows in \(groups.count) connections, \(FlowTime.format(since)) to \(FlowTime.format(until)).\n"
        return out + Self.notes.map { "note: " + $0 }.joined(separator: "\n") + "\n"
    }

    /// RFC 4180 CSV with a header row.
    public func csv() -> String { TabularFormat.csv(headers: Self.headers, rows: groups.map(cells)) }

    /// The report in one of the formats the CLI and the route offer: json, csv, yaml
    /// (suggested policies) or table.
    public func render(_ format: String) -> String {
        switch format {
        case "json": json() + "\n"
        case "csv": csv()
        case "yaml": policiesYAML()
        default: table()
        }
    }
}
