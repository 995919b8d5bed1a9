import FlowTestSupport
import Foundation
import XCTest

/// Bad input gets a JSON 4xx/5xx naming the problem, and the server goes on serving.
final class ServerErrorTests: XCTestCase {
    func testBadInputGetsJSONErrorsAndTheNextRequestWorks() throws {
        let s = try Scratch()
        let db = s.path("errors.db")
        let file = s.path("in.jsonl")
        try writeLines(generatedLines(40_000, seed: 2), to: file)
        XCTAssertEqual(try runFlowtrail(["ingest", "--db", db, file]).status, 0)
        let server = try ServerProcess(db: db, extra: ["--query-timeout", "30ms", "--body-limit-mib", "1"])
        defer { server.stop() }
        let client = server.client()

        func expect(_ status: Int, _ code: String, _ method: String = "GET", target: String, body: Data? = nil,
                    spec: String?, line: UInt = #line) throws {
            let r = try client.request(method, target, body: body)
            XCTAssertEqual(r.status, status, "\(target.prefix(80)): \(r.text.prefix(300))", line: line)
            let error = try r.json()["error"] as? NSDictionary
            XCTAssertEqual(error?["code"] as? String, code, r.text, line: line)
            XCTAssertFalse(r.text.contains("SELECT") || r.text.contains(s.url.path), "leaks SQL or a path: \(r.text)", line: line)
            if let spec { OpenAPISpec.assertConforms(method, spec, r, line: line) }
            // The server is still fine.
            let ok = try client.get("/api/v1/flows?limit=1")
            XCTAssertEqual(ok.status, 200, "after \(target.prefix(60))", line: line)
        }

        // Malformed filters: the position is the 1-based column.
        let bad = try client.get("/api/v1/flows?filter=" + HTTPClient.encode("verdict == \"DROPPED\" && soruce.namespace == \"x\""))
        XCTAssertEqual(bad.status, 400)
        let e = try XCTUnwrap(try bad.json()["error"] as? NSDictionary)
        XCTAssertEqual(e["code"] as? String, "invalid_filter")
        XCTAssertEqual(e["position"] as? Int, 25)
        XCTAssertTrue((e["message"] as? String ?? "").contains("source.namespace"), "\(e)")
        for f in ["verdict ==", "(((", "source.namespace", "", "verdict == 'A' &&& x", "1 + \"a\""] {
            try expect(400, "invalid_filter", target: "/api/v1/flows/count?filter=" + HTTPClient.encode(f), spec: "/api/v1/flows/count")
        }
        // Bad parameters, each named.
        try expect(400, "invalid_parameter", target: "/api/v1/flows?limt=5", spec: "/api/v1/flows")
        try expect(400, "invalid_parameter", target: "/api/v1/flows?limit=0", spec: "/api/v1/flows")
        try expect(400, "invalid_parameter", target: "/api/v1/flows?limit=10001", spec: "/api/v1/flows")
        try expect(400, "invalid_parameter", target: "/api/v1/flows?order=sideways", spec: "/api/v1/flows")
        try expect(400, "invalid_parameter", target: "/api/v1/flows?since=yesterday", spec: "/api/v1/flows")
        try expect(400, "invalid_parameter", target: "/api/v1/export?format=xlsx", spec: "/api/v1/export")
        try expect(400, "invalid_parameter", target: "/api/v1/export?columns=source.nmespace", spec: "/api/v1/export")
        // Invalid UTF-8 and bad escapes.
        try expect(400, "invalid_parameter", target: "/api/v1/flows?filter=%FF%FE", spec: "/api/v1/flows")
        try expect(400, "invalid_parameter", target: "/api/v1/flows?filter=%C3%28", spec: "/api/v1/flows")
        try expect(400, "invalid_parameter", target: "/api/v1/flows?filter=%ZZ", spec: "/api/v1/flows")
        // A 10 MB query string.
        try expect(414, "query_too_long", target: "/api/v1/flows?filter=" + String(repeating: "a", count: 10_000_000), spec: "/api/v1/flows")
        // Ingest bodies: oversized, and nothing but garbage.
        try expect(413, "body_too_large", "POST", target: "/api/v1/ingest", body: Data(repeating: 0x61, count: 2 << 20), spec: "/api/v1/ingest")
        try expect(400, "invalid_body", "POST", target: "/api/v1/ingest", body: Data("not json\n{\"flow\": 3}\n[1,2]\n\u{FF}\n".utf8), spec: "/api/v1/ingest")
        // A slow query past the 30 ms timeout: a regular expression over every flow's summary.
        try expect(503, "query_timeout", target: "/api/v1/flows/count?filter=" + HTTPClient.encode("Summary.matches(\"(a|b|c|d|e)*z+$\") || source.labels.exists(l, l.matches(\"^(x|y)*q$\"))"), spec: "/api/v1/flows/count")
        // Unknown route.
        try expect(404, "not_found", target: "/api/v1/flowz", spec: nil)
    }

    func testTokenGuardsEveryRouteButHealth() throws {
        let s = try Scratch()
        let db = s.path("token.db")
        XCTAssertEqual(try runFlowtrail(["ingest", "--db", db, Paths.fixture]).status, 0)
        let server = try ServerProcess(db: db, extra: ["--token", "s3cret-token"])
        defer { server.stop() }
        var client = server.client()
        let denied = try client.get("/api/v1/flows/count")
        XCTAssertEqual(denied.status, 401)
        OpenAPISpec.assertConforms("GET", "/api/v1/flows/count", denied)
        XCTAssertEqual(try client.get("/metrics").status, 401)
        XCTAssertEqual(try client.get("/healthz").status, 200)
        client.headers["Authorization"] = "Bearer s3cret-tokeX"
        XCTAssertEqual(try client.get("/api/v1/stats").status, 401)
        client.headers["Authorization"] = "Bearer s3cret-token"
        XCTAssertEqual(try client.get("/api/v1/stats").status, 200)
    }

    func testNonLoopbackWithoutTokenWarns() throws {
        let s = try Scratch()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Paths.flowtrail)
        p.arguments = ["serve", "--db", s.path("w.db"), "--listen", "0.0.0.0:0", "--grpc-listen", "off"]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        Thread.sleep(forTimeInterval: 1.5)
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        XCTAssertTrue(String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).contains("without --token"))
    }
}
