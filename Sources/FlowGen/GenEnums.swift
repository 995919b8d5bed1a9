// The flow.proto enums the generator emits, with the names protojson prints for them.
// Raw values are the proto numbers; `name` includes the JSON quotes so a field is one append.

/// flow.Verdict values the generator uses.
enum GenVerdict: Int {
    case forwarded = 1, dropped = 2, audit = 4, redirected = 5

    var name: StaticString {
        switch self {
        case .forwarded: return "\"FORWARDED\""
        case .dropped: return "\"DROPPED\""
        case .audit: return "\"AUDIT\""
        case .redirected: return "\"REDIRECTED\""
        }
    }
}

/// flow.TrafficDirection (0 = unknown is "omit the field").
enum GenDirection: UInt8 {
    case unknown = 0, ingress = 1, egress = 2

    var name: StaticString {
        switch self {
        case .unknown: return "\"TRAFFIC_DIRECTION_UNKNOWN\""
        case .ingress: return "\"INGRESS\""
        case .egress: return "\"EGRESS\""
        }
    }
}

/// flow.TraceObservationPoint; `subType` is the monitor's trace sub-type, which differs only for TO_ENDPOINT.
enum GenTracePoint: UInt8 {
    case none = 0, toProxy = 1, toHost = 2, toStack = 3, toOverlay = 4, toEndpoint = 101
    case fromEndpoint = 5, fromProxy = 6, fromHost = 7, fromStack = 8, fromOverlay = 9
    case fromNetwork = 10, toNetwork = 11

    var subType: Int { self == .toEndpoint ? 0 : Int(rawValue) }

    var name: StaticString {
        switch self {
        case .none: return "\"UNKNOWN_POINT\""
        case .toProxy: return "\"TO_PROXY\""
        case .toHost: return "\"TO_HOST\""
        case .toStack: return "\"TO_STACK\""
        case .toOverlay: return "\"TO_OVERLAY\""
        case .toEndpoint: return "\"TO_ENDPOINT\""
        case .fromEndpoint: return "\"FROM_ENDPOINT\""
        case .fromProxy: return "\"FROM_PROXY\""
        case .fromHost: return "\"FROM_HOST\""
        case .fromStack: return "\"FROM_STACK\""
        case .fromOverlay: return "\"FROM_OVERLAY\""
        case .fromNetwork: return "\"FROM_NETWORK\""
        case .toNetwork: return "\"TO_NETWORK\""
        }
    }
}

/// flow.TraceReason (0 = unknown is "omit the field").
enum GenTraceReason: UInt8 {
    case unknown = 0, new = 1, established = 2, reply = 3, related = 4, reopened = 5

    var name: StaticString {
        switch self {
        case .unknown: return "\"TRACE_REASON_UNKNOWN\""
        case .new: return "\"NEW\""
        case .established: return "\"ESTABLISHED\""
        case .reply: return "\"REPLY\""
        case .related: return "\"RELATED\""
        case .reopened: return "\"REOPENED\""
        }
    }
}

/// flow.DropReason codes the generator produces (the datapath's drop reason numbers).
enum GenDropReason: UInt8 {
    case none = 0
    case invalidSourceIP = 132
    case policyDenied = 133
    case staleOrUnroutableIP = 151
    case ctMapInsertionFailed = 155
    case serviceBackendNotFound = 158
    case policyDeny = 181
    case epNotReady = 203

    var name: StaticString {
        switch self {
        case .none: return "\"DROP_REASON_UNKNOWN\""
        case .invalidSourceIP: return "\"INVALID_SOURCE_IP\""
        case .policyDenied: return "\"POLICY_DENIED\""
        case .staleOrUnroutableIP: return "\"STALE_OR_UNROUTABLE_IP\""
        case .ctMapInsertionFailed: return "\"CT_MAP_INSERTION_FAILED\""
        case .serviceBackendNotFound: return "\"SERVICE_BACKEND_NOT_FOUND\""
        case .policyDeny: return "\"POLICY_DENY\""
        case .epNotReady: return "\"DROP_EP_NOT_READY\""
        }
    }
}

/// flow.L7FlowType values used on L7 flows.
enum GenL7Type: UInt8 {
    case request = 1, response = 2
}
