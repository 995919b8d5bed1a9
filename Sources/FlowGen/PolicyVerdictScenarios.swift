/// Policy-verdict events (event_type 5): the first packet of a connection meeting policy on one side.
enum PolicyVerdictScenarios {
    static func any(_ s: inout FlowSpec, _ m: ClusterModel, _ rng: inout Xoshiro256StarStar) {
        s.eventType = 5
        s.isReply = 0
        let r = rng.below(100)
        switch r {
        case ..<50: allowedPodEdge(&s, m, &rng)
        case ..<65: dnsEgress(&s, m, &rng)
        case ..<75: outsideEgress(&s, m, &rng, world: true)
        case ..<81: outsideEgress(&s, m, &rng, world: false)
        case ..<88: hostIngress(&s, m, &rng)
        case ..<94: rejected(&s, m.auditedEdges[rng.below(m.auditedEdges.count)], m, &rng)
        default:
            let denied = m.deniedEdges[rng.below(m.deniedEdges.count)]
            rejected(&s, denied, m, &rng)
        }
    }

    /// Sets the packet of a new connection from `client` to `server` (SYN for TCP).
    @inline(__always)
    static func firstPacket(_ s: inout FlowSpec, from client: Peer, to server: Peer, port: Int, udp: Bool,
                            _ rng: inout Xoshiro256StarStar) {
        s.source = client
        s.destination = server
        s.sourcePort = Draw.ephemeralPort(&rng)
        s.destinationPort = port
        if udp {
            s.l4 = .udp
        } else {
            s.tcpFlags = TCPFlag.syn
        }
    }

    /// Pod→pod traffic allowed by policy, on its egress or ingress side; L7 rules redirect to the proxy.
    static func allowedPodEdge(_ s: inout FlowSpec, _ m: ClusterModel, _ rng: inout Xoshiro256StarStar) {
        let e = m.edge(where: { edge in
            guard case .workload = edge.target else { return false }
            return edge.egressVerdict || edge.ingressVerdict
        }, pool: m.podEdgeIndices, &rng)
        guard case .workload(let serverWorkload) = e.target else { return }
        let client = m.pod(of: e.source, &rng)
        let server = m.pod(of: serverWorkload, &rng)
        firstPacket(&s, from: .pod(client), to: .pod(server), port: e.port, udp: e.udp, &rng)
        let ingress = e.ingressVerdict && (!e.egressVerdict || rng.percent(55))
        if ingress {
            s.node = m.node(of: server)
            s.direction = .ingress
            s.ethernet = .toPod(server)
            s.policyMatchType = e.ingressMatch
            s.ingressAllowedBy = e.ingressPolicy
            s.verdict = e.l7 != .none ? .redirected : .forwarded
        } else {
            s.node = m.node(of: client)
            s.direction = .egress
            s.ethernet = .fromPod(client)
            s.policyMatchType = e.egressMatch
            s.egressAllowedBy = e.egressPolicy
        }
    }

    /// DNS to kube-dns: every lookup is redirected to the DNS proxy by the clusterwide DNS rule.
    static func dnsEgress(_ s: inout FlowSpec, _ m: ClusterModel, _ rng: inout Xoshiro256StarStar) {
        let client = m.pod(of: m.talkerPicker.pick(&rng), &rng)
        let server = m.pod(of: m.coreDNS, &rng)
        firstPacket(&s, from: .pod(client), to: .pod(server), port: 53, udp: true, &rng)
        s.node = m.node(of: client)
        s.direction = .egress
        s.ethernet = .fromPod(client)
        s.verdict = .redirected
        s.policyMatchType = 2
        s.egressAllowedBy = m.dnsPolicy
    }

    /// Egress to the Internet or the kube-apiserver, where egress policy is enforced.
    static func outsideEgress(_ s: inout FlowSpec, _ m: ClusterModel, _ rng: inout Xoshiro256StarStar, world: Bool) {
        let e = m.edge(where: { edge in
            guard edge.egressVerdict else { return false }
            if case .external = edge.target { return world }
            return !world && edge.target == .apiServer
        }, pool: world ? m.worldEdgeIndices : m.apiServerEdgeIndices, &rng)
        let client = m.pod(of: e.source, &rng)
        let server: Peer
        switch e.target {
        case .external(let x):
            server = .world(Int32(x))
            s.destinationNames = Int32(x)
        default:
            server = .apiServer
        }
        firstPacket(&s, from: .pod(client), to: server, port: e.port, udp: e.udp, &rng)
        s.node = m.node(of: client)
        s.direction = .egress
        s.ethernet = .fromPod(client)
        // An edge from a namespace without egress policy still meets the default allow: L3-only.
        s.policyMatchType = e.egressVerdict ? e.egressMatch : 1
        s.egressAllowedBy = e.egressPolicy
    }

    /// The local host (kubelet probes) and remote nodes reaching pods: allowed by entity rules (L3-only).
    static func hostIngress(_ s: inout FlowSpec, _ m: ClusterModel, _ rng: inout Xoshiro256StarStar) {
        let pod = Int32(rng.below(m.pods.count))
        let workload = m.workloads[Int(m.pods[Int(pod)].workload)]
        let node = m.node(of: pod)
        let fromHost = rng.percent(75)
        let peer: Peer = fromHost ? .host(node) : .remoteNode((node + 1) % Int32(m.nodes.count))
        firstPacket(&s, from: peer, to: .pod(pod), port: workload.role == .worker ? 8080 : workload.port,
                    udp: false, &rng)
        s.node = node
        s.direction = .ingress
        s.ethernet = .toPod(pod)
        s.policyMatchType = 1
        // Host traffic is allowed implicitly; remote nodes by the workload's own policy (fromEntities).
        if !fromHost { s.ingressAllowedBy = workload.policy }
    }

    /// A denied or audited connection: DROPPED with the drop reason, or AUDIT in audit mode (match type 0).
    static func rejected(_ s: inout FlowSpec, _ e: Edge, _ m: ClusterModel, _ rng: inout Xoshiro256StarStar) {
        let client = m.pod(of: e.source, &rng)
        let server: Peer
        var serverPod: Int32 = -1
        switch e.target {
        case .workload(let w):
            serverPod = m.pod(of: w, &rng)
            server = .pod(serverPod)
        case .external(let x):
            server = .world(Int32(x))
            s.destinationNames = Int32(x)
        case .apiServer:
            server = .apiServer
        }
        firstPacket(&s, from: .pod(client), to: server, port: e.port, udp: e.udp, &rng)
        if e.decidedAtIngress && serverPod >= 0 {
            s.node = m.node(of: serverPod)
            s.direction = .ingress
            s.ethernet = .toPod(serverPod)
        } else {
            s.node = m.node(of: client)
            s.direction = .egress
            s.ethernet = .fromPod(client)
        }
        switch e.outcome {
        case .audited:
            s.verdict = .audit
        case .explicitlyDenied:
            // Deny rules here select peers without ports, so the matching entry is L3-only.
            s.verdict = .dropped
            s.dropReason = .policyDeny
            s.policyMatchType = 1
            if s.direction == .ingress { s.ingressDeniedBy = e.denyPolicy } else { s.egressDeniedBy = e.denyPolicy }
        default:
            s.verdict = .dropped
            s.dropReason = .policyDenied
        }
    }
}
