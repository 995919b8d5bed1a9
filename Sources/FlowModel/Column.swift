/// A column of the flow row: either a small integer or the id of a dictionary entry.
///
/// Bulky or repeated values (endpoints with their labels, node labels, policy references, DNS
/// names, IPs) are stored once in a dictionary table and referenced by id, which keeps rows and
/// their indexes small.
public enum Column: Int, CaseIterable, Sendable {
    case time
    case verdict, dropReason, matchType, direction, flowType, eventType, eventSubType, isReply
    case traceObservationPoint, l4Protocol, sourcePort, destinationPort, l7Type, httpCode, dnsRcode
    case nodeName, source, destination, sourceIP, destinationIP, httpMethod, dnsQuery
    case sourceNames, destinationNames, nodeLabels
    case egressAllowedBy, ingressAllowedBy, egressDeniedBy, ingressDeniedBy

    /// The SQL column name in a partition table.
    public var sqlName: String {
        switch self {
        case .time: "time"
        case .verdict: "verdict"
        case .dropReason: "drop_reason"
        case .matchType: "match_type"
        case .direction: "direction"
        case .flowType: "flow_type"
        case .eventType: "event_type"
        case .eventSubType: "event_sub_type"
        case .isReply: "is_reply"
        case .traceObservationPoint: "trace_point"
        case .l4Protocol: "l4_protocol"
        case .sourcePort: "src_port"
        case .destinationPort: "dst_port"
        case .l7Type: "l7_type"
        case .httpCode: "http_code"
        case .dnsRcode: "dns_rcode"
        case .nodeName: "node_id"
        case .source: "src_ep"
        case .destination: "dst_ep"
        case .sourceIP: "src_ip"
        case .destinationIP: "dst_ip"
        case .httpMethod: "http_method"
        case .dnsQuery: "dns_query"
        case .sourceNames: "src_names"
        case .destinationNames: "dst_names"
        case .nodeLabels: "node_labels"
        case .egressAllowedBy: "egress_allowed_by"
        case .ingressAllowedBy: "ingress_allowed_by"
        case .egressDeniedBy: "egress_denied_by"
        case .ingressDeniedBy: "ingress_denied_by"
        }
    }

    /// The dictionary a column's ids point into, or nil for plain integer columns.
    public var dictionary: DictionaryKind? {
        switch self {
        case .nodeName: .nodeName
        case .source, .destination: .endpoint
        case .sourceIP, .destinationIP: .ip
        case .httpMethod: .httpMethod
        case .dnsQuery: .dnsQuery
        case .sourceNames, .destinationNames: .names
        case .nodeLabels: .nodeLabels
        case .egressAllowedBy, .ingressAllowedBy, .egressDeniedBy, .ingressDeniedBy: .policies
        default: nil
        }
    }

    /// Columns whose absence is NULL rather than 0 (a wrapper bool, dictionary references).
    public var nullable: Bool { self == .isReply || dictionary != nil }
}

/// The dictionaries: each value (text, or canonical JSON for objects and arrays) stored once.
public enum DictionaryKind: Int, CaseIterable, Sendable {
    case nodeName = 1, endpoint, ip, httpMethod, dnsQuery, names, nodeLabels, policies

    /// Whether entries are canonical JSON (objects, arrays) rather than plain text.
    public var isJSON: Bool {
        switch self {
        case .endpoint, .names, .nodeLabels, .policies: true
        default: false
        }
    }
}

/// IANA protocol numbers recorded in the `l4_protocol` column for each `l4` oneof member.
public enum L4Protocol {
    public static let icmpv4: Int64 = 1, igmp: Int64 = 2, tcp: Int64 = 6, udp: Int64 = 17
    public static let icmpv6: Int64 = 58, vrrp: Int64 = 112, sctp: Int64 = 132
}
