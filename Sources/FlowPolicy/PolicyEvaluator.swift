import FlowModel
import FlowQuery

/// An L7 request as the proxy saw it (spec §6).
public enum L7Request: Hashable, Sendable {
    /// Method, authority (`host:port`), path with `?query`, headers (names lower-cased).
    case http(method: String, authority: String, path: String, headers: [String: [String]])
    /// The query name.
    case dns(query: String)
}

/// What the simulator needs of one flow (spec §8 "Evaluation input").
public struct FlowCase: Hashable, Sendable {
    public var direction: PolicyDirection
    /// The pod the policy applies to: destination for INGRESS, source for EGRESS.
    public var subject: EndpointLabels
    public var peer: EndpointLabels
    /// The peer's address bytes (IP.source for INGRESS, IP.destination for EGRESS).
    public var peerIP: [UInt8]?
    /// `destination_names` (EGRESS only).
    public var peerNames: [String]
    /// IANA protocol number, 0 without `l4`.
    public var protocolNumber: Int64
    /// Destination port, or the ICMP type.
    public var port: Int64
    public var request: L7Request?

    public init(direction: PolicyDirection, subject: EndpointLabels, peer: EndpointLabels, peerIP: [UInt8]?,
                peerNames: [String], protocolNumber: Int64, port: Int64, request: L7Request? = nil) {
        self.direction = direction
        self.subject = subject
        self.peer = peer
        self.peerIP = peerIP
        self.peerNames = peerNames
        self.protocolNumber = protocolNumber
        self.port = port
        self.request = request
    }
}

/// Who decided a simulated outcome: a rule entry, or one of the defaults.
public enum DecidedBy: Hashable, Sendable {
    case rule(RuleRef)
    /// `no-policy`, `allow-localhost`, `allow-all` or `default-deny`.
    case `default`(String)
}

/// The simulated outcome of one flow.
public struct Decision: Hashable, Sendable {
    public let allowed: Bool
    public let decidedBy: DecidedBy

    public init(allowed: Bool, decidedBy: DecidedBy) {
        self.allowed = allowed
        self.decidedBy = decidedBy
    }
}

/// Applies a policy set to flows (spec §7): per subject and direction, deny beats allow, then
/// allow (with L7 rules for requests), then allow-localhost, then the default.
public final class PolicyEvaluator {
    public let set: PolicySet
    private let byDirection: [PolicyDirection: [PolicyEntry]]
    /// Entries applying to a subject, per direction and subject labels (few distinct pods).
    private var subjectCache: [PolicyDirection: [EndpointLabels: [PolicyEntry]]] = [:]

    public init(_ set: PolicySet) {
        self.set = set
        byDirection = Dictionary(grouping: set.entries, by: \.direction)
    }

    func entries(_ direction: PolicyDirection, _ subject: EndpointLabels) -> [PolicyEntry] {
        if let hit = subjectCache[direction]?[subject] { return hit }
        let found = (byDirection[direction] ?? []).filter { $0.subject.matches(subject) }
        subjectCache[direction, default: [:]][subject] = found
        return found
    }

    public func evaluate(_ flow: FlowCase) -> Decision {
        let entries = entries(flow.direction, flow.subject)
        guard !entries.isEmpty else { return Decision(allowed: true, decidedBy: .default("no-policy")) }
        let defaultDeny = entries.contains { $0.defaultDeny }
        // Deny beats allow, whatever allows it.
        if let deny = entries.first(where: { $0.deny && matches($0, flow) != nil }) {
            return Decision(allowed: false, decidedBy: .rule(deny.ref))
        }
        var allows: [(entry: PolicyEntry, rules: [PortRule])] = []
        for e in entries where !e.deny {
            if let rules = matches(e, flow) { allows.append((e, rules)) }
        }
        let fromHost = flow.direction == .ingress && flow.peer.hasReserved("host")
        if let first = allows.first {
            // L7 rules restrict only requests, only under default deny, never the local host.
            guard let request = flow.request, defaultDeny, !fromHost else {
                return Decision(allowed: true, decidedBy: .rule(first.entry.ref))
            }
            for a in allows where a.rules.isEmpty || a.rules.contains(where: { Self.allows($0.l7, request) }) {
                return Decision(allowed: true, decidedBy: .rule(a.entry.ref))
            }
            return Decision(allowed: false, decidedBy: .rule(first.entry.ref))
        }
        if fromHost && defaultDeny { return Decision(allowed: true, decidedBy: .default("allow-localhost")) }
        return defaultDeny ? Decision(allowed: false, decidedBy: .default("default-deny"))
            : Decision(allowed: true, decidedBy: .default("allow-all"))
    }

