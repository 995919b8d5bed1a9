import FlowModel
import FlowQuery
import HubbleProtos

/// Hubble's FlowFilters as one query-language expression: the single path from `hubble
/// observe` flags, `--allowlist/--denylist` JSON and gRPC GetFlows requests into the checked
/// query the store runs.
///
/// The meaning of each FlowFilter field is Hubble's server-side filter
/// (`pkg/hubble/filters/*.go`, Cilium v1.19): within a FlowFilter every set field must match
/// (AND), within a field any value may (OR), an allowlist matches when any of its FlowFilters
/// does and a flow is kept when it matches the allowlist (or there is none) and no denylist
/// FlowFilter (`filters.Apply`). An empty FlowFilter matches every flow.
public enum FlowFilterExpression {
    /// The expression for `allowlist`/`denylist`, or nil when neither filters anything.
    /// - Throws: `FilterProblem` naming the FlowFilter field whose value Hubble would refuse.
    public static func expression(allowlist: [Flow_FlowFilter], denylist: [Flow_FlowFilter]) throws -> String? {
        var parts: [String] = []
        if !allowlist.isEmpty {
            parts.append(CELText.any(try allowlist.map(expression)))
        }
        if !denylist.isEmpty {
            let denied = CELText.any(try denylist.map(expression))
            parts.append("!(\(denied))")
        }
        if parts.isEmpty { return nil }
        return CELText.all(parts)
    }

