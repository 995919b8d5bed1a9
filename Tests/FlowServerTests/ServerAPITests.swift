import FlowTestSupport
import Foundation
import XCTest

/// The read routes answer exactly what the CLI answers on the same store, in the shapes
/// docs/openapi.yaml describes.
final class ServerAPITests: XCTestCase {
    nonisolated(unsafe) static var scratch: Scratch!
    nonisolated(unsafe) static var db = ""
    nonisolated(unsafe) static var server: ServerProcess!

    override class func setUp() {
        super.setUp()
        scratch = try! Scratch()
        db = scratch.path("api.db")
        let file = scratch.path("in.jsonl")
        try! writeLines(generatedLines(30_000, seed: 11), to: file)
        XCTAssertEqual(try! runFlowtrail(["ingest", "--db", db, file, Paths.fixture]).status, 0)
        server = try! ServerProcess(db: db)
    }

    override class func tearDown() {
        server.stop()
        server = nil
        scratch = nil
        super.tearDown()
    }

    var client: HTTPClient { Self.server.client() }

    static let filterSets: [[String]] = [
        [],
        ["verdict == \"DROPPED\""],
        ["_flow.verdict == Verdict.AUDIT", "policy_match_type == 4"],
        ["source.labels.exists(l, l.startsWith(\"k8s:app=\"))", "l4.UDP.destination_port == 53"],
        ["destination.namespace == \"kube-system\" && !is_reply"],
    ]

    func query(_ filters: [String], since: String? = nil) -> String {
        var parts = filters.map { "filter=" + HTTPClient.encode($0) }
        if let since { parts.append("since=" + HTTPClient.encode(since)) }
        return parts.joined(separator: "&")
    }

    func cliLines(_ args: [String]) throws -> [String] {
        let r = try runFlowtrail(args + ["--db", Self.db, "-o", "jsonl"])
        XCTAssertEqual(r.status, 0, r.err)
        return r.out.split(separator: "\n").map(String.init)
    }

    func testFlowsCountAndExportAnswerWhatTheCLIAnswers() throws {
        for filters in Self.filterSets {
            let q = query(filters)
            // Count.
            let count = try client.get("/api/v1/flows/count?" + q)
            XCTAssertEqual(count.status, 200, count.text)
            OpenAPISpec.assertConforms("GET", "/api/v1/flows/count", count)
            let cliCount = try runFlowtrail(["query", "--db", Self.db, "--count"] + filters)
            XCTAssertEqual(try count.json()["count"] as? Int, Int(cliCount.out.trimmingCharacters(in: .whitespacesAndNewlines)), "\(filters)")
            // Oldest 50, ascending.
            let asc = try client.get("/api/v1/flows?limit=50&order=asc&" + q)
            XCTAssertEqual(asc.status, 200)
            XCTAssertEqual(asc.header("content-type"), "application/x-ndjson")
            XCTAssertEqual(asc.text.split(separator: "\n").map(String.init), try cliLines(["query", "--first", "50"] + filters), "\(filters)")
            // Newest 100 (the default), newest first.
            let desc = try client.get("/api/v1/flows?" + q)
            XCTAssertEqual(desc.text.split(separator: "\n").map(String.init), try cliLines(["query", "--last", "100"] + filters).reversed(), "\(filters)")
            // The JSON page holds the same flows.
            let page = try client.get("/api/v1/flows?format=json&limit=30&order=asc&" + q)
            OpenAPISpec.assertConforms("GET", "/api/v1/flows", page)
            let flows = try XCTUnwrap(try page.json()["flows"] as? [NSDictionary])
            let expected = try cliLines(["query", "--first", "30"] + filters).map { try jsonObject(Substring($0)) }
            XCTAssertEqual(flows, expected)
            // Export, both formats: byte for byte what the CLI writes.
            for (format, cli) in [("csv", "csv"), ("ndjson", "jsonl")] {
                let web = try client.get("/api/v1/export?format=\(format)&" + q)
                XCTAssertEqual(web.status, 200)
                XCTAssertTrue(web.header("content-disposition")?.hasPrefix("attachment") ?? false)
                let local = try runFlowtrailData(["export", "--db", Self.db, "--format", cli] + filters)
                XCTAssertEqual(web.body, local.out, "export \(format) \(filters)")
            }
        }
    }

