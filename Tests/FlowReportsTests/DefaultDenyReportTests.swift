import FlowTestSupport
import Foundation
import XCTest
import Yams

/// The default-deny report against a brute-force computation over the raw generated flows,
/// and its suggested policies against a small model of CiliumNetworkPolicy matching.
final class DefaultDenyReportTests: XCTestCase {
    nonisolated(unsafe) static var scratch: Scratch!
    nonisolated(unsafe) static var db = ""
    nonisolated(unsafe) static var lines: [String] = []

    override class func setUp() {
        super.setUp()
        scratch = try! Scratch()
        db = scratch.path("report.db")
        lines = generatedLines(30_000, seed: 17)
        let file = scratch.path("in.jsonl")
        try! writeLines(lines, to: file)
        XCTAssertEqual(try! runFlowtrail(["ingest", "--db", db, "--batch-size", "4096", file]).status, 0)
    }

    /// A connection as the test computes it from a raw flow.
    struct Connection: Hashable {
        let direction: String
        let subject: String
        let peer: String
        let proto: String
        let port: Int
    }

    static func str(_ v: Any?) -> String { v as? String ?? "" }

    /// Namespace/workload (or pod), or the reserved entity, as the report names endpoints.
    static func name(_ ep: NSDictionary?) -> String {
        let labels = ep?["labels"] as? [String] ?? []
        let ns = str(ep?["namespace"]), pod = str(ep?["pod_name"])
        if ns.isEmpty || pod.isEmpty, let r = labels.first(where: { $0.hasPrefix("reserved:") }) { return String(r.dropFirst(9)) }
        let workload = str((ep?["workloads"] as? [NSDictionary])?.first?["name"])
        let n = workload.isEmpty ? pod : workload
        return ns.isEmpty ? n : "\(ns)/\(n)"
    }

    /// The brute force: every raw flow default-deny would block, as a connection, counted.
    static func bruteForce() throws -> [Connection: Int] {
        var out: [Connection: Int] = [:]
        for line in lines {
            let flow = try XCTUnwrap(try jsonObject(Substring(line))["flow"] as? NSDictionary)
            let type = (flow["event_type"] as? NSDictionary)?["type"] as? Int ?? 0
            let verdict = str(flow["verdict"]), match = flow["policy_match_type"] as? Int ?? 0
            let reply = flow["is_reply"] as? Bool ?? false
            guard type == 5, !reply, verdict == "AUDIT" || (["FORWARDED", "REDIRECTED"].contains(verdict) && match == 4) else { continue }
            let egress = str(flow["traffic_direction"]) == "EGRESS"
            let l4 = flow["l4"] as? NSDictionary
            let proto = (l4?.allKeys.first as? String) ?? ""
            let port = ((l4?[proto] as? NSDictionary)?["destination_port"] as? Int) ?? 0
            let subject = flow[egress ? "source" : "destination"] as? NSDictionary
            let peer = flow[egress ? "destination" : "source"] as? NSDictionary
            var peerName = name(peer)
            if peerName == "world" || peerName.isEmpty {
                let names = (flow[egress ? "destination_names" : "source_names"] as? [String] ?? []).sorted()
                let ip = str((flow["IP"] as? NSDictionary)?[egress ? "destination" : "source"])
                peerName = "world" + (names.isEmpty ? "" : " (" + names.joined(separator: ",") + ")") + " " + ip
            }
            out[Connection(direction: egress ? "EGRESS" : "INGRESS", subject: name(subject), peer: peerName, proto: proto, port: port), default: 0] += 1
        }
        return out
    }

    static func report(_ extra: [String] = []) throws -> NSDictionary {
        let r = try runFlowtrail(["report", "default-deny", "--db", db, "-o", "json"] + extra)
        XCTAssertEqual(r.status, 0, r.err)
        return try jsonObject(Substring(r.out))
    }

    static func connection(_ g: NSDictionary) -> Connection {
        let subject = g["subject"] as? NSDictionary, peer = g["peer"] as? NSDictionary
        func display(_ e: NSDictionary?) -> String {
            if let entity = e?["entity"] as? String { return entity }
            let ns = str(e?["namespace"]), n = str(e?["workload"]).isEmpty ? str(e?["pod"]) : str(e?["workload"])
            return ns.isEmpty ? n : "\(ns)/\(n)"
        }
        var peerName = display(peer)
        if peerName == "world" || peerName.isEmpty {
            let names = peer?["names"] as? [String] ?? []
            peerName = "world" + (names.isEmpty ? "" : " (" + names.joined(separator: ",") + ")") + " " + str(peer?["ip"])
        }
        return Connection(direction: str(g["direction"]), subject: display(subject), peer: peerName,
                          proto: str(g["protocol"]), port: g["port"] as? Int ?? 0)
    }

