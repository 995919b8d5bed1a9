import Foundation

/// Hubble flow lines for policy tests, written as `hubble observe -o json` prints them.
struct Pod {
    let name: String
    var namespace = "cilium-test"
    var cluster = "prod-east"
    var labels: [String: String] = [:]
    var ip = "10.244.1.10"
    var identity = 1000

    func endpoint() -> [String: Any] {
        var l = labels.map { "k8s:\($0.key)=\($0.value)" }.sorted()
        l += ["k8s:io.kubernetes.pod.namespace=\(namespace)", "k8s:io.cilium.k8s.policy.cluster=\(cluster)",
              "k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name=\(namespace)"]
        return ["identity": identity, "namespace": namespace, "pod_name": name, "labels": l,
                "workloads": [["name": name, "kind": "Deployment"]]]
    }
}

/// A non-pod endpoint: reserved labels (and an IP).
struct Entity {
    let labels: [String]
    let identity: Int
    var ip = "203.0.113.9"

    static let host = Entity(labels: ["reserved:host"], identity: 1, ip: "10.0.0.5")
    static let remoteNode = Entity(labels: ["reserved:remote-node"], identity: 6, ip: "10.0.0.6")
    static func world(_ ip: String) -> Entity { Entity(labels: ["reserved:world"], identity: 2, ip: ip) }

    func endpoint() -> [String: Any] { ["identity": identity, "labels": labels] }
}

enum Side {
    case pod(Pod)
    case entity(Entity)

    var endpoint: [String: Any] {
        switch self {
        case .pod(let p): p.endpoint()
        case .entity(let e): e.endpoint()
        }
    }

    var ip: String {
        switch self {
        case .pod(let p): p.ip
        case .entity(let e): e.ip
        }
    }
}

/// One flow: a policy verdict by default.
struct TestFlow {
    var uuid: String
    var source: Side
    var destination: Side
    var direction: String? = "INGRESS"
    var verdict = "FORWARDED"
    var eventType = 5
    var proto = "TCP"
    var port = 8080
    var icmpType: Int?
    var dropReason: String?
    var isReply: Bool?
    /// The deprecated `reply` of older Hubble, without `is_reply`.
    var reply: Bool?
    var tracePoint: String?
    var names: [String] = []
    var http: (method: String, url: String, headers: [(String, String)])?
    var dnsQuery: String?
    var matchType: Int?
    var seconds = 0

    func json() -> String {
        var f: [String: Any] = [
            "time": String(format: "2026-11-29T10:%02d:%02dZ", seconds / 60 % 60, seconds % 60),
            "uuid": uuid, "verdict": verdict,
            "IP": ["source": source.ip, "destination": destination.ip, "ipVersion": "IPv4"],
            "source": source.endpoint, "destination": destination.endpoint,
            "event_type": ["type": eventType], "Type": eventType == 129 ? "L7" : "L3_L4",
            "node_name": "node-1",
        ]
        if let direction { f["traffic_direction"] = direction }
        if let icmpType { f["l4"] = ["ICMPv4": ["type": icmpType]] } else {
            f["l4"] = [proto: ["source_port": 40000, "destination_port": port]]
        }
        if let dropReason { f["drop_reason_desc"] = dropReason }
        if let isReply { f["is_reply"] = isReply }
        if let reply { f["reply"] = reply }
        if let tracePoint { f["trace_observation_point"] = tracePoint }
        if !names.isEmpty { f["destination_names"] = names }
        if let matchType { f["policy_match_type"] = matchType }
        if let http {
            f["l7"] = ["type": "REQUEST", "http": ["method": http.method, "url": http.url, "protocol": "HTTP/1.1",
                                                   "headers": http.headers.map { ["key": $0.0, "value": $0.1] }]]
        }
        if let dnsQuery { f["l7"] = ["type": "REQUEST", "dns": ["query": dnsQuery, "qtypes": ["A"]]] }
        let data = try! JSONSerialization.data(withJSONObject: ["flow": f, "node_name": "node-1"], options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
}
