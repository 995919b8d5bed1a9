/// A source or destination of a flow, resolved to bytes by the writer (which endpoint form, which address).
enum Peer {
    case pod(Int32)
    case world(Int32)
    case host(Int32)
    case remoteNode(Int32)
    case apiServer
    case health(Int32)
    /// A Service ClusterIP with no backend behind it.
    case clusterIP(Int32)
    /// A link-local IPv6 sender Hubble cannot attribute (endpoint printed as `{}`).
    case unknownLinkLocal(Int32)
    case multicast
}

/// Transport of a flow.
enum L4Kind: UInt8 {
    case tcp, udp, icmpv4, icmpv6
}

/// TCP flag bits in flow.TCPFlags field order.
enum TCPFlag {
    static let fin: UInt16 = 1
    static let syn: UInt16 = 2
    static let rst: UInt16 = 4
    static let psh: UInt16 = 8
    static let ack: UInt16 = 16
}

/// The L7 record of a flow.
enum L7Record {
    case none
    /// `query` selects what was asked (see `DNSQuery`); `aaaa` asks for IPv6 addresses.
    case dns(DNSQuery, aaaa: Bool)
    case http(server: Int32, route: Int32, id: Int32, code: Int16, latencyMicros: Int32, client: Int32)
}

/// What a DNS query asks about.
enum DNSQuery {
    /// `<svc>.<ns>.svc.cluster.local.` — answered with the Service ClusterIP.
    case service(Int32)
    /// An Internet name — answered with its addresses (and CNAME).
    case external(Int32)
    /// An Internet name with a search-path suffix appended (ndots:5), answered NXDOMAIN.
    case searchPath(external: Int32, namespace: Int32, suffix: UInt8)
}

/// Everything that varies between lines, filled by a scenario and printed by `GenLineWriter`.
///
/// Plain values only (indices into the model), so building one costs no allocation.
struct FlowSpec {
    var verdict: GenVerdict = .forwarded
    var dropReason: GenDropReason = .none
    var ethernet: EthernetRef = .none
    var ipv6 = false
    /// Print `IP.source_xlated` (the node address after SNAT).
    var snat = false
    var l4: L4Kind = .tcp
    var sourcePort = 0
    var destinationPort = 0
    var tcpFlags: UInt16 = 0
    var icmpType = 0
    var icmpCode = 0
    var source: Peer = .apiServer
    var destination: Peer = .apiServer
    var isL7 = false
    /// The node that observed the flow.
    var node: Int32 = 0
    /// Externals whose names go to source_names / destination_names (-1: none).
    var sourceNames: Int32 = -1
    var destinationNames: Int32 = -1
    var l7: L7Record = .none
    var l7Type: GenL7Type = .request
    /// is_reply: -1 absent (unknown), 0 false, 1 true (true also prints the deprecated `reply`).
    var isReply: Int8 = 0
    var eventType = 4
    var eventSubType = 0
    var direction: GenDirection = .unknown
    var policyMatchType: UInt8 = 0
    var tracePoint: GenTracePoint = .none
    var traceReason: GenTraceReason = .unknown
    /// Datapath source file of a drop: index into `GenLineWriter.dropFiles` (-1: none) and line.
    var dropFile: Int8 = -1
    var dropLine = 0
    var interface: InterfaceRef = .none
    var proxyPort = 0
    var egressAllowedBy: Int32 = -1
    var ingressAllowedBy: Int32 = -1
    var egressDeniedBy: Int32 = -1
    var ingressDeniedBy: Int32 = -1
}

/// The `interface` a trace was observed on.
enum InterfaceRef {
    case none
    case lxc(Int32)
    case eth0(Int32)
    case health(Int32)
}

/// Which MAC pair the `ethernet` field shows, from where the packet was seen.
enum EthernetRef {
    case none
    /// Leaving a pod: pod MAC → its lxc (host side) MAC.
    case fromPod(Int32)
    /// Delivered to a pod: lxc MAC → pod MAC.
    case toPod(Int32)
    /// Leaving / entering the node on eth0: node MAC ↔ next-hop MAC.
    case eth0Out(Int32)
    case eth0In(Int32)
    /// Delivered to / sent by the node's cilium-health endpoint.
    case toHealth(Int32)
    case fromHealth(Int32)
}
