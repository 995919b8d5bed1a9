import FlowTestSupport
import Foundation
import XCTest

/// The simulator against a deliberately simple per-flow evaluator: the spec's rules applied
/// literally to each flow's JSON, written here without any of FlowPolicy's code, over random
/// policy sets (CNP, CCNP, KNP) and random flows. Both of flowtrail's paths are compared: the
/// per-flow one (`--flows`) and the grouped one (the rules' and changes' counts of `-o json`).
final class DifferentialSimulationTests: XCTestCase {
    struct Rng {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func pick<T>(_ a: [T]) -> T { a[int(a.count)] }
        mutating func chance(_ p: Double) -> Bool { Double(next() % 10_000) / 10_000 < p }
    }

    // MARK: the random model

    enum RPeer {
        case none
        case endpoints(app: String?, anyNamespace: Bool, anyCluster: Bool)
        case entity(String)
        case cidr(String, except: [String])
    }

    struct RPort { var proto: String?; var port: Int; var endPort: Int? }

    struct REntry { var section: String; var peer: RPeer; var ports: [RPort] }

    struct RPolicy {
        var kind: String
        var namespace: String
        var name: String
        var subjectApp: String?
        var entries: [REntry]
        var defaultDeny: [String: Bool] = [:]
        var policyTypes: [String]?

        var id: String { kind == "CiliumClusterwideNetworkPolicy" ? name : "\(namespace)/\(name)" }
    }

    static let apps = ["web", "api", "db"], namespaces = ["a", "b"], ports = [53, 80, 443, 8080]
    static let cidrs: [(String, [String])] = [("10.0.0.0/8", ["10.96.0.0/12"]), ("203.0.113.0/24", []), ("0.0.0.0/0", ["10.0.0.0/8"])]
    static let worldIPs = ["10.11.2.3", "10.100.0.7", "203.0.113.9", "198.51.100.1"]

    func randomPolicy(_ r: inout Rng, index: Int) -> RPolicy {
        let kind = r.pick(["CiliumNetworkPolicy", "CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy", "NetworkPolicy"])
        let knp = kind == "NetworkPolicy"
        var p = RPolicy(kind: kind, namespace: r.pick(Self.namespaces), name: "p\(index)",
                        subjectApp: r.chance(0.3) ? nil : r.pick(Self.apps), entries: [])
        let sections = knp ? ["ingress", "egress"] : ["ingress", "ingressDeny", "egress", "egressDeny"]
        for _ in 0..<(1 + r.int(3)) {
            let section = r.pick(sections)
            var peer: RPeer
            switch r.int(knp ? 3 : 5) {
            case 0: peer = .none
            case 1: peer = .endpoints(app: r.chance(0.2) ? nil : r.pick(Self.apps), anyNamespace: r.chance(0.3), anyCluster: r.chance(0.2))
            case 2: let c = r.pick(Self.cidrs); peer = .cidr(c.0, except: c.1)
            default: peer = .entity(r.pick(["world", "cluster", "host", "all", "remote-node"]))
            }
            if knp, case .endpoints(let app, _, let anyCluster) = peer { peer = .endpoints(app: app, anyNamespace: false, anyCluster: anyCluster) }
            var ports: [RPort] = []
            if r.chance(0.6) {
                for _ in 0..<(1 + r.int(2)) {
                    let port = r.chance(0.1) ? 0 : r.pick(Self.ports)
                    ports.append(RPort(proto: r.chance(0.3) ? nil : r.pick(["TCP", "UDP"]), port: port,
                                       endPort: port != 0 && r.chance(0.2) ? port + 500 : nil))
                }
            }
            p.entries.append(REntry(section: section, peer: peer, ports: ports))
        }
        if !knp {
            for d in ["ingress", "egress"] where r.chance(0.2) { p.defaultDeny[d] = false }
        } else if r.chance(0.5) {
            p.policyTypes = Array(Set(p.entries.map { $0.section == "ingress" ? "Ingress" : "Egress" } + (r.chance(0.3) ? ["Ingress"] : []))).sorted()
        }
        // A CNP rule needs one non-empty section; KNP entries become rules of their own.
        return p
    }

