/// Builds the whole `ClusterModel` for a seed: nodes, namespaces, workloads and pods, externals, policies, traffic.
enum ClusterBuilder {
    /// Six default-pool nodes and three high-memory nodes for the data stores.
    static let nodeCount = 9

    /// Namespaces whose egress is locked down by policy, and those with an allow-all egress rule.
    static let egressEnforced: Set<String> = [
        "payments", "identity", "vault", "data", "shop", "customer", "orders", "pricing", "staging-shop",
    ]
    static let allowAllEgress: Set<String> = ["monitoring", "ci", "dev-sandbox"]

    static func build(seed: UInt64) -> ClusterModel {
        // The cluster has its own stream, so the per-line stream does not shift when the cluster changes.
        var names = NameFactory(rng: Xoshiro256StarStar(seed: seed ^ 0x6A09_E667_F3BC_C908))
        let built = NodeFactory.build(count: nodeCount, names: &names)
        var allocations = built.allocations
        var policies = PolicyFactory()
        let namespaces = namespaceInfos(policies: &policies, names: &names)
        let (workloads, pods) = WorkloadFactory.build(
            nodeCount: nodeCount, highMem: built.highMem, allocations: &allocations,
            policies: &policies, names: &names)
        let parsedExternals = ExternalCatalog.entries.map(ExternalCatalog.parse)
        let externals = parsedExternals.map(makeExternal)
        let dnsPolicy = policies.add("allow-kube-dns", namespace: nil, kind: .ciliumClusterwideNetworkPolicy, names: &names)

        var graphBuilder = TrafficGraphBuilder(
            workloads: workloads, namespaces: namespaces, externals: externals,
            externalNames: parsedExternals.map(\.name), policies: policies, names: names)
        let result = graphBuilder.build()
        policies = result.policies
        names = result.names

        guard let coreDNS = workloads.firstIndex(where: { $0.name == "coredns" }),
              let metadata = parsedExternals.firstIndex(where: { $0.name == ExternalCatalog.metadataName })
        else { preconditionFailure("catalog lacks coredns or the metadata service") }
        return ClusterModel(
            nodes: built.nodes, namespaces: namespaces, workloads: workloads, pods: pods, externals: externals,
            policies: policies.policies, reserved: .standard, graph: result.graph,
            talkerPicker: talkers(workloads: workloads, edges: result.graph.edges, names: &names),
            coreDNS: coreDNS, dnsPolicy: dnsPolicy, metadataExternal: metadata)
    }

    /// Each namespace's policy posture: audit mode from the catalog, egress enforcement, allow-all rules.
    static func namespaceInfos(policies: inout PolicyFactory, names: inout NameFactory) -> [NamespaceInfo] {
        Catalog.namespaces.map { ns in
            let allowAll: Int32 = allowAllEgress.contains(ns.name)
                ? policies.add("allow-all-egress", namespace: ns.name, kind: .ciliumNetworkPolicy, names: &names) : -1
            let enforced = allowAll >= 0 || egressEnforced.contains(ns.name)
                || (ns.name != "kube-system" && names.rng.percent(40))
            return NamespaceInfo(name: ns.name, nameBytes: JSONBytes.bytes(ns.name), audit: ns.audit,
                                 egressEnforced: enforced, allowAllEgressPolicy: allowAll)
        }
    }

    /// Busy talkers: many dependencies times many replicas, with seeded noise, then ranked Zipf-like
    /// (weight 1/(rank+2)), so a handful of workloads send a large share of the traffic.
    static func talkers(workloads: [WorkloadInfo], edges: [Edge], names: inout NameFactory) -> WeightedPicker {
        var edgeCount = [Int](repeating: 0, count: workloads.count)
        for e in edges { edgeCount[e.source] += 1 }
        var scored: [(workload: Int, score: Double)] = []
        for (i, w) in workloads.enumerated() where edgeCount[i] > 0 {
            scored.append((i, Double(edgeCount[i]).squareRoot() * Double(w.pods.count) * (0.4 + names.rng.unit())))
        }
        scored.sort { $0.score != $1.score ? $0.score > $1.score : $0.workload < $1.workload }
        var weights = [Double](repeating: 0, count: workloads.count)
        for (rank, entry) in scored.enumerated() { weights[entry.workload] = 1.0 / Double(rank + 2) }
        return WeightedPicker(weights: weights)
    }

    static func makeExternal(_ e: ExternalCatalog.Entry) -> ExternalInfo {
        ExternalInfo(
            namesJSON: JSONBytes.stringArray([e.name]),
            query: JSONBytes.bytes(e.name + "."),
            ipv4JSON: e.ipv4.map(JSONBytes.quoted),
            ipv6JSON: e.ipv6.map(JSONBytes.quoted),
            ipv4ListJSON: JSONBytes.stringArray(e.ipv4),
            ipv4Joined: JSONBytes.bytes(e.ipv4.joined(separator: ",")),
            ipv6ListJSON: JSONBytes.stringArray(e.ipv6),
            ipv6Joined: JSONBytes.bytes(e.ipv6.joined(separator: ",")),
            cnamesJSON: e.cname.map { JSONBytes.stringArray([$0]) } ?? [],
            port: e.port, udp: e.udp, ttl: e.ttl)
    }
}
