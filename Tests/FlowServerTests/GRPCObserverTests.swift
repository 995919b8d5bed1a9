import FlowTestSupport
import Foundation
import XCTest

/// Hubble's gRPC Observer API on a real `flowtrail serve`, driven by a client from outside the
/// Swift code: grpcio from PyPI with stubs generated from Protos/ in the test
/// (Tests/Scripts/observer_client.py). The answers are checked against the CLI over the same
/// store.
final class GRPCObserverTests: XCTestCase {
    static var ready = false

    /// grpcio-tools, installed from PyPI when missing (as .ci/run's machine starts without it).
    static func requireGRPCTools() throws {
        if Self.ready { return }
        if try SchemathesisTests.run(["python3", "-c", "import grpc_tools, grpc"], timeout: 60).0 != 0 {
            let (status, output) = try SchemathesisTests.run(["python3", "-m", "pip", "install", "-q", "grpcio-tools"], timeout: 600)
            XCTAssertEqual(status, 0, "pip install grpcio-tools: \(output)")
        }
        Self.ready = true
    }

    static func client(_ port: Int, _ calls: [String], extra: [String] = []) throws -> [[String: Any]] {
        let (status, output) = try SchemathesisTests.run(
            ["python3", Paths.packageRoot.appendingPathComponent("Tests/Scripts/observer_client.py").path, String(port)] + extra + calls,
            timeout: 300)
        XCTAssertEqual(status, 0, output)
        let json = output.split(separator: "\n").last.map(String.init) ?? ""
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]], output)
    }

    func count(_ db: String, _ args: [String]) throws -> Int {
        let r = try runFlowtrail(["query", "--db", db, "--count"] + args)
        XCTAssertEqual(r.status, 0, r.err)
        return Int(r.out.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    func testAnOutsideClientReadsTheHistory() throws {
        try Self.requireGRPCTools()
        let s = try Scratch()
        let db = s.path("g.db"), file = s.path("in.jsonl"), more = s.path("more.jsonl")
        try writeLines(generatedLines(3_000, seed: 141), to: file)
        XCTAssertEqual(try runFlowtrail(["ingest", "--db", db, file, Paths.fixture]).status, 0)
        // Flows for the follow call, stored while it listens.
        try writeLines(generatedLines(3, seed: 142, start: 1_900_000_000_000_000_000), to: more)
        let server = try ServerProcess(db: db, grpc: true)
        defer { server.stop() }
        let port = try XCTUnwrap(server.grpcPort)

        // One flow's time, to check that both ends of a range are inclusive.
        let last = try runFlowtrail(["query", "--db", db, "--last", "1", "-o", "json"])
        let t = try XCTUnwrap((try flowObject(last.out))["time"] as? String)
        // What the CLI answers, before the follow call below stores more flows.
        let cliLast5 = try runFlowtrail(["query", "--db", db, "--last", "5", "-o", "json"]).out.split(separator: "\n")
            .compactMap { try? flowObject(String($0))["uuid"] as? String }
        let cliFirst3 = try runFlowtrail(["query", "--db", db, "--first", "3", "-o", "json"]).out.split(separator: "\n")
            .compactMap { try? flowObject(String($0))["uuid"] as? String }
        let dropped = try count(db, ["--verdict", "DROPPED"])
        let kubeSystemNotUDP = try count(db, ["-n", "kube-system", "--not", "--protocol", "udp"])
        let atT = try count(db, ["--since", t, "--until", t])
        let results = try Self.client(port, [
            "health", "status", "nodes", "namespaces",
            "flows:{\"number\":\"5\"}",
            "flows:{\"number\":\"3\",\"first\":true}",
            "flows:{\"number\":\"18446744073709551615\",\"whitelist\":[{\"verdict\":[\"DROPPED\"]}]}",
            "flows:{\"number\":\"18446744073709551615\",\"whitelist\":[{\"source_pod\":[\"kube-system/\"]},{\"destination_pod\":[\"kube-system/\"]}],\"blacklist\":[{\"protocol\":[\"udp\"]}]}",
            "flows:{\"since\":\"\(t)\",\"until\":\"\(t)\"}",
            "flows:{\"number\":\"2\",\"field_mask\":\"time,verdict,source.podName\"}",
            "flows:{\"number\":\"1\",\"whitelist\":[{\"source_port\":[\"eighty\"]}]}",
            "flows:{\"number\":\"1\",\"whitelist\":[{\"experimental\":{\"cel_expression\":[\"verdict ==\"]}}]}",
            "flows:{\"follow\":true,\"first\":true}",
            "cancel:{\"number\":\"18446744073709551615\"}",
            "status",
            "follow:{\"follow\":true,\"number\":\"1\"}:\(more):4",
        ], extra: ["--http", String(server.port)])
        func result(_ k: Int) -> [String: Any] { results[k] }
        XCTAssertEqual(result(0)["status"] as? String, "SERVING")
        let status = try XCTUnwrap(result(1)["response"] as? [String: Any])
        XCTAssertEqual(status["num_flows"] as? String, "3012")
        XCTAssertEqual(status["num_connected_nodes"] as? Int, (result(2)["response"] as? [String: Any])?["nodes"].map { ($0 as! [Any]).count })
        XCTAssertTrue((status["version"] as? String ?? "").hasPrefix("flowtrail"), "\(status)")
        let namespaces = ((result(3)["response"] as? [String: Any])?["namespaces"] as? [[String: Any]] ?? []).compactMap { $0["namespace"] as? String }
        XCTAssertTrue(namespaces.contains("kube-system") && namespaces.contains("bookinfo"), "\(namespaces)")

        // The newest 5, oldest first: the CLI's --last 5.
        func uuids(_ r: [String: Any]) -> [String] {
            (r["responses"] as? [[String: Any]] ?? []).compactMap { ($0["flow"] as? [String: Any])?["uuid"] as? String }
        }
        XCTAssertEqual(uuids(result(4)), cliLast5)
        XCTAssertEqual((result(4)["responses"] as? [[String: Any]])?.first?["node_name"] as? String != nil, true)
        XCTAssertEqual(uuids(result(5)).suffix(cliFirst3.count), ArraySlice(cliFirst3))
        // Filters: the same counts as the CLI's flags.
        XCTAssertEqual((result(6)["responses"] as? [Any])?.count, dropped)
        XCTAssertEqual((result(7)["responses"] as? [Any])?.count ?? 0, kubeSystemNotUDP)
        XCTAssertGreaterThan(kubeSystemNotUDP, 0)
        // since = until = one flow's time: that flow is in (both ends inclusive).
        let exact = (result(8)["responses"] as? [[String: Any]] ?? []).compactMap { ($0["flow"] as? [String: Any])?["time"] as? String }
        XCTAssertFalse(exact.isEmpty)
        XCTAssertEqual(exact.count, atT)
        // The field mask: only those fields.
        for r in result(9)["responses"] as? [[String: Any]] ?? [] {
            let flow = try XCTUnwrap(r["flow"] as? [String: Any])
            XCTAssertTrue(Set(flow.keys).isSubset(of: ["time", "verdict", "source"]), "\(flow.keys)")
        }
        // Bad requests: INVALID_ARGUMENT naming the field or the expression's column.
        XCTAssertEqual(result(10)["error"] as? String, "INVALID_ARGUMENT")
        XCTAssertTrue((result(10)["message"] as? String ?? "").contains("source_port"), "\(result(10))")
        XCTAssertEqual(result(11)["error"] as? String, "INVALID_ARGUMENT")
        XCTAssertEqual(result(12)["error"] as? String, "INVALID_ARGUMENT")
        // A cancelled stream leaves the server answering.
        XCTAssertNotNil(result(13)["first"])
        XCTAssertNotNil(result(14)["response"])
        // Following: the newest flow, then the flows stored while it listens.
        let followed = (result(15)["responses"] as? [[String: Any]] ?? []).dropFirst().compactMap { ($0["flow"] as? [String: Any])?["uuid"] as? String }
        let pushed = try String(contentsOfFile: more, encoding: .utf8).split(separator: "\n").compactMap { try? flowObject(String($0))["uuid"] as? String }
        XCTAssertEqual(followed, pushed, "\(result(15))")
        XCTAssertEqual(try server.client().get("/healthz").status, 200)
    }

    func testTheTokenGuardsGRPCToo() throws {
        try Self.requireGRPCTools()
        let s = try Scratch()
        let db = s.path("t.db"), file = s.path("in.jsonl")
        try writeLines(generatedLines(50, seed: 143), to: file)
        XCTAssertEqual(try runFlowtrail(["ingest", "--db", db, file]).status, 0)
        let server = try ServerProcess(db: db, extra: ["--token", "s3cret"], grpc: true)
        defer { server.stop() }
        let port = try XCTUnwrap(server.grpcPort)
        let without = try Self.client(port, ["status", "flows:{\"number\":\"1\"}"])
        XCTAssertEqual(without.map { $0["error"] as? String }, ["UNAUTHENTICATED", "UNAUTHENTICATED"])
        let wrong = try Self.client(port, ["status"], extra: ["--token", "guess"])
        XCTAssertEqual(wrong.first?["error"] as? String, "UNAUTHENTICATED")
        let with = try Self.client(port, ["status", "flows:{\"number\":\"1\"}"], extra: ["--token", "s3cret"])
        XCTAssertNotNil(with[0]["response"])
        XCTAssertEqual((with[1]["responses"] as? [Any])?.count, 1)
    }

    /// grpc-go (the hubble CLI) PINGs for flow-control estimation all through a long stream;
    /// swift-nio-http2 alone would close the connection (GOAWAY ENHANCE_YOUR_CALM) after 200
    /// PINGs in 30 s, ending `hubble observe --all` after a few thousand flows. The server answers
    /// them (ClientPingResponder) yet still closes on a flood.
    func testFlowControlPingsDoNotEndTheConnectionButAFloodDoes() throws {
        let s = try Scratch()
        let db = s.path("p.db"), file = s.path("in.jsonl")
        try writeLines(generatedLines(10, seed: 144), to: file)
        XCTAssertEqual(try runFlowtrail(["ingest", "--db", db, file]).status, 0)
        let server = try ServerProcess(db: db, grpc: true)
        defer { server.stop() }
        let port = try XCTUnwrap(server.grpcPort)
        func pings(_ count: Int, everyMilliseconds: Int) throws -> [String: Any] {
            let (status, output) = try SchemathesisTests.run(
                ["python3", Paths.packageRoot.appendingPathComponent("Tests/Scripts/http2_pings.py").path,
                 String(port), String(count), String(everyMilliseconds)], timeout: 60)
            XCTAssertEqual(status, 0, output)
            let json = output.split(separator: "\n").last.map(String.init) ?? ""
            return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], output)
        }
        // 400 PINGs in about 2 s: twice what swift-nio-http2 allows in 30 s.
        let steady = try pings(400, everyMilliseconds: 5)
        XCTAssertEqual(steady["acks"] as? Int, 400, "\(steady)")
        XCTAssertEqual(steady["acks_in_order"] as? Bool, true)
        XCTAssertTrue(steady["goaway"] is NSNull, "\(steady)")
        // 5,000 back to back: the first 500 of the second are answered, then the HTTP/2
        // handler's own limit closes the connection with ENHANCE_YOUR_CALM (11).
        let flood = try pings(5_000, everyMilliseconds: 0)
        XCTAssertEqual(flood["goaway"] as? Int, 11, "\(flood)")
        XCTAssertLessThan(flood["acks"] as? Int ?? 5_000, 5_000)
        XCTAssertEqual(try server.client().get("/healthz").status, 200)
    }
}
