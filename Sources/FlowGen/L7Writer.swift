/// Prints the `l7` object of DNS and HTTP flows and, into `summary`, the matching Summary text.
///
/// The query or URL is written once into the line and copied into the summary from there,
/// so both always agree.
enum L7Writer {
    /// DNS search-path suffixes a pod's resolv.conf appends (ndots:5) before trying the name as is.
    static let searchSuffixes: [StaticString] = [
        ".svc.cluster.local.", "svc.cluster.local.", "cluster.local.", "c.acme-prod.internal.", "google.internal.",
    ]

    static func write(_ s: FlowSpec, model: ClusterModel, rng: inout Xoshiro256StarStar,
                      summary: inout [UInt8], out: inout [UInt8]) {
        summary.removeAll(keepingCapacity: true)
        switch s.l7 {
        case .none:
            return
        case .dns(let query, let aaaa):
            writeDNS(s, query: query, aaaa: aaaa, model: model, rng: &rng, summary: &summary, out: &out)
        case .http(let server, let route, let id, let code, let latency, let client):
            writeHTTP(s, server: Int(server), route: Int(route), id: Int(id), code: Int(code),
                      latencyMicros: Int(latency), client: Int(client), model: model, rng: &rng,
                      summary: &summary, out: &out)
        }
    }

    /// Appends the queried name (raw) for a DNS record.
    @inline(__always)
    static func appendQuery(_ query: DNSQuery, model: ClusterModel, out: inout [UInt8]) {
        switch query {
        case .service(let w):
            out.put(model.workloads[Int(w)].serviceQuery)
        case .external(let e):
            out.put(model.externals[Int(e)].query)
        case .searchPath(let e, let ns, let suffix):
            out.put(model.externals[Int(e)].query)
            if suffix == 0 { out.put(model.namespaces[Int(ns)].nameBytes) }
            out.put(searchSuffixes[Int(suffix)])
        }
    }

    static func writeDNS(_ s: FlowSpec, query: DNSQuery, aaaa: Bool, model: ClusterModel,
                         rng: inout Xoshiro256StarStar, summary: inout [UInt8], out: inout [UInt8]) {
        let response = s.l7Type == .response
        out.put(response ? ",\"l7\":{\"type\":\"RESPONSE\",\"dns\":{\"query\":\""
                         : ",\"l7\":{\"type\":\"REQUEST\",\"dns\":{\"query\":\"")
        let queryStart = out.count
        appendQuery(query, model: model, out: &out)
        let queryEnd = out.count
        out.put("\"")
        let qtype: StaticString = aaaa ? "AAAA" : "A"
        guard response else {
            out.put(aaaa ? ",\"observation_source\":\"proxy\",\"qtypes\":[\"AAAA\"]}}"
                         : ",\"observation_source\":\"proxy\",\"qtypes\":[\"A\"]}}")
            summary.put("DNS Query ")
            summary.append(contentsOf: out[queryStart..<queryEnd])
            summary.put(" ")
            summary.put(qtype)
            return
        }
        let ttl: Int
        var joined: [UInt8] = []
        switch query {
        case .searchPath:
            // NXDOMAIN carries no answer records; Cilium reports the TTL as MaxUint32 then.
            ttl = 4_294_967_295
            out.put(",\"ttl\":4294967295,\"observation_source\":\"proxy\",\"rcode\":3,\"qtypes\":[")
        case .service(let w):
            let workload = model.workloads[Int(w)]
            ttl = rng.range(1, 30)
            out.put(",\"ips\":[")
            out.put(workload.clusterIPJSON)
            out.put("],\"ttl\":")
            out.putDecimal(ttl)
            out.put(",\"observation_source\":\"proxy\",\"qtypes\":[")
            joined = workload.clusterIP
        case .external(let e):
            let ext = model.externals[Int(e)]
            ttl = rng.range(1, ext.ttl)
            out.put(",\"ips\":")
            out.put(aaaa ? ext.ipv6ListJSON : ext.ipv4ListJSON)
            out.put(",\"ttl\":")
            out.putDecimal(ttl)
            if !ext.cnamesJSON.isEmpty {
                out.put(",\"cnames\":")
                out.put(ext.cnamesJSON)
            }
            out.put(",\"observation_source\":\"proxy\",\"qtypes\":[")
            joined = aaaa ? ext.ipv6Joined : ext.ipv4Joined
        }
        out.put("\"")
        out.put(qtype)
        out.put("\"]")
        if case .external(let e) = query {
            out.put(model.externals[Int(e)].cnamesJSON.isEmpty ? ",\"rrtypes\":[\"" : ",\"rrtypes\":[\"CNAME\",\"")
            out.put(qtype)
            out.put("\"]")
        } else if case .service = query {
            out.put(",\"rrtypes\":[\"A\"]")
        }
        out.put("}}")
        // Summary as Hubble formats it: `DNS Answer "ip,ip" TTL: n (Proxy name. A)` with the quotes escaped.
        if case .searchPath = query {
            summary.put("DNS Answer RCode: NXDOMAIN TTL: 4294967295 (Proxy ")
        } else {
            summary.put("DNS Answer \\\"")
            summary.put(joined)
            summary.put("\\\" TTL: ")
            summary.putDecimal(ttl)
            summary.put(" (Proxy ")
        }
        summary.append(contentsOf: out[queryStart..<queryEnd])
        summary.put(" ")
        summary.put(qtype)
        summary.put(")")
    }

