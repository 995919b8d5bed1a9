import Foundation
import FlowModel
import FlowQuery

/// `toPorts`, `icmps` and their L7 rules, shared by CNP/CCNP and (ports only) KNP (spec §5–6).
struct PortParser {
    var unsupported: [UnsupportedUse] = []
    let policy: String

    /// Protocol names a port rule takes (`v1.19:pkg/policy/api/l4.go` L4Proto), case-insensitive.
    /// ICMP is matched only through `icmps` ("Matching on ICMP is not supported" in toPorts);
    /// VRRP and IGMP need extended IP protocols, off by default (spec: agent settings).
    static let protocols: [String: Set<Int64>] = [
        "TCP": [L4Protocol.tcp], "UDP": [L4Protocol.udp], "SCTP": [L4Protocol.sctp],
        "ANY": [L4Protocol.tcp, L4Protocol.udp, L4Protocol.sctp],
    ]

    mutating func note(_ field: String, _ reason: String) {
        unsupported.append(UnsupportedUse(policy: policy, field: field, reason: reason))
    }

    /// One `ports[]` alternative. `defaultProtocol` is ANY for Cilium, TCP for a KNP;
    /// `portRequired` is true for Cilium (a KNP without `port` means every port).
    mutating func alternative(_ value: Any, path: String, defaultProtocol: String, portRequired: Bool) throws -> PortAlternative {
        guard let map = value as? [String: Any] else { throw PolicyError(path, "must be a mapping") }
        let protoText = map["protocol"].map { YAMLValue.scalarText($0) } ?? defaultProtocol
        guard let protos = Self.protocols[protoText.uppercased()] else {
            throw PolicyError(path + ".protocol", "protocol \"\(protoText)\" is not one a port rule takes (TCP, UDP, SCTP, ANY; ICMP goes in icmps)")
        }
        guard let portValue = map["port"], !YAMLValue.isNull(portValue) else {
            if portRequired { throw PolicyError(path + ".port", "a port is required") }
            return PortAlternative(protocols: protos, ports: 0...65535, named: false)
        }
        let text = YAMLValue.scalarText(portValue)
        guard let port = Int64(text) else {
            note(path + ".port", "named port \"\(text)\": container port names are not in flows; this port matches nothing")
            return PortAlternative(protocols: protos, ports: 0...0, named: true)
        }
        guard port >= 0, port <= 65535 else { throw PolicyError(path + ".port", "port \(port) is outside 0-65535") }
        if port == 0 { return PortAlternative(protocols: protos, ports: 0...65535, named: false) }
        var end = port
        if let e = map["endPort"] {
            guard let n = Int64(YAMLValue.scalarText(e)), n >= 0, n <= 65535 else {
                throw PolicyError(path + ".endPort", "endPort must be a number in 0-65535")
            }
            if n > port { end = n }
        }
        return PortAlternative(protocols: protos, ports: port...end, named: false)
    }

