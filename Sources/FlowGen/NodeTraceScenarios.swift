/// Trace events of node-level traffic: kubelet probes, health checks, DNS redirected to the proxy, Envoy redirects.
extension TraceScenarios {
    /// Kubelet probes from the local host, and NodePort/tunnelled traffic from other nodes.
    static func hostToPod(_ s: inout FlowSpec, _ m: ClusterModel, _ rng: inout Xoshiro256StarStar) {
        let pod = Int32(rng.below(m.pods.count))
        let workload = m.workloads[Int(m.pods[Int(pod)].workload)]
        let node = m.node(of: pod)
        let peer: Peer
        if rng.percent(70) {
            peer = .host(node)
        } else {
            var other = Int32(rng.below(m.nodes.count))
            if other == node { other = (other + 1) % Int32(m.nodes.count) }
            peer = .remoteNode(other)
        }
        let peerPort = Draw.ephemeralPort(&rng)
        let port = workload.role == .worker ? 8080 : workload.port
        s.node = node
        s.direction = .ingress
        if rng.percent(45) {
            s.source = .pod(pod)
            s.destination = peer
            s.sourcePort = port
            s.destinationPort = peerPort
            s.tcpFlags = Draw.replyFlags(&rng)
            s.traceReason = .reply
            s.isReply = 1
            s.tracePoint = .fromEndpoint
            s.ethernet = .fromPod(pod)
        } else {
            s.source = peer
            s.destination = .pod(pod)
            s.sourcePort = peerPort
            s.destinationPort = port
            (s.tcpFlags, s.traceReason) = Draw.forwardFlags(&rng)
            s.isReply = 0
            s.tracePoint = .toEndpoint
            s.ethernet = .toPod(pod)
            s.interface = .lxc(pod)
        }
        s.eventType = 4
        s.eventSubType = s.tracePoint.subType
    }

    /// cilium-health ICMP echo between hosts and health endpoints.
    static func healthICMP(_ s: inout FlowSpec, _ m: ClusterModel, _ rng: inout Xoshiro256StarStar) {
        let node = Int32(rng.below(m.nodes.count))
        var other = Int32(rng.below(m.nodes.count))
        if other == node { other = (other + 1) % Int32(m.nodes.count) }
        s.node = node
        s.l4 = .icmpv4
        s.direction = .ingress
        s.eventType = 4
        let r = rng.below(100)
        if r < 60 {
            // Echo request delivered to the local health endpoint, from the host or a peer node's health endpoint.
            s.source = r < 35 ? .host(node) : (r < 50 ? .remoteNode(other) : .health(other))
            s.destination = .health(node)
            s.icmpType = 8
            s.traceReason = .new
            s.isReply = 0
            s.tracePoint = .toEndpoint
            s.ethernet = .toHealth(node)
            s.interface = .health(node)
        } else {
            // Echo reply (type 0, printed as an empty ICMPv4 object) leaving the health endpoint.
            s.source = .health(node)
            s.destination = r < 85 ? .host(node) : .remoteNode(other)
            s.icmpType = 0
            s.traceReason = .reply
            s.isReply = 1
            s.tracePoint = .fromEndpoint
            s.ethernet = .fromHealth(node)
        }
        s.eventSubType = s.tracePoint.subType
    }

    /// UDP: DNS to kube-dns redirected to the DNS proxy and its answers, and NTP to the Internet.
    static func udp(_ s: inout FlowSpec, _ m: ClusterModel, _ rng: inout Xoshiro256StarStar) {
        if rng.percent(15), let ntp = m.worldEdgeIndices.first(where: { m.edges[Int($0)].udp }) {
            let e = m.edges[Int(ntp)]
            guard case .external(let target) = e.target else { return }
            let x = Int32(target)
            let client = m.pod(of: e.source, &rng)
            s.l4 = .udp
            s.node = m.node(of: client)
            s.direction = .egress
            s.source = .pod(client)
            s.destination = .world(x)
            s.sourcePort = Draw.ephemeralPort(&rng)
            s.destinationPort = e.port
            s.destinationNames = x
            s.traceReason = .new
            s.isReply = 0
            s.tracePoint = .toNetwork
            s.snat = true
            s.ethernet = .eth0Out(s.node)
            s.interface = .eth0(s.node)
            s.eventType = 4
            s.eventSubType = s.tracePoint.subType
            return
        }
        let client = m.pod(of: m.talkerPicker.pick(&rng), &rng)
        let server = m.pod(of: m.coreDNS, &rng)
        let clientPort = Draw.ephemeralPort(&rng)
        s.l4 = .udp
        s.node = m.node(of: client)
        s.direction = .egress
        if rng.percent(45) {
            s.source = .pod(server)
            s.destination = .pod(client)
            s.sourcePort = 53
            s.destinationPort = clientPort
            s.traceReason = .reply
            s.isReply = 1
            s.tracePoint = .toEndpoint
            s.ethernet = .toPod(client)
            s.interface = .lxc(client)
        } else {
            s.source = .pod(client)
            s.destination = .pod(server)
            s.sourcePort = clientPort
            s.destinationPort = 53
            s.traceReason = .new
            s.isReply = 0
            s.ethernet = .fromPod(client)
            if rng.percent(60) {
                s.tracePoint = .toProxy
                s.proxyPort = m.nodes[Int(s.node)].dnsProxyPort
            } else {
                s.tracePoint = .fromEndpoint
            }
        }
        s.eventType = 4
        s.eventSubType = s.tracePoint.subType
    }

    /// Connections on edges with an L7 rule, redirected to the node's Envoy listener.
    static func toProxy(_ s: inout FlowSpec, _ m: ClusterModel, _ rng: inout Xoshiro256StarStar) {
        let e = m.edge(where: { $0.l7 != .none }, pool: m.l7EdgeIndices, &rng)
        guard case .workload(let serverWorkload) = e.target else { return }
        let client = m.pod(of: e.source, &rng)
        let server = m.pod(of: serverWorkload, &rng)
        s.node = m.node(of: server)
        s.direction = .ingress
        s.source = .pod(client)
        s.destination = .pod(server)
        s.sourcePort = Draw.ephemeralPort(&rng)
        s.destinationPort = e.port
        (s.tcpFlags, s.traceReason) = Draw.forwardFlags(&rng)
        s.isReply = 0
        s.tracePoint = .toProxy
        s.proxyPort = m.nodes[Int(s.node)].httpProxyPort
        s.ethernet = m.node(of: client) == s.node ? .fromPod(client) : .eth0In(s.node)
        s.eventType = 4
        s.eventSubType = s.tracePoint.subType
    }
}