    func json(_ p: RPolicy) -> [String: Any] {
        var meta: [String: Any] = ["name": p.name]
        if p.kind != "CiliumClusterwideNetworkPolicy" { meta["namespace"] = p.namespace }
        var spec: [String: Any] = [:]
        let selector: [String: Any] = p.subjectApp.map { ["matchLabels": ["app": $0]] } ?? [:]
        if p.kind == "NetworkPolicy" {
            spec["podSelector"] = selector
            for e in p.entries {
                var rule: [String: Any] = [:]
                switch e.peer {
                case .none: break
                case .endpoints(let app, _, let anyCluster):
                    var s: [String: Any] = app.map { ["matchLabels": ["app": $0]] } ?? [:]
                    if anyCluster { s["matchExpressions"] = [["key": "io.cilium.k8s.policy.cluster", "operator": "Exists"]] }
                    rule[e.section == "ingress" ? "from" : "to"] = [["podSelector": s]]
                case .cidr(let c, let except): rule[e.section == "ingress" ? "from" : "to"] = [["ipBlock": ["cidr": c, "except": except]]]
                case .entity: break
                }
                if !e.ports.isEmpty {
                    rule["ports"] = e.ports.map { port -> [String: Any] in
                        var m: [String: Any] = [:]
                        if let proto = port.proto { m["protocol"] = proto }
                        if port.port != 0 { m["port"] = port.port }
                        if let end = port.endPort { m["endPort"] = end }
                        return m
                    }
                }
                spec[e.section] = ((spec[e.section] as? [Any]) ?? []) + [rule]
            }
            if let t = p.policyTypes { spec["policyTypes"] = t }
        } else {
            spec["endpointSelector"] = selector
            for e in p.entries {
                var entry: [String: Any] = [:]
                let from = e.section.hasPrefix("ingress")
                switch e.peer {
                case .none: break
                case .endpoints(let app, let anyNamespace, let anyCluster):
                    var s: [String: Any] = app.map { ["matchLabels": ["app": $0]] } ?? [:]
                    var exprs: [[String: Any]] = []
                    if anyNamespace { exprs.append(["key": "io.kubernetes.pod.namespace", "operator": "Exists"]) }
                    if anyCluster { exprs.append(["key": "io.cilium.k8s.policy.cluster", "operator": "Exists"]) }
                    if !exprs.isEmpty { s["matchExpressions"] = exprs }
                    entry[from ? "fromEndpoints" : "toEndpoints"] = [s]
                case .entity(let name): entry[from ? "fromEntities" : "toEntities"] = [name]
                case .cidr(let c, let except): entry[from ? "fromCIDRSet" : "toCIDRSet"] = [["cidr": c, "except": except]]
                }
                if !e.ports.isEmpty {
                    entry["toPorts"] = [["ports": e.ports.map { port -> [String: Any] in
                        var m: [String: Any] = ["port": String(port.port)]
                        if let proto = port.proto { m["protocol"] = proto }
                        if let end = port.endPort { m["endPort"] = end }
                        return m
                    }]]
                }
                spec[e.section] = ((spec[e.section] as? [Any]) ?? []) + [entry]
            }
            if !p.defaultDeny.isEmpty { spec["enableDefaultDeny"] = p.defaultDeny }
        }
        let api = p.kind == "NetworkPolicy" ? "networking.k8s.io/v1" : "cilium.io/v2"
        return ["apiVersion": api, "kind": p.kind, "metadata": meta, "spec": spec]
    }

    // MARK: random flows