    /// A CNP/CCNP `toPorts` element.
    mutating func portRule(_ value: Any, path: String, direction: PolicyDirection) throws -> PortRule {
        guard let map = value as? [String: Any] else { throw PolicyError(path, "must be a mapping") }
        var alternatives: [PortAlternative] = []
        for (i, p) in ((map["ports"] as? [Any]) ?? []).enumerated() {
            alternatives.append(try alternative(p, path: "\(path).ports[\(i)]", defaultProtocol: "ANY", portRequired: true))
        }
        if map["ports"] == nil || alternatives.isEmpty {
            // No ports listed: every port of every protocol the rule may carry.
            alternatives = [PortAlternative(protocols: Self.protocols["ANY"]!, ports: 0...65535, named: false)]
        }
        for key in ["serverNames", "terminatingTLS", "originatingTLS", "listener"] where map[key] != nil {
            note("\(path).\(key)", "TLS inspection and listeners are not simulated; only the L4 part applies")
        }
        var l7: L7Rules?
        if let rules = map["rules"] as? [String: Any] {
            let kinds = ["http", "dns", "kafka", "l7proto"].filter { rules[$0] != nil }
            guard kinds.count <= 1 else { throw PolicyError(path + ".rules", "several L7 kinds in one port rule: \(kinds.joined(separator: ", "))") }
            let listed = { (key: String) -> Bool in !((rules[key] as? [Any])?.isEmpty ?? true) }
            // An empty rule list is no L7 rule at all (Cilium's L7Rules.IsEmpty): every request passes.
            if rules["http"] != nil, !listed("http") {
                l7 = nil
            } else if rules["dns"] != nil, !listed("dns") {
                l7 = nil
            } else if rules["http"] != nil {
                if alternatives.contains(where: { $0.protocols != [L4Protocol.tcp] }) {
                    throw PolicyError(path + ".rules.http", "HTTP rules need protocol TCP on every port (omitted means ANY)")
                }
                var http: [HTTPRule] = []
                for (i, r) in ((rules["http"] as? [Any]) ?? []).enumerated() {
                    http.append(try httpRule(r, path: "\(path).rules.http[\(i)]"))
                }
                l7 = .http(http)
            } else if rules["dns"] != nil {
                guard direction == .egress else { throw PolicyError(path + ".rules.dns", "DNS rules are egress only") }
                var dns: [FQDNSelector] = []
                for (i, r) in ((rules["dns"] as? [Any]) ?? []).enumerated() {
                    dns.append(try fqdn(r, path: "\(path).rules.dns[\(i)]"))
                }
                l7 = .dns(dns)
            } else if let kind = kinds.first {
                note("\(path).rules.\(kind)", "\(kind) rules are not simulated; the L4 part applies and their L7 events are skipped")
            }
        }
        return PortRule(alternatives: alternatives, l7: l7)
    }

