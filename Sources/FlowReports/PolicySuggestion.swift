import FlowModel

/// Suggested CiliumNetworkPolicies: one per subject workload and namespace, allowing exactly
/// the connections the default-deny report found. YAML written by hand, deterministically
/// (strings double-quoted, keys sorted where order is free).
extension DefaultDenyReport {
    /// One YAML document, a `kind: List` of CiliumNetworkPolicies (what `kubectl get -o yaml`
    /// prints and `kubectl apply -f` takes): a single document reads with any YAML parser.
    public func policiesYAML() -> String {
        var list = "# Suggested by flowtrail from \(totalFlows) flows seen \(FlowTime.format(since)) to \(FlowTime.format(until)).\n"
        list += "# Each policy allows what its workload was seen doing that default-deny would block.\n"
        list += "apiVersion: v1\nkind: List\nitems:\n"
        let policies = policyTexts()
        if policies.isEmpty { return list.replacingOccurrences(of: "items:\n", with: "items: []\n") }
        for policy in policies {
            // Each policy becomes one list item: its lines indented under "- ".
            var first = true
            for line in policy.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
                if line.hasPrefix("#") { list += "  " + line + "\n"; continue }
                list += (first ? "- " : "  ") + line + "\n"
                first = false
            }
        }
        return list
    }

    /// Each suggested policy as a YAML document of its own.
    func policyTexts() -> [String] {
        var texts: [String] = []
        let bySubject = Dictionary(grouping: groups.filter { $0.subject.entity == nil && !$0.subject.namespace.isEmpty }) {
            SubjectKey(namespace: $0.subject.namespace, name: $0.subject.workload.isEmpty ? $0.subject.pod : $0.subject.workload,
                       labels: $0.subject.stableLabels)
        }
        // One workload seen with two label sets (during a rollout) gives two policies: their
        // names must differ, or `kubectl apply` keeps only the last.
        var taken: Set<String> = []
        for subject in bySubject.keys.sorted() {
            let gs = bySubject[subject]!
            let base = Self.dnsName("flowtrail-allow-" + subject.name)
            var name = base
            var k = 2
            while !taken.insert(subject.namespace + "/" + name).inserted {
                name = Self.dnsName(String(base.prefix(56)) + "-\(k)")
                k += 1
            }
            var out = ""
            out += "# \(subject.namespace)/\(subject.name): \(gs.reduce(0) { $0 + $1.flows }) flows\n"
            out += "apiVersion: \"cilium.io/v2\"\nkind: CiliumNetworkPolicy\nmetadata:\n"
            out += "  name: \(Self.yq(name))\n"
            out += "  namespace: \(Self.yq(subject.namespace))\n"
            out += "spec:\n  endpointSelector:\n    matchLabels:\n"
            out += Self.labels(subject.labels, namespace: nil, indent: 6)
            for (direction, section) in [(Int64(1), "ingress"), (Int64(2), "egress")] {
                let rules = gs.filter { $0.direction == direction }.sorted { ruleOrder($0) < ruleOrder($1) }
                guard !rules.isEmpty else { continue }
                out += "  \(section):\n"
                var needsDNS = false
                // Groups that differ only in what the rule does not say (a world peer's IP under
                // toFQDNs) become one rule.
                var bodies: [String] = []
                var merged: [String: (flows: Int64, first: Int64, last: Int64)] = [:]
                for g in rules {
                    let body = peerRule(g, ingress: direction == 1, needsDNS: &needsDNS) + ports(g)
                    if let m = merged[body] {
                        merged[body] = (m.flows + g.flows, min(m.first, g.firstSeen), max(m.last, g.lastSeen))
                    } else {
                        bodies.append(body)
                        merged[body] = (g.flows, g.firstSeen, g.lastSeen)
                    }
                }
                for body in bodies {
                    let m = merged[body]!
                    out += "  # \(m.flows) flows, \(FlowTime.format(m.first)) to \(FlowTime.format(m.last))\n" + body
                }
                // Any egress rule puts the pod's egress into default deny, so its DNS lookups
                // would be dropped too (a simulation of the suggestions showed it); toFQDNs also
                // needs the DNS proxy to see them.
                if direction == 2 {
                    out += needsDNS ? "  # toFQDNs needs the DNS proxy to see lookups: allow DNS to kube-dns.\n"
                        : "  # Egress rules put the pod into default deny for egress: keep DNS to kube-dns working.\n"
                    out += "  - toEndpoints:\n    - matchLabels:\n"
                    out += "        \(Self.yq("k8s:io.kubernetes.pod.namespace")): \"kube-system\"\n        \"k8s-app\": \"kube-dns\"\n"
                    out += "    toPorts:\n    - ports:\n      - port: \"53\"\n        protocol: \"ANY\"\n      rules:\n        dns:\n        - matchPattern: \"*\"\n"
                }
            }
            texts.append(out)
        }
        return texts
    }

    struct SubjectKey: Hashable, Comparable {
        let namespace: String
        let name: String
        let labels: [String]
        static func < (a: SubjectKey, b: SubjectKey) -> Bool {
            (a.namespace, a.name, a.labels.joined(separator: ",")) < (b.namespace, b.name, b.labels.joined(separator: ","))
        }
    }

    private func ruleOrder(_ g: DefaultDenyGroup) -> String {
        [g.peer.entity ?? "", g.peer.namespace, g.peer.workload, g.peer.pod, g.peerNames.joined(separator: ","), g.peerIP,
         String(g.protocolNumber), String(format6(g.port))].joined(separator: "|")
    }

    private func format6(_ n: Int64) -> String { let s = String(n); return String(repeating: "0", count: max(0, 6 - s.count)) + s }

    private func peerRule(_ g: DefaultDenyGroup, ingress: Bool, needsDNS: inout Bool) -> String {
        let from = ingress ? "from" : "to"
        if g.peer.entity == "world" || (g.peer.entity == nil && g.peer.namespace.isEmpty) {
            if !ingress, !g.peerNames.isEmpty {
                needsDNS = true
                return "  - toFQDNs:\n" + g.peerNames.map { "    - matchName: \(Self.yq($0))\n" }.joined()
            }
            if !g.peerIP.isEmpty {
                let cidr = g.peerIP.contains(":") ? "\(g.peerIP)/128" : "\(g.peerIP)/32"
                return "  - \(from)CIDR:\n    - \(Self.yq(cidr))\n"
            }
            return "  - \(from)Entities:\n    - \"world\"\n"
        }
        if let entity = g.peer.entity {
            return "  - \(from)Entities:\n    - \(Self.yq(entity))\n"
        }
        return "  - \(from)Endpoints:\n    - matchLabels:\n" + Self.labels(g.peer.stableLabels, namespace: g.peer.namespace, indent: 8)
    }

    private func ports(_ g: DefaultDenyGroup) -> String {
        let proto = Self.protocolName(g.protocolNumber)
        guard ["TCP", "UDP", "SCTP"].contains(proto), g.port > 0 else {
            return g.protocolNumber == 0 ? "" : "    # \(proto) carries no ports: the rule above allows the peer whatever the port.\n"
        }
        return "    toPorts:\n    - ports:\n      - port: \"\(g.port)\"\n        protocol: \"\(proto)\"\n"
    }

    static func labels(_ labels: [String], namespace: String?, indent: Int) -> String {
        let pad = String(repeating: " ", count: indent)
        var out = ""
        if let namespace { out += pad + yq("k8s:io.kubernetes.pod.namespace") + ": " + yq(namespace) + "\n" }
        for l in labels {
            let kv = l.split(separator: "=", maxSplits: 1).map(String.init)
            out += pad + yq(kv[0]) + ": " + yq(kv.count > 1 ? kv[1] : "") + "\n"
        }
        if labels.isEmpty && namespace == nil { out += pad + "{}\n" }
        return out
    }

    /// A YAML double-quoted scalar (JSON string syntax is valid YAML).
    static func yq(_ s: String) -> String { JSONText.quoted(s) }

    /// A DNS-1123 name for metadata.name.
    static func dnsName(_ s: String) -> String {
        var out = String(s.lowercased().map { ($0.isLetter && $0.isASCII) || $0.isNumber || $0 == "-" ? $0 : "-" }.prefix(63))
        while out.hasSuffix("-") { out.removeLast() }
        return out.isEmpty ? "flowtrail-allow" : out
    }
}
