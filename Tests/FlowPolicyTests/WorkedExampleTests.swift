import FlowPolicy
import XCTest

/// The worked examples of shared/docs/cilium-policy-semantics.md §11, each flow checked in
/// process and through `flowtrail simulate` on a real store. Expectations are the spec's.
final class WorkedExampleTests: XCTestCase {
    let client = Side.pod(Pod(name: "client", labels: ["kind": "client", "name": "client"], ip: "10.244.1.11", identity: 1001))
    let client2 = Side.pod(Pod(name: "client2", labels: ["kind": "client", "name": "client2", "other": "client"], ip: "10.244.1.12", identity: 1002))
    let echo = Side.pod(Pod(name: "echo", labels: ["kind": "echo"], ip: "10.244.1.13", identity: 1003))

    func ingress(_ uuid: String, _ from: Side, _ to: Side, port: Int = 8080) -> TestFlow {
        TestFlow(uuid: uuid, source: from, destination: to, port: port)
    }

    func egress(_ uuid: String, _ from: Side, _ to: Side, port: Int = 8080) -> TestFlow {
        TestFlow(uuid: uuid, source: from, destination: to, direction: "EGRESS", port: port)
    }

    func test01EmptyIngressRule() throws {
        try checkSimulation("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: all-ingress-deny, namespace: cilium-test}
            spec:
              endpointSelector: {}
              ingress: [{}]
            """, [
                Expect(ingress("a", client, echo), "denied", "default-deny"),
                Expect(ingress("b", .entity(.host), echo), "allowed", "allow-localhost"),
                Expect(egress("c", client, echo), "allowed", "no-policy"),
            ])
    }

    func test02DenyBeatsAllow() throws {
        try checkSimulation("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: allow-all-ingress, namespace: cilium-test}
            spec:
              endpointSelector: {}
              ingress:
              - fromEndpoints:
                - matchExpressions: [{key: io.cilium.k8s.policy.cluster, operator: Exists}]
            ---
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: echo-ingress-from-other-client-deny, namespace: cilium-test}
            spec:
              endpointSelector: {matchLabels: {kind: echo}}
              ingressDeny:
              - fromEndpoints: [{matchLabels: {other: client}}]
            """, [
                Expect(ingress("a", client2, echo), "denied", "cilium-test/echo-ingress-from-other-client-deny ingressDeny[0]"),
                Expect(ingress("b", client, echo), "allowed", "cilium-test/allow-all-ingress ingress[0]"),
                Expect(ingress("c", .entity(.world("198.51.100.7")), echo), "denied", "default-deny"),
            ])
    }

    func test03DenyOnlyPolicy() throws {
        let server = Side.pod(Pod(name: "server", labels: ["app": "server"], ip: "10.244.1.20"))
        var ping = ingress("c", client, server)
        ping.icmpType = 8
        try checkSimulation("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: deny-80, namespace: cilium-test}
            spec:
              endpointSelector: {matchLabels: {app: server}}
              ingressDeny:
              - toPorts: [{ports: [{port: "80", protocol: TCP}]}]
            """, [
                Expect(ingress("a", client, server, port: 81), "denied", "default-deny"),
                Expect(ingress("b", client, server, port: 80), "denied", "cilium-test/deny-80 ingressDeny[0]"),
                Expect(ping, "denied", "default-deny"),
            ])
        // With an icmps rule the type decides: echo requests allowed, other types not.
        var unreachable = ping
        unreachable.uuid = "d"
        unreachable.icmpType = 3
        try checkSimulation("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: ping, namespace: cilium-test}
            spec:
              endpointSelector: {matchLabels: {app: server}}
              ingress:
              - icmps: [{fields: [{type: EchoRequest, family: IPv4}]}]
            """, [
                Expect(ping, "allowed", "cilium-test/ping ingress[0]"),
                Expect(unreachable, "denied", "default-deny"),
                Expect(ingress("e", client, server, port: 80), "denied", "default-deny"),
            ])
    }