    mutating func httpRule(_ value: Any, path: String) throws -> HTTPRule {
        guard let map = value as? [String: Any] else { throw PolicyError(path, "must be a mapping") }
        var rule = HTTPRule()
        for key in ["method", "path", "host"] {
            guard let v = map[key], !YAMLValue.isNull(v) else { continue }
            let pattern = YAMLValue.scalarText(v)
            // The pattern alone must compile (Cilium checks it so), not only once anchored:
            // "/a)|(/b" would compile wrapped and mean something else.
            if let problem = RE2Regex.problem(pattern) ?? RE2Regex.problem(HTTPRule.anchored(pattern)) {
                throw PolicyError("\(path).\(key)", "bad regular expression: \(problem)")
            }
            switch key {
            case "method": rule.method = pattern
            case "path": rule.path = pattern
            default: rule.host = pattern
            }
        }
        for (i, h) in ((map["headers"] as? [Any]) ?? []).enumerated() {
            let text = YAMLValue.scalarText(h)
            guard !text.isEmpty else { throw PolicyError("\(path).headers[\(i)]", "a header must be \"Name\" or \"Name: value\"") }
            if let colon = text.firstIndex(of: ":") {
                let name = text[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
                let v = text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                rule.headers.append((name, v))
            } else {
                rule.headers.append((text.trimmingCharacters(in: .whitespaces).lowercased(), nil))
            }
        }
        for (i, h) in ((map["headerMatches"] as? [Any]) ?? []).enumerated() {
            let p = "\(path).headerMatches[\(i)]"
            guard let m = h as? [String: Any], let name = m["name"] as? String else { throw PolicyError(p, "needs a name") }
            if m["secret"] != nil {
                note(p + ".secret", "header values from Kubernetes secrets are not available; this HTTP rule matches nothing")
                rule.unusable = true
                continue
            }
            // A mismatch action (LOG, ADD, DELETE, REPLACE) acts on the request, never rejects it.
            if m["mismatch"] != nil { continue }
            rule.headers.append((name.lowercased(), m["value"].map { YAMLValue.scalarText($0) }))
        }
        return rule
    }

    /// A `matchName` / `matchPattern` mapping (toFQDNs, DNS rules).
    func fqdn(_ value: Any, path: String) throws -> FQDNSelector {
        guard let map = value as? [String: Any] else { throw PolicyError(path, "must be a mapping") }
        let name = map["matchName"].map { YAMLValue.scalarText($0) }
        let pattern = map["matchPattern"].map { YAMLValue.scalarText($0) }
        switch (name, pattern) {
        case (let n?, nil):
            guard !n.contains("*") else { throw PolicyError(path + ".matchName", "matchName may not contain '*' (use matchPattern)") }
            guard !n.isEmpty else { throw PolicyError(path + ".matchName", "empty name") }
            return FQDNSelector(name: n)
        case (nil, let p?):
            guard !p.isEmpty else { throw PolicyError(path + ".matchPattern", "empty pattern") }
            return FQDNSelector(pattern: p)
        case (.some, .some): throw PolicyError(path, "both matchName and matchPattern")
        case (nil, nil): throw PolicyError(path, "needs matchName or matchPattern")
        }
    }

    /// ICMP type names (`v1.19:pkg/policy/api/icmp.go`).
    static let icmpV4Types: [String: Int64] = [
        "EchoReply": 0, "DestinationUnreachable": 3, "Redirect": 5, "Echo": 8, "EchoRequest": 8,
        "RouterAdvertisement": 9, "RouterSelection": 10, "TimeExceeded": 11, "ParameterProblem": 12,
        "Timestamp": 13, "TimestampReply": 14, "Photuris": 40, "ExtendedEchoRequest": 42, "ExtendedEchoReply": 43,
    ]
    static let icmpV6Types: [String: Int64] = [
        "DestinationUnreachable": 1, "PacketTooBig": 2, "TimeExceeded": 3, "ParameterProblem": 4,
        "EchoRequest": 128, "EchoReply": 129, "MulticastListenerQuery": 130, "MulticastListenerReport": 131,
        "MulticastListenerDone": 132, "RouterSolicitation": 133, "RouterAdvertisement": 134,
        "NeighborSolicitation": 135, "NeighborAdvertisement": 136, "RedirectMessage": 137,
        "RouterRenumbering": 138, "ICMPNodeInformationQuery": 139, "ICMPNodeInformationResponse": 140,
        "InverseNeighborDiscoverySolicitation": 141, "InverseNeighborDiscoveryAdvertisement": 142,
        "HomeAgentAddressDiscoveryRequest": 144, "HomeAgentAddressDiscoveryReply": 145,
        "MobilePrefixSolicitation": 146, "MobilePrefixAdvertisement": 147, "DuplicateAddressRequestCodeSuffix": 157,
        "DuplicateAddressConfirmationCodeSuffix": 158, "ExtendedEchoRequest": 160, "ExtendedEchoReply": 161,
    ]

    /// An `icmps` list.
    func icmps(_ value: Any, path: String) throws -> [ICMPMatch] {
        var out: [ICMPMatch] = []
        for (i, rule) in ((value as? [Any]) ?? []).enumerated() {
            for (j, f) in (((rule as? [String: Any])?["fields"] as? [Any]) ?? []).enumerated() {
                let p = "\(path)[\(i)].fields[\(j)]"
                guard let m = f as? [String: Any] else { throw PolicyError(p, "must be a mapping") }
                let family = m["family"].map { YAMLValue.scalarText($0) } ?? "IPv4"
                let v6: Bool
                switch family.lowercased() {
                case "ipv4": v6 = false
                case "ipv6": v6 = true
                default: throw PolicyError(p + ".family", "family must be IPv4 or IPv6")
                }
                let t = YAMLValue.scalarText(m["type"])
                guard let type = Int64(t) ?? (v6 ? Self.icmpV6Types[t] : Self.icmpV4Types[t]), type >= 0, type <= 255 else {
                    throw PolicyError(p + ".type", "unknown ICMP type \"\(t)\"")
                }
                out.append(ICMPMatch(protocolNumber: v6 ? L4Protocol.icmpv6 : L4Protocol.icmpv4, type: type))
            }
        }
        return out
    }
}

extension HTTPRule {
    /// Envoy matches the whole string: the pattern anchored at both ends.
    static func anchored(_ pattern: String) -> String { "^(?:" + pattern + ")$" }
}
