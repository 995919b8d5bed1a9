import FlowPolicy
import FlowTestSupport
import Foundation
import XCTest

/// Policies Cilium refuses (spec §1.1) end the run with exit 2 naming object and field;
/// unsupported constructs (spec §10) are reported, never guessed.
final class PolicyValidationTests: XCTestCase {
    func cnp(_ spec: String, name: String = "bad") -> String {
        """
        apiVersion: cilium.io/v2
        kind: CiliumNetworkPolicy
        metadata: {name: \(name), namespace: shop}
        spec:
        \(spec.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
        """
    }

    /// Each invalid rule, with the field the error must name.
    let invalid: [(yaml: String, field: String)] = [
        ("endpointSelector: {}", "spec"),
        ("ingress: [{}]", "spec"),
        ("endpointSelector: {}\nnodeSelector: {}\ningress: [{}]", "spec"),
        ("nodeSelector: {}\ningress: [{}]", "spec.nodeSelector"),
        ("endpointSelector: {}\negress: [{toEndpoints: [{}], toCIDR: [10.0.0.0/8]}]", "spec.egress[0]"),
        ("endpointSelector: {}\negress: [{toFQDNs: [{matchName: a.com}], toEndpoints: [{}]}]", "spec.egress[0]"),
        ("endpointSelector: {}\ningress: [{icmps: [{fields: [{type: 8}]}], toPorts: [{ports: [{port: '80'}]}]}]", "spec.ingress[0]"),
        ("endpointSelector: {}\negressDeny: [{toFQDNs: [{matchName: a.com}]}]", "spec.egressDeny[0].toFQDNs"),
        ("endpointSelector: {}\ningress: [{toPorts: [{ports: [{port: '53'}], rules: {dns: [{matchName: a.com}]}}]}]", "spec.ingress[0].toPorts[0].rules.dns"),
        ("endpointSelector: {}\ningress: [{toPorts: [{ports: [{port: '80'}], rules: {http: [{}]}}]}]", "spec.ingress[0].toPorts[0].rules.http"),
        ("endpointSelector: {}\ningress: [{toPorts: [{ports: [{port: '80', protocol: UDP}], rules: {http: [{}]}}]}]", "spec.ingress[0].toPorts[0].rules.http"),
        ("endpointSelector: {}\negress: [{toPorts: [{ports: [{port: '80', protocol: TCP}], rules: {http: [{}], dns: [{matchName: a.com}]}}]}]", "spec.egress[0].toPorts[0].rules"),
        ("endpointSelector: {}\ningress: [{toPorts: [{ports: [{protocol: TCP}]}]}]", "spec.ingress[0].toPorts[0].ports[0].port"),
        ("endpointSelector: {}\ningress: [{toPorts: [{ports: [{port: '70000'}]}]}]", "spec.ingress[0].toPorts[0].ports[0].port"),
        ("endpointSelector: {}\ningress: [{toPorts: [{ports: [{port: '80', protocol: QUIC}]}]}]", "spec.ingress[0].toPorts[0].ports[0].protocol"),
        ("endpointSelector: {}\ningress: [{fromEntities: [everything]}]", "spec.ingress[0].fromEntities[0]"),
        ("endpointSelector: {}\negress: [{toCIDR: [10.0.0.0/33]}]", "spec.egress[0].toCIDR[0]"),
        ("endpointSelector: {}\negress: [{toCIDRSet: [{cidr: 10.0.0.0/8, except: [192.168.0.0/16]}]}]", "spec.egress[0].toCIDRSet[0].except[0]"),
        ("endpointSelector: {}\negress: [{toFQDNs: [{matchName: a.com, matchPattern: '*.a.com'}]}]", "spec.egress[0].toFQDNs[0]"),
        ("endpointSelector: {}\negress: [{toFQDNs: [{matchName: '*.a.com'}]}]", "spec.egress[0].toFQDNs[0].matchName"),
        ("endpointSelector: {}\ningress: [{toPorts: [{ports: [{port: '80', protocol: TCP}], rules: {http: [{path: '(['}]}}]}]", "spec.ingress[0].toPorts[0].rules.http[0].path"),
        ("endpointSelector: {matchExpressions: [{key: app, operator: Like, values: [a]}]}\ningress: [{}]", "spec.endpointSelector.matchExpressions[0].operator"),
        ("endpointSelector: {}\negress: [{toEndpoints: [{}], toPorts: [{ports: [{port: '8', protocol: ICMP}]}]}]", "spec.egress[0].toPorts[0].ports[0].protocol"),
        ("endpointSelector: {}\ningress: [{toPorts: [{ports: [{port: '80', protocol: TCP}], rules: {http: [{path: '/a)|(/b'}]}}]}]", "spec.ingress[0].toPorts[0].rules.http[0].path"),
    ]

