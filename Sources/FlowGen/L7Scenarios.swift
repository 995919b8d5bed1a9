/// L7 events (Type L7, event_type 129) from the DNS proxy and Envoy: requests and their responses.
enum L7Scenarios {
    /// A DNS lookup through the DNS proxy, from a pod to kube-dns or the answer coming back.
    static func dns(_ s: inout FlowSpec, _ m: ClusterModel, _ rng: inout Xoshiro256StarStar) {
        let clientWorkload = m.talkerPicker.pick(&rng)
        let client = m.pod(of: clientWorkload, &rng)
        let server = m.pod(of: m.coreDNS, &rng)
        let query = pickQuery(clientWorkload: clientWorkload, m, &rng)
        var aaaa = false
        if case .external(let x) = query, !m.externals[Int(x)].ipv6JSON.isEmpty { aaaa = rng.percent(30) }
        let clientPort = Draw.ephemeralPort(&rng)
        s.isL7 = true
        s.l4 = .udp
        s.node = m.node(of: client)
        s.direction = .egress
        s.eventType = 129
        s.l7 = .dns(query, aaaa: aaaa)
        if rng.percent(50) {
            s.l7Type = .response
            s.source = .pod(server)
            s.destination = .pod(client)
            s.sourcePort = 53
            s.destinationPort = clientPort
            s.isReply = 1
        } else {
            s.l7Type = .request
            s.source = .pod(client)
            s.destination = .pod(server)
            s.sourcePort = clientPort
            s.destinationPort = 53
            s.isReply = 0
        }
    }

    /// What a workload looks up: Services it calls, Internet names it calls, and the NXDOMAIN
    /// search-path expansions ndots:5 produces for Internet names.
    static func pickQuery(clientWorkload w: Int, _ m: ClusterModel, _ rng: inout Xoshiro256StarStar) -> DNSQuery {
        let edges = m.edgesBySource[w]
        let r = rng.below(100)
        var external: Int32 = -1
        var service: Int32 = -1
        if !edges.isEmpty {
            let e = m.edges[Int(edges[m.edgePickers[w].pick(&rng)])]
            switch e.target {
            case .workload(let t): service = Int32(t)
            case .external(let x): external = Int32(x)
            case .apiServer: break
            }
        }
        if external < 0 {
            // Everybody resolves some Internet names (telemetry, registries), even without a catalogued edge.
            external = Int32(rng.below(m.externals.count))
            if external == Int32(m.metadataExternal) { external = 0 }
        }
        if r < 45 && service >= 0 { return .service(service) }
        if r < 45 { return .service(Int32(rng.below(m.workloads.count))) }
        if r < 72 { return .external(external) }
        return .searchPath(external: external, namespace: Int32(m.workloads[w].namespace),
                           suffix: UInt8(rng.below(L7Writer.searchSuffixes.count)))
    }

    /// An HTTP or gRPC request on an edge with an L7 rule, or its response, seen by the server-side proxy.
    static func http(_ s: inout FlowSpec, _ m: ClusterModel, _ rng: inout Xoshiro256StarStar) {
        let e = m.edge(where: { $0.l7 != .none }, pool: m.l7EdgeIndices, &rng)
        guard case .workload(let serverWorkload) = e.target else { return }
        let client = m.pod(of: e.source, &rng)
        let server = m.pod(of: serverWorkload, &rng)
        let workload = m.workloads[serverWorkload]
        let route = e.scrape ? -1 : workload.routePicker.pick(&rng)
        let success = route >= 0 ? workload.routes[route].successCode : 200
        let (code, latency) = outcome(success: success, errorPermille: workload.serverErrorPermille,
                                      latencyMicros: workload.latencyMicros, &rng)
        let clientPort = Draw.ephemeralPort(&rng)
        s.isL7 = true
        s.node = m.node(of: server)
        s.direction = .ingress
        s.eventType = 129
        s.l7 = .http(server: Int32(serverWorkload), route: Int32(route), id: Int32(rng.range(1000, 99_999)),
                     code: Int16(code), latencyMicros: Int32(latency), client: Int32(e.source))
        if rng.percent(50) {
            s.l7Type = .response
            s.source = .pod(server)
            s.destination = .pod(client)
            s.sourcePort = e.port
            s.destinationPort = clientPort
            s.isReply = 1
        } else {
            s.l7Type = .request
            s.source = .pod(client)
            s.destination = .pod(server)
            s.sourcePort = clientPort
            s.destinationPort = e.port
            s.isReply = 0
        }
    }

    /// Status code and latency: mostly the route's success code, some 4xx, and per-workload 5xx rates.
    static func outcome(success: Int, errorPermille: Int, latencyMicros base: Int,
                        _ rng: inout Xoshiro256StarStar) -> (Int, Int) {
        // Latency: the workload's typical value, spread 0.3×–2×, with a slow tail.
        var latency = base * (300 + rng.below(1700)) / 1000
        if rng.percent(4) { latency *= rng.range(3, 15) }
        let r = rng.below(1000)
        if r < errorPermille {
            let c = rng.below(100)
            if c < 45 { return (500, latency) }
            if c < 70 { return (503, max(200, latency / 20)) }
            if c < 88 { return (502, latency) }
            return (504, rng.range(15_000_000, 30_000_000))
        }
        if r < errorPermille + 45 {
            let c = rng.below(100)
            if c < 50 { return (404, latency / 2) }
            if c < 65 { return (401, latency / 4) }
            if c < 77 { return (403, latency / 4) }
            if c < 92 { return (400, latency / 3) }
            return (429, latency / 10)
        }
        return (success, latency)
    }
}
