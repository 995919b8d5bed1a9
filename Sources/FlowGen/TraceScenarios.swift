/// Trace events (event_type 4): forwarded packets seen at a datapath observation point.
enum TraceScenarios {
    /// TCP between two pods, seen on either node, in either direction of the connection.
    static func podToPod(_ s: inout FlowSpec, _ m: ClusterModel, _ rng: inout Xoshiro256StarStar, ipv6: Bool) {
        let e = m.edge(where: { edge in
            if case .workload = edge.target { return !edge.udp } else { return false }
        }, pool: m.podEdgeIndices, &rng)
        guard case .workload(let serverWorkload) = e.target else { return }
        let client = m.pod(of: e.source, &rng)
        var server = m.pod(of: serverWorkload, &rng)
        // Peers of a replicated workload (postgres replication, raft) are other pods, not itself.
        for _ in 0..<3 where server == client { server = m.pod(of: serverWorkload, &rng) }
        let clientPort = Draw.ephemeralPort(&rng)
        let reply = rng.percent(45)
        let atClient = rng.percent(50)
        let observer = atClient ? client : server
        s.ipv6 = ipv6
        s.node = m.node(of: observer)
        // Hubble reports the connection's direction relative to the observed endpoint, also for replies.
        s.direction = atClient ? .egress : .ingress
        if reply {
            s.source = .pod(server)
            s.destination = .pod(client)
            s.sourcePort = e.port
            s.destinationPort = clientPort
            s.tcpFlags = Draw.replyFlags(&rng)
            s.traceReason = .reply
            s.isReply = 1
        } else {
            s.source = .pod(client)
            s.destination = .pod(server)
            s.sourcePort = clientPort
            s.destinationPort = e.port
            (s.tcpFlags, s.traceReason) = Draw.forwardFlags(&rng)
            s.isReply = 0
        }
        let observerSent = (observer == client) != reply
        if observerSent {
            s.tracePoint = rng.percent(85) ? .fromEndpoint : .toStack
            s.ethernet = .fromPod(observer)
        } else if m.node(of: client) != m.node(of: server) && rng.percent(15) {
            // Seen arriving on eth0 before connection tracking: reason and reply state unknown.
            s.tracePoint = .fromNetwork
            s.ethernet = .eth0In(s.node)
            s.interface = .eth0(s.node)
            s.traceReason = .unknown
            s.isReply = -1
        } else {
            s.tracePoint = .toEndpoint
            s.ethernet = .toPod(observer)
            s.interface = .lxc(observer)
        }
        s.eventType = 4
        s.eventSubType = s.tracePoint.subType
    }

    /// A pod talking to an Internet service: leaving via its lxc or eth0 (SNATed), answers delivered back.
    static func podToWorld(_ s: inout FlowSpec, _ m: ClusterModel, _ rng: inout Xoshiro256StarStar) {
        let e = m.edge(where: { edge in
            if case .external = edge.target { return true } else { return false }
        }, pool: m.worldEdgeIndices, &rng)
        guard case .external(let target) = e.target else { return }
        let x = Int32(target)
        let client = m.pod(of: e.source, &rng)
        let clientPort = Draw.ephemeralPort(&rng)
        s.node = m.node(of: client)
        s.direction = .egress
        s.l4 = e.udp ? .udp : .tcp
        if rng.percent(40) {
            s.source = .world(x)
            s.destination = .pod(client)
            s.sourcePort = e.port
            s.destinationPort = clientPort
            s.sourceNames = x
            if !e.udp { s.tcpFlags = Draw.replyFlags(&rng) }
            s.traceReason = .reply
            s.isReply = 1
            s.tracePoint = .toEndpoint
            s.ethernet = .toPod(client)
            s.interface = .lxc(client)
        } else {
            s.source = .pod(client)
            s.destination = .world(x)
            s.sourcePort = clientPort
            s.destinationPort = e.port
            s.destinationNames = x
            let (flags, reason) = Draw.forwardFlags(&rng)
            if !e.udp { s.tcpFlags = flags }
            s.traceReason = e.udp ? .established : reason
            s.isReply = 0
            if rng.percent(30) {
                s.tracePoint = .toNetwork
                s.snat = true
                s.ethernet = .eth0Out(s.node)
                s.interface = .eth0(s.node)
            } else {
                s.tracePoint = .fromEndpoint
                s.ethernet = .fromPod(client)
            }
        }
        s.eventType = 4
        s.eventSubType = s.tracePoint.subType
    }

    /// Controllers and agents talking to the kube-apiserver on 443, and its answers.
    static func podToAPIServer(_ s: inout FlowSpec, _ m: ClusterModel, _ rng: inout Xoshiro256StarStar) {
        let e = m.edge(where: { $0.target == .apiServer }, pool: m.apiServerEdgeIndices, &rng)
        let client = m.pod(of: e.source, &rng)
        let clientPort = Draw.ephemeralPort(&rng)
        s.node = m.node(of: client)
        s.direction = .egress
        if rng.percent(50) {
            s.source = .apiServer
            s.destination = .pod(client)
            s.sourcePort = 443
            s.destinationPort = clientPort
            s.tcpFlags = Draw.replyFlags(&rng)
            s.traceReason = .reply
            s.isReply = 1
            s.tracePoint = .toEndpoint
            s.ethernet = .toPod(client)
            s.interface = .lxc(client)
        } else {
            s.source = .pod(client)
            s.destination = .apiServer
            s.sourcePort = clientPort
            s.destinationPort = 443
            (s.tcpFlags, s.traceReason) = Draw.forwardFlags(&rng)
            s.isReply = 0
            s.tracePoint = .fromEndpoint
            s.ethernet = .fromPod(client)
        }
        s.eventType = 4
        s.eventSubType = s.tracePoint.subType
    }
}
