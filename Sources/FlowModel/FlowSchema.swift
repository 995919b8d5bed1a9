/// Hubble's Flow message and its parts (flow.proto, Cilium v1.19), annotated with storage.
///
/// This is the one place a flow field is declared: its JSON names, type, enum, the column or
/// dictionary that holds it and its CSV header. The decoder validates and canonicalises lines
/// with it, the store derives its row layout from it, and `FieldCatalog` flattens it for the
/// query language and exporters.
public enum FlowSchema {
    typealias F = FieldDef

    static let workload = MessageDef("Workload", [F("name", .string), F("kind", .string)])

    /// An endpoint; stored whole as one dictionary entry per distinct value.
    public static let endpoint = MessageDef("Endpoint", [
        F("ID", .uint32, csv: "id"), F("identity", .uint32, csv: "identity"),
        F("cluster_name", .string, csv: "cluster"), F("namespace", .string, csv: "namespace"),
        F("labels", .repeated(.string), csv: "labels"), F("pod_name", .string, csv: "pod"),
        F("workloads", .repeated(.message(workload)), csv: "workloads"),
    ])

    static let ethernet = MessageDef("Ethernet", [F("source", .string), F("destination", .string)])

    /// The IP message; `columns` is false for the copy inside `tunnel`, whose addresses must
    /// not overwrite the flow's own IP columns.
    static func ip(columns: Bool) -> MessageDef {
        MessageDef("IP", [
            F("source", .string, columns ? .column(.sourceIP) : .residual, csv: columns ? "source_ip" : nil),
            F("source_xlated", .string, csv: columns ? "source_xlated_ip" : nil),
            F("destination", .string, columns ? .column(.destinationIP) : .residual, csv: columns ? "destination_ip" : nil),
            F("ipVersion", .enumeration(FlowEnums.ipVersion), csv: columns ? "ip_version" : nil),
            F("encrypted", .bool, csv: columns ? "encrypted" : nil),
        ])
    }

    static let tcpFlags = MessageDef("TCPFlags", ["FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR", "NS"].map {
        F($0, .bool)
    })

    static func ports(_ name: String, columns: Bool, extra: [FieldDef] = []) -> MessageDef {
        MessageDef(name, [
            F("source_port", .uint32, columns ? .column(.sourcePort) : .residual),
            F("destination_port", .uint32, columns ? .column(.destinationPort) : .residual),
        ] + extra)
    }

    static let icmp = MessageDef("ICMP", [F("type", .uint32), F("code", .uint32)])

    /// The Layer4 oneof; `columns` is false for the copy inside `tunnel`.
    static func layer4(columns: Bool) -> MessageDef {
        func member(_ name: String, _ def: MessageDef, _ proto: Int64) -> FieldDef {
            F(name, .message(def), presence: columns ? (.l4Protocol, proto) : nil)
        }
        return MessageDef("Layer4", [
            member("TCP", ports("TCP", columns: columns, extra: [F("flags", .message(tcpFlags))]), L4Protocol.tcp),
            member("UDP", ports("UDP", columns: columns), L4Protocol.udp),
            member("ICMPv4", icmp, L4Protocol.icmpv4),
            member("ICMPv6", icmp, L4Protocol.icmpv6),
            member("SCTP", ports("SCTP", columns: columns), L4Protocol.sctp),
            member("VRRP", MessageDef("VRRP", [F("type", .uint32), F("vrid", .uint32), F("priority", .uint32)]), L4Protocol.vrrp),
            member("IGMP", MessageDef("IGMP", [F("type", .uint32), F("group_address", .string)]), L4Protocol.igmp),
        ])
    }

    static let dns = MessageDef("DNS", [
        F("query", .string, .column(.dnsQuery), csv: "dns_query"), F("ips", .repeated(.string), csv: "dns_ips"),
        F("ttl", .uint32), F("cnames", .repeated(.string)), F("observation_source", .string),
        F("rcode", .uint32, .column(.dnsRcode), csv: "dns_rcode"), F("qtypes", .repeated(.string), csv: "dns_qtypes"),
        F("rrtypes", .repeated(.string)),
    ])

    static let http = MessageDef("HTTP", [
        F("code", .uint32, .column(.httpCode), csv: "http_code"),
        F("method", .string, .column(.httpMethod), csv: "http_method"),
        F("url", .string, csv: "http_url"), F("protocol", .string, csv: "http_protocol"),
        F("headers", .repeated(.message(MessageDef("HTTPHeader", [F("key", .string), F("value", .string)])))),
    ])

    static let kafka = MessageDef("Kafka", [
        F("error_code", .int32), F("api_version", .int32), F("api_key", .string),
        F("correlation_id", .int32), F("topic", .string, csv: "kafka_topic"),
    ])

    static let layer7 = MessageDef("Layer7", [
        F("type", .enumeration(FlowEnums.l7FlowType), .column(.l7Type), csv: "l7_type"),
        F("latency_ns", .uint64, csv: "l7_latency_ns"),
        F("dns", .message(dns)), F("http", .message(http)), F("kafka", .message(kafka)),
    ])

