/// Kubernetes NetworkPolicy (`networking.k8s.io/v1`) as Cilium translates it (spec §4.5;
/// `main:pkg/k8s/network_policy.go`).
extension PolicyParser {
    mutating func kubernetes(_ value: Any?) throws {
        guard let spec = value as? [String: Any] else { throw PolicyError("spec", "a NetworkPolicy needs a spec") }
        var subject = try LabelSelector.parse(spec["podSelector"], path: "spec.podSelector", knp: true)
        subject.requirements.append(Requirement(source: "k8s", key: Self.namespaceKey, op: .in, values: [namespace ?? "default"]))
        let types = ((spec["policyTypes"] as? [Any]) ?? []).map { YAMLValue.scalarText($0) }
        let ingress = (spec["ingress"] as? [Any]) ?? [], egress = (spec["egress"] as? [Any]) ?? []
        let enforced: [(section: String, list: [Any], on: Bool)] = [
            ("ingress", ingress, !ingress.isEmpty || types.contains("Ingress") || !types.contains("Egress")),
            ("egress", egress, !egress.isEmpty || types.contains("Egress")),
        ]
        for (section, list, on) in enforced where on {
            let direction: PolicyDirection = section == "ingress" ? .ingress : .egress
            if list.isEmpty {
                // Enforced with no rule: default deny and nothing allowed.
                entries.append(PolicyEntry(ref: RuleRef(policy: policy, kind: kind, section: section, rule: -1), order: order,
                                           direction: direction, deny: false, subject: subject, peers: [], portRules: [],
                                           icmps: [], defaultDeny: true, hidden: true))
                order += 1
            }
            for (i, r) in list.enumerated() {
                try kubernetesRule(r, path: "spec.\(section)[\(i)]", subject: subject, direction: direction,
                                   ref: RuleRef(policy: policy, kind: kind, section: section, rule: i))
            }
        }
    }

    mutating func kubernetesRule(_ value: Any, path: String, subject: LabelSelector, direction: PolicyDirection, ref: RuleRef) throws {
        let rule = value as? [String: Any] ?? [:]
        var portRules: [PortRule] = []
        if let list = rule["ports"] as? [Any], !list.isEmpty {
            for (i, p) in list.enumerated() {
                portRules.append(PortRule(alternatives: [try ports.alternative(p, path: "\(path).ports[\(i)]", defaultProtocol: "TCP", portRequired: false)],
                                          l7: nil))
            }
        }
        let field = direction == .ingress ? "from" : "to"
        let peersList = (rule[field] as? [Any]) ?? []
        // from/to missing or empty: every peer, world included.
        let peerGroups: [[Peer]] = peersList.isEmpty
            ? [[.entity("all")]]
            : try peersList.enumerated().map { i, p in [try kubernetesPeer(p, path: "\(path).\(field)[\(i)]")] }
        for peers in peerGroups {
            entries.append(PolicyEntry(ref: ref, order: order, direction: direction, deny: false, subject: subject, peers: peers,
                                       portRules: portRules, icmps: [], defaultDeny: true, hidden: false))
            order += 1
        }
    }

    func kubernetesPeer(_ value: Any, path: String) throws -> Peer {
        guard let m = value as? [String: Any] else { throw PolicyError(path, "must be a mapping") }
        if let block = m["ipBlock"] as? [String: Any] { return try Self.cidrPeer(block, path: path + ".ipBlock") }
        let pods = try LabelSelector.parse(m["podSelector"], path: path + ".podSelector", knp: true)
        var s = pods
        if let nsValue = m["namespaceSelector"], !YAMLValue.isNull(nsValue) {
            let ns = try LabelSelector.parse(nsValue, path: path + ".namespaceSelector", knp: true, keyPrefix: Self.namespaceLabelsPrefix)
            s.requirements += ns.requirements.isEmpty
                ? [Requirement(source: "k8s", key: Self.namespaceKey, op: .exists)] : ns.requirements
        } else {
            // A podSelector alone stays in the policy's namespace, even one naming another.
            s.requirements.append(Requirement(source: "k8s", key: Self.namespaceKey, op: .in, values: [namespace ?? "default"]))
        }
        return .endpoints(s, localCluster: !pods.names(Self.clusterKey))
    }
}
