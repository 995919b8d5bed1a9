import FlowTestSupport
import Foundation
import XCTest

/// Cluster-wide scenarios over generated traffic (`flowtrail gen`: many namespaces, world by
/// IP and name, host, remote nodes, L7): each evaluated flow's decision is checked against
/// what the spec says for that flow, read from its own JSON.
final class GeneratedScenarioTests: XCTestCase {
    struct Run {
        let flows: [String: [String: Any]]
        let decisions: [(uuid: String, simulated: String, decidedBy: String)]
        let result: NSDictionary
    }

    static let store: (Scratch, String) = {
        let s = try! Scratch()
        let db = s.path("gen.db"), input = s.path("gen.jsonl")
        // 20 s of flows across midnight: two partitions, two hours.
        try! writeLines(generatedLines(20_000, seed: 11, start: 1_767_225_590_000_000_000), to: input)
        _ = try! runFlowtrail(["ingest", "--db", db, input])
        return (s, db)
    }()

    func simulate(_ yaml: String, _ filter: [String] = []) throws -> Run {
        let (s, db) = Self.store
        let policy = s.path("p\(abs(yaml.hashValue)).yaml")
        try yaml.write(toFile: policy, atomically: true, encoding: .utf8)
        let lines = try runFlowtrail(["simulate", "--db", db, "--policy", policy, "--flows"] + filter)
        XCTAssertEqual(lines.status, 0, lines.err)
        let decisions = try lines.out.split(separator: "\n").map { l -> (String, String, String) in
            let o = try jsonObject(l)
            return (o["uuid"] as! String, o["simulated"] as! String, decidedText(o["decided_by"] as! NSDictionary))
        }
        let exported = try runFlowtrail(["export", "--db", db] + filter)
        var flows: [String: [String: Any]] = [:]
        for l in exported.out.split(separator: "\n") {
            let f = (try JSONSerialization.jsonObject(with: Data(l.utf8)) as! [String: Any])["flow"] as! [String: Any]
            flows[f["uuid"] as! String] = f
        }
        let json = try runFlowtrail(["simulate", "--db", db, "--policy", policy, "-o", "json"] + filter)
        return Run(flows: flows, decisions: decisions, result: try jsonObject(Substring(json.out)))
    }

    func labels(_ f: [String: Any], _ side: String) -> [String] { (f[side] as? [String: Any])?["labels"] as? [String] ?? [] }

    func testClusterwideIngressLockDown() throws {
        let run = try simulate("""
            apiVersion: cilium.io/v2
            kind: CiliumClusterwideNetworkPolicy
            metadata: {name: deny-all-ingress}
            spec:
              endpointSelector: {}
              ingress: [{}]
            """)
        XCTAssertGreaterThan(run.decisions.count, 1000)
        var kinds: Set<String> = []
        for d in run.decisions {
            let f = try XCTUnwrap(run.flows[d.uuid])
            let want: String
            if f["traffic_direction"] as? String == "EGRESS" {
                want = "allowed no-policy"
            } else if labels(f, "source").contains("reserved:host") {
                want = "allowed allow-localhost"
            } else {
                want = "denied default-deny"
            }
            kinds.insert(want)
            XCTAssertEqual("\(d.simulated) \(d.decidedBy)", want, "\(f)")
        }
        XCTAssertEqual(kinds.count, 3, "\(kinds)")
        // The rule allowed nothing: listed, with no flows.
        let rules = run.result["rules"] as! [NSDictionary]
        XCTAssertEqual(rules.count, 1)
        XCTAssertEqual(rules[0]["flows"] as? Int, 0)
    }