    func randomSide(_ r: inout Rng) -> Side {
        switch r.int(10) {
        case 0: return .entity(.host)
        case 1: return .entity(.remoteNode)
        case 2, 3: return .entity(.world(r.pick(Self.worldIPs)))
        default:
            let app = r.pick(Self.apps), ns = r.pick(Self.namespaces)
            return .pod(Pod(name: "\(app)-\(ns)", namespace: ns, cluster: r.chance(0.1) ? "c2" : "c1", labels: ["app": app],
                            ip: "10.244.\(ns == "a" ? 1 : 2).\(Self.apps.firstIndex(of: app)! + 10)", identity: 1000 + r.int(3)))
        }
    }

    func randomFlow(_ r: inout Rng, _ k: Int) -> TestFlow {
        var f = TestFlow(uuid: "f\(k)", source: randomSide(&r), destination: randomSide(&r))
        f.direction = r.pick(["INGRESS", "EGRESS"])
        f.proto = r.pick(["TCP", "TCP", "UDP"])
        f.port = r.pick(Self.ports + [9000])
        switch r.int(6) {
        case 0: f.verdict = "DROPPED"; f.dropReason = r.pick(["POLICY_DENIED", "POLICY_DENY"])
        case 1: f.verdict = "AUDIT"
        case 2: f.eventType = 4; f.tracePoint = r.pick(["TO_ENDPOINT", "TO_STACK", "FROM_ENDPOINT"]); f.isReply = r.chance(0.2)
        default: break
        }
        return f
    }

    // MARK: the simple evaluator (spec §2–§8, literally)

