import ArgumentParser
import FlowHubble
import HubbleProtos

/// `hubble observe`'s filter flags, with Hubble's meaning (docs/HUBBLE.md). They are declared
/// here for help and checking; their order matters (`--not` applies to the next flag), which
/// the argument parser does not keep, so the FlowFilters are built from the command line itself
/// by `HubbleFilterFlags`, and the two readings are checked to agree.
struct HubbleFilterOptions: ParsableArguments {
    @Flag(help: "Reverse the next filter flag: matching flows are left out (--not --verdict FORWARDED).") var not: Int
    @Option(help: "Flow UUID (repeatable).") var uuid: [String] = []
    @Option(help: "Node name pattern (k8s*, cluster/node).") var nodeName: [String] = []
    @Option(help: "Node label selector (key=value).") var nodeLabel: [String] = []
    @Option(help: "Source cluster name.") var fromCluster: [String] = []
    @Option(help: "Cluster name of either side.") var cluster: [String] = []
    @Option(help: "Destination cluster name.") var toCluster: [String] = []
    @Option(help: "L4 or L7 protocol (tcp, udp, icmp, sctp, http, dns, kafka…).") var `protocol`: [String] = []
    @Option(help: "TCP flags, comma-separated, all set (syn,ack).") var tcpFlags: [String] = []
    @Option(name: [.customShort("t"), .customLong("type")],
            help: "Event type TYPE[:SUBTYPE]: drop, trace[:to-endpoint…], policy-verdict, l7, trace-sock, capture, debug, or numbers.")
    var type: [String] = []
    @Option(help: "Verdict (FORWARDED, DROPPED, AUDIT, REDIRECTED, ERROR, TRACED, TRANSLATED).") var verdict: [String] = []
    @Option(help: "Drop reason name (POLICY_DENIED…).") var dropReasonDesc: [String] = []
    @Option(help: "HTTP status code or prefix (404, 5+).") var httpStatus: [String] = []
    @Option(help: "HTTP method (get, post…).") var httpMethod: [String] = []
    @Option(help: "HTTP path regular expression (RE2).") var httpPath: [String] = []
    @Option(help: "HTTP URL regular expression (RE2).") var httpUrl: [String] = []
    @Option(help: "HTTP header key:value.") var httpHeader: [String] = []
    @Option(help: "Trace ID.") var traceId: [String] = []
    @Option(help: "IP trace ID (a number above 0).") var ipTraceId: [String] = []
    @Option(help: "Source FQDN pattern (*.cilium.io).") var fromFqdn: [String] = []
    @Option(help: "FQDN pattern of either side.") var fqdn: [String] = []
    @Option(help: "Destination FQDN pattern.") var toFqdn: [String] = []
    @Option(help: "Source IP or CIDR.") var fromIp: [String] = []
    @Option(help: "SNAT (translated source) IP or CIDR.") var snatIp: [String] = []
    @Option(help: "IP or CIDR of either side.") var ip: [String] = []
    @Option(help: "Destination IP or CIDR.") var toIp: [String] = []
    @Flag(name: [.customShort("4"), .customLong("ipv4")], help: "IPv4 flows only.") var ipv4: Int
    @Flag(name: [.customShort("6"), .customLong("ipv6")], help: "IPv6 flows only.") var ipv6: Int
    @Option(help: "IP version: v4, v6 or none.") var ipVersion: [String] = []
    @Option(help: "Source pod name prefix [namespace/]name (namespace default if none).") var fromPod: [String] = []
    @Option(help: "Pod name prefix of either side.") var pod: [String] = []
    @Option(help: "Destination pod name prefix.") var toPod: [String] = []
    @Option(help: "Source namespace.") var fromNamespace: [String] = []
    @Option(name: [.customShort("n"), .customLong("namespace")], help: "Namespace of either side.") var namespace: [String] = []
    @Option(help: "Destination namespace.") var toNamespace: [String] = []
    @Flag(help: "Source in any namespace.") var fromAllNamespaces: Int
    @Flag(name: [.customShort("A"), .customLong("all-namespaces")], help: "Either side in any namespace.") var allNamespaces: Int
    @Flag(help: "Destination in any namespace.") var toAllNamespaces: Int
    @Option(help: "Source label selector (k8s:app in (a,b), reserved:world).") var fromLabel: [String] = []
    @Option(name: [.customShort("l"), .customLong("label")], help: "Label selector of either side.") var label: [String] = []
    @Option(help: "Destination label selector.") var toLabel: [String] = []
    @Option(help: "Source service [namespace/]name prefix.") var fromService: [String] = []
    @Option(help: "Service of either side.") var service: [String] = []
    @Option(help: "Destination service.") var toService: [String] = []
    @Option(help: "Source port.") var fromPort: [String] = []
    @Option(help: "Port of either side.") var port: [String] = []
    @Option(help: "Destination port.") var toPort: [String] = []
    @Option(help: "Source workload [Kind/]name.") var fromWorkload: [String] = []
    @Option(help: "Workload of either side.") var workload: [String] = []
    @Option(help: "Destination workload.") var toWorkload: [String] = []
    @Option(help: "Source security identity (number or reserved name: host, world…).") var fromIdentity: [String] = []
    @Option(help: "Identity of either side.") var identity: [String] = []
    @Option(help: "Destination identity.") var toIdentity: [String] = []
    @Option(help: "Traffic direction: ingress or egress.") var trafficDirection: [String] = []
    @Option(name: .customLong("cel-expression"), parsing: .unconditionalSingleValue,
            help: "A CEL expression, as part of the Hubble filter (repeatable: ORed).")
    var celExpression: [String] = []
    @Option(help: "Network interface name.") var interface: [String] = []
    @Flag(help: "Encrypted flows only (WireGuard/IPsec).") var encrypted: Int
    @Flag(help: "Unencrypted flows only.") var unencrypted: Int
    @Option(parsing: .unconditionalSingleValue, help: "FlowFilter JSON for the allowlist (repeatable), as hubble observe --allowlist.")
    var allowlist: [String] = []
    @Option(parsing: .unconditionalSingleValue, help: "FlowFilter JSON for the denylist (repeatable).") var denylist: [String] = []

