import FlowModel
import HubbleProtos
import SwiftProtobuf

/// `hubble observe`'s filter flags turned into FlowFilters exactly as the Hubble CLI does
/// (`hubble/cmd/observe/flows_filter.go`, Cilium v1.19), so `flowtrail query --pod x` asks the
/// same question as `hubble observe --pod x` and sends the same FlowFilters Hubble would:
/// - flags build up to two FlowFilters, `left` (source side) and `right` (destination side);
///   `--pod`, `--ip`, `--label`, `--port`… add to the source of the left one and the
///   destination of the right one, so either side matches; `--from-*`/`--to-*` and side-less
///   flags (`--verdict`) add to both. The two are ORed; equal ones collapse to one.
/// - the same flag repeated ORs its values (they join one list), different flags AND.
/// - `--not` makes the next flag build the denylist instead.
/// - `--namespace` is applied last, as a `ns/` prefix of pod and service names.
public struct HubbleFilterFlags {
    /// Flags that take a value, by long name.
    public static let valueFlags: Set<String> = [
        "uuid", "node-name", "node-label", "from-cluster", "cluster", "to-cluster", "protocol", "tcp-flags", "type",
        "verdict", "drop-reason-desc", "http-status", "http-method", "http-path", "http-url", "http-header",
        "trace-id", "ip-trace-id", "from-fqdn", "fqdn", "to-fqdn", "from-ip", "snat-ip", "ip", "to-ip",
        "ip-version", "from-pod", "pod", "to-pod", "from-namespace", "namespace", "to-namespace", "from-label",
        "label", "to-label", "from-service", "service", "to-service", "from-port", "port", "to-port",
        "from-workload", "workload", "to-workload", "from-identity", "identity", "to-identity",
        "traffic-direction", "cel-expression", "interface",
    ]
    /// Flags without a value, with the value Hubble gives them (`NoOptDefVal`).
    public static let switchFlags: [String: String] = [
        "not": "true", "ipv4": "v4", "ipv6": "v6", "all-namespaces": "true", "from-all-namespaces": "true",
        "to-all-namespaces": "true", "encrypted": "true", "unencrypted": "true",
    ]
    /// One-letter forms.
    public static let shortFlags: [Character: String] = ["n": "namespace", "A": "all-namespaces", "l": "label", "t": "type", "4": "ipv4", "6": "ipv6"]

    /// Flags that cannot be combined (`newFlowFilter`'s conflict groups).
    static let conflicts: [[String]] = [
        ["from-fqdn", "from-ip", "ip", "fqdn", "from-namespace", "namespace", "from-all-namespaces", "all-namespaces"],
        ["from-fqdn", "from-ip", "ip", "fqdn", "from-pod", "pod"],
        ["to-fqdn", "to-ip", "ip", "fqdn", "to-namespace", "namespace", "to-all-namespaces", "all-namespaces"],
        ["to-fqdn", "to-ip", "ip", "fqdn", "to-pod", "pod"],
        ["to-pod", "namespace", "all-namespaces"], ["from-pod", "namespace", "all-namespaces"],
        ["to-service", "namespace", "all-namespaces"], ["from-service", "namespace", "all-namespaces"],
        ["label", "from-label"], ["label", "to-label"], ["service", "from-service"], ["service", "to-service"],
        ["port", "to-port"], ["port", "from-port"], ["identity", "to-identity"], ["identity", "from-identity"],
        ["workload", "to-workload"], ["workload", "from-workload"], ["encrypted", "unencrypted"],
    ]

    /// One side of the request (allowlist or denylist) as flags build it.
    struct Tracker {
        var left: Flow_FlowFilter?
        var right: Flow_FlowFilter?
        var namespaces: [String] = [], sourceNamespaces: [String] = [], destinationNamespaces: [String] = []
        var changed: [String] = []

        mutating func apply(_ update: (inout Flow_FlowFilter) -> Void) { applyLeft(update); applyRight(update) }
        mutating func applyLeft(_ update: (inout Flow_FlowFilter) -> Void) {
            var f = left ?? Flow_FlowFilter()
            update(&f)
            left = f
        }
        mutating func applyRight(_ update: (inout Flow_FlowFilter) -> Void) {
            var f = right ?? Flow_FlowFilter()
            update(&f)
            right = f
        }

