import FlowModel

/// Turns one policy object into entries (spec §3–5): CNP/CCNP here, KNP in
/// KubernetesPolicyParser.swift. Entries are numbered in decision order from `firstOrder`.
struct PolicyParser {
    let policy: String
    let kind: String
    /// The policy's namespace; nil for a CCNP.
    let namespace: String?
    var order: Int
    var entries: [PolicyEntry] = []
    var unsupported: [UnsupportedUse] = []
    var ports: PortParser
    /// Next rule index per section, counted across `spec` then `specs[…]` (spec §1.5).
    var nextIndex: [String: Int] = [:]

    static let namespaceKey = "io.kubernetes.pod.namespace"
    static let clusterKey = "io.cilium.k8s.policy.cluster"
    static let namespaceLabelsPrefix = "io.cilium.k8s.namespace.labels."
    static let sections = ["ingress", "ingressDeny", "egress", "egressDeny"]
    /// Entity names (`v1.19:pkg/policy/api/entity.go`).
    static let entities: Set<String> = ["all", "world", "world-ipv4", "world-ipv6", "host", "remote-node", "kube-apiserver",
                                        "health", "init", "ingress", "unmanaged", "cluster", "none"]

    init(policy: String, kind: String, namespace: String?, firstOrder: Int) {
        self.policy = policy
        self.kind = kind
        self.namespace = namespace
        order = firstOrder
        ports = PortParser(policy: policy)
    }

    mutating func note(_ field: String, _ reason: String) {
        unsupported.append(UnsupportedUse(policy: policy, field: field, reason: reason))
    }

    /// A CNP or CCNP: `spec` then `specs[…]` (`v1.19:pkg/k8s/apis/cilium.io/v2/cnp_types.go` Parse).
    mutating func cilium(_ object: [String: Any]) throws {
        var rules: [(path: String, rule: Any)] = []
        if let spec = object["spec"], !YAMLValue.isNull(spec) { rules.append(("spec", spec)) }
        for (i, r) in ((object["specs"] as? [Any]) ?? []).enumerated() { rules.append(("specs[\(i)]", r)) }
        guard !rules.isEmpty else { throw PolicyError("spec", "a policy needs spec or specs") }
        for (path, rule) in rules { try ciliumRule(rule, path: path) }
    }

    mutating func ciliumRule(_ value: Any, path: String) throws {
        guard let rule = value as? [String: Any] else { throw PolicyError(path, "must be a mapping") }
        let hasEndpoints = rule["endpointSelector"] != nil, hasNodes = rule["nodeSelector"] != nil
        guard hasEndpoints != hasNodes else {
            throw PolicyError(path, hasNodes ? "both endpointSelector and nodeSelector" : "needs endpointSelector or nodeSelector")
        }
        let sections = Self.sections.map { (name: $0, list: (rule[$0] as? [Any]) ?? []) }
        guard sections.contains(where: { !$0.list.isEmpty }) else {
            throw PolicyError(path, "a rule needs a non-empty ingress, ingressDeny, egress or egressDeny")
        }
        if hasNodes {
            guard namespace == nil else { throw PolicyError(path + ".nodeSelector", "nodeSelector is only allowed in a CiliumClusterwideNetworkPolicy") }
            note(path + ".nodeSelector", "host firewall policies select nodes, not pods; rule ignored")
            // Still refused where Cilium would refuse it; its entries are then dropped.
            var check = self
            for section in sections {
                let direction: PolicyDirection = section.name.hasPrefix("ingress") ? .ingress : .egress
                for (i, e) in section.list.enumerated() {
                    try check.ciliumEntry(e, path: "\(path).\(section.name)[\(i)]", subject: LabelSelector(), direction: direction,
                                          deny: section.name.hasSuffix("Deny"), ref: RuleRef(policy: policy, kind: kind, section: section.name, rule: -1),
                                          defaultDeny: true)
                }
            }
            for s in sections { nextIndex[s.name, default: 0] += s.list.count }
            return
        }
        var subject = try LabelSelector.parse(rule["endpointSelector"], path: path + ".endpointSelector", knp: false)
        if let namespace {
            // The policy's namespace bounds the subject; a matchLabels key spelt exactly
            // k8s:io.kubernetes.pod.namespace is overwritten (utils.go ParseToCiliumRule).
            let written = ((rule["endpointSelector"] as? [String: Any])?["matchLabels"] as? [String: Any])?["k8s:" + Self.namespaceKey] != nil
            if written {
                if let k = subject.requirements.firstIndex(where: { $0.source == "k8s" && $0.key == Self.namespaceKey && $0.op == .in }) {
                    subject.requirements.remove(at: k)
                }
            }
            subject.requirements.append(Requirement(source: "k8s", key: Self.namespaceKey, op: .in, values: [namespace]))
        }
        let defaults = rule["enableDefaultDeny"] as? [String: Any] ?? [:]
        func defaultDeny(_ direction: PolicyDirection) -> Bool {
            YAMLValue.scalarText(defaults[direction == .ingress ? "ingress" : "egress"]).lowercased() != "false"
        }
        for section in sections {
            let direction: PolicyDirection = section.name.hasPrefix("ingress") ? .ingress : .egress
            let deny = section.name.hasSuffix("Deny")
            for (i, e) in section.list.enumerated() {
                let index = nextIndex[section.name, default: 0]
                nextIndex[section.name] = index + 1
                try ciliumEntry(e, path: "\(path).\(section.name)[\(i)]", subject: subject, direction: direction, deny: deny,
                                ref: RuleRef(policy: policy, kind: kind, section: section.name, rule: index),
                                defaultDeny: defaultDeny(direction))
            }
        }
    }

