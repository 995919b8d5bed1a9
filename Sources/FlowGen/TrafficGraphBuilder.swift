/// Turns `TrafficCatalog` into edges and decides, per edge, which policy allows it and with which match type.
///
/// The match-type mix follows how policies are usually written: most rules name a peer and a
/// port (L3-L4, 2), public-facing ports allow any peer (L4-only, 3), same-namespace and
/// entity rules name only the peer (L3-only, 1), and a few namespaces allow everything (4).
struct TrafficGraphBuilder {
    let workloads: [WorkloadInfo]
    let namespaces: [NamespaceInfo]
    let workloadIndex: [String: Int]
    let externalIndex: [String: Int]
    let externals: [ExternalInfo]
    var policies: PolicyFactory
    var names: NameFactory
    private(set) var graph = TrafficGraph()

    init(workloads: [WorkloadInfo], namespaces: [NamespaceInfo], externals: [ExternalInfo],
         externalNames: [String], policies: PolicyFactory, names: NameFactory) {
        self.workloads = workloads
        self.namespaces = namespaces
        var index: [String: Int] = [:]
        for (i, w) in workloads.enumerated() { index[namespaces[w.namespace].name + "/" + w.name] = i }
        self.workloadIndex = index
        var ext: [String: Int] = [:]
        for (i, n) in externalNames.enumerated() { ext[n] = i }
        self.externalIndex = ext
        self.externals = externals
        self.policies = policies
        self.names = names
    }

    /// Resolves `ns/name`, `world:name` or `kube-apiserver`.
    private func target(_ word: Substring) -> EdgeTarget {
        if word == "kube-apiserver" { return .apiServer }
        if word.hasPrefix("world:") {
            guard let e = externalIndex[String(word.dropFirst(6))] else { preconditionFailure("unknown external \(word)") }
            return .external(e)
        }
        guard let w = workloadIndex[String(word)] else { preconditionFailure("unknown workload \(word)") }
        return .workload(w)
    }

    private func client(_ word: Substring) -> Int {
        guard let w = workloadIndex[String(word.hasSuffix(":") ? word.dropLast() : word)] else {
            preconditionFailure("unknown workload \(word)")
        }
        return w
    }

    /// Port and transport a client uses to reach a target.
    private func endpoint(_ t: EdgeTarget) -> (port: Int, udp: Bool) {
        switch t {
        case .workload(let w): return (workloads[w].port, workloads[w].role == .dns)
        case .external(let e): return (externals[e].port, externals[e].udp)
        case .apiServer: return (443, false)
        }
    }

    private func nsName(_ w: Int) -> String { namespaces[workloads[w].namespace].name }

    mutating func build() -> (graph: TrafficGraph, policies: PolicyFactory, names: NameFactory) {
        var perClient: [Int: [EdgeTarget]] = [:]
        var order: [Int] = []
        for line in TrafficCatalog.allowed {
            let words = line.split(separator: " ")
            let c = client(words[0])
            if perClient[c] == nil { order.append(c) }
            perClient[c, default: []] += words.dropFirst().map { target($0) }
        }
        addGenericDependencies(&perClient, &order)
        for c in order {
            for t in perClient[c] ?? [] { graph.edges.append(allowedEdge(from: c, to: t)) }
        }
        addPrometheusScrapes()
        for line in TrafficCatalog.defaultDenied {
            let words = line.split(separator: " ")
            graph.denied.append(rejectedEdge(from: client(words[0]), to: target(words[1]),
                                             outcome: .defaultDenied, deny: -1))
        }
        for line in TrafficCatalog.explicitlyDenied {
            let words = line.split(separator: " ")
            let c = client(words[1])
            let t = target(words[2])
            let policyName = String(words[0].dropLast())
            let deny: Int32
            switch t {
            case .workload(let w) where policyName != "deny-from-sandbox":
                deny = policies.add(policyName, namespace: nsName(w), kind: .ciliumNetworkPolicy, names: &names)
            default:
                deny = policies.add(policyName, namespace: nil, kind: .ciliumClusterwideNetworkPolicy, names: &names)
            }
            graph.denied.append(rejectedEdge(from: c, to: t, outcome: .explicitlyDenied, deny: deny))
        }
        for line in TrafficCatalog.audited {
            let words = line.split(separator: " ")
            graph.audited.append(rejectedEdge(from: client(words[0]), to: target(words[1]), outcome: .audited, deny: -1))
        }
        return (graph, policies, names)
    }

    /// Error reporting and tracing that application workloads add on top of the catalog.
    private mutating func addGenericDependencies(_ perClient: inout [Int: [EdgeTarget]], _ order: inout [Int]) {
        guard let sentry = externalIndex["o450123.ingest.sentry.io"],
              let collector = workloadIndex["tracing/otel-collector"] else { return }
        let platformTeams: Set<String> = ["platform", "observability", "security", "developer-experience"]
        for (i, w) in workloads.enumerated() {
            let team = Catalog.namespaces[w.namespace].team
            if platformTeams.contains(team) || w.kind == .daemonSet { continue }
            var list = perClient[i] ?? []
            if names.rng.percent(40), !list.contains(.workload(collector)) { list.append(.workload(collector)) }
            if names.rng.percent(30) { list.append(.external(sentry)) }
            if list.isEmpty { continue }
            if perClient[i] == nil { order.append(i) }
            perClient[i] = list
        }
    }