    func test04L4OnlyRuleWildcardsL7() throws {
        var put = ingress("a", client, echo, port: 80)
        put.eventType = 129
        put.http = ("PUT", "http://echo:80/upload", [])
        var get = put
        get.uuid = "b"
        get.http = ("GET", "http://echo:80/", [])
        try checkSimulation("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: l7-and-l4, namespace: cilium-test}
            spec:
              endpointSelector: {matchLabels: {kind: echo}}
              ingress:
              - fromEndpoints: [{matchLabels: {kind: client}}]
                toPorts:
                - ports: [{port: "80", protocol: TCP}]
                  rules:
                    http: [{method: GET, path: "/"}]
              - toPorts:
                - ports: [{port: "80", protocol: TCP}]
            """, [
                Expect(put, "allowed", "cilium-test/l7-and-l4 ingress[1]"),
                Expect(get, "allowed", "cilium-test/l7-and-l4 ingress[0]"),
            ])
    }

    func test05HTTPRules() throws {
        func request(_ uuid: String, _ from: Side, _ path: String, _ headers: [(String, String)] = []) -> TestFlow {
            var f = ingress(uuid, from, echo)
            f.eventType = 129
            f.http = ("GET", "http://echo:8080" + path, headers)
            return f
        }
        try checkSimulation("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: echo-ingress-l7-http, namespace: cilium-test}
            spec:
              endpointSelector: {matchLabels: {kind: echo}}
              ingress:
              - fromEndpoints: [{matchLabels: {other: client}}]
                toPorts:
                - ports: [{port: "8080", protocol: TCP}]
                  rules:
                    http:
                    - {method: GET, path: "/$"}
                    - {method: GET, path: "/public$"}
                    - {method: GET, path: "/private$", headers: ["X-Very-Secret-Token: 42"]}
            """, [
                Expect(request("a", client2, "/private"), "denied", "cilium-test/echo-ingress-l7-http ingress[0]"),
                Expect(request("b", client2, "/private", [("X-Very-Secret-Token", "42")]), "allowed", "cilium-test/echo-ingress-l7-http ingress[0]"),
                Expect(request("c", client2, "/public?page=2"), "denied", "cilium-test/echo-ingress-l7-http ingress[0]"),
                Expect(request("d", client, "/"), "denied", "default-deny"),
                Expect(ingress("e", client2, echo), "allowed", "cilium-test/echo-ingress-l7-http ingress[0]"),
            ])
    }

    func test06DNSRulesAndFQDNs() throws {
        let xwing = Side.pod(Pod(name: "xwing", namespace: "default", labels: ["org": "alliance"], ip: "10.244.2.5"))
        let dns = Side.pod(Pod(name: "coredns", namespace: "kube-system", labels: ["k8s-app": "kube-dns"], ip: "10.244.0.3"))
        func query(_ uuid: String, _ name: String) -> TestFlow {
            var f = egress(uuid, xwing, dns, port: 53)
            f.proto = "UDP"
            f.eventType = 129
            f.dnsQuery = name
            return f
        }
        var web = egress("b", xwing, .entity(.world("104.198.14.55")), port: 80)
        web.names = ["anothersub.cilium.io"]
        var sub = web
        sub.uuid = "d"
        sub.names = ["sub.cilium.io"]
        try checkSimulation("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: fqdn}
            spec:
              endpointSelector: {matchLabels: {org: alliance}}
              egress:
              - toEndpoints:
                - matchLabels: {"k8s:io.kubernetes.pod.namespace": kube-system, "k8s:k8s-app": kube-dns}
                toPorts:
                - ports: [{port: "53", protocol: ANY}]
                  rules:
                    dns:
                    - matchName: cilium.io
                    - matchPattern: "*.cilium.io"
                    - matchPattern: "*.api.cilium.io"
              - toFQDNs:
                - matchName: cilium.io
                - matchName: sub.cilium.io
                toPorts:
                - ports: [{port: "80", protocol: TCP}]
            """, [
                Expect(query("a", "anothersub.cilium.io."), "allowed", "default/fqdn egress[0]"),
                Expect(web, "denied", "default-deny"),
                Expect(query("c", "a.b.cilium.io."), "denied", "default/fqdn egress[0]"),
                Expect(sub, "allowed", "default/fqdn egress[1]"),
            ])
    }

    func test07CIDRExceptAndPods() throws {
        let cart = Side.pod(Pod(name: "cart", labels: ["app": "cart"], ip: "10.244.2.32"))
        try checkSimulation("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: cidr, namespace: cilium-test}
            spec:
              endpointSelector: {matchLabels: {kind: client}}
              egress:
              - toCIDRSet: [{cidr: 10.0.0.0/8, except: [10.96.0.0/12]}]
            """, [
                Expect(egress("a", client, .entity(.world("10.11.2.3"))), "allowed", "cilium-test/cidr egress[0]"),
                Expect(egress("b", client, .entity(.world("10.100.0.7"))), "denied", "default-deny"),
                Expect(egress("c", client, cart), "denied", "default-deny"),
            ])
    }

