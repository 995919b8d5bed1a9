import FlowPolicy
import XCTest

/// Scenarios modelled on Cilium's connectivity tests (cilium-cli/connectivity/builder and its
/// manifests): client pods in one namespace, echo pods in the same and in another namespace,
/// world by CIDR and by name, the host. Expectations follow the spec, flow by flow.
final class ConnectivityScenarioTests: XCTestCase {
    let client = Side.pod(Pod(name: "client", namespace: "cilium-test-1", labels: ["kind": "client", "name": "client"], ip: "10.244.1.11"))
    let client2 = Side.pod(Pod(name: "client2", namespace: "cilium-test-1", labels: ["kind": "client", "name": "client2", "other": "client"], ip: "10.244.1.12"))
    let echoSame = Side.pod(Pod(name: "echo-same-node", namespace: "cilium-test-1", labels: ["kind": "echo", "name": "echo-same-node"], ip: "10.244.1.20"))
    let echoOther = Side.pod(Pod(name: "echo-other-node", namespace: "cilium-test-2", labels: ["kind": "echo", "name": "echo-other-node"], ip: "10.244.2.20"))
    let oneOneOneOne = Side.entity(.world("1.1.1.1"))
    let oneZeroZeroOne = Side.entity(.world("1.0.0.1"))

    func egress(_ uuid: String, _ from: Side, _ to: Side, port: Int = 8080, names: [String] = []) -> TestFlow {
        var f = TestFlow(uuid: uuid, source: from, destination: to, direction: "EGRESS", port: port)
        f.names = names
        return f
    }

    func ingress(_ uuid: String, _ from: Side, _ to: Side, port: Int = 8080) -> TestFlow {
        TestFlow(uuid: uuid, source: from, destination: to, port: port)
    }

    /// client-egress-to-echo across namespaces: a selector naming the other namespace reaches
    /// it; without the name, only the policy's own namespace.
    func testClientEgressToEchoInAnotherNamespace() throws {
        try checkSimulation("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: client-egress-to-echo, namespace: cilium-test-1}
            spec:
              endpointSelector: {matchLabels: {kind: client}}
              egress:
              - toEndpoints:
                - matchLabels: {kind: echo, "k8s:io.kubernetes.pod.namespace": cilium-test-2}
                toPorts: [{ports: [{port: "8080", protocol: TCP}]}]
              - toEndpoints: [{matchLabels: {kind: echo}}]
                toPorts: [{ports: [{port: "8080", protocol: TCP}]}]
            """, [
                Expect(egress("a", client, echoOther), "allowed", "cilium-test-1/client-egress-to-echo egress[0]"),
                Expect(egress("b", client, echoSame), "allowed", "cilium-test-1/client-egress-to-echo egress[1]"),
                Expect(egress("c", client2, echoOther, port: 8081), "denied", "default-deny"),
                Expect(egress("d", client, oneOneOneOne, port: 443), "denied", "default-deny"),
                // The echo side has no policy: its ingress is not enforced.
                Expect(ingress("e", client, echoOther), "allowed", "no-policy"),
            ])
    }

    /// echo-ingress-from-other-namespace as a KNP: a namespaceSelector on the namespace's name.
    func testEchoIngressFromOtherNamespaceKNP() throws {
        try checkSimulation("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: echo-ingress-from-other-namespace, namespace: cilium-test-2}
            spec:
              podSelector: {matchLabels: {kind: echo}}
              ingress:
              - from:
                - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: cilium-test-1}}
                  podSelector: {matchLabels: {kind: client}}
            """, [
                Expect(ingress("a", client, echoOther), "allowed", "cilium-test-2/echo-ingress-from-other-namespace ingress[0]"),
                Expect(ingress("b", echoSame, echoOther), "denied", "default-deny"),
                Expect(ingress("c", oneOneOneOne, echoOther), "denied", "default-deny"),
                Expect(ingress("d", .entity(.host), echoOther), "allowed", "allow-localhost"),
                // The KNP has only ingress rules and no policyTypes: egress stays open.
                Expect(egress("e", echoOther, oneOneOneOne, port: 443), "allowed", "no-policy"),
            ])
    }

    /// client-egress-to-cidr (1.1.1.0/24 except 1.1.1.1/32) and client-egress-to-fqdns.
    func testClientEgressToCIDRAndFQDNs() throws {
        try checkSimulation("""
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: client-egress-to-world, namespace: cilium-test-1}
            spec:
              endpointSelector: {matchLabels: {kind: client}}
              egress:
              - toCIDRSet: [{cidr: 1.0.0.0/24}, {cidr: 1.1.1.0/24, except: [1.1.1.1/32]}]
              - toFQDNs: [{matchPattern: "*.one.one.one"}]
                toPorts: [{ports: [{port: "443", protocol: TCP}]}]
            """, [
                Expect(egress("a", client, oneZeroZeroOne, port: 443), "allowed", "cilium-test-1/client-egress-to-world egress[0]"),
                Expect(egress("b", client, oneOneOneOne, port: 80), "denied", "default-deny"),
                Expect(egress("c", client, oneOneOneOne, port: 443, names: ["one.one.one"]), "denied", "default-deny"),  // * needs a label before .one.one.one
                Expect(egress("d", client, oneOneOneOne, port: 443, names: ["www.one.one.one"]), "allowed", "cilium-test-1/client-egress-to-world egress[1]"),
                Expect(egress("e", client, echoSame), "denied", "default-deny"),
                // one.one.one.one: the * stands for the first "one".
                Expect(egress("f", client, oneOneOneOne, port: 443, names: ["one.one.one.one"]), "allowed", "cilium-test-1/client-egress-to-world egress[1]"),
            ])
    }

    /// all-ingress-deny plus a cluster-wide allow of everything from the cluster, and a deny
    /// from client2 (other=client) winning over both.
    func testClusterwideAllowWithNamespacedDeny() throws {
        try checkSimulation("""
            apiVersion: cilium.io/v2
            kind: CiliumClusterwideNetworkPolicy
            metadata: {name: allow-cluster-ingress}
            spec:
              endpointSelector: {}
              ingress: [{fromEntities: [cluster]}]
            ---
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: echo-deny-other-client, namespace: cilium-test-2}
            spec:
              endpointSelector: {matchLabels: {kind: echo}}
              ingressDeny:
              - fromEndpoints: [{matchLabels: {other: client, "k8s:io.kubernetes.pod.namespace": cilium-test-1}}]
            """, [
                Expect(ingress("a", client, echoOther), "allowed", "allow-cluster-ingress ingress[0]"),
                Expect(ingress("b", client2, echoOther), "denied", "cilium-test-2/echo-deny-other-client ingressDeny[0]"),
                Expect(ingress("c", client2, echoSame), "allowed", "allow-cluster-ingress ingress[0]"),
                Expect(ingress("d", oneOneOneOne, echoSame), "denied", "default-deny"),
                Expect(ingress("e", .entity(.remoteNode), echoSame), "allowed", "allow-cluster-ingress ingress[0]"),
            ])
    }
}
