/// Something a client workload connects to.
enum EdgeTarget: Equatable {
    case workload(Int)
    case external(Int)
    case apiServer
}

/// What policy does with an edge's connections.
enum EdgeOutcome {
    case allowed, defaultDenied, explicitlyDenied, audited
}

/// One client→server dependency with the policy decision on each side, fixed when the cluster is built.
///
/// Keeping the decision on the edge (instead of rolling it per flow) makes the data consistent:
/// the same pair is always allowed by the same policy with the same policy_match_type.
struct Edge {
    let source: Int
    let target: EdgeTarget
    let port: Int
    let udp: Bool
    /// HTTP/gRPC the proxy parses on this edge (an L7 rule exists), or `.none`.
    let l7: L7Protocol
    /// Egress side: whether a policy-verdict is emitted there, with which policy (-1: none printed) and match type.
    let egressVerdict: Bool
    let egressPolicy: Int32
    let egressMatch: UInt8
    /// Ingress side (in-cluster targets only).
    let ingressVerdict: Bool
    let ingressPolicy: Int32
    let ingressMatch: UInt8
    let outcome: EdgeOutcome
    /// For denied and audited edges: the enforcing side and the deny rule (-1: default deny).
    let decidedAtIngress: Bool
    let denyPolicy: Int32
    /// Prometheus scraping the target's metrics endpoint (GET /metrics by pod IP).
    var scrape = false
}

/// The cluster's edges: allowed traffic plus the denied and audited pairs.
struct TrafficGraph {
    var edges: [Edge] = []
    var denied: [Edge] = []
    var audited: [Edge] = []
}
