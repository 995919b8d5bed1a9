/// Name → number tables of the flow.proto enums Hubble prints by name, for the `numericEnums` variant.
///
/// Producers whose schema lacks a value print its number instead, so decoders must accept both;
/// the variant exercises that path.
enum EnumNumbering {
    static let verdict: [String: Int] = [
        "VERDICT_UNKNOWN": 0, "FORWARDED": 1, "DROPPED": 2, "ERROR": 3, "AUDIT": 4,
        "REDIRECTED": 5, "TRACED": 6, "TRANSLATED": 7,
    ]
    static let trafficDirection: [String: Int] = ["TRAFFIC_DIRECTION_UNKNOWN": 0, "INGRESS": 1, "EGRESS": 2]
    static let flowType: [String: Int] = ["UNKNOWN_TYPE": 0, "L3_L4": 1, "L7": 2, "SOCK": 3]
    static let l7FlowType: [String: Int] = ["UNKNOWN_L7_TYPE": 0, "REQUEST": 1, "RESPONSE": 2, "SAMPLE": 3]
    static let ipVersion: [String: Int] = ["IP_NOT_USED": 0, "IPv4": 1, "IPv6": 2]
    static let authType: [String: Int] = ["DISABLED": 0, "SPIRE": 1, "TEST_ALWAYS_FAIL": 2]
    static let traceObservationPoint: [String: Int] = [
        "UNKNOWN_POINT": 0, "TO_PROXY": 1, "TO_HOST": 2, "TO_STACK": 3, "TO_OVERLAY": 4, "TO_ENDPOINT": 101,
        "FROM_ENDPOINT": 5, "FROM_PROXY": 6, "FROM_HOST": 7, "FROM_STACK": 8, "FROM_OVERLAY": 9,
        "FROM_NETWORK": 10, "TO_NETWORK": 11, "FROM_CRYPTO": 12, "TO_CRYPTO": 13,
    ]
    static let traceReason: [String: Int] = [
        "TRACE_REASON_UNKNOWN": 0, "NEW": 1, "ESTABLISHED": 2, "REPLY": 3, "RELATED": 4, "REOPENED": 5,
        "SRV6_ENCAP": 6, "SRV6_DECAP": 7, "ENCRYPT_OVERLAY": 8,
    ]
    /// Every drop reason the generator emits, plus the common ones from the reference.
    static let dropReason: [String: Int] = [
        "DROP_REASON_UNKNOWN": 0, "INVALID_SOURCE_MAC": 130, "INVALID_DESTINATION_MAC": 131,
        "INVALID_SOURCE_IP": 132, "POLICY_DENIED": 133, "INVALID_PACKET_DROPPED": 134,
        "CT_TRUNCATED_OR_INVALID_HEADER": 135, "UNSUPPORTED_L3_PROTOCOL": 139, "MISSED_TAIL_CALL": 140,
        "STALE_OR_UNROUTABLE_IP": 151, "CT_MAP_INSERTION_FAILED": 155, "SERVICE_BACKEND_NOT_FOUND": 158,
        "LOCAL_HOST_IS_UNREACHABLE": 164, "FIB_LOOKUP_FAILED": 169, "INVALID_IDENTITY": 171,
        "FORBIDDEN_ICMPV6_MESSAGE": 176, "POLICY_DENY": 181, "AUTH_REQUIRED": 189, "NO_EGRESS_GATEWAY": 194,
        "TTL_EXCEEDED": 196, "DROP_RATE_LIMITED": 198, "DROP_HOST_NOT_READY": 202, "DROP_EP_NOT_READY": 203,
        "DROP_PUNT_PROXY": 205,
    ]

    /// The number for an enum-typed field's value name, or nil if the field is not an enum or the name is unknown.
    /// Keys are matched in both proto (`traffic_direction`) and lowerCamelCase (`trafficDirection`) spelling.
    static func number(key: String, parentKey: String?, value: String) -> Int? {
        switch key {
        case "verdict": return verdict[value]
        case "traffic_direction", "trafficDirection": return trafficDirection[value]
        case "Type": return flowType[value]
        case "drop_reason_desc", "dropReasonDesc": return dropReason[value]
        case "trace_observation_point", "traceObservationPoint": return traceObservationPoint[value]
        case "trace_reason", "traceReason": return traceReason[value]
        case "ipVersion": return ipVersion[value]
        case "auth_type", "authType": return authType[value]
        case "type" where parentKey == "l7": return l7FlowType[value]
        default: return nil
        }
    }
}