    mutating func ciliumEntry(_ value: Any, path: String, subject: LabelSelector, direction: PolicyDirection, deny: Bool,
                              ref: RuleRef, defaultDeny: Bool) throws {
        guard let e = value as? [String: Any] else { throw PolicyError(path, "must be a mapping") }
        let from = direction == .ingress
        let peerFields = from
            ? ["fromEndpoints", "fromEntities", "fromCIDR", "fromCIDRSet", "fromNodes", "fromGroups"]
            : ["toEndpoints", "toEntities", "toCIDR", "toCIDRSet", "toFQDNs", "toServices", "toNodes", "toGroups"]
        for key in ["fromRequires", "toRequires"] where e[key] != nil {
            note("\(path).\(key)", "\(key) was removed in Cilium 1.19; ignored")
        }
        if !from, deny, e["toFQDNs"] != nil { throw PolicyError(path + ".toFQDNs", "toFQDNs is not allowed in egressDeny") }
        if e["toPorts"] != nil, e["icmps"] != nil { throw PolicyError(path, "icmps and toPorts in one rule") }
        let given = peerFields.filter { key in
            guard let v = e[key] else { return false }
            return !YAMLValue.isNull(v)
        }
        // Cilium counts peer kinds by non-empty lists; an empty list (other than toFQDNs, which
        // is not checked and counts as no peer field) still makes the entry select nothing.
        let present = given.filter { !(((e[$0] as? [Any])?.isEmpty) ?? false) }
        let emptyField = given.contains { $0 != "toFQDNs" && (((e[$0] as? [Any])?.isEmpty) ?? false) }
        guard present.count <= 1 else { throw PolicyError(path, "two different peer kinds in one rule: \(present.joined(separator: ", "))") }
        var peers: [Peer]? = emptyField ? [] : nil
        if let field = present.first {
            let list = (e[field] as? [Any]) ?? []
            let parsed = try list.enumerated().map { i, item in try peer(field, item, path: "\(path).\(field)[\(i)]") }
            if !emptyField { peers = parsed }
            if ["toServices", "toNodes", "fromNodes", "toGroups", "fromGroups"].contains(field) {
                note("\(path).\(field)", field.hasSuffix("Services") ? "service selectors are not in flows; this peer matches nothing"
                     : field.hasSuffix("Nodes") ? "node selectors need node-label identities; this peer matches nothing"
                     : "cloud security groups are not in flows; this peer matches nothing")
            }
        }
        var portRules: [PortRule] = []
        for (i, p) in ((e["toPorts"] as? [Any]) ?? []).enumerated() {
            portRules.append(try ports.portRule(p, path: "\(path).toPorts[\(i)]", direction: direction))
        }
        let icmps = try e["icmps"].map { try ports.icmps($0, path: path + ".icmps") } ?? []
        if let auth = e["authentication"] as? [String: Any], YAMLValue.scalarText(auth["mode"]).lowercased() != "disabled" {
            note(path + ".authentication", "mutual authentication is not simulated; evaluated as if it succeeds")
        }
        entries.append(PolicyEntry(ref: ref, order: order, direction: direction, deny: deny, subject: subject, peers: peers,
                                   portRules: portRules, icmps: icmps, defaultDeny: defaultDeny, hidden: false))
        order += 1
    }

