import FlowTestSupport
import Foundation
import XCTest

/// `flowtrail serve --store clickhouse://…` on a real ClickHouse 18.16 server answers the HTTP
/// API and Hubble's gRPC API as `serve --db` does over the same flows in SQLite.
final class ClickHouseServeTests: XCTestCase {
    func testServesAClickHouseStoreAsSQLite() throws {
        let s = try Scratch()
        let clickhouse = try ClickHouseServer(scratch: s)
        defer { clickhouse.stop() }
        let file = s.path("in.jsonl"), db = s.path("same.db"), store = clickhouse.url("served")
        let fixture = try String(contentsOfFile: Paths.fixture, encoding: .utf8).split(separator: "\n").map(String.init)
        try writeLines(generatedLines(6_000, seed: 161) + fixture, to: file)
        XCTAssertEqual(try runFlowtrail(["ingest", "--db", db, file]).status, 0)
        let ingest = try runFlowtrail(["ingest", "--store", store, file])
        XCTAssertEqual(ingest.status, 0, ingest.err)
        let sqlite = try ServerProcess(db: db, grpc: true), served = try ServerProcess(db: store, grpc: true)
        defer {
            sqlite.stop()
            served.stop()
        }
        let a = sqlite.client(), b = served.client()
        let total = Int(try runFlowtrail(["query", "--db", db, "--count"]).out.trimmingCharacters(in: .whitespacesAndNewlines))!

        // Counts, reports, lost events: the same bodies.
        let filter = HTTPClient.encode("verdict == Verdict.DROPPED || l7.http.url.contains(\"/api\")")
        for target in ["/api/v1/flows/count", "/api/v1/flows/count?filter=\(filter)", "/api/v1/reports/default-deny",
                       "/api/v1/reports/default-deny?format=csv", "/api/v1/reports/summary?bucket=1h",
                       "/api/v1/reports/summary?filter=\(filter)", "/api/v1/lost-events"] {
            let x = try a.get(target), y = try b.get(target)
            XCTAssertEqual(x.status, 200, "\(target): \(x.text)")
            XCTAssertEqual(y.status, 200, "\(target): \(y.text)")
            XCTAssertEqual(x.text, y.text, target)
        }

        // Pages followed through their cursors, both orders, with and without a filter the SQL
        // cannot hold whole: every flow once, the same flows as SQLite's.
        func walk(_ client: HTTPClient, _ query: String) throws -> [String] {
            var lines: [String] = [], cursor: String?
            repeat {
                let r = try client.get("/api/v1/flows?limit=900&\(query)" + (cursor.map { "&cursor=" + HTTPClient.encode($0) } ?? ""))
                XCTAssertEqual(r.status, 200, r.text)
                lines += r.text.split(separator: "\n").map(String.init)
                cursor = r.header("X-Next-Cursor")
            } while cursor != nil && lines.count <= total
            return lines
        }
        for query in ["order=asc", "order=desc", "order=desc&filter=\(filter)"] {
            let x = try walk(a, query), y = try walk(b, query)
            XCTAssertEqual(Set(y).count, y.count, "\(query): a flow on two pages")
            XCTAssertTrue(x.sorted() == y.sorted(), "\(query): SQLite \(x.count) flows, ClickHouse \(y.count)")
        }
        XCTAssertEqual(try walk(b, "order=asc").count, total)
        // The newest flow first, as the web page asks.
        XCTAssertEqual(try a.get("/api/v1/flows?limit=1").text, try b.get("/api/v1/flows?limit=1").text)

        // The export, stats and a simulation.
        // CSV rows end in CRLF: one Character in Swift, so split on newlines, not "\n".
        let csvA = try a.get("/api/v1/export?format=csv").text.split(whereSeparator: \.isNewline)
        let csvB = try b.get("/api/v1/export?format=csv").text.split(whereSeparator: \.isNewline)
        XCTAssertEqual(csvA.first, csvB.first)
        XCTAssertTrue(csvA.sorted() == csvB.sorted(), "export: SQLite \(csvA.count) rows, ClickHouse \(csvB.count): \(csvB.first ?? "")")
        XCTAssertEqual(csvB.count, total + 1)
        let stats = try b.get("/api/v1/stats").json()
        XCTAssertEqual(stats["flows"] as? Int, total)
        let policy = Data("""
            apiVersion: cilium.io/v2
            kind: CiliumClusterwideNetworkPolicy
            metadata: {name: cluster-only}
            spec:
              endpointSelector: {}
              ingress: [{fromEntities: [cluster]}]
              egress: [{toEntities: [cluster]}]
            """.utf8)
        let simA = try a.request("POST", "/api/v1/simulate", body: policy), simB = try b.request("POST", "/api/v1/simulate", body: policy)
        XCTAssertEqual(simB.status, 200, simB.text)
        XCTAssertEqual(simA.text, simB.text)

        // Read only: pushed bodies are refused with a reason.
        let push = try b.request("POST", "/api/v1/ingest", body: Data(fixture[0].utf8))
        XCTAssertEqual(push.status, 503)
        XCTAssertEqual((try push.json()["error"] as? [String: Any])?["code"] as? String, "ingest_unavailable", push.text)

        // Hubble's gRPC API: status, nodes, namespaces and flows as from SQLite.
        try GRPCObserverTests.requireGRPCTools()
        let calls = ["status", "nodes", "namespaces", "flows:{\"number\":\"5\"}",
                     "flows:{\"number\":\"18446744073709551615\",\"whitelist\":[{\"verdict\":[\"DROPPED\"]}]}"]
        let x = try GRPCObserverTests.client(try XCTUnwrap(sqlite.grpcPort), calls)
        let y = try GRPCObserverTests.client(try XCTUnwrap(served.grpcPort), calls)
        func field(_ r: [String: Any], _ key: String) -> String { "\((r["response"] as? [String: Any])?[key] ?? "none")" }
        XCTAssertEqual(field(y[0], "num_flows"), "\(total)", "\(y[0])")
        XCTAssertEqual(field(x[0], "num_connected_nodes"), field(y[0], "num_connected_nodes"))
        func sortedJSON(_ v: Any?) -> String {
            String(decoding: (try? JSONSerialization.data(withJSONObject: v ?? [], options: [.sortedKeys])) ?? Data(), as: UTF8.self)
        }
        func names(_ r: [String: Any], _ key: String) -> [String] {
            ((r["response"] as? [String: Any])?[key] as? [[String: Any]] ?? []).map { sortedJSON(["name": $0["name"] ?? "", "num_flows": $0["num_flows"] ?? "", "namespace": $0["namespace"] ?? "", "cluster": $0["cluster"] ?? ""]) }
        }
        XCTAssertEqual(names(x[1], "nodes"), names(y[1], "nodes"))
        XCTAssertGreaterThan(names(y[1], "nodes").count, 0)
        XCTAssertEqual(names(x[2], "namespaces"), names(y[2], "namespaces"))
        func flows(_ r: [String: Any]) -> [String] { (r["responses"] as? [[String: Any]] ?? []).map { sortedJSON($0["flow"]) } }
        XCTAssertEqual(flows(x[3]), flows(y[3]))
        XCTAssertEqual(flows(y[3]).count, 5)
        XCTAssertTrue(flows(x[4]).sorted() == flows(y[4]).sorted(), "GetFlows DROPPED: \(flows(x[4]).count) vs \(flows(y[4]).count)")
        XCTAssertGreaterThan(flows(y[4]).count, 10)

        // A live stream polls the store: flows another process stores come, each once.
        let later = s.path("later.jsonl"), later2 = s.path("later2.jsonl")
        try writeLines(generatedLines(300, seed: 162, start: 1_900_000_000_000_000_000), to: later)
        try writeLines(generatedLines(200, seed: 163, start: 1_900_000_100_000_000_000), to: later2)
        let stream = try b.open("GET", "/api/v1/flows?follow=true")
        defer { close(stream) }
        Thread.sleep(forTimeInterval: 1)
        XCTAssertEqual(try runFlowtrail(["ingest", "--store", store, later]).status, 0)
        let streamed = Self.streamedLines(stream, atLeast: 300, within: 60)
        XCTAssertEqual(streamed.count, 300)
        XCTAssertEqual(Set(streamed.compactMap(Self.uuid)), Set(try String(contentsOfFile: later, encoding: .utf8).split(separator: "\n").compactMap { Self.uuid(String($0)) }))

        // `hubble observe -f --last 1`: the newest flow, then what another process stores.
        let pushCommand = String(decoding: try JSONSerialization.data(withJSONObject: [Paths.flowtrail, "ingest", "--store", store]), as: UTF8.self)
        let followed = try GRPCObserverTests.client(try XCTUnwrap(served.grpcPort), ["follow:{\"follow\":true,\"number\":\"1\"}:\(later2):201"],
                                                    extra: ["--push-command", pushCommand])
        let uuids = (followed[0]["responses"] as? [[String: Any]] ?? []).compactMap { ($0["flow"] as? [String: Any])?["uuid"] as? String }
        XCTAssertEqual(uuids.count, 201, "\(followed[0])".prefix(300).description)
        XCTAssertEqual(Set(uuids.dropFirst()), Set(try String(contentsOfFile: later2, encoding: .utf8).split(separator: "\n").compactMap { Self.uuid(String($0)) }))
    }

