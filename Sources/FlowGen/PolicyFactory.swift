/// The kind of policy object a rule came from, as Hubble names it in `Policy.kind`.
enum PolicyKind {
    case ciliumNetworkPolicy, ciliumClusterwideNetworkPolicy, networkPolicy

    var name: String {
        switch self {
        case .ciliumNetworkPolicy: return "CiliumNetworkPolicy"
        case .ciliumClusterwideNetworkPolicy: return "CiliumClusterwideNetworkPolicy"
        case .networkPolicy: return "NetworkPolicy"
        }
    }
}

/// Collects the cluster's policies, each prebuilt as the `[{…}]` array Hubble prints.
struct PolicyFactory {
    private(set) var policies: [PolicyInfo] = []
    private var byKey: [String: Int32] = [:]

    /// Adds a policy (or returns the existing one with that name and namespace).
    ///
    /// Labels are the ones Cilium derives for every rule — derived-from, name, namespace (not for
    /// clusterwide policies) and uid — in sorted order, as they appear in flows.
    mutating func add(_ name: String, namespace: String?, kind: PolicyKind, names: inout NameFactory) -> Int32 {
        let key = (namespace ?? "") + "/" + name
        if let existing = byKey[key] { return existing }
        var labels = [
            "k8s:io.cilium.k8s.policy.derived-from=\(kind.name)",
            "k8s:io.cilium.k8s.policy.name=\(name)",
        ]
        if let namespace { labels.append("k8s:io.cilium.k8s.policy.namespace=\(namespace)") }
        labels.append("k8s:io.cilium.k8s.policy.uid=\(names.uuid())")
        var json: [UInt8] = Array("[{\"name\":".utf8) + JSONBytes.quoted(name)
        if let namespace { json += Array(",\"namespace\":".utf8) + JSONBytes.quoted(namespace) }
        json += Array(",\"labels\":".utf8) + JSONBytes.stringArray(labels)
        // Policy.revision is a uint64, so protojson prints it as a string.
        json += Array(",\"revision\":\"\(names.rng.range(2, 240))\",\"kind\":".utf8) + JSONBytes.quoted(kind.name)
        json += Array("}]".utf8)
        let index = Int32(policies.count)
        policies.append(PolicyInfo(name: name, arrayJSON: json))
        byKey[key] = index
        return index
    }
}