    func testInvalidPoliciesAreRefusedWithObjectAndField() throws {
        for (yaml, field) in invalid {
            XCTAssertThrowsError(try PolicySet.load([PolicySource(name: "p.yaml", text: cnp(yaml))]), yaml) { error in
                guard let e = error as? PolicyError else { return XCTFail("\(error)") }
                XCTAssertEqual(e.field, field, yaml)
                XCTAssertEqual(e.object, "CiliumNetworkPolicy shop/bad", yaml)
            }
        }
    }

    func testHostPoliciesAreStillValidatedAndCalicoIsNotKubernetes() throws {
        let host = """
            apiVersion: cilium.io/v2
            kind: CiliumClusterwideNetworkPolicy
            metadata: {name: host-bad}
            spec:
              nodeSelector: {}
              egressDeny: [{toFQDNs: [{matchName: a.com}]}]
            """
        XCTAssertThrowsError(try PolicySet.load([PolicySource(name: "h.yaml", text: host)])) { error in
            XCTAssertEqual((error as? PolicyError)?.field, "spec.egressDeny[0].toFQDNs")
        }
        let calico = """
            apiVersion: projectcalico.org/v3
            kind: NetworkPolicy
            metadata: {name: db, namespace: prod}
            spec: {selector: "role == 'db'", ingress: [{action: Deny}]}
            """
        let set = try PolicySet.load([PolicySource(name: "c.yaml", text: calico)])
        XCTAssertEqual(set.entries.count, 0)
        XCTAssertEqual(set.unsupported.map(\.field), ["apiVersion"])
    }

    func testEmptyListsMeanWhatCiliumMakesOfThem() throws {
        let yaml = cnp("""
            endpointSelector: {}
            egress:
            - toEndpoints: []
              toCIDR: [10.0.0.0/8]
            ingress:
            - fromEndpoints: [{}]
              toPorts: [{ports: [{port: "80", protocol: TCP}], rules: {http: []}}]
            """)
        let e = PolicyEvaluator(try PolicySet.load([PolicySource(name: "p.yaml", text: yaml)]))
        let pod = EndpointLabels(texts: ["k8s:io.kubernetes.pod.namespace=shop", "k8s:io.cilium.k8s.policy.cluster=default"], identity: 1000)
        let world = EndpointLabels(texts: ["reserved:world"], identity: 2)
        // An empty toEndpoints makes the entry select nothing, even beside toCIDR.
        XCTAssertEqual(e.evaluate(FlowCase(direction: .egress, subject: pod, peer: world, peerIP: CIDR.address("10.1.2.3"), peerNames: [],
                                           protocolNumber: 6, port: 443)),
                       Decision(allowed: false, decidedBy: .default("default-deny")))
        // http: [] is no L7 rule: every request on the port passes.
        let request = FlowCase(direction: .ingress, subject: pod, peer: pod, peerIP: nil, peerNames: [], protocolNumber: 6, port: 80,
                               request: .http(method: "DELETE", authority: "x", path: "/admin", headers: [:]))
        XCTAssertEqual(e.evaluate(request).allowed, true)
    }