    /// One FlowFilter: the AND of its fields' conditions ("true" when it has none).
    public static func expression(_ f: Flow_FlowFilter) throws -> String {
        var c: [String] = []
        func field(_ name: String, _ build: () throws -> String) throws {
            do { c.append(try build()) } catch let e as FilterProblem { throw FilterProblem(e.reason, field: name) }
        }
        if !f.uuid.isEmpty { try field("uuid") { "uuid in \(CELText.stringList(f.uuid))" } }
        if !f.sourceIp.isEmpty { try field("source_ip") { try ips(f.sourceIp, "IP.source") } }
        if !f.sourceIpXlated.isEmpty { try field("source_ip_xlated") { try ips(f.sourceIpXlated, "IP.source_xlated") } }
        if !f.sourcePod.isEmpty { try field("source_pod") { try names(f.sourcePod, "source.namespace", "source.pod_name") } }
        if !f.sourceFqdn.isEmpty { try field("source_fqdn") { try fqdns(f.sourceFqdn, "source_names") } }
        if !f.sourceLabel.isEmpty { try field("source_label") { try labels(f.sourceLabel, "source.labels") } }
        if !f.sourceService.isEmpty {
            try field("source_service") { try names(f.sourceService, "source_service.namespace", "source_service.name") }
        }
        if !f.sourceWorkload.isEmpty { c.append(workloads(f.sourceWorkload, "source.workloads")) }
        if !f.sourceClusterName.isEmpty { try field("source_cluster_name") { try clusters(f.sourceClusterName, "source.cluster_name") } }
        if !f.destinationIp.isEmpty { try field("destination_ip") { try ips(f.destinationIp, "IP.destination") } }
        if !f.destinationPod.isEmpty {
            try field("destination_pod") { try names(f.destinationPod, "destination.namespace", "destination.pod_name") }
        }
        if !f.destinationFqdn.isEmpty { try field("destination_fqdn") { try fqdns(f.destinationFqdn, "destination_names") } }
        if !f.destinationLabel.isEmpty { try field("destination_label") { try labels(f.destinationLabel, "destination.labels") } }
        if !f.destinationService.isEmpty {
            try field("destination_service") {
                try names(f.destinationService, "destination_service.namespace", "destination_service.name")
            }
        }
        if !f.destinationWorkload.isEmpty { c.append(workloads(f.destinationWorkload, "destination.workloads")) }
        if !f.destinationClusterName.isEmpty {
            try field("destination_cluster_name") { try clusters(f.destinationClusterName, "destination.cluster_name") }
        }
        if !f.trafficDirection.isEmpty {
            c.append(enumIn("traffic_direction", f.trafficDirection.map { Int64($0.rawValue) }, FlowEnums.trafficDirection))
        }
        if !f.verdict.isEmpty { c.append(enumIn("verdict", f.verdict.map { Int64($0.rawValue) }, FlowEnums.verdict)) }
        if !f.dropReasonDesc.isEmpty {
            c.append(enumIn("drop_reason_desc", f.dropReasonDesc.map { Int64($0.rawValue) }, FlowEnums.dropReason))
        }
        if !f.interface.isEmpty { c.append(interfaces(f.interface)) }
        if !f.eventType.isEmpty { c.append(eventTypes(f.eventType)) }
        let httpFields: [(String, Bool)] = [
            ("http_status_code", !f.httpStatusCode.isEmpty), ("http_method", !f.httpMethod.isEmpty),
            ("http_path", !f.httpPath.isEmpty), ("http_url", !f.httpURL.isEmpty), ("http_header", !f.httpHeader.isEmpty),
        ]
        // pkg/hubble/filters/http.go: HTTP fields only with no event type or with l7 (129).
        if let used = httpFields.first(where: \.1), !f.eventType.isEmpty, !f.eventType.contains(where: { $0.type == 129 }) {
            throw FilterProblem("filtering by \(used.0.replacingUnderscores) requires the event type filter to only match 'l7' events", field: used.0)
        }
        if !f.httpStatusCode.isEmpty { try field("http_status_code") { try statusCodes(f.httpStatusCode) } }
        if !f.`protocol`.isEmpty { try field("protocol") { try protocols(f.`protocol`) } }
        if !f.sourcePort.isEmpty { try field("source_port") { try ports(f.sourcePort, "source_port") } }
        if !f.destinationPort.isEmpty { try field("destination_port") { try ports(f.destinationPort, "destination_port") } }
        if !f.reply.isEmpty {
            // filters/reply.go: an unknown is_reply matches only on drops, and reads as false.
            c.append("(has(is_reply) || verdict == Verdict.DROPPED) && is_reply in [\(f.reply.map { "\($0)" }.joined(separator: ", "))]")
        }
        if !f.dnsQuery.isEmpty { try field("dns_query") { try regexes(f.dnsQuery, "l7.dns.query", presence: "has(l7.dns)") } }
        if !f.sourceIdentity.isEmpty { c.append(identities(f.sourceIdentity, "source")) }
        if !f.destinationIdentity.isEmpty { c.append(identities(f.destinationIdentity, "destination")) }
        if !f.httpMethod.isEmpty {
            let methods = f.httpMethod.map { String($0.unicodeScalars.map { $0.value >= 65 && $0.value <= 90 ? Character(Unicode.Scalar($0.value + 32)!) : Character($0) }) }
            c.append("l7.http.method != \"\" && l7.http.method.lowerAscii() in \(CELText.stringList(methods))")
        }
        if !f.httpPath.isEmpty { try field("http_path") { try regexes(f.httpPath, "url(l7.http.url).getEscapedPath()", presence: "isURL(l7.http.url)") } }
        if !f.httpURL.isEmpty { try field("http_url") { try regexes(f.httpURL, "l7.http.url", presence: "l7.http.url != \"\"") } }
        if !f.httpHeader.isEmpty {
            let pairs = f.httpHeader.map { "h.key == \(CELText.string($0.key)) && h.value == \(CELText.string($0.value))" }
            c.append("l7.http.headers.exists(h, \(CELText.any(pairs)))")
        }
        if !f.tcpFlags.isEmpty { c.append(tcpFlags(f.tcpFlags)) }
        if !f.nodeName.isEmpty { try field("node_name") { try nodeNames(f.nodeName) } }
        if !f.nodeLabels.isEmpty { try field("node_labels") { try labels(f.nodeLabels, "node_labels") } }
        if !f.ipVersion.isEmpty { c.append(enumIn("IP.ipVersion", f.ipVersion.map { Int64($0.rawValue) }, FlowEnums.ipVersion)) }
        if !f.traceID.isEmpty { c.append("trace_context.parent.trace_id in \(CELText.stringList(f.traceID))") }
        if !f.ipTraceID.isEmpty { c.append("ip_trace_id.trace_id in \(CELText.uintList(f.ipTraceID))") }
        if !f.encrypted.isEmpty { c.append("IP.encrypted in [\(f.encrypted.map { "\($0)" }.joined(separator: ", "))]") }
        if f.hasExperimental, !f.experimental.celExpression.isEmpty {
            c.append(CELText.any(f.experimental.celExpression.map { "(\($0))" }))
        }
        return CELText.all(c)
    }

    // MARK: fields