    func simple(_ line: String, _ policies: [RPolicy]) -> String {
        let root = try! JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
        let f = root["flow"] as! [String: Any]
        let eventType = (f["event_type"] as! [String: Any])["type"] as! Int
        guard [1, 4, 5, 129].contains(eventType) else { return "skip" }
        let verdict = f["verdict"] as! String
        guard ["FORWARDED", "REDIRECTED", "AUDIT", "DROPPED"].contains(verdict) else { return "skip" }
        if verdict == "DROPPED", !["POLICY_DENIED", "POLICY_DENY"].contains(f["drop_reason_desc"] as? String ?? "") { return "skip" }
        if f["is_reply"] as? Bool == true { return "skip" }
        guard let direction = f["traffic_direction"] as? String, direction == "INGRESS" || direction == "EGRESS" else { return "skip" }
        if eventType == 4, !["TO_ENDPOINT", "TO_PROXY", "TO_HOST", "TO_STACK", "TO_OVERLAY", "TO_NETWORK", "TO_CRYPTO"].contains(f["trace_observation_point"] as? String ?? "") { return "skip" }
        let ingress = direction == "INGRESS"
        let src = (f["source"] as! [String: Any])["labels"] as! [String], dst = (f["destination"] as! [String: Any])["labels"] as! [String]
        let subject = ingress ? dst : src, peer = ingress ? src : dst
        func value(_ labels: [String], _ key: String) -> String? {
            labels.first { $0.hasPrefix("k8s:\(key)=") }.map { String($0.dropFirst("k8s:\(key)=".count)) }
        }
        guard let subjectNS = value(subject, "io.kubernetes.pod.namespace") else { return "skip" }
        let cluster = value(subject, "io.cilium.k8s.policy.cluster") ?? "default"
        let ipText = (f["IP"] as! [String: Any])[ingress ? "source" : "destination"] as! String
        let l4 = f["l4"] as! [String: Any]
        let proto = l4.keys.first!, port = (l4[proto] as! [String: Any])["destination_port"] as! Int
        let world = peer.contains("reserved:world")
        func inCIDR(_ ip: String, _ cidr: String) -> Bool {
            let parts = cidr.split(separator: "/"), bits = Int(parts[1])!
            func n(_ s: Substring) -> UInt32 { s.split(separator: ".").reduce(0) { $0 << 8 | UInt32($1)! } }
            let mask: UInt32 = bits == 0 ? 0 : ~UInt32(0) << (32 - bits)
            return n(Substring(ip)) & mask == n(parts[0]) & mask
        }
        struct Hit { let id: String; let deny: Bool; let defaultDeny: Bool; let matches: Bool }
        var hits: [Hit] = []
        for p in policies {
            let knp = p.kind == "NetworkPolicy"
            let ccnp = p.kind == "CiliumClusterwideNetworkPolicy"
            if let app = p.subjectApp, value(subject, "app") != app { continue }
            if !ccnp, subjectNS != p.namespace { continue }
            let want = ingress ? "ingress" : "egress"
            var index: [String: Int] = [:]
            var mine: [Hit] = []
            for e in p.entries {
                let i = index[e.section, default: 0]
                index[e.section] = i + 1
                guard e.section.hasPrefix(want) else { continue }
                let deny = e.section.hasSuffix("Deny")
                var peerOK: Bool
                switch e.peer {
                case .none: peerOK = knp || !e.ports.isEmpty
                case .endpoints(let app, let anyNamespace, let anyCluster):
                    peerOK = (app == nil || value(peer, "app") == app)
                    let ns = value(peer, "io.kubernetes.pod.namespace")
                    if knp || (!ccnp && !anyNamespace) { peerOK = peerOK && ns == p.namespace } else { peerOK = peerOK && ns != nil }
                    if !anyCluster { peerOK = peerOK && value(peer, "io.cilium.k8s.policy.cluster") == cluster }
                case .entity(let name):
                    switch name {
                    case "all": peerOK = true
                    case "world": peerOK = world
                    case "cluster":
                        peerOK = peer.contains { ["reserved:host", "reserved:remote-node", "reserved:health", "reserved:init",
                                                  "reserved:ingress", "reserved:unmanaged", "reserved:kube-apiserver"].contains($0) }
                            || value(peer, "io.cilium.k8s.policy.cluster") == cluster
                    default: peerOK = peer.contains("reserved:" + name)
                    }
                case .cidr(let c, let except):
                    peerOK = world && inCIDR(ipText, c) && !except.contains { inCIDR(ipText, $0) }
                }
                let portOK = e.ports.isEmpty || e.ports.contains { rp in
                    let protos = rp.proto.map { [$0] } ?? (knp ? ["TCP"] : ["TCP", "UDP", "SCTP"])
                    return protos.contains(proto) && (rp.port == 0 || (port >= rp.port && port <= max(rp.port, rp.endPort ?? rp.port)))
                }
                mine.append(Hit(id: "\(p.id) \(e.section)[\(i)]", deny: deny,
                                defaultDeny: knp || p.defaultDeny[want] != false, matches: peerOK && portOK))
            }
            if knp {
                let types = p.policyTypes ?? []
                let hasIngress = p.entries.contains { $0.section == "ingress" }, hasEgress = p.entries.contains { $0.section == "egress" }
                let enforced = ingress ? (hasIngress || types.contains("Ingress") || !types.contains("Egress"))
                    : (hasEgress || types.contains("Egress"))
                if !enforced { continue }
                if mine.isEmpty { mine.append(Hit(id: "marker", deny: false, defaultDeny: true, matches: false)) }
            }
            hits += mine
        }
        if hits.isEmpty { return "allowed no-policy" }
        let defaultDeny = hits.contains { $0.defaultDeny }
        if let d = hits.first(where: { $0.deny && $0.matches }) { return "denied \(d.id)" }
        if let a = hits.first(where: { !$0.deny && $0.matches }) { return "allowed \(a.id)" }
        if ingress && peer.contains("reserved:host") && defaultDeny { return "allowed allow-localhost" }
        return defaultDeny ? "denied default-deny" : "allowed allow-all"
    }