    func testTimeRangeAndAcceptHeader() throws {
        let since = "2026-01-01T00:00:10Z", until = "2026-01-01T00:00:20Z"
        let q = "since=\(HTTPClient.encode(since))&until=\(HTTPClient.encode(until))&filter=" + HTTPClient.encode("verdict == \"FORWARDED\"")
        let count = try client.get("/api/v1/flows/count?" + q)
        let cli = try runFlowtrail(["query", "--db", Self.db, "--count", "--since", since, "--until", until, "verdict == \"FORWARDED\""])
        XCTAssertEqual(try count.json()["count"] as? Int, Int(cli.out.trimmingCharacters(in: .whitespacesAndNewlines)))
        var c = client
        c.headers["Accept"] = "application/json"
        XCTAssertEqual(try c.get("/api/v1/flows?limit=1&" + q).header("content-type"), "application/json")
        c.headers["Accept"] = "text/csv"
        let csv = try c.get("/api/v1/flows?limit=5&" + q)
        XCTAssertEqual(csv.header("content-type"), "text/csv; charset=utf-8")
        XCTAssertEqual(csv.text.components(separatedBy: "\r\n").filter { !$0.isEmpty }.count, 6)
    }

    func testSavedQueriesByName() throws {
        let list = try client.get("/api/v1/queries")
        OpenAPISpec.assertConforms("GET", "/api/v1/queries", list)
        let names = try XCTUnwrap(try list.json()["queries"] as? [NSDictionary]).compactMap { $0["name"] as? String }
        XCTAssertTrue(names.contains("default-deny-would-block"), "\(names)")
        for name in names {
            let r = try client.get("/api/v1/queries/\(name)/flows?limit=20&order=asc")
            XCTAssertEqual(r.status, 200, r.text)
            OpenAPISpec.assertConforms("GET", "/api/v1/queries/{name}/flows", r)
            XCTAssertEqual(r.text.split(separator: "\n").map(String.init), try cliLines(["query", "--first", "20", "@" + name]), name)
        }
        let missing = try client.get("/api/v1/queries/no-such-query/flows")
        XCTAssertEqual(missing.status, 404)
        OpenAPISpec.assertConforms("GET", "/api/v1/queries/{name}/flows", missing)
        XCTAssertEqual(try client.get("/api/v1/queries/default-deny-would-block/flows?filter=true").status, 400)
    }

    func testStatsHealthAndMetrics() throws {
        let stats = try client.get("/api/v1/stats")
        OpenAPISpec.assertConforms("GET", "/api/v1/stats", stats)
        XCTAssertEqual(try stats.json()["flows"] as? Int, try statsJSON(db: Self.db)["flows"] as? Int)
        XCTAssertFalse(stats.text.contains(Self.scratch.url.path), "stats must not show file paths")
        let health = try client.get("/healthz")
        OpenAPISpec.assertConforms("GET", "/healthz", health)
        _ = try client.get("/api/v1/flows/count")
        let metrics = try client.get("/metrics")
        XCTAssertEqual(metrics.status, 200)
        for name in ["flowtrail_flows_ingested_total", "flowtrail_rejected_lines_total", "flowtrail_database_bytes",
                     "flowtrail_http_request_duration_seconds_bucket{route=\"/api/v1/flows/count\""] {
            XCTAssertTrue(metrics.text.contains(name), name)
        }
    }

    func testReportRoutesAnswerWhatTheCLIAnswers() throws {
        let web = try client.get("/api/v1/reports/default-deny")
        OpenAPISpec.assertConforms("GET", "/api/v1/reports/default-deny", web)
        let cli = try runFlowtrail(["report", "default-deny", "--db", Self.db, "-o", "json"])
        XCTAssertEqual(try web.json(), try jsonObject(Substring(cli.out)))
        let yaml = try client.get("/api/v1/reports/default-deny?format=yaml")
        XCTAssertEqual(yaml.text, try runFlowtrail(["report", "default-deny", "--db", Self.db, "-o", "yaml"]).out)
        let summary = try client.get("/api/v1/reports/summary?bucket=1m")
        OpenAPISpec.assertConforms("GET", "/api/v1/reports/summary", summary)
        XCTAssertEqual(try summary.json()["total_flows"] as? Int, try statsJSON(db: Self.db)["flows"] as? Int)
        XCTAssertEqual(try client.get("/api/v1/reports/summary?bucket=2m").status, 400)
    }

    func testUnknownRouteAndMethod() throws {
        let r = try client.get("/api/v1/nothing")
        XCTAssertEqual(r.status, 404)
        XCTAssertEqual((try r.json()["error"] as? NSDictionary)?["code"] as? String, "not_found")
        XCTAssertEqual(try client.request("DELETE", "/api/v1/flows").status / 100, 4)
    }
}