        func flowFilters() -> [Flow_FlowFilter] {
            if left == nil, right == nil, namespaces.isEmpty, sourceNamespaces.isEmpty, destinationNamespaces.isEmpty { return [] }
            var l = left ?? Flow_FlowFilter(), r = right ?? Flow_FlowFilter()
            if !destinationNamespaces.isEmpty {
                Self.applyDestination(destinationNamespaces, &l)
                Self.applyDestination(destinationNamespaces, &r)
            }
            if !sourceNamespaces.isEmpty {
                Self.applySource(sourceNamespaces, &l)
                Self.applySource(sourceNamespaces, &r)
            }
            if !namespaces.isEmpty {
                Self.applySource(namespaces, &l)
                Self.applyDestination(namespaces, &r)
            }
            return l == r ? [l] : [l, r]
        }

        static func applySource(_ ns: [String], _ f: inout Flow_FlowFilter) {
            if f.sourcePod.isEmpty, f.sourceService.isEmpty { f.sourcePod = [""] }
            f.sourcePod = addNamespaces(f.sourcePod, ns)
            f.sourceService = addNamespaces(f.sourceService, ns)
        }

        static func applyDestination(_ ns: [String], _ f: inout Flow_FlowFilter) {
            if f.destinationPod.isEmpty, f.destinationService.isEmpty { f.destinationPod = [""] }
            f.destinationPod = addNamespaces(f.destinationPod, ns)
            f.destinationService = addNamespaces(f.destinationService, ns)
        }

        static func addNamespaces(_ names: [String], _ ns: [String]) -> [String] {
            if ns.isEmpty || names.isEmpty { return names }
            var out: [String] = []
            for name in names {
                if name.contains("/") { out.append(name); continue }
                for n in ns { out.append("\(n)/\(name)") }
            }
            return out
        }

        /// `namespaceModifier.conflicts` and `checkInconsistentNamespaces`.
        func checkNamespaceConflicts(_ f: Flow_FlowFilter?) throws {
            guard let f else { return }
            func conflicts(_ ns: [String], _ names: [String]) throws {
                for n in ns {
                    for name in names {
                        let nn = namespace(of: name)
                        if !nn.isEmpty, nn != n { throw FilterProblem("namespace conflict: \"\(n)\" does not contain \"\(name)\"") }
                    }
                }
            }
            try conflicts(namespaces, f.sourcePod + f.sourceService + f.destinationPod + f.destinationService)
            try conflicts(sourceNamespaces, f.sourcePod + f.sourceService)
            try conflicts(destinationNamespaces, f.destinationPod + f.destinationService)
            for (pods, services) in [(f.sourcePod, f.sourceService), (f.destinationPod, f.destinationService)] {
                for pod in pods where !namespace(of: pod).isEmpty {
                    for svc in services where namespace(of: svc) != namespace(of: pod) {
                        throw FilterProblem("namespace of service \"\(svc)\" conflict with pod \"\(namespace(of: pod))\"")
                    }
                }
            }
        }

        func namespace(of name: String) -> String {
            let parts = name.split(separator: "/", omittingEmptySubsequences: false)
            return parts.count > 1 ? String(parts[0]) : ""
        }
    }

    var allow = Tracker()
    var deny = Tracker()
    var negateNext = false
    var used = false

    public init() {}

    /// The allowlist and denylist the flags built (empty lists when no flag was given).
    public var allowlist: [Flow_FlowFilter] { allow.flowFilters() }
    public var denylist: [Flow_FlowFilter] { deny.flowFilters() }

    /// Builds the FlowFilters of `flags`, in the order given.
    /// - Throws: `FilterProblem` with `field` set to the flag (`--verdict`) and Hubble's reason.
    public static func build(_ flags: [(name: String, value: String)]) throws -> HubbleFilterFlags {
        var f = HubbleFilterFlags()
        for flag in flags {
            do { try f.set(flag.name, flag.value) } catch let e as FilterProblem { throw FilterProblem(e.reason, field: "--\(flag.name)") }
        }
        if f.negateNext { throw FilterProblem("--not must be followed by a filter flag", field: "--not") }
        // Values Hubble's server would refuse (ports, CIDRs, patterns) are refused here, naming
        // the flag: each flag's values are checked alone.
        for flag in flags where flag.name != "not" {
            var alone = HubbleFilterFlags()
            try? alone.set(flag.name, flag.value)
            do {
                for filter in alone.allowlist { _ = try FlowFilterExpression.expression(filter) }
            } catch let e as FilterProblem {
                throw FilterProblem(e.reason, field: "--\(flag.name)")
            }
        }
        return f
    }