    static func writeHTTP(_ s: FlowSpec, server: Int, route routeIndex: Int, id: Int, code: Int,
                          latencyMicros: Int, client: Int, model: ClusterModel, rng: inout Xoshiro256StarStar,
                          summary: inout [UInt8], out: inout [UInt8]) {
        let workload = model.workloads[server]
        let response = s.l7Type == .response
        // routeIndex -1 is a Prometheus scrape of the pod's metrics endpoint, addressed by pod IP.
        let route = routeIndex >= 0 ? workload.routes[routeIndex] : nil
        let method: [UInt8] = route?.method ?? Self.get
        let http2 = route?.http2 ?? false
        if response {
            out.put(",\"l7\":{\"type\":\"RESPONSE\",\"latency_ns\":\"")
            out.putDecimal(latencyMicros * 1000 + rng.below(1000))
            out.put("\",\"http\":{\"code\":")
            out.putDecimal(code)
            out.put(",\"method\":\"")
        } else {
            out.put(",\"l7\":{\"type\":\"REQUEST\",\"http\":{\"method\":\"")
        }
        out.put(method)
        out.put("\",\"url\":\"")
        let urlStart = out.count
        if let route {
            out.put(workload.urlPrefix)
            out.put(route.path)
            if route.withID { out.putDecimal(id) }
        } else {
            let target: Peer = response ? s.source : s.destination
            if case .pod(let p) = target {
                let ip = model.pods[Int(p)].ipv4JSON
                out.put("http://")
                out.append(contentsOf: ip[1..<(ip.count - 1)])
            }
            out.put(":")
            out.putDecimal(response ? s.sourcePort : s.destinationPort)
            out.put("/metrics")
        }
        let urlEnd = out.count
        out.put(http2 ? "\",\"protocol\":\"HTTP/2\",\"headers\":" : "\",\"protocol\":\"HTTP/1.1\",\"headers\":")
        let headers = http2 ? model.workloads[client].grpcHeaders : model.workloads[client].httpHeaders
        out.put(headers.head)
        if rng.below(1000) < headers.tracedPermille {
            out.put(",{\"key\":\"Traceparent\",\"value\":\"00-")
            out.putHex(rng.next(), digits: 16)
            out.putHex(rng.next(), digits: 16)
            out.put("-")
            out.putHex(rng.next(), digits: 16)
            out.put("-01\"}")
        }
        out.put(headers.tail)
        out.putUUID(&rng)
        out.put("\"}]}}")
        // `HTTP/1.1 GET http://…` for requests, `HTTP/1.1 200 12ms (GET http://…)` for responses.
        summary.put(http2 ? "HTTP/2 " : "HTTP/1.1 ")
        if response {
            summary.putDecimal(code)
            summary.put(" ")
            summary.putDecimal(latencyMicros / 1000)
            summary.put("ms (")
        }
        summary.put(method)
        summary.put(" ")
        summary.append(contentsOf: out[urlStart..<urlEnd])
        if response { summary.put(")") }
    }

    static let get: [UInt8] = Array("GET".utf8)
}
