/// Drop events (event_type 1, sub_type = drop reason): packets the datapath discarded, with the bpf file and line.
enum DropScenarios {
    static func any(_ s: inout FlowSpec, _ m: ClusterModel, _ rng: inout Xoshiro256StarStar) {
        let r = rng.below(100)
        switch r {
        case ..<50: policy(&s, m, &rng, explicit: false)
        case ..<67: policy(&s, m, &rng, explicit: true)
        case ..<77: podEdge(&s, m, &rng, reason: .staleOrUnroutableIP, file: 0, line: 1341, ingress: false)
        case ..<84: podEdge(&s, m, &rng, reason: .ctMapInsertionFailed, file: 0, line: 1190, ingress: false)
        case ..<90: routerSolicitation(&s, m, &rng)
        case ..<95: missingBackend(&s, m, &rng)
        default: podEdge(&s, m, &rng, reason: .epNotReady, file: 1, line: 785, ingress: true)
        }
        s.verdict = .dropped
        s.eventType = 1
        s.eventSubType = Int(s.dropReason.rawValue)
    }

    /// A connection attempt rejected by policy: no rule (POLICY_DENIED) or a deny rule (POLICY_DENY).
    static func policy(_ s: inout FlowSpec, _ m: ClusterModel, _ rng: inout Xoshiro256StarStar, explicit: Bool) {
        var e = m.deniedEdges[rng.below(m.deniedEdges.count)]
        for _ in 0..<8 where (e.outcome == .explicitlyDenied) != explicit {
            e = m.deniedEdges[rng.below(m.deniedEdges.count)]
        }
        PolicyVerdictScenarios.rejected(&s, e, m, &rng)
        s.policyMatchType = 0
        s.isReply = 0
        s.dropFile = 0
        s.dropLine = s.direction == .ingress ? 2187 : 1417
    }

    /// A pod→pod packet dropped for a datapath reason rather than policy.
    static func podEdge(_ s: inout FlowSpec, _ m: ClusterModel, _ rng: inout Xoshiro256StarStar,
                        reason: GenDropReason, file: Int8, line: Int, ingress: Bool) {
        let e = m.edge(where: { edge in
            if case .workload = edge.target { return true } else { return false }
        }, pool: m.podEdgeIndices, &rng)
        guard case .workload(let serverWorkload) = e.target else { return }
        let client = m.pod(of: e.source, &rng)
        let server = m.pod(of: serverWorkload, &rng)
        s.source = .pod(client)
        s.destination = .pod(server)
        s.sourcePort = Draw.ephemeralPort(&rng)
        s.destinationPort = e.port
        if e.udp {
            s.l4 = .udp
        } else {
            s.tcpFlags = reason == .staleOrUnroutableIP ? TCPFlag.ack | TCPFlag.psh : TCPFlag.syn
        }
        if ingress {
            s.node = m.node(of: server)
            s.direction = .ingress
            s.ethernet = .eth0In(s.node)
        } else {
            s.node = m.node(of: client)
            s.direction = .egress
            s.ethernet = .fromPod(client)
        }
        s.isReply = 0
        s.dropReason = reason
        s.dropFile = file
        s.dropLine = line
    }

    /// A pod's router solicitation from its link-local address: the sender cannot be attributed (`{}`).
    static func routerSolicitation(_ s: inout FlowSpec, _ m: ClusterModel, _ rng: inout Xoshiro256StarStar) {
        let pod = Int32(rng.below(m.pods.count))
        s.node = m.node(of: pod)
        s.ipv6 = true
        s.l4 = .icmpv6
        s.icmpType = 133
        s.source = .unknownLinkLocal(pod)
        s.destination = .multicast
        s.ethernet = .fromPod(pod)
        s.isReply = -1
        s.dropReason = .invalidSourceIP
        s.dropFile = 0
        s.dropLine = 1597
    }

    /// A connection to a Service ClusterIP whose backends are all gone.
    static func missingBackend(_ s: inout FlowSpec, _ m: ClusterModel, _ rng: inout Xoshiro256StarStar) {
        let client = m.pod(of: m.talkerPicker.pick(&rng), &rng)
        var service = rng.below(m.workloads.count)
        if service == m.coreDNS { service = (service + 1) % m.workloads.count }
        s.node = m.node(of: client)
        s.source = .pod(client)
        s.destination = .clusterIP(Int32(service))
        s.sourcePort = Draw.ephemeralPort(&rng)
        s.destinationPort = m.workloads[service].port
        s.tcpFlags = TCPFlag.syn
        s.direction = .egress
        s.ethernet = .fromPod(client)
        s.isReply = 0
        s.dropReason = .serviceBackendNotFound
        s.dropFile = 0
        s.dropLine = 1036
    }
}