    func testTheCommandExitsTwoNamingTheObjectAndField() throws {
        let s = try Scratch()
        let db = s.path("s.db"), good = s.path("good.yaml"), bad = s.path("bad.yaml"), flows = s.path("f.jsonl")
        try writeLines(generatedLines(200), to: flows)
        XCTAssertEqual(try runFlowtrail(["ingest", "--db", db, flows]).status, 0)
        try cnp("endpointSelector: {}\ningress: [{}]", name: "fine").write(toFile: good, atomically: true, encoding: .utf8)
        try cnp("endpointSelector: {}\negressDeny: [{toFQDNs: [{matchName: a.com}]}]").write(toFile: bad, atomically: true, encoding: .utf8)
        let r = try runFlowtrail(["simulate", "--db", db, "--policy", good, "--policy", bad])
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(r.out, "")
        XCTAssertTrue(r.err.contains("CiliumNetworkPolicy shop/bad"), r.err)
        XCTAssertTrue(r.err.contains("spec.egressDeny[0].toFQDNs"), r.err)
        let notYAML = try runFlowtrail(["simulate", "--db", db, "--policy", "-"], stdin: Data("a: [b\n".utf8))
        XCTAssertEqual(notYAML.status, 2)
        XCTAssertTrue(notYAML.err.contains("<stdin>"), notYAML.err)
        let missing = try runFlowtrail(["simulate", "--db", db, "--policy", s.path("nope.yaml")])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.err.contains("nope.yaml"), missing.err)
    }

    func testUnsupportedConstructsAreListedAndSelectNothing() throws {
        let yaml = """
            apiVersion: v1
            kind: Service
            metadata: {name: web}
            ---
            apiVersion: cilium.io/v2
            kind: CiliumNetworkPolicy
            metadata: {name: odd, namespace: shop}
            spec:
              endpointSelector: {}
              egress:
              - toServices: [{k8sService: {serviceName: web, namespace: shop}}]
              - toCIDRSet: [{cidrGroupRef: corp}]
              - toPorts: [{ports: [{port: http-alt}]}]
              - toEndpoints: [{}]
                toRequires: [{matchLabels: {a: b}}]
                authentication: {mode: required}
              - toPorts:
                - ports: [{port: "9092", protocol: TCP}]
                  rules: {kafka: [{topic: t}]}
                  serverNames: [a.com]
            ---
            apiVersion: cilium.io/v2
            kind: CiliumClusterwideNetworkPolicy
            metadata: {name: hosts}
            spec:
              nodeSelector: {}
              ingress: [{fromEntities: [cluster]}]
            """
        let set = try PolicySet.load([PolicySource(name: "p.yaml", text: yaml)])
        let fields = set.unsupported.map { "\($0.policy) \($0.field)" }
        XCTAssertEqual(fields, [
            "web kind",
            "shop/odd spec.egress[0].toServices",
            "shop/odd spec.egress[1].toCIDRSet[0].cidrGroupRef",
            "shop/odd spec.egress[2].toPorts[0].ports[0].port",
            "shop/odd spec.egress[3].toRequires",
            "shop/odd spec.egress[3].authentication",
            "shop/odd spec.egress[4].toPorts[0].serverNames",
            "shop/odd spec.egress[4].toPorts[0].rules.kafka",
            "hosts spec.nodeSelector",
        ].sorted(by: { fields.firstIndex(of: $0) ?? 0 < fields.firstIndex(of: $1) ?? 0 }))
        XCTAssertEqual(Set(fields).count, 9, "\(fields)")
        // The unsupported peers select nothing: a world flow to 10.1.1.1 is denied, not opened.
        let e = PolicyEvaluator(set)
        let web = EndpointLabels(texts: ["k8s:io.kubernetes.pod.namespace=shop", "k8s:app=web"], identity: 1000)
        let world = EndpointLabels(texts: ["reserved:world"], identity: 2)
        let d = e.evaluate(FlowCase(direction: .egress, subject: web, peer: world, peerIP: CIDR.address("10.1.1.1"), peerNames: [],
                                    protocolNumber: 6, port: 8080))
        XCTAssertEqual(d, Decision(allowed: false, decidedBy: .default("default-deny")))
        // The Kafka port rule still allows its L4 part.
        let kafka = e.evaluate(FlowCase(direction: .egress, subject: web, peer: world, peerIP: CIDR.address("10.1.1.1"), peerNames: [],
                                        protocolNumber: 6, port: 9092))
        XCTAssertEqual(kafka.allowed, true)
        // The host policy is ignored: no ingress policy for web.
        XCTAssertEqual(set.rules.filter { $0.policy == "hosts" }, [])
    }

    func testListsStreamsAndDecisionOrder() throws {
        let list = """
            apiVersion: v1
            kind: List
            items:
            - apiVersion: cilium.io/v2
              kind: CiliumNetworkPolicy
              metadata: {name: a}
              spec:
                endpointSelector: {}
                ingress: [{fromEntities: [world]}]
              specs:
              - endpointSelector: {}
                ingress: [{fromEntities: [all]}, {fromEntities: [cluster]}]
            - apiVersion: networking.k8s.io/v1
              kind: NetworkPolicy
              metadata: {name: k, namespace: shop}
              spec:
                podSelector: {}
                ingress: [{}]
            ---
            ---
            """
        let set = try PolicySet.load([PolicySource(name: "list.yaml", text: list)])
        XCTAssertEqual(set.rules.map { "\($0.policy) \($0.section)[\($0.rule)]" },
                       ["default/a ingress[0]", "default/a ingress[1]", "default/a ingress[2]", "shop/k ingress[0]"])
        let e = PolicyEvaluator(set)
        let pod = EndpointLabels(texts: ["k8s:io.kubernetes.pod.namespace=default"], identity: 1000)
        let world = EndpointLabels(texts: ["reserved:world"], identity: 2)
        // Both a's spec and specs[0] allow world; the first in decision order is named.
        XCTAssertEqual(e.evaluate(FlowCase(direction: .ingress, subject: pod, peer: world, peerIP: nil, peerNames: [],
                                           protocolNumber: 6, port: 1)).decidedBy,
                       .rule(RuleRef(policy: "default/a", kind: "CiliumNetworkPolicy", section: "ingress", rule: 0)))
        // The KNP's ingress: [{}] allows everything into shop pods, world included.
        let shop = EndpointLabels(texts: ["k8s:io.kubernetes.pod.namespace=shop"], identity: 1001)
        XCTAssertEqual(e.evaluate(FlowCase(direction: .ingress, subject: shop, peer: world, peerIP: nil, peerNames: [],
                                           protocolNumber: 17, port: 53)).allowed, true)
    }
}
