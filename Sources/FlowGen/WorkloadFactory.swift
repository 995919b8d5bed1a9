/// Builds every workload of the catalog and its pods: labels, placement on nodes, identities, Services, HTTP routes.
enum WorkloadFactory {
    /// Roles that are scheduled onto the high-memory pool.
    static func prefersHighMem(_ role: WorkloadRole) -> Bool {
        switch role {
        case .postgres, .elasticsearch, .kafka, .clickhouse, .s3: return true
        default: return false
        }
    }

    static func build(nodeCount: Int, highMem: [Int], allocations: inout [NodeFactory.Allocation],
                      policies: inout PolicyFactory, names: inout NameFactory)
        -> (workloads: [WorkloadInfo], pods: [PodInfo]) {
        let defaultPool = Array(0..<(nodeCount - highMem.count))
        let entries = Catalog.namespaces.map { Catalog.entries($0.workloads) }
        // Some namespaces carry an ownership label, which Cilium copies into every endpoint's labels.
        let teamLabels = Catalog.namespaces.map { _ in names.rng.percent(35) }
        let workloadCount = entries.reduce(0) { $0 + $1.count }
        let identities = names.distinct(workloadCount, in: 10_000, 65_000)
        let clusterIPs = names.distinct(workloadCount, in: 2, 4_000)
        // Three workloads are having a bad day: their 5xx rate is several times the others'.
        var flaky = Set(names.distinct(3, in: 0, workloadCount - 1))
        let latencies = [1_500, 2_500, 4_000, 7_000, 12_000, 20_000, 35_000, 60_000]

        var workloads: [WorkloadInfo] = []
        var pods: [PodInfo] = []
        for (nsIndex, ns) in Catalog.namespaces.enumerated() {
            for entry in entries[nsIndex] {
                let w = workloads.count
                // A quarter of workloads come from Helm charts, a third carry a version label.
                let style = names.rng.percent(25) ? 0 : (names.rng.percent(45) ? 1 : 2)
                let shared = PodFactory.workloadLabels(
                    name: entry.name, namespace: ns, style: style,
                    serviceAccount: names.rng.percent(75) ? entry.name : "default",
                    teamLabel: teamLabels[nsIndex], names: &names)
                // A fifth of Deployments are mid-rollout: pods from two ReplicaSets, two template hashes.
                let hashes = [names.templateHash(), names.templateHash()]
                let rollingOut = entry.kind == .deployment && entry.replicas > 1 && names.rng.percent(20)
                let replicas = entry.kind == .daemonSet ? nodeCount : entry.replicas
                var podIndices: [Int32] = []
                for j in 0..<replicas {
                    let node: Int
                    switch entry.kind {
                    case .daemonSet: node = j
                    case _ where prefersHighMem(entry.role): node = highMem[(j + w) % highMem.count]
                    default: node = names.rng.percent(90) ? names.rng.pick(defaultPool) : names.rng.below(nodeCount)
                    }
                    let hash = entry.kind == .daemonSet ? hashes[0] : hashes[rollingOut && j % 3 == 0 ? 1 : 0]
                    let own = PodFactory.podIdentity(workload: entry.name, kind: entry.kind, ordinal: j,
                                                     templateHash: hash, names: &names)
                    podIndices.append(Int32(pods.count))
                    pods.append(PodFactory.pod(
                        workload: w, workloadName: entry.name, namespace: ns.name, kind: entry.kind,
                        identity: identities[w], labels: shared + own.labels, podName: own.podName, node: node,
                        allocation: &allocations[node], names: &names))
                }
                let routes = HTTPRoutes.routes(workload: entry.name, namespace: ns.name, role: entry.role,
                                               hash: names.hex(8))
                let stack = names.rng.pick(HeaderTemplate.clientStacks)
                let clusterIP = "10.56.\(clusterIPs[w] / 256).\(clusterIPs[w] % 256)"
                let isFlaky = flaky.remove(w) != nil
                workloads.append(WorkloadInfo(
                    name: entry.name, namespace: nsIndex, kind: entry.kind, role: entry.role, port: entry.port,
                    identity: identities[w], pods: podIndices,
                    serviceQuery: JSONBytes.bytes("\(entry.name).\(ns.name).svc.cluster.local."),
                    clusterIPJSON: JSONBytes.quoted(clusterIP), clusterIP: JSONBytes.bytes(clusterIP),
                    urlPrefix: JSONBytes.bytes("http://\(entry.name).\(ns.name):\(entry.port)"),
                    routes: routes.routes, routePicker: WeightedPicker(weights: routes.weights),
                    httpHeaders: .http(userAgent: entry.name == "prometheus" ? "Prometheus/3.1.0" : stack.http,
                                       accept: entry.role == .web ? "text/html,application/json" : "application/json",
                                       tracedPermille: names.rng.range(200, 900)),
                    grpcHeaders: .grpc(userAgent: stack.grpc, tracedPermille: names.rng.range(300, 950)),
                    serverErrorPermille: isFlaky ? names.rng.range(60, 120) : names.rng.range(5, 30),
                    latencyMicros: names.rng.pick(latencies),
                    policy: policies.add("allow-\(entry.name)", namespace: ns.name,
                                         kind: TrafficGraphBuilder.policyKind(ns.name), names: &names)))
            }
        }
        return (workloads, pods)
    }
}