    /// filters/ip.go: exact addresses compare as text; prefixes contain the parsed address.
    static func ips(_ values: [String], _ path: String) throws -> String {
        var exact: [String] = [], prefixes: [String] = []
        for v in values {
            if v.contains("/") {
                guard AddressSyntax.isPrefix(v) else { throw FilterProblem("invalid IP prefix \"\(v)\"") }
                prefixes.append(v)
            } else {
                guard AddressSyntax.isAddress(v) else { throw FilterProblem("invalid IP address \"\(v)\"") }
                exact.append(v)
            }
        }
        var alternatives: [String] = []
        if !exact.isEmpty { alternatives.append("\(path) in \(CELText.stringList(exact))") }
        alternatives += prefixes.map { "cidr(\(CELText.string($0))).containsIP(\(path))" }
        return "\(path) != \"\" && " + (alternatives.count == 1 ? alternatives[0] : "(\(CELText.any(alternatives)))")
    }

    /// filters/k8s.go: `ns/prefix` (a bare name means namespace `default`, `ns/` any name in
    /// ns, `/` anything); an endpoint with neither namespace nor name never matches.
    static func names(_ values: [String], _ namespacePath: String, _ namePath: String) throws -> String {
        var alternatives: [String] = []
        for v in values {
            if v.isEmpty { throw FilterProblem("invalid filter, name must not be empty") }
            let (ns, prefix) = parseNamespaceName(v)
            var parts: [String] = []
            if !prefix.isEmpty { parts.append("\(namePath).startsWith(\(CELText.string(prefix)))") }
            if !ns.isEmpty { parts.append("\(namespacePath) == \(CELText.string(ns))") }
            alternatives.append(CELText.all(parts))
        }
        return "!(\(namespacePath) == \"\" && \(namePath) == \"\") && (\(CELText.any(alternatives)))"
    }

    /// Cilium's `k8s.ParseNamespaceName`: `ns/name`, or `default/name` for a bare name.
    public static func parseNamespaceName(_ s: String) -> (namespace: String, name: String) {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        if parts.count > 1 { return (String(parts[0]), String(parts[1])) }
        if s.isEmpty { return ("", "") }
        return ("default", s)
    }

    static func fqdns(_ values: [String], _ path: String) throws -> String {
        "\(path).exists(n, n.matches(\(CELText.string(try FQDNPattern.regex(values)))))"
    }

    static func labels(_ selectors: [String], _ path: String) throws -> String {
        CELText.any(try selectors.map { try LabelSelectorExpression.expression($0, list: path) })
    }

    /// filters/workload.go: an empty name or kind matches any.
    static func workloads(_ values: [Flow_Workload], _ path: String) -> String {
        let alternatives = values.map { w in
            CELText.all((w.name.isEmpty ? [] : ["w.name == \(CELText.string(w.name))"])
                + (w.kind.isEmpty ? [] : ["w.kind == \(CELText.string(w.kind))"]))
        }
        return "\(path).exists(w, \(CELText.any(alternatives)))"
    }

    static func clusters(_ values: [String], _ path: String) throws -> String {
        if values.contains("") { throw FilterProblem("invalid filter, name must not be empty") }
        return "\(path) in \(CELText.stringList(values))"
    }

    static func enumIn(_ path: String, _ numbers: [Int64], _ def: EnumDef) -> String {
        let names = numbers.map { def.name($0).map(CELText.string) ?? "\($0)" }
        return names.count == 1 ? "\(path) == \(names[0])" : "\(path) in [\(names.joined(separator: ", "))]"
    }

    /// filters/network_interface.go: index 0 and an empty name match any.
    static func interfaces(_ values: [Flow_NetworkInterface]) -> String {
        let alternatives = values.map { i in
            CELText.all((i.index > 0 ? ["interface.index == \(i.index)u"] : [])
                + (i.name.isEmpty ? [] : ["interface.name == \(CELText.string(i.name))"]))
        }
        return "has(interface) && (\(CELText.any(alternatives)))"
    }

    /// filters/event_type.go: type 0 matches any type; the sub-type only with match_sub_type.
    static func eventTypes(_ values: [Flow_EventTypeFilter]) -> String {
        let alternatives = values.map { t in
            CELText.all((t.type != 0 ? ["event_type.type == \(t.type)"] : [])
                + (t.matchSubType ? ["event_type.sub_type == \(t.subType)"] : []))
        }
        return "has(event_type) && (\(CELText.any(alternatives)))"
    }