    func testGroupsAndCountsEqualTheBruteForce() throws {
        let expected = try Self.bruteForce()
        let report = try Self.report()
        let groups = try XCTUnwrap(report["groups"] as? [NSDictionary])
        var got: [Connection: Int] = [:]
        var verdicts = Set<String>(), matchTypes = Set<Int>()
        for g in groups {
            got[Self.connection(g), default: 0] += g["flows"] as? Int ?? 0
            verdicts.formUnion(g["verdicts"] as? [String] ?? [])
            matchTypes.formUnion(g["match_types"] as? [Int] ?? [])
            XCTAssertFalse(Self.str(g["example_uuid"]).isEmpty)
        }
        XCTAssertEqual(got.count, groups.count, "each connection is one group")
        XCTAssertEqual(got, expected)
        XCTAssertEqual(report["total_flows"] as? Int, expected.values.reduce(0, +))
        XCTAssertTrue(verdicts.contains("AUDIT") && verdicts.isSubset(of: ["AUDIT", "FORWARDED", "REDIRECTED"]), "\(verdicts)")
        XCTAssertTrue(matchTypes.contains(4), "\(matchTypes)")
        XCTAssertTrue((report["notes"] as? [String] ?? []).joined().contains("allow-all"))
        // The rollups answer what the raw flows answer, and a filter narrows the report.
        XCTAssertEqual(try Self.report(["--raw"]), report)
        let shop = try Self.report(["destination.namespace == \"shop\" || source.namespace == \"shop\""])
        XCTAssertLessThan(shop["total_flows"] as? Int ?? 0, report["total_flows"] as? Int ?? 0)
        // Sorted by flows, largest first.
        let counts = groups.compactMap { $0["flows"] as? Int }
        XCTAssertEqual(counts, counts.sorted(by: >))
    }

    func testSuggestedPoliciesParseAndAllowExactlyTheReportedConnections() throws {
        let r = try runFlowtrail(["report", "default-deny", "--db", Self.db, "-o", "yaml"])
        XCTAssertEqual(r.status, 0, r.err)
        let list = try XCTUnwrap(try Yams.load(yaml: r.out) as? [String: Any])
        XCTAssertEqual(list["kind"] as? String, "List")
        let docs = try XCTUnwrap(list["items"] as? [[String: Any]])
        XCTAssertGreaterThan(docs.count, 0)
        for d in docs {
            XCTAssertEqual(d["apiVersion"] as? String, "cilium.io/v2")
            XCTAssertEqual(d["kind"] as? String, "CiliumNetworkPolicy")
            let meta = try XCTUnwrap(d["metadata"] as? [String: Any])
            XCTAssertNotNil(meta["namespace"] as? String)
            XCTAssertNotNil(((d["spec"] as? [String: Any])?["endpointSelector"] as? [String: Any])?["matchLabels"])
        }
        // Deterministic.
        XCTAssertEqual(try runFlowtrail(["report", "default-deny", "--db", Self.db, "-o", "yaml"]).out, r.out)
        let model = PolicyModel(docs)
        let groups = try XCTUnwrap(try Self.report()["groups"] as? [NSDictionary])
        for g in groups where (g["subject"] as? NSDictionary)?["entity"] == nil {
            XCTAssertTrue(model.allows(g), "not allowed: \(Self.connection(g))")
            // The same connection on another port, or in the other direction, was not reported.
            let other = g.mutableCopy() as! NSMutableDictionary
            other["port"] = 1 + (g["port"] as? Int ?? 0) % 60000 + 1
            if (g["protocol"] as? String) == "TCP" || (g["protocol"] as? String) == "UDP",
               !groups.contains(where: { Self.connection($0) == Self.connection(other) }) {
                XCTAssertFalse(model.allows(other), "allowed but not reported: \(Self.connection(other))")
            }
            other["port"] = g["port"]
            other["direction"] = Self.str(g["direction"]) == "EGRESS" ? "INGRESS" : "EGRESS"
            if !groups.contains(where: { Self.connection($0) == Self.connection(other) }) {
                XCTAssertFalse(model.allows(other), "allowed but not reported: \(Self.connection(other))")
            }
        }
    }
}