    mutating func peer(_ field: String, _ item: Any, path: String) throws -> Peer {
        switch field {
        case "fromEndpoints", "toEndpoints":
            return endpointPeer(try LabelSelector.parse(item, path: path, knp: false))
        case "fromEntities", "toEntities":
            let name = YAMLValue.scalarText(item)
            guard Self.entities.contains(name) else { throw PolicyError(path, "unknown entity \"\(name)\"") }
            return .entity(name)
        case "fromCIDR", "toCIDR":
            let text = YAMLValue.scalarText(item)
            guard let c = CIDR(text) else { throw PolicyError(path, "not a CIDR: \"\(text)\"") }
            return .cidr(c, except: [])
        case "fromCIDRSet", "toCIDRSet":
            guard let m = item as? [String: Any] else { throw PolicyError(path, "must be a mapping") }
            for key in ["cidrGroupRef", "cidrGroupSelector"] where m[key] != nil {
                note("\(path).\(key)", "CiliumCIDRGroup objects are not given; this CIDR entry matches nothing")
                return .nothing
            }
            return try Self.cidrPeer(m, path: path)
        case "toFQDNs":
            return .fqdn(try ports.fqdn(item, path: path))
        default:
            return .nothing
        }
    }

    /// `cidr` with `except` entries, each inside it (`v1.19:pkg/policy/api/cidr.go`).
    static func cidrPeer(_ m: [String: Any], path: String) throws -> Peer {
        let text = YAMLValue.scalarText(m["cidr"])
        guard let c = CIDR(text) else { throw PolicyError(path + ".cidr", "not a CIDR: \"\(text)\"") }
        var except: [CIDR] = []
        for (i, x) in ((m["except"] as? [Any]) ?? []).enumerated() {
            let t = YAMLValue.scalarText(x)
            guard let e = CIDR(t) else { throw PolicyError("\(path).except[\(i)]", "not a CIDR: \"\(t)\"") }
            guard c.contains(e) else { throw PolicyError("\(path).except[\(i)]", "\(t) is not inside \(text)") }
            except.append(e)
        }
        return .cidr(c, except: except)
    }

    /// Cilium's implicit terms on a from/toEndpoints selector (spec §4.1;
    /// `v1.19:pkg/k8s/apis/cilium.io/utils/utils.go` getEndpointSelector, addClusterFilterByDefault).
    func endpointPeer(_ written: LabelSelector) -> Peer {
        if written.hasReservedKey { return .endpoints(written, localCluster: false) }
        var s = written
        if !s.names(Self.namespaceKey) {
            if let namespace {
                if !s.namesPrefix(Self.namespaceLabelsPrefix) {
                    s.requirements.append(Requirement(source: "k8s", key: Self.namespaceKey, op: .in, values: [namespace]))
                }
            } else {
                s.requirements.append(Requirement(source: "k8s", key: Self.namespaceKey, op: .exists))
            }
        }
        return .endpoints(s, localCluster: !s.names(Self.clusterKey))
    }
}
