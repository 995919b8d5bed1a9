import Foundation

/// A proposed set of CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy and Kubernetes
/// NetworkPolicy objects, flattened into entries in decision order (spec §1).
public struct PolicySet: Sendable {
    /// Every entry, in decision order (§1.6).
    public private(set) var entries: [PolicyEntry] = []
    /// Constructs not evaluated (spec §10), in input order.
    public private(set) var unsupported: [UnsupportedUse] = []
    /// Objects read (CNP, CCNP, KNP).
    public private(set) var policies = 0

    public init() {}

    /// Whether any entry matches on the ICMP type (`icmps`): only then does a flow's ICMP type
    /// change its outcome.
    public var hasICMPRules: Bool { entries.contains { !$0.icmps.isEmpty } }

    /// The rules of the set, in decision order, without KNP default-deny markers.
    public var rules: [RuleRef] {
        var seen = Set<RuleRef>(), out: [RuleRef] = []
        for e in entries where !e.hidden && seen.insert(e.ref).inserted { out.append(e.ref) }
        return out
    }

    /// Reads `sources` in order. Throws `PolicyError` naming the object and field for a
    /// policy Cilium would refuse (spec §1.1), or for YAML that does not parse.
    public static func load(_ sources: [PolicySource]) throws -> PolicySet {
        var set = PolicySet()
        for source in sources {
            let docs: [Any]
            do { docs = try YAMLValue.documents(source.text) } catch {
                var e = PolicyError("", "not YAML: \(error)")
                e.object = source.name
                throw e
            }
            for (d, doc) in docs.enumerated() {
                if YAMLValue.isNull(doc) { continue }
                guard let map = doc as? [String: Any] else {
                    var e = PolicyError("", "document \(d + 1) is not a mapping")
                    e.object = source.name
                    throw e
                }
                let kind = YAMLValue.scalarText(map["kind"])
                if kind.hasSuffix("List"), let items = map["items"] as? [Any] {
                    for (i, item) in items.enumerated() {
                        try set.add(item, at: "\(source.name): document \(d + 1), items[\(i)]")
                    }
                } else {
                    try set.add(doc, at: "\(source.name): document \(d + 1)")
                }
            }
        }
        return set
    }

    /// One object; `place` names it in errors when it has no name.
    mutating func add(_ object: Any, at place: String) throws {
        guard let map = object as? [String: Any] else {
            var e = PolicyError("", "not a mapping")
            e.object = place
            throw e
        }
        let kind = YAMLValue.scalarText(map["kind"])
        let meta = map["metadata"] as? [String: Any] ?? [:]
        let name = YAMLValue.scalarText(meta["name"])
        let nsText = YAMLValue.scalarText(meta["namespace"])
        let namespace = nsText.isEmpty ? "default" : nsText
        let apiVersion = YAMLValue.scalarText(map["apiVersion"])
        let id: String
        // The kind alone is not enough: Calico's projectcalico.org/v3 NetworkPolicy has the
        // same kind and another meaning.
        switch (kind, apiVersion) {
        case ("CiliumNetworkPolicy", "cilium.io/v2"), ("NetworkPolicy", "networking.k8s.io/v1"): id = "\(namespace)/\(name)"
        case ("CiliumClusterwideNetworkPolicy", "cilium.io/v2"): id = name
        default:
            let known = ["CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy", "NetworkPolicy"].contains(kind)
            unsupported.append(UnsupportedUse(
                policy: name.isEmpty ? place : name, field: known ? "apiVersion" : "kind",
                reason: known ? "\(kind) of apiVersion \"\(apiVersion)\" is not one the simulator evaluates (cilium.io/v2, networking.k8s.io/v1); ignored"
                    : "kind \"\(kind)\" is not a policy the simulator evaluates; ignored"))
            return
        }
        do {
            var parser = PolicyParser(policy: id, kind: kind, namespace: kind == "CiliumClusterwideNetworkPolicy" ? nil : namespace,
                                      firstOrder: entries.count)
            if kind == "NetworkPolicy" {
                try parser.kubernetes(map["spec"])
            } else {
                try parser.cilium(map)
            }
            entries += parser.entries
            unsupported += parser.ports.unsupported + parser.unsupported
            policies += 1
        } catch var e as PolicyError {
            e.object = "\(kind) \(id.isEmpty ? place : id)"
            throw e
        }
    }
}