    /// Whether the decision for `flow` (an L7 request) depends on the request itself: only when
    /// an allow entry with HTTP or DNS rules on the matched port is what would decide it.
    /// Otherwise any request of the same kind is decided alike, and callers may group them.
    public func requestMatters(_ flow: FlowCase) -> Bool {
        guard flow.request != nil else { return false }
        let entries = entries(flow.direction, flow.subject)
        guard !entries.isEmpty, entries.contains(where: { $0.defaultDeny }) else { return false }
        if flow.direction == .ingress && flow.peer.hasReserved("host") { return false }
        if entries.contains(where: { $0.deny && matches($0, flow) != nil }) { return false }
        return entries.contains { e in
            guard !e.deny, let rules = matches(e, flow) else { return false }
            return rules.contains { $0.l7 != nil }
        }
    }

    /// nil when the entry does not match peer and L4; else the port rules that matched
    /// (empty for an L3-only or ICMP match: no L7 rules apply).
    func matches(_ e: PolicyEntry, _ flow: FlowCase) -> [PortRule]? {
        let hasPorts = !e.portRules.isEmpty || !e.icmps.isEmpty
        if let peers = e.peers {
            guard peers.contains(where: { peerMatches($0, flow) }) else { return nil }
        } else if !hasPorts {
            // `ingress: [{}]`: allows nothing, only switches default deny on.
            return nil
        }
        guard hasPorts else { return [] }
        if e.icmps.contains(where: { $0.protocolNumber == flow.protocolNumber && $0.type == flow.port }) { return [] }
        let rules = e.portRules.filter { r in
            r.alternatives.contains { !$0.named && $0.protocols.contains(flow.protocolNumber) && $0.ports.contains(flow.port) }
        }
        return rules.isEmpty ? nil : rules
    }

    func peerMatches(_ p: Peer, _ flow: FlowCase) -> Bool {
        let peer = flow.peer
        switch p {
        case .endpoints(let s, let localCluster):
            guard s.matches(peer) else { return false }
            return !localCluster || peer.first(key: PolicyParser.clusterKey, source: "k8s")?.value == flow.subject.cluster
        case .entity(let name):
            switch name {
            case "all": return true
            case "none": return false
            case "world": return peer.isWorld
            case "cluster":
                return ["host", "remote-node", "init", "ingress", "health", "unmanaged", "kube-apiserver"].contains(where: peer.hasReserved)
                    || peer.first(key: PolicyParser.clusterKey, source: "k8s")?.value == flow.subject.cluster
            default: return peer.hasReserved(name)
            }
        case .cidr(let c, let except):
            guard peer.isWorld, let ip = flow.peerIP else { return false }
            return c.contains(ip) && !except.contains { $0.contains(ip) }
        case .fqdn(let selector):
            return peer.isWorld && flow.peerNames.contains(where: selector.matches)
        case .nothing:
            return false
        }
    }

    /// Whether a port rule's L7 part lets `request` through (no L7 rules: everything).
    static func allows(_ l7: L7Rules?, _ request: L7Request) -> Bool {
        switch (l7, request) {
        case (nil, _): return true
        case (.http(let rules), .http(let method, let authority, let path, let headers)):
            return rules.contains { r in
                guard !r.unusable else { return false }
                if let m = r.method, !RE2Regex.matches(HTTPRule.anchored(m), method) { return false }
                if let p = r.path, !RE2Regex.matches(HTTPRule.anchored(p), path) { return false }
                if let h = r.host, !RE2Regex.matches(HTTPRule.anchored(h), authority) { return false }
                return r.headers.allSatisfy { need in
                    guard let values = headers[need.name] else { return false }
                    return need.value.map { values.contains($0) } ?? true
                }
            }
        case (.dns(let selectors), .dns(let query)):
            return selectors.contains { $0.matches(query) }
        default:
            return false
        }
    }
}