    /// filters/http.go: `404` exactly, `4+` or `40+` as prefixes of the three-digit code.
    static func statusCodes(_ values: [String]) throws -> String {
        var alternatives: [String] = []
        for v in values {
            let digits = Array(v.utf8)
            let isDigit = { (b: UInt8) in b >= 0x30 && b <= 0x39 }
            if digits.count == 3, (0x31...0x35).contains(digits[0]), digits.allSatisfy(isDigit) {
                alternatives.append("l7.http.code == \(v)u")
            } else if digits.last == 0x2B, (2...3).contains(digits.count), (0x31...0x35).contains(digits[0]),
                      digits.dropLast().allSatisfy(isDigit) {
                let prefix = Int(v.dropLast())!
                let (low, high) = digits.count == 2 ? (prefix * 100, prefix * 100 + 99) : (prefix * 10, prefix * 10 + 9)
                alternatives.append("l7.http.code >= \(low)u && l7.http.code <= \(high)u")
            } else {
                throw FilterProblem("invalid status code prefix: \"\(v)\"")
            }
        }
        return "has(l7.http) && (\(CELText.any(alternatives)))"
    }

    static let l4Protocols: [String: [String]] = [
        "icmp": ["ICMPv4", "ICMPv6"], "icmpv4": ["ICMPv4"], "icmpv6": ["ICMPv6"], "tcp": ["TCP"], "udp": ["UDP"],
        "sctp": ["SCTP"], "vrrp": ["VRRP"], "igmp": ["IGMP"],
    ]

    /// filters/protocol.go: L4 and L7 protocol names, any case.
    static func protocols(_ values: [String]) throws -> String {
        var alternatives: [String] = []
        for v in values {
            let name = v.lowercased()
            if let members = l4Protocols[name] {
                alternatives += members.map { "has(l4.\($0))" }
            } else if ["dns", "http", "kafka"].contains(name) {
                alternatives.append("has(l7.\(name))")
            } else {
                throw FilterProblem("unknown protocol: \"\(v)\"")
            }
        }
        return CELText.any(alternatives)
    }

    /// filters/port.go: TCP, UDP and SCTP ports; decimal 0–65535.
    static func ports(_ values: [String], _ field: String) throws -> String {
        var numbers: [UInt16] = []
        for v in values {
            guard !v.isEmpty, v.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let n = UInt16(v) else {
                throw FilterProblem("invalid port \"\(v)\"")
            }
            numbers.append(n)
        }
        let list = CELText.uintList(numbers)
        return CELText.any(["TCP", "UDP", "SCTP"].map { "has(l4.\($0)) && l4.\($0).\(field) in \(list)" })
    }

    /// filters/fqdn.go and http.go: RE2 patterns (Go's regexp is RE2), unanchored.
    static func regexes(_ values: [String], _ path: String, presence: String) throws -> String {
        for v in values {
            if let problem = RE2Regex.problem(v) { throw FilterProblem("\(v): \(problem)") }
        }
        return "\(presence) && (\(CELText.any(values.map { "\(path).matches(\(CELText.string($0)))" })))"
    }

    /// filters/identity.go: an absent endpoint never matches (not even identity 0).
    static func identities(_ values: [UInt32], _ endpoint: String) -> String {
        let test = values.count == 1 ? "\(endpoint).identity == \(values[0])u" : "\(endpoint).identity in \(CELText.uintList(values))"
        return values.contains(0) ? "has(\(endpoint)) && \(test)" : test
    }

    /// filters/tcp.go: a FlowFilter's TCPFlags match when every flag set in it is set.
    static func tcpFlags(_ values: [Flow_TCPFlags]) -> String {
        let alternatives = values.map { f in
            let set: [(Bool, String)] = [(f.fin, "FIN"), (f.syn, "SYN"), (f.rst, "RST"), (f.psh, "PSH"), (f.ack, "ACK"),
                                         (f.urg, "URG"), (f.ece, "ECE"), (f.cwr, "CWR"), (f.ns, "NS")]
            return CELText.all(set.filter(\.0).map { "l4.TCP.flags.\($0.1)" })
        }
        return "has(l4.TCP.flags) && (\(CELText.any(alternatives)))"
    }

    /// filters/nodename.go: `cluster/node` patterns with `*`; a node name without a cluster
    /// belongs to Cilium's default cluster name, `default`.
    static func nodeNames(_ values: [String]) throws -> String {
        let regex = try FQDNPattern.nodeNameRegex(values)
        return "node_name != \"\" && (node_name.contains(\"/\") ? node_name : \"default/\" + node_name).matches(\(CELText.string(regex)))"
    }
}

extension String {
    var replacingUnderscores: String { String(map { $0 == "_" ? " " : $0 }) }
}