    func testSimulatorAgreesWithTheLiteralEvaluator() throws {
        var r = Rng(state: 20261129)
        let s = try Scratch()
        var compared = 0, decided: [String: Int] = [:]
        for round in 0..<12 {
            let policies = (0..<(1 + r.int(5))).map { randomPolicy(&r, index: $0) }
            // A few hundred distinct flows, each repeated: the grouped path sums them.
            let distinct = (0..<300).map { randomFlow(&r, $0) }
            var flows: [TestFlow] = []
            for k in 0..<1200 {
                var f = distinct[k % distinct.count]
                f.uuid = "r\(round)-\(k)"
                f.seconds = k
                flows.append(f)
            }
            let lines = flows.map { $0.json() }
            let db = s.path("d\(round).db"), input = s.path("f\(round).jsonl"), policy = s.path("p\(round).yaml")
            try writeLines(lines, to: input)
            let docs = try policies.map { String(decoding: try JSONSerialization.data(withJSONObject: json($0), options: [.sortedKeys]), as: UTF8.self) }
            try docs.joined(separator: "\n---\n").write(toFile: policy, atomically: true, encoding: .utf8)
            XCTAssertEqual(try runFlowtrail(["ingest", "--db", db, input]).status, 0)
            let perFlow = try runFlowtrail(["simulate", "--db", db, "--policy", policy, "--flows"])
            XCTAssertEqual(perFlow.status, 0, perFlow.err)
            var got: [String: String] = [:]
            for l in perFlow.out.split(separator: "\n") {
                let o = try jsonObject(l)
                got[o["uuid"] as! String] = "\(o["simulated"]!) \(decidedText(o["decided_by"] as! NSDictionary))"
            }
            var wantRules: [String: Int] = [:], wantChanges: [String: Int] = [:]
            for (f, line) in zip(flows, lines) {
                let want = simple(line, policies)
                if want == "skip" {
                    XCTAssertNil(got[f.uuid], "round \(round) \(f.uuid) should be skipped\n\(line)\n\(docs.joined(separator: "\n"))")
                    continue
                }
                compared += 1
                decided[String(want.split(separator: " ").last!).contains("[") ? "rule" : String(want.split(separator: " ").last!), default: 0] += 1
                guard got[f.uuid] == want else {
                    XCTFail("round \(round) \(f.uuid): flowtrail \(got[f.uuid] ?? "nil"), literal \(want)\n\(line)\n\(docs.joined(separator: "\n"))")
                    return
                }
                let simulated = String(want.split(separator: " ")[0])
                if want.contains("[") { wantRules[String(want.split(separator: " ", maxSplits: 1)[1]), default: 0] += 1 }
                let recorded = f.verdict == "AUDIT" ? "audit" : f.verdict == "DROPPED" ? "denied" : "allowed"
                wantChanges[recorded == simulated ? "unchanged" : "\(recorded)_to_\(simulated)", default: 0] += 1
            }
            // The grouped path: the same counts per rule and per change.
            let grouped = try runFlowtrail(["simulate", "--db", db, "--policy", policy, "-o", "json"])
            let result = try jsonObject(Substring(grouped.out))
            var gotRules: [String: Int] = [:]
            for rule in result["rules"] as! [NSDictionary] where (rule["flows"] as! Int) > 0 {
                gotRules["\(rule["policy"]!) \(rule["section"]!)[\(rule["rule"]!)]"] = rule["flows"] as? Int
            }
            XCTAssertEqual(gotRules, wantRules, "round \(round) rules")
            XCTAssertEqual((result["changes"] as! [String: Int]).filter { $0.value > 0 }, wantChanges, "round \(round) changes")
        }
        // The rounds must exercise every kind of outcome.
        XCTAssertGreaterThan(compared, 5000)
        for kind in ["rule", "default-deny", "no-policy", "allow-all", "allow-localhost"] {
            XCTAssertGreaterThan(decided[kind] ?? 0, 0, "no flow decided by \(kind): \(decided)")
        }
    }
}