    func test08LocalCluster() throws {
        let westEcho = Side.pod(Pod(name: "echo", cluster: "prod-west", labels: ["kind": "echo"], ip: "10.245.1.13"))
        let yaml = """
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: to-echo, namespace: cilium-test}
            spec:
              endpointSelector: {matchLabels: {kind: client}}
              egress:
              - toEndpoints: [{matchLabels: {kind: echo}}]
            """
        try checkSimulation(yaml, [
            Expect(egress("a", client, westEcho), "denied", "default-deny"),
            Expect(egress("b", client, echo), "allowed", "cilium-test/to-echo egress[0]"),
        ])
        let anyCluster = yaml.replacingOccurrences(
            of: "[{matchLabels: {kind: echo}}]",
            with: "[{matchLabels: {kind: echo}, matchExpressions: [{key: io.cilium.k8s.policy.cluster, operator: Exists}]}]")
        try checkSimulation(anyCluster, [
            Expect(egress("a", client, westEcho), "allowed", "cilium-test/to-echo egress[0]"),
        ])
    }

    func test09ClusterwideEmptySelectorIsPodsOnly() throws {
        let coredns = Side.pod(Pod(name: "coredns", namespace: "kube-system", labels: ["k8s-app": "kube-dns"], ip: "10.244.0.3"))
        let frontend = Side.pod(Pod(name: "frontend", namespace: "shop", cluster: "prod-east", labels: ["app": "frontend"], ip: "10.244.3.3"))
        func dns(_ uuid: String, _ from: Side) -> TestFlow {
            var f = ingress(uuid, from, coredns, port: 53)
            f.proto = "UDP"
            return f
        }
        try checkSimulation("""
            apiVersion: cilium.io/v2
            kind: CiliumClusterwideNetworkPolicy
            metadata: {name: kube-dns-from-pods}
            spec:
              endpointSelector: {matchLabels: {k8s-app: kube-dns, "k8s:io.kubernetes.pod.namespace": kube-system}}
              ingress:
              - fromEndpoints: [{}]
                toPorts: [{ports: [{port: "53", protocol: UDP}]}]
            """, [
                Expect(dns("a", frontend), "allowed", "kube-dns-from-pods ingress[0]"),
                Expect(dns("b", .entity(.world("198.51.100.8"))), "denied", "default-deny"),
                Expect(dns("c", .entity(.remoteNode)), "denied", "default-deny"),
            ])
    }

    func test10KubernetesPolicyPitfalls() throws {
        let coredns = Side.pod(Pod(name: "coredns", namespace: "kube-system", labels: ["k8s-app": "kube-dns"], ip: "10.244.0.3"))
        var ping = ingress("a", client2, client)
        ping.icmpType = 8
        try checkSimulation("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: client-egress, namespace: cilium-test}
            spec:
              podSelector: {matchLabels: {kind: client}}
              egress:
              - to:
                - podSelector:
                    matchExpressions: [{key: io.kubernetes.pod.namespace, operator: In, values: [kube-system]}]
                ports: [{port: 53, protocol: TCP}]
            """, [
                Expect(ping, "denied", "default-deny"),
                Expect(egress("b", client, coredns, port: 53), "denied", "default-deny"),
                Expect(egress("c", client, client2, port: 53), "denied", "default-deny"),
            ])
    }

    func test11EnableDefaultDenyFalse() throws {
        let cart = Side.pod(Pod(name: "cart", namespace: "shop", labels: ["app": "cart"], ip: "10.244.2.32"))
        let frontend = Side.pod(Pod(name: "frontend", namespace: "shop", labels: ["app": "frontend"], ip: "10.244.2.33"))
        let prometheus = Side.pod(Pod(name: "prometheus", namespace: "shop", labels: ["app": "prometheus"], ip: "10.244.2.34"))
        var fromFrontend = ingress("a", frontend, cart)
        fromFrontend.matchType = 4
        try checkSimulation("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: cart, namespace: shop}
            spec:
              endpointSelector: {matchLabels: {app: cart}}
              enableDefaultDeny: {ingress: false}
              ingress:
              - fromEndpoints: [{matchLabels: {app: prometheus}}]
                toPorts: [{ports: [{port: "9090", protocol: TCP}]}]
              ingressDeny:
              - fromEntities: [world]
            """, [
                Expect(fromFrontend, "allowed", "allow-all"),
                Expect(ingress("b", .entity(.world("198.51.100.9")), cart), "denied", "shop/cart ingressDeny[0]"),
                Expect(ingress("c", prometheus, cart, port: 9090), "allowed", "shop/cart ingress[0]"),
            ])
    }