    /// How many values the argument parser saw per flag: the ordered scan must see as many.
    var parsedCounts: [String: Int] {
        var c: [String: Int] = [
            "not": not, "ipv4": ipv4, "ipv6": ipv6, "from-all-namespaces": fromAllNamespaces, "all-namespaces": allNamespaces,
            "to-all-namespaces": toAllNamespaces, "encrypted": encrypted, "unencrypted": unencrypted,
        ]
        let lists: [(String, [String])] = [
            ("uuid", uuid), ("node-name", nodeName), ("node-label", nodeLabel), ("from-cluster", fromCluster),
            ("cluster", cluster), ("to-cluster", toCluster), ("protocol", `protocol`), ("tcp-flags", tcpFlags),
            ("type", type), ("verdict", verdict), ("drop-reason-desc", dropReasonDesc), ("http-status", httpStatus),
            ("http-method", httpMethod), ("http-path", httpPath), ("http-url", httpUrl), ("http-header", httpHeader),
            ("trace-id", traceId), ("ip-trace-id", ipTraceId), ("from-fqdn", fromFqdn), ("fqdn", fqdn), ("to-fqdn", toFqdn),
            ("from-ip", fromIp), ("snat-ip", snatIp), ("ip", ip), ("to-ip", toIp), ("ip-version", ipVersion),
            ("from-pod", fromPod), ("pod", pod), ("to-pod", toPod), ("from-namespace", fromNamespace),
            ("namespace", namespace), ("to-namespace", toNamespace), ("from-label", fromLabel), ("label", label),
            ("to-label", toLabel), ("from-service", fromService), ("service", service), ("to-service", toService),
            ("from-port", fromPort), ("port", port), ("to-port", toPort), ("from-workload", fromWorkload),
            ("workload", workload), ("to-workload", toWorkload), ("from-identity", fromIdentity), ("identity", identity),
            ("to-identity", toIdentity), ("traffic-direction", trafficDirection), ("cel-expression", celExpression),
            ("interface", interface),
        ]
        for (name, values) in lists { c[name] = values.count }
        return c.filter { $0.value > 0 }
    }

    /// The allowlist and denylist the flags build, read from `arguments` (the process's
    /// command line) in order. Exits 2 naming the flag when a value is refused.
    func flowFilters(arguments: [String] = Array(CommandLine.arguments.dropFirst())) throws -> (allowlist: [Flow_FlowFilter], denylist: [Flow_FlowFilter]) {
        let scanned = HubbleFilterFlags.scan(arguments)
        var counts: [String: Int] = [:]
        for f in scanned { counts[f.name, default: 0] += 1 }
        guard counts == parsedCounts else {
            fail("could not read the filter flags in order from the command line; write each as --flag VALUE or --flag=VALUE", status: 2)
        }
        do {
            let flags = try HubbleFilterFlags.build(scanned)
            var allow = flags.allowlist, deny = flags.denylist
            for text in allowlist { allow += try HubbleFilterFlags.rawFilters(text, flag: "--allowlist") }
            for text in denylist { deny += try HubbleFilterFlags.rawFilters(text, flag: "--denylist") }
            return (allow, deny)
        } catch let e as FilterProblem {
            fail("invalid filter: \(e)", status: 2)
        }
    }
}
