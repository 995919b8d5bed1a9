import FlowTestSupport
import Foundation
import XCTest

/// Paging with `cursor` through 100,000 flows returns each exactly once, in order.
final class ServerPagingTests: XCTestCase {
    func testCursorPagingReturnsEachFlowOnce() throws {
        let s = try Scratch()
        let db = s.path("paging.db")
        let file = s.path("in.jsonl")
        // 100,000 flows over about 28 hours of simulated time: the pages cross a day partition.
        var options = [String]()
        options += ["gen", "--count", "100000", "--seed", "5", "--rate", "1", "--start", "2026-03-01T12:00:00Z"]
        let gen = try runFlowtrailData(options)
        XCTAssertEqual(gen.status, 0, gen.err)
        try gen.out.write(to: URL(fileURLWithPath: file))
        XCTAssertEqual(try runFlowtrail(["ingest", "--db", db, file]).status, 0)
        let server = try ServerProcess(db: db)
        defer { server.stop() }
        let client = server.client()

        for order in ["desc", "asc"] {
            var seen = Set<String>()
            var times: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                var target = "/api/v1/flows?limit=10000&order=\(order)"
                if let cursor { target += "&cursor=" + HTTPClient.encode(cursor) }
                let r = try client.get(target)
                XCTAssertEqual(r.status, 200, r.text)
                for line in dataLines(r.body) {
                    let id = try XCTUnwrap(uuid(of: line))
                    if !seen.insert(id).inserted { XCTFail("flow \(id) came twice") }
                    // Canonical lines start {"flow":{"time":"…": read the time without parsing.
                    let prefix = Data(#"{"flow":{"time":""#.utf8)
                    XCTAssertTrue(line.starts(with: prefix))
                    let start = line.startIndex + prefix.count
                    times.append(String(decoding: line[start..<(start + 30)], as: UTF8.self))
                }
                cursor = r.header("x-next-cursor")
                pages += 1
            } while cursor != nil && pages < 200  // pages also end at the byte limit (4 MiB)
            XCTAssertEqual(seen.count, 100_000, order)
            // RFC 3339 UTC times with 9 fraction digits sort as text.
            XCTAssertEqual(times, order == "asc" ? times.sorted() : times.sorted(by: >), order)
        }

        // A cursor from one order is refused for the other, and garbage is refused.
        let first = try client.get("/api/v1/flows?limit=10&format=json")
        let next = try XCTUnwrap(try first.json()["next_cursor"] as? String)
        XCTAssertEqual(try client.get("/api/v1/flows?order=asc&cursor=" + next).status, 400)
        XCTAssertEqual(try client.get("/api/v1/flows?cursor=%21%21").status, 400)
        // A filtered walk with the JSON shape ends with next_cursor null and matches the count.
        let filter = HTTPClient.encode("verdict == \"DROPPED\"")
        let total = try XCTUnwrap(try client.get("/api/v1/flows/count?filter=" + filter).json()["count"] as? Int)
        var got = 0
        var c: String? = nil
        repeat {
            let r = try client.get("/api/v1/flows?format=json&limit=997&filter=\(filter)" + (c.map { "&cursor=" + HTTPClient.encode($0) } ?? ""))
            got += try XCTUnwrap(try r.json()["flows"] as? [Any]).count
            c = try r.json()["next_cursor"] as? String
        } while c != nil
        XCTAssertEqual(got, total)
    }
}