    static func uuid(_ line: String) -> String? {
        ((try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["flow"] as? [String: Any])?["uuid"] as? String
    }

    /// The NDJSON lines a streamed (chunked) response on `fd` brought, once there are `atLeast`
    /// or `within` seconds passed.
    static func streamedLines(_ fd: Int32, atLeast n: Int, within seconds: Double) -> [String] {
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var raw = Data(), buffer = [UInt8](repeating: 0, count: 1 << 16), lines: [String] = []
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline, lines.count < n {
            let k = recv(fd, &buffer, buffer.count, 0)
            if k == 0 { break }
            if k > 0 { raw.append(contentsOf: buffer[0..<k]) }
            guard let head = raw.range(of: Data("\r\n\r\n".utf8)) else { continue }
            let body = HTTPClient.dechunk(raw[head.upperBound...])
            let end = body.lastIndex(of: 0x0A).map { body.index(after: $0) } ?? body.startIndex
            lines = String(decoding: body[..<end], as: UTF8.self).split(separator: "\n").map(String.init)
        }
        // A moment more: nothing beyond what was stored may come.
        Thread.sleep(forTimeInterval: 1)
        while case let k = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT)), k > 0 { raw.append(contentsOf: buffer[0..<k]) }
        if let head = raw.range(of: Data("\r\n\r\n".utf8)) {
            let body = HTTPClient.dechunk(raw[head.upperBound...])
            let end = body.lastIndex(of: 0x0A).map { body.index(after: $0) } ?? body.startIndex
            lines = String(decoding: body[..<end], as: UTF8.self).split(separator: "\n").map(String.init)
        }
        return lines
    }
}
