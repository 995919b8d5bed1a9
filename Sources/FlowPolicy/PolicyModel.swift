/// Names a rule entry of the proposed set: `decided_by` and the `rules` list (spec §1.5).
public struct RuleRef: Hashable, Sendable {
    /// `NAMESPACE/NAME` for CNP and KNP, `NAME` for CCNP.
    public let policy: String
    /// `CiliumNetworkPolicy`, `CiliumClusterwideNetworkPolicy` or `NetworkPolicy`.
    public let kind: String
    /// `ingress`, `ingressDeny`, `egress` or `egressDeny`.
    public let section: String
    /// 0-based index in the section, counted across `spec` then `specs[…]` of one object.
    public let rule: Int

    public init(policy: String, kind: String, section: String, rule: Int) {
        self.policy = policy
        self.kind = kind
        self.section = section
        self.rule = rule
    }
}

/// A flow direction as Hubble records it (`traffic_direction`).
public enum PolicyDirection: Int64, Sendable {
    case ingress = 1, egress = 2
}

/// Who a peer may be (spec §4). An entry holds a list of peers; nil means "no peer field".
public enum Peer: Hashable, Sendable {
    /// An endpoint selector with Cilium's implicit terms applied; `localCluster` adds
    /// "peer's cluster = subject's cluster" (spec §4.1 step 3), known only per flow.
    case endpoints(LabelSelector, localCluster: Bool)
    case entity(String)
    /// A CIDR minus its excepts; only world peers match (spec §4.3).
    case cidr(CIDR, except: [CIDR])
    case fqdn(FQDNSelector)
    /// An unsupported construct (toServices, toGroups, …): selects nothing (spec §10).
    case nothing
}

/// One `ports[]` alternative of a `toPorts` element (spec §5).
public struct PortAlternative: Hashable, Sendable {
    /// IANA protocol numbers it covers (ANY: TCP, UDP, SCTP).
    public let protocols: Set<Int64>
    /// Inclusive port range; 0...65535 for "every port".
    public let ports: ClosedRange<Int64>
    /// A named port: unsupported, matches nothing.
    public let named: Bool
}

/// An ICMP type an `icmps` field allows.
public struct ICMPMatch: Hashable, Sendable {
    /// L4Protocol.icmpv4 or icmpv6.
    public let protocolNumber: Int64
    public let type: Int64
}

/// HTTP rule of a port rule (spec §6): regexes are whole-string RE2 matches.
public struct HTTPRule: Hashable, Sendable {
    public var method: String?
    public var path: String?
    public var host: String?
    /// Header name (lower-cased) and the exact value needed, or nil for "present".
    public var headers: [(name: String, value: String?)] = []
    /// A `headerMatches` with a secret: the rule matches nothing (unsupported).
    public var unusable = false

    public static func == (a: HTTPRule, b: HTTPRule) -> Bool {
        a.method == b.method && a.path == b.path && a.host == b.host && a.unusable == b.unusable
            && a.headers.map(\.name) == b.headers.map(\.name) && a.headers.map(\.value) == b.headers.map(\.value)
    }

    public func hash(into h: inout Hasher) {
        h.combine(method); h.combine(path); h.combine(host); h.combine(unusable)
        for x in headers { h.combine(x.name); h.combine(x.value) }
    }
}

/// The L7 part of a port rule.
public enum L7Rules: Hashable, Sendable {
    case http([HTTPRule])
    case dns([FQDNSelector])
}

/// A `toPorts` element: its alternatives and L7 rules.
public struct PortRule: Hashable, Sendable {
    public let alternatives: [PortAlternative]
    public let l7: L7Rules?
}

/// One element of `ingress`, `ingressDeny`, `egress` or `egressDeny` (or a KNP `from`/`to`
/// element), flattened with its subject (`main:pkg/policy/utils/parserules.go`).
public struct PolicyEntry: Sendable {
    public let ref: RuleRef
    /// Position in the decision order (spec §1.6): lower decides first.
    public let order: Int
    public let direction: PolicyDirection
    public let deny: Bool
    /// Which pods the entry applies to (spec §3).
    public let subject: LabelSelector
    /// nil: no peer field (every peer when ports are given).
    public let peers: [Peer]?
    public let portRules: [PortRule]
    public let icmps: [ICMPMatch]
    /// Whether the entry switches the subject's direction into default deny (spec §7.2).
    public let defaultDeny: Bool
    /// True for a KNP's policyTypes marker: enforces default deny, allows nothing, is not a rule.
    public let hidden: Bool
}

/// One construct the simulator does not evaluate (spec §10).
public struct UnsupportedUse: Hashable, Sendable {
    public let policy: String
    public let field: String
    public let reason: String
}

/// A policy Cilium would refuse (spec §1.1): the object and the field.
public struct PolicyError: Error, CustomStringConvertible, Sendable {
    public let field: String
    public let reason: String
    public var object = ""

    init(_ field: String, _ reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { [object, field, reason].filter { !$0.isEmpty }.joined(separator: ": ") }
}