    static let policy = MessageDef("Policy", [
        F("name", .string), F("namespace", .string), F("labels", .repeated(.string)),
        F("revision", .uint64), F("kind", .string),
    ])

    static let service = MessageDef("Service", [F("name", .string), F("namespace", .string)])

    /// The Flow message.
    public static let flow = MessageDef("Flow", [
        F("time", .timestamp, .time, csv: "time"),
        F("uuid", .string, csv: "uuid"),
        F("emitter", .message(MessageDef("Emitter", [F("name", .string), F("version", .string)]))),
        F("verdict", .enumeration(FlowEnums.verdict), .column(.verdict), csv: "verdict"),
        F("drop_reason", .uint32),
        F("auth_type", .enumeration(FlowEnums.authType), csv: "auth_type"),
        F("ethernet", .message(ethernet)),
        F("IP", .message(ip(columns: true))),
        F("l4", .message(layer4(columns: true))),
        F("tunnel", .message(MessageDef("Tunnel", [
            F("protocol", .enumeration(FlowEnums.tunnelProtocol)), F("IP", .message(ip(columns: false))),
            F("l4", .message(layer4(columns: false))), F("vni", .uint32),
        ]))),
        F("source", .message(endpoint), .dictionary(.source), csv: "source"),
        F("destination", .message(endpoint), .dictionary(.destination), csv: "destination"),
        F("Type", .enumeration(FlowEnums.flowType), .column(.flowType), csv: "type"),
        F("node_name", .string, .dictionary(.nodeName), csv: "node"),
        F("node_labels", .repeated(.string), .dictionary(.nodeLabels), csv: "node_labels"),
        F("source_names", .repeated(.string), .dictionary(.sourceNames), csv: "source_names"),
        F("destination_names", .repeated(.string), .dictionary(.destinationNames), csv: "destination_names"),
        F("l7", .message(layer7)),
        F("reply", .bool),
        F("event_type", .message(MessageDef("CiliumEventType", [
            F("type", .int32, .column(.eventType), csv: "event_type"),
            F("sub_type", .int32, .column(.eventSubType), csv: "event_sub_type"),
        ]))),
        F("source_service", .message(service), csv: "source_service"),
        F("destination_service", .message(service), csv: "destination_service"),
        F("traffic_direction", .enumeration(FlowEnums.trafficDirection), .column(.direction), csv: "direction"),
        F("policy_match_type", .uint32, .column(.matchType), csv: "policy_match_type"),
        F("trace_observation_point", .enumeration(FlowEnums.traceObservationPoint), .column(.traceObservationPoint),
          csv: "trace_observation_point"),
        F("trace_reason", .enumeration(FlowEnums.traceReason), csv: "trace_reason"),
        F("file", .message(MessageDef("FileInfo", [F("name", .string), F("line", .uint32)]))),
        F("drop_reason_desc", .enumeration(FlowEnums.dropReason), .column(.dropReason), csv: "drop_reason"),
        F("is_reply", .boolWrapper, .column(.isReply), csv: "is_reply"),
        F("debug_capture_point", .enumeration(FlowEnums.debugCapturePoint)),
        F("interface", .message(MessageDef("NetworkInterface", [F("index", .uint32), F("name", .string)]))),
        F("proxy_port", .uint32, csv: "proxy_port"),
        F("trace_context", .message(MessageDef("TraceContext", [
            F("parent", .message(MessageDef("TraceParent", [F("trace_id", .string)]))),
        ]))),
        F("sock_xlate_point", .enumeration(FlowEnums.socketTranslationPoint)),
        F("socket_cookie", .uint64),
        F("cgroup_id", .uint64),
        F("Summary", .string, csv: "summary"),
        F("ip_trace_id", .message(MessageDef("IPTraceID", [F("trace_id", .uint64), F("ip_option_type", .uint32)]))),
        F("egress_allowed_by", .repeated(.message(policy)), .dictionary(.egressAllowedBy), csv: "egress_allowed_by"),
        F("ingress_allowed_by", .repeated(.message(policy)), .dictionary(.ingressAllowedBy), csv: "ingress_allowed_by"),
        F("egress_denied_by", .repeated(.message(policy)), .dictionary(.egressDeniedBy), csv: "egress_denied_by"),
        F("ingress_denied_by", .repeated(.message(policy)), .dictionary(.ingressDeniedBy), csv: "ingress_denied_by"),
        F("policy_log", .repeated(.string)),
        F("aggregate", .message(MessageDef("Aggregate", [
            F("ingress_flow_count", .uint32), F("egress_flow_count", .uint32), F("unknown_direction_flow_count", .uint32),
        ]))),
        F("extensions", .any),
    ])

    /// The `lost_events` record that marks a hole in the history.
    public static let lostEvent = MessageDef("LostEvent", [
        F("source", .enumeration(FlowEnums.lostEventSource)), F("num_events_lost", .uint64),
        F("cpu", .any), F("first", .any), F("last", .any),
    ])
}
