import FlowQuery

/// What a report needs of an endpoint dictionary entry: who it is, and how a policy selects it.
struct EndpointInfo: Hashable, Sendable {
    var namespace = ""
    var pod = ""
    var workload = ""
    var workloadKind = ""
    var identity: Int64 = 0
    /// `k8s:` labels without per-pod ones (pod-template-hash, …) and without the namespace.
    var stableLabels: [String] = []
    /// `world`, `host`, `remote-node`, `kube-apiserver`, … for `reserved:` identities.
    var entity: String?

    /// Labels that differ between pods of one workload: a selector on them matches one pod.
    static let perPodLabels: Set<String> = [
        "pod-template-hash", "controller-revision-hash", "pod-template-generation",
        "statefulset.kubernetes.io/pod-name", "apps.kubernetes.io/pod-index",
        "controller-uid", "batch.kubernetes.io/controller-uid", "job-name", "batch.kubernetes.io/job-name",
    ]
    static let namespaceLabel = "io.kubernetes.pod.namespace"

    init() {}

    init(json: String) {
        guard let v = try? JSONValue.parse(json) else { return }
        func str(_ x: JSONValue?) -> String { if case .string(let s)? = x { return s }; return "" }
        namespace = str(v["namespace"])
        pod = str(v["pod_name"])
        if case .number(_, let raw)? = v["identity"] { identity = Int64(raw) ?? 0 }
        if case .array(let w)? = v["workloads"], let first = w.first {
            workload = str(first["name"])
            workloadKind = str(first["kind"])
        }
        if case .array(let labels)? = v["labels"] {
            for l in labels.map({ str($0) }) {
                if l.hasPrefix("reserved:") {
                    if entity == nil { entity = String(l.dropFirst("reserved:".count)) }
                    continue
                }
                guard l.hasPrefix("k8s:") else { continue }
                let kv = l.dropFirst(4)
                let key = kv.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
                // The namespace is implied by the policy's own; its labels only add noise.
                if key == Self.namespaceLabel || Self.perPodLabels.contains(key)
                    || key.hasPrefix("io.cilium.k8s.namespace.labels.") { continue }
                stableLabels.append(String(kv))
            }
            stableLabels.sort()
        }
        // A pod endpoint that also carries reserved labels (host-networked) is still a pod.
        if !namespace.isEmpty, !pod.isEmpty { entity = nil }
        // Per-pod endpoints collapse to their workload; the pod name stays only without one.
        if !workload.isEmpty { pod = "" }
    }

    /// Endpoints by their canonical JSON text ("" for none), each parsed once: for stores that
    /// hand over texts rather than dictionary ids (ClickHouse).
    struct Cache {
        private var byText: [String: EndpointInfo] = [:]

        mutating func callAsFunction(_ json: String) -> EndpointInfo {
            if let e = byText[json] { return e }
            let e = json.isEmpty ? EndpointInfo() : EndpointInfo(json: json)
            byText[json] = e
            return e
        }
    }

    /// `namespace/workload` (or pod), or the entity, for tables.
    var display: String {
        if let entity { return entity }
        let name = workload.isEmpty ? pod : workload
        return namespace.isEmpty ? name : "\(namespace)/\(name)"
    }
}
