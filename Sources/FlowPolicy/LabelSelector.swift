/// A label selector's requirement: `key operator values`, with the key's source
/// (`k8s`, `reserved`, … or `any`) (`v1.19:pkg/policy/types/requirements.go`; spec §2.2–2.3).
public struct Requirement: Hashable, Sendable {
    public enum Operator: String, Sendable { case `in` = "In", notIn = "NotIn", exists = "Exists", doesNotExist = "DoesNotExist" }

    public let source: String
    public let key: String
    public let op: Operator
    public let values: [String]

    public init(source: String, key: String, op: Operator, values: [String] = []) {
        self.source = source
        self.key = key
        self.op = op
        self.values = values
    }

    /// Kubernetes semantics: `NotIn` and `DoesNotExist` hold when the label is absent.
    public func matches(_ labels: EndpointLabels) -> Bool {
        let found = labels.first(key: key, source: source)
        switch op {
        case .in: return found.map { values.contains($0.value) } ?? false
        case .notIn: return found.map { !values.contains($0.value) } ?? true
        case .exists: return found != nil
        case .doesNotExist: return found == nil
        }
    }

    /// Whether the requirement names `key` with source `k8s` or `any` (how Cilium's
    /// `HasKey(podPrefixLbl) || HasKey(podAnyPrefixLbl)` tests for a key the user wrote).
    func names(_ k: String) -> Bool { key == k && (source == "k8s" || source == "any") }
}

/// The AND of requirements; empty matches everything.
public struct LabelSelector: Hashable, Sendable {
    public var requirements: [Requirement]

    public init(_ requirements: [Requirement] = []) { self.requirements = requirements }

    public func matches(_ labels: EndpointLabels) -> Bool { requirements.allSatisfy { $0.matches(labels) } }

    func names(_ key: String) -> Bool { requirements.contains { $0.names(key) } }

    func namesPrefix(_ prefix: String) -> Bool {
        requirements.contains { ($0.source == "k8s" || $0.source == "any") && $0.key.hasPrefix(prefix) }
    }

    var hasReservedKey: Bool { requirements.contains { $0.source == "reserved" } }

    /// A selector key's source and key as Cilium reads them in a CNP/CCNP: `SRC:KEY`, `$KEY`
    /// (reserved), `reserved.KEY` (reserved), else source `any` (`v1.19:pkg/labels/labels.go`
    /// GetExtendedKeyFrom, parseSource). In a KNP every key is `k8s:`.
    static func splitKey(_ text: String, knp: Bool) -> (source: String, key: String) {
        if knp { return ("k8s", text) }
        if text.hasPrefix("$") { return ("reserved", String(text.dropFirst())) }
        if let colon = text.firstIndex(of: ":") {
            return (String(text[..<colon]), String(text[text.index(after: colon)...]))
        }
        if text.hasPrefix("reserved.") { return ("reserved", String(text.dropFirst("reserved.".count))) }
        return ("any", text)
    }

    /// Parses a Kubernetes LabelSelector (`matchLabels`, `matchExpressions`) at YAML path `path`.
    /// `knp`: keys get source `k8s`; `keyPrefix` is put before every key (KNP namespaceSelector).
    static func parse(_ value: Any?, path: String, knp: Bool, keyPrefix: String = "") throws -> LabelSelector {
        guard let value, !YAMLValue.isNull(value) else { return LabelSelector() }
        guard let map = value as? [String: Any] else { throw PolicyError(path, "a label selector must be a mapping") }
        var reqs: [Requirement] = []
        if let labels = map["matchLabels"] {
            guard let labels = labels as? [String: Any] else { throw PolicyError(path + ".matchLabels", "must be a mapping") }
            for k in labels.keys.sorted() {
                let (src, key) = splitKey(keyPrefix + k, knp: knp)
                reqs.append(Requirement(source: src, key: key, op: .in, values: [YAMLValue.scalarText(labels[k])]))
            }
        }
        if let exprs = map["matchExpressions"] {
            guard let exprs = exprs as? [Any] else { throw PolicyError(path + ".matchExpressions", "must be a list") }
            for (i, e) in exprs.enumerated() {
                let p = "\(path).matchExpressions[\(i)]"
                guard let e = e as? [String: Any], let k = e["key"] as? String else { throw PolicyError(p, "needs a key") }
                let opText = YAMLValue.scalarText(e["operator"])
                guard let op = Requirement.Operator(rawValue: opText) else {
                    throw PolicyError(p + ".operator", "operator \"\(opText)\" is not In, NotIn, Exists or DoesNotExist")
                }
                let values = (e["values"] as? [Any])?.map { YAMLValue.scalarText($0) } ?? []
                if (op == .in || op == .notIn) && values.isEmpty { throw PolicyError(p + ".values", "\(op.rawValue) needs values") }
                let (src, key) = splitKey(keyPrefix + k, knp: knp)
                reqs.append(Requirement(source: src, key: key, op: op, values: values))
            }
        }
        return LabelSelector(reqs)
    }
}