    /// Finds the filter flags in a command line (`--pod x`, `--pod=x`, `-n x`, `-nx`, `-A`,
    /// `--not`), in order, stopping at `--`. Other arguments are left to the argument parser.
    public static func scan(_ arguments: [String]) -> [(name: String, value: String)] {
        var out: [(String, String)] = []
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            i += 1
            if a == "--" { break }
            var name: String, inline: String?
            if a.hasPrefix("--") {
                let body = a.dropFirst(2)
                if let eq = body.firstIndex(of: "=") { name = String(body[..<eq]); inline = String(body[body.index(after: eq)...]) }
                else { name = String(body) }
            } else if a.hasPrefix("-"), a.count >= 2, let long = shortFlags[a[a.index(after: a.startIndex)]] {
                name = long
                let rest = a.dropFirst(2)
                if !rest.isEmpty { inline = String(rest.hasPrefix("=") ? rest.dropFirst() : rest) }
            } else {
                continue
            }
            if let implied = switchFlags[name] {
                out.append((name, inline ?? implied))
            } else if valueFlags.contains(name) {
                if let inline { out.append((name, inline)) }
                else if i < arguments.count { out.append((name, arguments[i])); i += 1 }
            }
        }
        return out
    }

    /// `flowFilter.Set`.
    mutating func set(_ name: String, _ value: String) throws {
        if name == "not" {
            if negateNext { throw FilterProblem("consecutive --not statements") }
            negateNext = true
            return
        }
        if negateNext {
            negateNext = false
            try Self.set(&deny, name, value)
        } else {
            try Self.set(&allow, name, value)
        }
    }

    static func set(_ t: inout Tracker, _ name: String, _ value: String) throws {
        if !t.changed.contains(name) { t.changed.append(name) }
        for group in conflicts where group.contains(name) {
            if let other = group.first(where: { $0 != name && t.changed.contains($0) }) {
                throw FilterProblem("filters --\(name) and --\(other) cannot be combined")
            }
        }
        let v = value
        switch name {
        case "uuid": t.apply { $0.uuid.append(v) }
        case "fqdn": t.applyLeft { $0.sourceFqdn.append(v) }; t.applyRight { $0.destinationFqdn.append(v) }
        case "from-fqdn": t.apply { $0.sourceFqdn.append(v) }
        case "to-fqdn": t.apply { $0.destinationFqdn.append(v) }
        case "pod": t.applyLeft { $0.sourcePod.append(v) }; t.applyRight { $0.destinationPod.append(v) }
        case "from-pod": t.apply { $0.sourcePod.append(v) }
        case "to-pod": t.apply { $0.destinationPod.append(v) }
        case "from-ip": t.apply { $0.sourceIp.append(v) }
        case "snat-ip": t.apply { $0.sourceIpXlated.append(v) }
        case "ip": t.applyLeft { $0.sourceIp.append(v) }; t.applyRight { $0.destinationIp.append(v) }
        case "to-ip": t.apply { $0.destinationIp.append(v) }
        case "ipv4": t.apply { $0.ipVersion.append(.ipv4) }
        case "ipv6": t.apply { $0.ipVersion.append(.ipv6) }
        case "ip-version":
            let version: Flow_IPVersion = switch v.lowercased() {
            case "4", "v4", "ipv4", "ip4": .ipv4
            case "6", "v6", "ipv6", "ip6": .ipv6
            default: .ipNotUsed
            }
            t.apply { $0.ipVersion.append(version) }
        case "label": t.applyLeft { $0.sourceLabel.append(v) }; t.applyRight { $0.destinationLabel.append(v) }
        case "from-label": t.apply { $0.sourceLabel.append(v) }
        case "to-label": t.apply { $0.destinationLabel.append(v) }
        case "namespace": t.namespaces.append(v)
        case "from-namespace": t.sourceNamespaces.append(v)
        case "to-namespace": t.destinationNamespaces.append(v)
        case "all-namespaces": t.namespaces.append("")
        case "from-all-namespaces": t.sourceNamespaces.append("")
        case "to-all-namespaces": t.destinationNamespaces.append("")
        case "service": t.applyLeft { $0.sourceService.append(v) }; t.applyRight { $0.destinationService.append(v) }
        case "from-service": t.apply { $0.sourceService.append(v) }
        case "to-service": t.apply { $0.destinationService.append(v) }
        case "port": t.applyLeft { $0.sourcePort.append(v) }; t.applyRight { $0.destinationPort.append(v) }
        case "from-port": t.apply { $0.sourcePort.append(v) }
        case "to-port": t.apply { $0.destinationPort.append(v) }
        case "trace-id": t.apply { $0.traceID.append(v) }
        case "ip-trace-id":
            guard let id = UInt64(v), id > 0 else { throw FilterProblem("invalid --ip-trace-id value \"\(v)\"; must be a number greater than 0") }
            t.apply { $0.ipTraceID.append(id) }
        case "verdict":
            guard let n = FlowEnums.verdict.number(v) else {
                throw FilterProblem("invalid --verdict value: \(v) (one of \(FlowEnums.verdict.values.map(\.name).joined(separator: ", ")))")
            }
            t.apply { $0.verdict.append(Flow_Verdict(rawValue: Int(n)) ?? .unknown) }
        case "drop-reason-desc":
            if v.isEmpty { throw FilterProblem("empty --drop-reason-desc value") }
            guard let n = FlowEnums.dropReason.number(v) else { throw FilterProblem("invalid --drop-reason-desc value: \(v)") }
            t.apply { $0.dropReasonDesc.append(Flow_DropReason(rawValue: Int(n)) ?? .unknown) }
        case "http-status": t.apply { $0.httpStatusCode.append(v) }
        case "http-method": t.apply { $0.httpMethod.append(v) }
        case "http-path": t.apply { $0.httpPath.append(v) }
        case "http-url": t.apply { $0.httpURL.append(v) }
        case "http-header":
            guard let colon = v.firstIndex(of: ":") else { throw FilterProblem("invalid http-header value \"\(v)\", expected name:value") }
            var header = Flow_HTTPHeader()
            header.key = String(v[..<colon])
            header.value = String(v[v.index(after: colon)...])
            t.apply { $0.httpHeader.append(header) }
        case "type":
            let filter = try eventType(v)
            t.apply { $0.eventType.append(filter) }
        case "protocol": t.apply { $0.`protocol`.append(v) }
        case "workload": let w = workload(v); t.applyLeft { $0.sourceWorkload.append(w) }; t.applyRight { $0.destinationWorkload.append(w) }
        case "from-workload": let w = workload(v); t.apply { $0.sourceWorkload.append(w) }
        case "to-workload": let w = workload(v); t.apply { $0.destinationWorkload.append(w) }
        case "identity": let id = try identity(v); t.applyLeft { $0.sourceIdentity.append(id) }; t.applyRight { $0.destinationIdentity.append(id) }
        case "from-identity": let id = try identity(v); t.apply { $0.sourceIdentity.append(id) }
        case "to-identity": let id = try identity(v); t.apply { $0.destinationIdentity.append(id) }
        case "node-name": t.apply { $0.nodeName.append(v) }
        case "node-label": t.apply { $0.nodeLabels.append(v) }
        case "cluster": t.applyLeft { $0.sourceClusterName.append(v) }; t.applyRight { $0.destinationClusterName.append(v) }
        case "from-cluster": t.apply { $0.sourceClusterName.append(v) }
        case "to-cluster": t.apply { $0.destinationClusterName.append(v) }
        case "tcp-flags": let flags = try tcpFlags(v); t.apply { $0.tcpFlags.append(flags) }
        case "traffic-direction":
            let direction: Flow_TrafficDirection
            switch v.lowercased() {
            case "ingress": direction = .ingress
            case "egress": direction = .egress
            default: throw FilterProblem("\(v.lowercased()): invalid traffic direction, expected ingress or egress")
            }
            t.apply { $0.trafficDirection.append(direction) }
        case "cel-expression": t.apply { $0.experimental.celExpression.append(v) }
        case "interface": var i = Flow_NetworkInterface(); i.name = v; t.apply { $0.interface.append(i) }
        case "encrypted": t.apply { $0.encrypted.append(true) }
        case "unencrypted": t.apply { $0.encrypted.append(false) }
        default: throw FilterProblem("unknown filter flag --\(name)")
        }
        try t.checkNamespaceConflicts(t.left)
        try t.checkNamespaceConflicts(t.right)
    }

    /// `--type NAME[:SUBTYPE]` or numbers.
    static func eventType(_ v: String) throws -> Flow_EventTypeFilter {
        var f = Flow_EventTypeFilter()
        let parts = v.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        if let n = HubbleNames.number(HubbleNames.messageTypes, parts[0]) {
            f.type = n
        } else if let n = UInt32(parts[0]) {
            f.type = Int32(bitPattern: n)
        } else {
            let names = HubbleNames.messageTypes.map(\.name).joined(separator: ", ")
            throw FilterProblem("unable to parse type '\(parts[0])', not a known type name (\(names)) and unable to parse as numeric value")
        }
        if parts.count > 1 {
            let table = f.type == 4 ? HubbleNames.traceSubTypes : f.type == 130 ? HubbleNames.agentSubTypes : []
            if let n = HubbleNames.number(table, parts[1]) {
                f.subType = n
            } else if let n = UInt32(parts[1]) {
                f.subType = Int32(bitPattern: n)
            } else {
                throw FilterProblem("unable to parse event sub-type '\(parts[1])', not a known sub-type name and unable to parse as numeric value")
            }
            f.matchSubType = true
        }
        return f
    }

    /// `Kind/name`, `name` or `Kind/`.
    static func workload(_ v: String) -> Flow_Workload {
        var w = Flow_Workload()
        if v.isEmpty { return w }
        let parts = v.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        if parts.count == 1 { w.name = String(parts[0]) } else { w.kind = String(parts[0]); w.name = String(parts[1]) }
        return w
    }

    /// A reserved identity name or a number (Cilium identities are 24-bit local or cluster ids;
    /// `ParseNumericIdentity` takes any uint32).
    static func identity(_ v: String) throws -> UInt32 {
        if let n = HubbleNames.number(HubbleNames.reservedIdentities, v) { return n }
        if let n = UInt32(v) { return n }
        throw FilterProblem("invalid security identity, expected one of \(HubbleNames.reservedIdentities.map(\.name)) or a numeric value")
    }

    static func tcpFlags(_ v: String) throws -> Flow_TCPFlags {
        var f = Flow_TCPFlags()
        for name in v.split(separator: ",", omittingEmptySubsequences: false) {
            switch name.uppercased() {
            case "SYN": f.syn = true
            case "FIN": f.fin = true
            case "RST": f.rst = true
            case "PSH": f.psh = true
            case "ACK": f.ack = true
            case "URG": f.urg = true
            case "ECE": f.ece = true
            case "CWR": f.cwr = true
            case "NS": f.ns = true
            default: throw FilterProblem("unknown tcp flag: \(name)")
            }
        }
        return f
    }

    /// `--allowlist`/`--denylist`: one or more FlowFilter JSON objects (proto field names,
    /// enums as names or numbers), as Hubble's `parseRawFilters` reads them.
    public static func rawFilters(_ text: String, flag: String) throws -> [Flow_FlowFilter] {
        var options = JSONDecodingOptions()
        options.ignoreUnknownFields = false
        var out: [Flow_FlowFilter] = []
        for object in JSONObjects.split(text) {
            do {
                out.append(try Flow_FlowFilter(jsonString: object, options: options))
            } catch {
                throw FilterProblem("failed to decode '\(object)': \(error)", field: flag)
            }
        }
        if out.isEmpty { throw FilterProblem("no FlowFilter JSON object in '\(text)'", field: flag) }
        return out
    }
}

/// Splits concatenated JSON objects (`{…} {…}`) at their top-level braces.
enum JSONObjects {
    static func split(_ text: String) -> [String] {
        var out: [String] = [], depth = 0, inString = false, escaped = false
        var start: String.Index?
        for i in text.indices {
            let c = text[i]
            if inString {
                if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { inString = false }
                continue
            }
            switch c {
            case "\"": inString = true
            case "{": if depth == 0 { start = i }; depth += 1
            case "}":
                depth -= 1
                if depth == 0, let s = start { out.append(String(text[s...i])); start = nil }
            default:
                if depth == 0, !c.isWhitespace { return out + [String(text[i...])] }
            }
        }
        if depth != 0, let s = start { out.append(String(text[s...])) }
        return out
    }
}
