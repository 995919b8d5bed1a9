import FlowQuery

/// One label of a Cilium endpoint: `SOURCE:KEY=VALUE` or `SOURCE:KEY` (`k8s:app=web`,
/// `reserved:world`, `cidr:1.1.1.1/32`), split at the first `:` and then the first `=`
/// (cilium/cilium `pkg/labels/labels.go` parseLabel; spec §2.1).
public struct PolicyLabel: Hashable, Sendable {
    public let source: String
    public let key: String
    public let value: String

    public init(source: String, key: String, value: String = "") {
        self.source = source
        self.key = key
        self.value = value
    }

    /// Parses Hubble's label text; a label without `:` has source `unspec`, as in Cilium.
    public init(parsing text: String) {
        var rest = Substring(text)
        if let colon = rest.firstIndex(of: ":") {
            source = String(rest[..<colon])
            rest = rest[rest.index(after: colon)...]
        } else {
            source = "unspec"
        }
        if let eq = rest.firstIndex(of: "=") {
            key = String(rest[..<eq])
            value = String(rest[rest.index(after: eq)...])
        } else {
            key = String(rest)
            value = ""
        }
    }
}

/// The labels of a flow endpoint as policy sees them (spec §2.1).
public struct EndpointLabels: Hashable, Sendable {
    public let labels: [PolicyLabel]

    public init(_ labels: [PolicyLabel]) { self.labels = labels }

    /// Reserved identities (`v1.19:pkg/identity/numericidentity.go`), for endpoints that carry
    /// an identity number and no labels.
    public static let reservedIdentities: [Int64: String] = [
        1: "host", 2: "world", 3: "unmanaged", 4: "health", 5: "init", 6: "remote-node",
        7: "kube-apiserver", 8: "ingress", 9: "world-ipv4", 10: "world-ipv6",
    ]

    /// From Hubble's `labels` strings and `identity` number.
    public init(texts: [String], identity: Int64) {
        if texts.isEmpty, let name = Self.reservedIdentities[identity] {
            labels = [PolicyLabel(source: "reserved", key: name)]
        } else {
            labels = texts.map(PolicyLabel.init(parsing:))
        }
    }

    /// From a Hubble endpoint object (`{"identity":N,"labels":[…],…}`, a flow's `source` or
    /// `destination`, or the store's endpoint dictionary entry); no labels without one.
    public init(endpoint: JSONValue?) {
        var texts: [String] = []
        if case .array(let a)? = endpoint?["labels"] { texts = a.compactMap { if case .string(let s) = $0 { return s }; return nil } }
        var identity: Int64 = 0
        switch endpoint?["identity"] {
        case .number(_, let raw)?: identity = Int64(raw) ?? 0
        case .string(let s)?: identity = Int64(s) ?? 0
        default: break
        }
        self.init(texts: texts, identity: identity)
    }

    /// The first label with `key` and, unless `source` is `any`, that source (Cilium's
    /// `labels.Array.Get`: a `k8s:` requirement does not see a `container:` label).
    public func first(key: String, source: String) -> PolicyLabel? {
        labels.first { $0.key == key && (source == "any" || $0.source == source) }
    }

    public func hasReserved(_ name: String) -> Bool { labels.contains { $0.source == "reserved" && $0.key == name } }

    /// `k8s:io.kubernetes.pod.namespace`: what makes an endpoint a pod (spec §8 rule 7).
    public var namespace: String? { first(key: "io.kubernetes.pod.namespace", source: "k8s")?.value }

    /// The cluster a pod runs in, `default` without the label (spec §4.1 step 3).
    public var cluster: String { first(key: "io.cilium.k8s.policy.cluster", source: "k8s")?.value ?? "default" }

    /// Outside the cluster: `reserved:world`, `world-ipv4` or `world-ipv6` (spec §4.2).
    public var isWorld: Bool { hasReserved("world") || hasReserved("world-ipv4") || hasReserved("world-ipv6") }
}
