/// Builds endpoint objects: a workload's shared labels, each pod's own labels, name, addresses and interface.
enum PodFactory {
    /// Labels every pod of a workload carries; Cilium derives the shared security identity from them.
    static func workloadLabels(name: String, namespace ns: Catalog.Namespace, style: Int, serviceAccount: String,
                               teamLabel: Bool, names: inout NameFactory) -> [String] {
        var labels = [
            "k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name=\(ns.name)",
            "k8s:io.cilium.k8s.policy.cluster=default",
            "k8s:io.cilium.k8s.policy.serviceaccount=\(serviceAccount)",
            "k8s:io.kubernetes.pod.namespace=\(ns.name)",
        ]
        if teamLabel { labels.append("k8s:io.cilium.k8s.namespace.labels.team=\(ns.team)") }
        if ns.environment != "production" {
            labels.append("k8s:io.cilium.k8s.namespace.labels.environment=\(ns.environment)")
        }
        if name == "coredns" {
            // kube-dns is selected by this label everywhere (policies, Services), as in real clusters.
            labels.append("k8s:k8s-app=kube-dns")
        } else if style == 0 {
            // Helm charts label pods with the recommended app.kubernetes.io/* keys instead of `app`.
            labels.append("k8s:app.kubernetes.io/instance=\(ns.name == "kube-system" ? name : ns.name)")
            labels.append("k8s:app.kubernetes.io/name=\(name)")
        } else {
            labels.append("k8s:app=\(name)")
            if style == 1 { labels.append("k8s:version=v\(names.rng.range(1, 3))") }
        }
        return labels
    }

    /// One pod's name and the labels that vary per pod (template hash, StatefulSet ordinal).
    static func podIdentity(workload: String, kind: WorkloadKind, ordinal: Int, templateHash: String,
                            names: inout NameFactory) -> (podName: String, labels: [String]) {
        switch kind {
        case .deployment:
            let pod = "\(workload)-\(templateHash)-\(names.k8sSuffix(5))"
            return (pod, ["k8s:pod-template-hash=\(templateHash)"])
        case .statefulSet:
            let pod = "\(workload)-\(ordinal)"
            return (pod, ["k8s:statefulset.kubernetes.io/pod-name=\(pod)"])
        case .daemonSet:
            let pod = "\(workload)-\(names.k8sSuffix(5))"
            return (pod, ["k8s:controller-revision-hash=\(templateHash)", "k8s:pod-template-generation=\(ordinal % 3 + 1)"])
        }
    }

    /// Endpoint JSON in proto field order; `id` nil gives the remote form (no endpoint ID).
    static func endpointJSON(id: Int?, identity: Int, namespace: String, labels: [String], podName: String,
                             workload: String, kind: WorkloadKind) -> [UInt8] {
        var out: [UInt8] = Array("{".utf8)
        if let id { out += Array("\"ID\":\(id),".utf8) }
        out += Array("\"identity\":\(identity),\"cluster_name\":\"default\",\"namespace\":".utf8)
        out += JSONBytes.quoted(namespace)
        out += Array(",\"labels\":".utf8) + JSONBytes.stringArray(labels)
        out += Array(",\"pod_name\":".utf8) + JSONBytes.quoted(podName)
        out += Array(",\"workloads\":[{\"name\":".utf8) + JSONBytes.quoted(workload)
        out += Array(",\"kind\":".utf8) + JSONBytes.quoted(kind.name) + Array("}]}".utf8)
        return out
    }

    /// Builds the pod record; the node's allocator hands out its address and endpoint ID.
    static func pod(workload index: Int, workloadName: String, namespace: String, kind: WorkloadKind,
                    identity: Int, labels: [String], podName: String, node: Int,
                    allocation: inout NodeFactory.Allocation, names: inout NameFactory) -> PodInfo {
        var id = names.rng.range(1, 4095)
        while allocation.usedIDs.contains(id) { id = names.rng.range(1, 4095) }
        allocation.usedIDs.insert(id)
        // Addresses are handed out in order with small gaps, as churn leaves them in a real pod CIDR.
        allocation.nextHost += 1 + (names.rng.percent(30) ? names.rng.range(1, 3) : 0)
        let host = allocation.nextHost
        let mac = names.mac()
        let sorted = labels.sorted()
        return PodInfo(
            workload: Int32(index),
            node: Int32(node),
            localJSON: endpointJSON(id: id, identity: identity, namespace: namespace, labels: sorted,
                                    podName: podName, workload: workloadName, kind: kind),
            remoteJSON: endpointJSON(id: nil, identity: identity, namespace: namespace, labels: sorted,
                                     podName: podName, workload: workloadName, kind: kind),
            ipv4JSON: JSONBytes.quoted("10.52.\(node).\(host)"),
            ipv6JSON: JSONBytes.quoted(IPv6Text.format([0xfd00, 0x10, 0x52, UInt16(node), 0, 0, 0, UInt16(host)])),
            linkLocalJSON: JSONBytes.quoted(IPv6Text.linkLocal(mac: mac)),
            macJSON: JSONBytes.quoted(mac),
            lxcMACJSON: JSONBytes.quoted(names.mac()),
            interfaceJSON: Array("{\"index\":\(names.rng.range(15, 180)),\"name\":\"lxc\(names.hex(12))\"}".utf8))
    }
}