    /// Prometheus scrapes a seeded third of the workloads on their HTTP port (9090 for non-HTTP roles).
    private mutating func addPrometheusScrapes() {
        guard let prometheus = workloadIndex["monitoring/prometheus"] else { return }
        let scrape = policies.add("allow-prometheus-scrape", namespace: nil,
                                  kind: .ciliumClusterwideNetworkPolicy, names: &names)
        for (i, w) in workloads.enumerated() where i != prometheus && names.rng.percent(35) {
            let port = w.role.l7 == .http ? w.port : 9090
            let l7: L7Protocol = names.rng.percent(20) ? .http : .none
            graph.edges.append(Edge(
                source: prometheus, target: .workload(i), port: port, udp: false, l7: l7,
                egressVerdict: true, egressPolicy: namespaces[workloads[prometheus].namespace].allowAllEgressPolicy,
                egressMatch: 4,
                ingressVerdict: nsName(i) != "kube-system", ingressPolicy: scrape, ingressMatch: 2,
                outcome: .allowed, decidedAtIngress: true, denyPolicy: -1, scrape: true))
        }
    }

    private mutating func allowedEdge(from c: Int, to t: EdgeTarget) -> Edge {
        let (port, udp) = endpoint(t)
        let src = workloads[c]
        let srcNS = namespaces[src.namespace]
        // Egress side.
        var egressVerdict = srcNS.egressEnforced || srcNS.allowAllEgressPolicy >= 0
        var egressPolicy: Int32 = -1
        var egressMatch: UInt8 = 0
        if srcNS.allowAllEgressPolicy >= 0 {
            egressPolicy = srcNS.allowAllEgressPolicy
            egressMatch = 4
        } else if srcNS.egressEnforced {
            egressPolicy = src.policy
            switch t {
            case .apiServer: egressMatch = names.rng.percent(30) ? 1 : 2
            case .external: egressMatch = names.rng.percent(45) ? 3 : 2
            case .workload:
                let r = names.rng.below(100)
                egressMatch = r < 68 ? 2 : (r < 83 ? 1 : 3)
            }
        }
        // Ingress side: only in-cluster targets, and kube-system does not enforce ingress policy.
        var ingressVerdict = false
        var ingressPolicy: Int32 = -1
        var ingressMatch: UInt8 = 0
        var l7: L7Protocol = .none
        if case .workload(let w) = t {
            let dst = workloads[w]
            let dstNS = namespaces[dst.namespace]
            ingressVerdict = dstNS.name != "kube-system"
            let publicFacing = srcNS.name == "ingress-nginx" || workloads[c].name == "api-gateway"
            if dstNS.name == "dev-sandbox" {
                ingressPolicy = policies.add("allow-all-ingress", namespace: dstNS.name,
                                             kind: .ciliumNetworkPolicy, names: &names)
                ingressMatch = 4
            } else if dst.namespace == src.namespace && names.rng.percent(25) {
                ingressPolicy = policies.add("allow-same-namespace", namespace: dstNS.name,
                                             kind: Self.policyKind(dstNS.name), names: &names)
                ingressMatch = 1
            } else {
                ingressPolicy = dst.policy
                ingressMatch = publicFacing ? (names.rng.percent(60) ? 3 : 2) : (names.rng.percent(75) ? 2 : 3)
            }
            if dst.role.l7 != .none && ingressVerdict && ingressMatch != 4 && names.rng.percent(45) {
                // An L7 rule on the server's port: connections are redirected to the proxy.
                l7 = dst.role.l7
                ingressMatch = 2
                ingressPolicy = dst.policy
            }
        }
        if case .workload(let w) = t, workloads[w].role == .dns { egressVerdict = false }
        return Edge(source: c, target: t, port: port, udp: udp, l7: l7,
                    egressVerdict: egressVerdict, egressPolicy: egressPolicy, egressMatch: egressMatch,
                    ingressVerdict: ingressVerdict, ingressPolicy: ingressPolicy, ingressMatch: ingressMatch,
                    outcome: .allowed, decidedAtIngress: true, denyPolicy: -1)
    }

    /// A denied or audited edge; it is decided at the target's ingress when the target is in the
    /// cluster and (for audits) runs in audit mode, otherwise at the client's egress.
    private func rejectedEdge(from c: Int, to t: EdgeTarget, outcome: EdgeOutcome, deny: Int32) -> Edge {
        let (port, udp) = endpoint(t)
        var atIngress = false
        if case .workload(let w) = t {
            atIngress = outcome == .audited ? namespaces[workloads[w].namespace].audit : true
        }
        return Edge(source: c, target: t, port: port, udp: udp, l7: .none,
                    egressVerdict: !atIngress, egressPolicy: -1, egressMatch: 0,
                    ingressVerdict: atIngress, ingressPolicy: -1, ingressMatch: 0,
                    outcome: outcome, decidedAtIngress: atIngress, denyPolicy: deny)
    }

    /// Two namespaces still use plain Kubernetes NetworkPolicy objects.
    static func policyKind(_ namespace: String) -> PolicyKind {
        namespace == "backoffice" || namespace == "shipping" ? .networkPolicy : .ciliumNetworkPolicy
    }
}