    func test12L7WithoutDefaultDeny() throws {
        let web = Side.pod(Pod(name: "web", namespace: "tenant-a", labels: ["app": "web"], ip: "10.244.4.1"))
        let locked = Side.pod(Pod(name: "locked", namespace: "tenant-a", labels: ["app": "locked"], ip: "10.244.4.2"))
        let coredns = Side.pod(Pod(name: "coredns", namespace: "kube-system", labels: ["k8s-app": "kube-dns"], ip: "10.244.0.3"))
        func query(_ uuid: String, _ from: Side) -> TestFlow {
            var f = egress(uuid, from, coredns, port: 53)
            f.proto = "UDP"
            f.eventType = 129
            f.dnsQuery = "other.org."
            return f
        }
        try checkSimulation("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: dns-visibility, namespace: tenant-a}
            spec:
              endpointSelector: {}
              enableDefaultDeny: {egress: false}
              egress:
              - toPorts:
                - ports: [{port: "53", protocol: ANY}]
                  rules:
                    dns: [{matchPattern: example.com}]
            ---
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: lock-down, namespace: tenant-a}
            spec:
              endpointSelector: {matchLabels: {app: locked}}
              egress: [{}]
            """, [
                Expect(query("a", web), "allowed", "tenant-a/dns-visibility egress[0]"),
                Expect(query("b", locked), "denied", "tenant-a/dns-visibility egress[0]"),
            ])
    }

    func test13AuditReplay() throws {
        let cart = Side.pod(Pod(name: "cart", labels: ["app": "cart"], ip: "10.244.2.32"))
        let payments = Side.pod(Pod(name: "payments", labels: ["app": "payments"], ip: "10.244.2.40"))
        let frontend = Side.pod(Pod(name: "frontend", labels: ["app": "frontend"], ip: "10.244.2.41"))
        var audit = ingress("a", payments, cart)
        audit.verdict = "AUDIT"
        audit.matchType = 0
        var auditAllowed = ingress("b", frontend, cart)
        auditAllowed.verdict = "AUDIT"
        var dropped = ingress("c", frontend, cart)
        dropped.verdict = "DROPPED"
        dropped.dropReason = "POLICY_DENIED"
        try checkSimulation("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: cart, namespace: cilium-test}
            spec:
              endpointSelector: {matchLabels: {app: cart}}
              ingress:
              - fromEndpoints: [{matchLabels: {app: frontend}}]
                toPorts: [{ports: [{port: "8080", protocol: TCP}]}]
            """, [
                Expect(audit, "denied", "default-deny"),
                Expect(auditAllowed, "allowed", "cilium-test/cart ingress[0]"),
                Expect(dropped, "allowed", "cilium-test/cart ingress[0]"),
            ])
    }

    func test14Skips() throws {
        var fromEndpoint = egress("a", client, echo)
        fromEndpoint.eventType = 4
        fromEndpoint.tracePoint = "FROM_ENDPOINT"
        fromEndpoint.isReply = false
        var reply = ingress("b", client, echo)
        reply.eventType = 4
        reply.tracePoint = "TO_ENDPOINT"
        reply.isReply = true
        var noDirection = ingress("c", client, echo)
        noDirection.eventType = 4
        noDirection.tracePoint = "FROM_NETWORK"
        noDirection.direction = nil
        noDirection.isReply = false
        var ctDrop = ingress("d", client, echo)
        ctDrop.eventType = 1
        ctDrop.verdict = "DROPPED"
        ctDrop.dropReason = "CT_MAP_INSERTION_FAILED"
        var sock = egress("e", client, echo)
        sock.eventType = 7
        let hostEgress = egress("f", .entity(.host), echo)
        var policyDrop = ingress("g", client, echo)
        policyDrop.verdict = "DROPPED"
        policyDrop.dropReason = "POLICY_DENIED"
        var oldReply = ingress("h", client, echo)
        oldReply.eventType = 4
        oldReply.tracePoint = "TO_ENDPOINT"
        var oldStyleReply = ingress("j", client, echo)
        oldStyleReply.eventType = 4
        oldStyleReply.tracePoint = "TO_ENDPOINT"
        oldStyleReply.reply = true
        var toEndpoint = ingress("i", client, echo)
        toEndpoint.eventType = 4
        toEndpoint.tracePoint = "TO_ENDPOINT"
        toEndpoint.isReply = false
        try checkSimulation("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: echo, namespace: cilium-test}
            spec:
              endpointSelector: {matchLabels: {kind: echo}}
              ingress:
              - fromEndpoints: [{matchLabels: {kind: client}}]
            """, [
                .skip(fromEndpoint, .traceBeforePolicy),
                .skip(reply, .reply),
                .skip(oldStyleReply, .reply),
                .skip(noDirection, .unknownDirection),
                .skip(ctDrop, .nonPolicyDrop),
                .skip(sock, .notPolicyEvent),
                .skip(hostEgress, .subjectNotPod),
                Expect(policyDrop, "allowed", "cilium-test/echo ingress[0]"),
                Expect(oldReply, "allowed", "cilium-test/echo ingress[0]"),
                Expect(toEndpoint, "allowed", "cilium-test/echo ingress[0]"),
            ])
    }
}