/// A small model of CiliumNetworkPolicy matching, written for the test: endpointSelector
/// and from/toEndpoints by matchLabels, from/toEntities, toFQDNs by matchName, to/fromCIDR,
/// toPorts by port and protocol.
struct PolicyModel {
    let docs: [[String: Any]]
    init(_ docs: [[String: Any]]) { self.docs = docs }

    static func labels(_ e: NSDictionary?) -> [String: String] {
        var out: [String: String] = [:]
        for l in e?["labels"] as? [String] ?? [] {
            let kv = l.split(separator: "=", maxSplits: 1).map(String.init)
            out[kv[0]] = kv.count > 1 ? kv[1] : ""
        }
        if let ns = e?["namespace"] as? String { out["k8s:io.kubernetes.pod.namespace"] = ns }
        return out
    }

    static func selects(_ selector: [String: Any]?, _ e: NSDictionary?) -> Bool {
        let want = selector?["matchLabels"] as? [String: Any] ?? [:]
        let have = labels(e)
        return want.allSatisfy { have[$0.key] == "\($0.value)" }
    }

    func allows(_ g: NSDictionary) -> Bool {
        let subject = g["subject"] as? NSDictionary, peer = g["peer"] as? NSDictionary
        let egress = (g["direction"] as? String) == "EGRESS"
        let port = String(g["port"] as? Int ?? 0), proto = g["protocol"] as? String ?? ""
        for d in docs {
            guard let spec = d["spec"] as? [String: Any], (d["metadata"] as? [String: Any])?["namespace"] as? String == subject?["namespace"] as? String,
                  Self.selects(spec["endpointSelector"] as? [String: Any], subject) else { continue }
            for rule in spec[egress ? "egress" : "ingress"] as? [[String: Any]] ?? [] {
                let side = egress ? "to" : "from"
                var peerOK = false
                if let eps = rule["\(side)Endpoints"] as? [[String: Any]] { peerOK = eps.contains { Self.selects($0, peer) } }
                if let ents = rule["\(side)Entities"] as? [String], let entity = peer?["entity"] as? String { peerOK = peerOK || ents.contains(entity) }
                if let fqdns = rule["toFQDNs"] as? [[String: Any]], egress {
                    let names = peer?["names"] as? [String] ?? []
                    peerOK = peerOK || fqdns.contains { names.contains($0["matchName"] as? String ?? "") }
                }
                if let cidrs = rule["\(side)CIDR"] as? [String], let ip = peer?["ip"] as? String { peerOK = peerOK || cidrs.contains { $0.hasPrefix(ip + "/") } }
                guard peerOK else { continue }
                guard let toPorts = rule["toPorts"] as? [[String: Any]] else { return !(["TCP", "UDP", "SCTP"].contains(proto)) }
                let ports = toPorts.flatMap { $0["ports"] as? [[String: Any]] ?? [] }
                if ports.contains(where: { "\($0["port"] ?? "")" == port && (($0["protocol"] as? String) == proto || ($0["protocol"] as? String) == "ANY") }) { return true }
            }
        }
        return false
    }
}

/// The suggested policies for a small fixed store, against a reviewed golden file
/// (Tests/Fixtures/default-deny-golden.yaml; set FLOWTRAIL_UPDATE_GOLDEN=1 to rewrite it).
final class PolicyGoldenTests: XCTestCase {
    func testSuggestedPoliciesMatchTheGoldenFile() throws {
        let s = try Scratch()
        let db = s.path("golden.db")
        let file = s.path("in.jsonl")
        try writeLines(generatedLines(4_000, seed: 23), to: file)
        XCTAssertEqual(try runFlowtrail(["ingest", "--db", db, file]).status, 0)
        let r = try runFlowtrail(["report", "default-deny", "--db", db, "-o", "yaml"])
        XCTAssertEqual(r.status, 0, r.err)
        let golden = Paths.packageRoot.appendingPathComponent("Tests/Fixtures/default-deny-golden.yaml").path
        if ProcessInfo.processInfo.environment["FLOWTRAIL_UPDATE_GOLDEN"] == "1" {
            try r.out.write(toFile: golden, atomically: true, encoding: .utf8)
        }
        XCTAssertEqual(r.out, try String(contentsOfFile: golden, encoding: .utf8))
        XCTAssertGreaterThan(((try Yams.load(yaml: r.out) as? [String: Any])?["items"] as? [Any])?.count ?? 0, 0)
    }
}
