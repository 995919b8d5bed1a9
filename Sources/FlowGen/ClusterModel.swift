/// The simulated cluster, built once per seed; every JSON fragment a line needs is prebuilt here as bytes.
///
/// It is an immutable class so that copies of `FlowGenerator` share it instead of copying
/// hundreds of kilobytes of fragments.
final class ClusterModel: Sendable {
    let nodes: [NodeInfo]
    let namespaces: [NamespaceInfo]
    let workloads: [WorkloadInfo]
    let pods: [PodInfo]
    let externals: [ExternalInfo]
    let policies: [PolicyInfo]
    let reserved: ReservedEndpoints
    /// Allowed traffic, and per client workload the indices of its edges.
    let edges: [Edge]
    let edgesBySource: [[Int32]]
    /// Per client workload, skewed choice among its edges (first edges are the busiest).
    let edgePickers: [WeightedPicker]
    /// Skewed choice of the client workload for ordinary traffic (Zipf over a seeded ranking).
    let talkerPicker: WeightedPicker
    /// Indices into `edges` by kind of target, for uniform fallback picks.
    let podEdgeIndices: [Int32]
    let worldEdgeIndices: [Int32]
    let apiServerEdgeIndices: [Int32]
    let l7EdgeIndices: [Int32]
    /// Traffic that policy rejects or audit mode flags.
    let deniedEdges: [Edge]
    let auditedEdges: [Edge]
    /// kube-dns and its clusterwide egress policy.
    let coreDNS: Int
    let dnsPolicy: Int32
    /// The instance-metadata address (only ever denied, so DNS lookups skip it).
    let metadataExternal: Int

    init(nodes: [NodeInfo], namespaces: [NamespaceInfo], workloads: [WorkloadInfo], pods: [PodInfo],
         externals: [ExternalInfo], policies: [PolicyInfo], reserved: ReservedEndpoints,
         graph: TrafficGraph, talkerPicker: WeightedPicker, coreDNS: Int, dnsPolicy: Int32,
         metadataExternal: Int) {
        self.nodes = nodes
        self.namespaces = namespaces
        self.workloads = workloads
        self.pods = pods
        self.externals = externals
        self.policies = policies
        self.reserved = reserved
        self.edges = graph.edges
        var bySource = [[Int32]](repeating: [], count: workloads.count)
        for (i, e) in graph.edges.enumerated() { bySource[e.source].append(Int32(i)) }
        self.edgesBySource = bySource
        self.edgePickers = bySource.map { list in
            WeightedPicker(weights: list.indices.map { 1.0 / Double($0 + 1) })
        }
        self.talkerPicker = talkerPicker
        self.podEdgeIndices = graph.edges.indices.filter {
            if case .workload = graph.edges[$0].target { return true } else { return false }
        }.map(Int32.init)
        self.worldEdgeIndices = graph.edges.indices.filter {
            if case .external = graph.edges[$0].target { return true } else { return false }
        }.map(Int32.init)
        self.apiServerEdgeIndices = graph.edges.indices.filter {
            if case .apiServer = graph.edges[$0].target { return true } else { return false }
        }.map(Int32.init)
        self.l7EdgeIndices = graph.edges.indices.filter { graph.edges[$0].l7 != .none }.map(Int32.init)
        self.deniedEdges = graph.denied
        self.auditedEdges = graph.audited
        self.coreDNS = coreDNS
        self.dnsPolicy = dnsPolicy
        self.metadataExternal = metadataExternal
    }
}
