import FlowTestSupport
import Foundation
import XCTest

/// Pushed bodies as log shippers send them (issue 9): extra wrapper keys, retries of the same
/// body, compressed bodies; and lost events over HTTP.
final class ServerRealInputTests: XCTestCase {
    static func compress(_ data: Data, _ tool: [String]) throws -> Data {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = tool
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        try p.run()
        DispatchQueue.global().async {
            input.fileHandleForWriting.write(data)
            try? input.fileHandleForWriting.close()
        }
        let out = output.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return out
    }

    func testShipperBodiesRetriesAndCompressionStoreEachFlowOnce() throws {
        let s = try Scratch()
        let server = try ServerProcess(db: s.path("push.db"))
        defer { server.stop() }
        var client = server.client()
        // Fluent Bit style: `date` first, then the exporter's record.
        let lines = generatedLines(1_000, seed: 51).map { #"{"date":1773100800.5,"# + $0.dropFirst() }
        let body = Data((lines.joined(separator: "\n") + "\n").utf8)
        let first = try client.request("POST", "/api/v1/ingest", body: body)
        XCTAssertEqual(first.status, 200, first.text)
        OpenAPISpec.assertConforms("POST", "/api/v1/ingest", first)
        XCTAssertEqual(try first.json()["flows"] as? Int, 1_000)
        // A retry of the same body (the shipper timed out): nothing stored twice.
        let retry = try client.request("POST", "/api/v1/ingest", body: body)
        XCTAssertEqual(try retry.json()["flows"] as? Int, 0)
        XCTAssertEqual(try retry.json()["duplicates"] as? Int, 1_000)
        // The same flows gzip- and deflate-compressed, plus new ones.
        let more = generatedLines(200, seed: 52, start: 1_767_312_000_000_000_000)
        let mixed = Data(((lines + more).joined(separator: "\n") + "\n").utf8)
        client.headers["Content-Encoding"] = "gzip"
        let gz = try client.request("POST", "/api/v1/ingest", body: try Self.compress(mixed, ["gzip", "-c"]))
        XCTAssertEqual(gz.status, 200, gz.text)
        XCTAssertEqual(try gz.json()["flows"] as? Int, 200)
        XCTAssertEqual(try gz.json()["duplicates"] as? Int, 1_000)
        client.headers["Content-Encoding"] = "deflate"
        let zlib = try Self.compress(mixed, ["python3", "-c", "import sys, zlib; sys.stdout.buffer.write(zlib.compress(sys.stdin.buffer.read()))"])
        let deflated = try client.request("POST", "/api/v1/ingest", body: zlib)
        XCTAssertEqual(deflated.status, 200, deflated.text)
        XCTAssertEqual(try deflated.json()["duplicates"] as? Int, 1_200)
        // An encoding the server cannot decode, corrupt data, and a bomb over the limit.
        client.headers["Content-Encoding"] = "br"
        let br = try client.request("POST", "/api/v1/ingest", body: body)
        XCTAssertEqual(br.status, 415, br.text)
        OpenAPISpec.assertConforms("POST", "/api/v1/ingest", br)
        XCTAssertTrue(br.text.contains("unsupported_encoding") && br.text.contains("br"), br.text)
        client.headers["Content-Encoding"] = "gzip"
        let corrupt = try client.request("POST", "/api/v1/ingest", body: Data("not gzip at all".utf8))
        XCTAssertEqual(corrupt.status, 400, corrupt.text)
        let bomb = try Self.compress(Data(count: 80 << 20), ["gzip", "-c"])
        XCTAssertLessThan(bomb.count, 1 << 20)
        let big = try client.request("POST", "/api/v1/ingest", body: bomb)
        XCTAssertEqual(big.status, 413, big.text)
        client.headers["Content-Encoding"] = nil
        let count = try client.get("/api/v1/flows/count")
        OpenAPISpec.assertConforms("GET", "/api/v1/flows/count", count)
        XCTAssertEqual(try count.json()["count"] as? Int, 1_200)
        let stats = try client.get("/api/v1/stats")
        OpenAPISpec.assertConforms("GET", "/api/v1/stats", stats)
        XCTAssertEqual(try stats.json()["duplicates"] as? Int, 3_200)
    }

    func testLostEventsOverHTTP() throws {
        let s = try Scratch()
        let server = try ServerProcess(db: s.path("lost.db"))
        defer { server.stop() }
        let client = server.client()
        let body = [
            #"{"flow":{"time":"2026-03-10T00:00:00Z","uuid":"a","verdict":"DROPPED"}}"#,
            #"{"lost_events":{"source":"OBSERVER_EVENTS_QUEUE","num_events_lost":"12"},"node_name":"n1","time":"2026-03-10T00:05:00Z"}"#,
            #"{"flow":{"time":"2026-03-10T00:10:00Z","uuid":"b","verdict":"DROPPED"}}"#,
        ].joined(separator: "\n")
        XCTAssertEqual(try client.request("POST", "/api/v1/ingest", body: Data(body.utf8)).status, 200)
        let list = try client.get("/api/v1/lost-events?since=2026-03-10T00:00:00Z")
        OpenAPISpec.assertConforms("GET", "/api/v1/lost-events", list)
        let events = try XCTUnwrap(try list.json()["lost_events"] as? [NSDictionary])
        XCTAssertEqual(events.count, 1)
        XCTAssertEqual(events.first?["node_name"] as? String, "n1")
        XCTAssertEqual(events.first?["source"] as? String, "OBSERVER_EVENTS_QUEUE")
        XCTAssertEqual(events.first?["num_events_lost"] as? Int, 12)
        XCTAssertEqual(try client.get("/api/v1/lost-events?since=2026-03-10T00:06:00Z").json()["records"] as? Int, 0)
        // Answers over a range with the hole say so; a range beside it does not.
        let count = try client.get("/api/v1/flows/count?since=2026-03-10T00:00:00Z")
        XCTAssertEqual((try count.json()["lost_events"] as? NSDictionary)?["events_lost"] as? Int, 12)
        let page = try client.get("/api/v1/flows?format=json&since=2026-03-10T00:00:00Z")
        OpenAPISpec.assertConforms("GET", "/api/v1/flows", page)
        XCTAssertEqual((try page.json()["lost_events"] as? NSDictionary)?["records"] as? Int, 1)
        XCTAssertNotNil(try client.get("/api/v1/flows?since=2026-03-10T00:00:00Z").header("X-Lost-Events"))
        XCTAssertNil(try client.get("/api/v1/flows?since=2026-03-10T00:06:00Z").header("X-Lost-Events"))
        let summary = try client.get("/api/v1/reports/summary?since=2026-03-10T00:00:00Z")
        OpenAPISpec.assertConforms("GET", "/api/v1/reports/summary", summary)
        let report = try client.get("/api/v1/reports/default-deny?since=2026-03-10T00:00:00Z")
        OpenAPISpec.assertConforms("GET", "/api/v1/reports/default-deny", report)
        XCTAssertEqual((try report.json()["lost_events"] as? NSDictionary)?["records"] as? Int, 1)
    }
}
