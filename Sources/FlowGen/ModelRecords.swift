/// A node as Hubble reports it, plus the host-side addresses flows on that node use.
struct NodeInfo {
    let name: String
    /// `"gke-…"` (quoted).
    let nameJSON: [UInt8]
    /// `["beta.kubernetes.io/arch=amd64",…]`.
    let labelsJSON: [UInt8]
    /// `"10.132.0.12"` (quoted): the node's InternalIP, also the SNAT address for world egress.
    let ipJSON: [UInt8]
    /// `{"index":2,"name":"eth0"}`.
    let eth0JSON: [UInt8]
    /// MACs of eth0 and its next hop (quoted).
    let eth0MAC: [UInt8]
    let gatewayMAC: [UInt8]
    /// The node's cilium-health endpoint, seen locally (with endpoint ID) and its addresses.
    let healthLocalJSON: [UInt8]
    let healthIPJSON: [UInt8]
    let healthInterfaceJSON: [UInt8]
    let healthMAC: [UInt8]
    let healthLxcMAC: [UInt8]
    /// Ports of the node's L7 (Envoy) and DNS proxy listeners.
    let httpProxyPort: Int
    let dnsProxyPort: Int
}

/// A namespace's policy posture.
struct NamespaceInfo {
    let name: String
    /// The name as raw bytes, for DNS search-path queries.
    let nameBytes: [UInt8]
    /// Endpoints run in policy audit mode: would-be drops become AUDIT verdicts.
    let audit: Bool
    /// Egress policy is enforced (otherwise there are no egress policy-verdict events).
    let egressEnforced: Bool
    /// An allow-all egress policy exists (policy_match_type 4 on egress).
    let allowAllEgressPolicy: Int32
}

/// A Deployment, StatefulSet or DaemonSet and what it serves.
struct WorkloadInfo {
    let name: String
    let namespace: Int
    let kind: WorkloadKind
    let role: WorkloadRole
    let port: Int
    let identity: Int
    let pods: [Int32]
    /// `checkout.shop.svc.cluster.local.` (raw bytes, the DNS query for its Service).
    let serviceQuery: [UInt8]
    /// The Service's ClusterIP: quoted, and bare for DNS summaries.
    let clusterIPJSON: [UInt8]
    let clusterIP: [UInt8]
    /// `http://checkout.shop:8080` for L7 URLs.
    let urlPrefix: [UInt8]
    /// HTTP requests clients make to it.
    let routes: [HTTPRoute]
    let routePicker: WeightedPicker
    /// Request headers its own HTTP and gRPC clients send.
    let httpHeaders: HeaderTemplate
    let grpcHeaders: HeaderTemplate
    /// Per-mille of responses that are 5xx, and the typical latency in microseconds.
    let serverErrorPermille: Int
    let latencyMicros: Int
    /// `allow-<name>`: the policy that admits its clients and its own egress.
    let policy: Int32
}

/// One pod's endpoint as Hubble prints it, seen from its own node (with `ID`) and from others.
struct PodInfo {
    let workload: Int32
    let node: Int32
    let localJSON: [UInt8]
    let remoteJSON: [UInt8]
    /// Quoted addresses.
    let ipv4JSON: [UInt8]
    let ipv6JSON: [UInt8]
    let linkLocalJSON: [UInt8]
    let macJSON: [UInt8]
    let lxcMACJSON: [UInt8]
    /// `{"index":17,"name":"lxc4f2a9c1b7e3d"}`.
    let interfaceJSON: [UInt8]
}

/// An Internet service pods talk to, with the addresses its DNS name resolves to.
struct ExternalInfo {
    /// `["api.github.com"]` for source_names / destination_names.
    let namesJSON: [UInt8]
    /// `api.github.com.` (raw) for DNS queries.
    let query: [UInt8]
    let ipv4JSON: [[UInt8]]
    let ipv6JSON: [[UInt8]]
    /// `["140.82.121.6"]` and `140.82.121.6` (bare, comma-joined) for DNS answers and summaries.
    let ipv4ListJSON: [UInt8]
    let ipv4Joined: [UInt8]
    let ipv6ListJSON: [UInt8]
    let ipv6Joined: [UInt8]
    /// `["a.example.net."]` or empty when the name is not an alias.
    let cnamesJSON: [UInt8]
    let port: Int
    let udp: Bool
    let ttl: Int
}

/// One policy rule source, prebuilt as the one-element `[{…}]` array Hubble prints in *_allowed_by / *_denied_by.
struct PolicyInfo {
    let name: String
    let arrayJSON: [UInt8]
}

/// Endpoint objects of Cilium's reserved identities, printed as Hubble 1.19 does (no cluster_name).
struct ReservedEndpoints {
    let world: [UInt8]
    let host: [UInt8]
    let remoteNode: [UInt8]
    let kubeAPIServer: [UInt8]
    let healthRemote: [UInt8]
    /// `{}`: an endpoint Hubble could not attribute.
    let unknown: [UInt8]
    /// The control plane's private endpoint.
    let apiServerIPJSON: [UInt8]

    static let standard = ReservedEndpoints(
        world: Array("{\"identity\":2,\"labels\":[\"reserved:world\"]}".utf8),
        host: Array("{\"identity\":1,\"labels\":[\"reserved:host\"]}".utf8),
        remoteNode: Array("{\"identity\":6,\"labels\":[\"reserved:remote-node\"]}".utf8),
        kubeAPIServer: Array("{\"identity\":7,\"labels\":[\"reserved:kube-apiserver\"]}".utf8),
        healthRemote: Array("{\"identity\":4,\"labels\":[\"reserved:health\"]}".utf8),
        unknown: Array("{}".utf8),
        apiServerIPJSON: Array("\"172.16.0.2\"".utf8))
}