    func testAllowAllWithWorldEgressDenied() throws {
        let run = try simulate("""
            apiVersion: cilium.io/v2
            kind: CiliumClusterwideNetworkPolicy
            metadata: {name: open}
            spec:
              endpointSelector: {}
              ingress: [{fromEntities: [all]}]
              egress: [{toEntities: [all]}]
              egressDeny: [{toEntities: [world]}]
            """)
        var worldDenied = 0
        for d in run.decisions {
            let f = try XCTUnwrap(run.flows[d.uuid])
            let egress = f["traffic_direction"] as? String == "EGRESS"
            let world = labels(f, "destination").contains { $0.hasPrefix("reserved:world") }
                || (labels(f, "destination").isEmpty && [2, 9, 10].contains((f["destination"] as? [String: Any])?["identity"] as? Int ?? 0))
            let want = egress && world ? "denied open egressDeny[0]" : egress ? "allowed open egress[0]" : "allowed open ingress[0]"
            if egress && world { worldDenied += 1 }
            XCTAssertEqual("\(d.simulated) \(d.decidedBy)", want, "\(f)")
        }
        XCTAssertGreaterThan(worldDenied, 0)
    }

    /// Ranges that cut hours: the rollup for whole hours, raw flows at the edges, the same
    /// answer as every flow evaluated on its own.
    func testPartialHoursAgreeWithEveryFlowEvaluated() throws {
        let (s, db) = Self.store
        let policy = s.path("ranges.yaml")
        try """
            apiVersion: cilium.io/v2
            kind: CiliumClusterwideNetworkPolicy
            metadata: {name: mixed}
            spec:
              endpointSelector: {}
              ingress: [{fromEntities: [cluster], toPorts: [{ports: [{port: "8080", protocol: TCP}]}]}]
              egress: [{toEntities: [world]}, {icmps: [{fields: [{type: 8}]}]}]
            """.write(toFile: policy, atomically: true, encoding: .utf8)
        // The flows run from 23:59:50 to 00:00:10: rollup hours with raw edges on either side,
        // raw only, rollup only.
        for (since, until) in [("2025-12-31T23:59:55Z", "2026-01-01T01:00:00Z"), ("2025-12-31T23:00:00Z", "2026-01-01T00:00:05.5Z"),
                               ("2025-12-31T23:59:53Z", "2026-01-01T00:00:07.5Z"), ("2025-12-31T22:00:00Z", "2026-01-01T02:00:00Z")] {
            let grouped = try runFlowtrail(["simulate", "--db", db, "--policy", policy, "--since", since, "--until", until, "-o", "json"])
            XCTAssertEqual(grouped.status, 0, grouped.err)
            let result = try jsonObject(Substring(grouped.out))
            let lines = try runFlowtrail(["simulate", "--db", db, "--policy", policy, "--since", since, "--until", until, "--flows"])
            var changes: [String: Int] = [:]
            for l in lines.out.split(separator: "\n") { changes[try jsonObject(l)["change"] as! String, default: 0] += 1 }
            XCTAssertEqual((result["changes"] as! [String: Int]).filter { $0.value > 0 }, changes, "\(since) – \(until)")
            XCTAssertGreaterThan(changes.values.reduce(0, +), 1000)
            XCTAssertEqual(result["flows_evaluated"] as? Int, changes.values.reduce(0, +))
        }
    }

    /// The report's suggested policies, simulated over the flows they were made from, allow
    /// every connection the report found (what default-deny would block).
    func testSuggestedPoliciesAllowWhatTheReportFound() throws {
        let (_, db) = Self.store
        let yaml = try runFlowtrail(["report", "default-deny", "--db", db, "-o", "yaml"])
        XCTAssertEqual(yaml.status, 0)
        let run = try simulate(yaml.out, ["@default-deny-would-block"])
        XCTAssertGreaterThan(run.decisions.count, 50)
        for d in run.decisions {
            XCTAssertEqual(d.simulated, "allowed", "\(run.flows[d.uuid] ?? [:])")
            XCTAssertTrue(d.decidedBy.contains("flowtrail-allow-"), d.decidedBy)
        }
        let changes = run.result["changes"] as! [String: Int]
        XCTAssertEqual(changes["audit_to_denied"], 0)
        XCTAssertEqual(changes["allowed_to_denied"], 0)
    }
}
