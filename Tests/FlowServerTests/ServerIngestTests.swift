import FlowTestSupport
import Foundation
import XCTest

/// Live ingest while serving: followed files, pushed bodies, follow responses, shutdown.
final class ServerIngestTests: XCTestCase {
    /// Reads a streaming response on its own thread, noting when each flow line arrived.
    final class StreamReader: @unchecked Sendable {
        let fd: Int32
        private let lock = NSLock()
        private var buffer = Data()
        private(set) var arrivals: [(uuid: String, at: Date)] = []

        init(fd: Int32) {
            self.fd = fd
            Thread {
                var chunk = [UInt8](repeating: 0, count: 1 << 16)
                while true {
                    let n = recv(fd, &chunk, chunk.count, 0)
                    if n <= 0 { break }
                    self.lock.lock()
                    self.buffer.append(contentsOf: chunk[0..<n])
                    // Each flow is one line; chunk framing is ignored: uuids are found by pattern.
                    while let nl = self.buffer.firstIndex(of: 0x0A) {
                        let line = self.buffer[..<nl]
                        self.buffer.removeSubrange(...nl)
                        if let id = uuid(of: Data(line)) { self.arrivals.append((id, Date())) }
                    }
                    self.lock.unlock()
                }
            }.start()
        }

        func snapshot() -> [(uuid: String, at: Date)] {
            lock.lock()
            defer { lock.unlock() }
            return arrivals
        }
    }

    func testFollowedFileReachesAnOpenFollowResponseWithinASecond() throws {
        let s = try Scratch()
        let db = s.path("live.db")
        let source = s.path("hubble.jsonl")
        let lines = generatedLines(3_000, seed: 21)
        try writeLines(lines[0..<1000], to: source)
        let server = try ServerProcess(db: db, extra: ["--follow", source])
        defer { server.stop() }
        let client = server.client()
        // Wait for the first thousand to be stored.
        var stored = 0
        for _ in 0..<100 where stored < 1000 {
            stored = try client.get("/api/v1/flows/count").json()["count"] as? Int ?? 0
            if stored < 1000 { Thread.sleep(forTimeInterval: 0.05) }
        }
        XCTAssertEqual(stored, 1000)
        let filter = "verdict == \"DROPPED\" || verdict == \"AUDIT\""
        let all = StreamReader(fd: try client.open("GET", "/api/v1/flows?follow=true"))
        let some = StreamReader(fd: try client.open("GET", "/api/v1/flows?follow=true&filter=" + HTTPClient.encode(filter)))
        Thread.sleep(forTimeInterval: 0.3)
        // Append in three bursts; each flow must arrive within a second of its write.
        var written: [String: Date] = [:]
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: source))
        handle.seekToEndOfFile()
        for burst in 0..<3 {
            let chunk = lines[(1000 + burst * 666)..<(1000 + (burst + 1) * 666)]
            let now = Date()
            for l in chunk { written[try XCTUnwrap(uuid(of: Data(l.utf8)))] = now }
            handle.write(Data((chunk.joined(separator: "\n") + "\n").utf8))
            Thread.sleep(forTimeInterval: 0.4)
        }
        try handle.close()
        let deadline = Date().addingTimeInterval(5)
        while all.snapshot().count < written.count, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        let got = all.snapshot()
        XCTAssertEqual(Set(got.map(\.uuid)), Set(written.keys))
        XCTAssertEqual(got.count, written.count, "each flow once")
        let worst = got.map { $0.at.timeIntervalSince(written[$0.uuid]!) }.max() ?? 99
        XCTAssertLessThan(worst, 1.0, "slowest flow took \(worst) s")
        // The filtered follower saw exactly the matching flows (the store answers which).
        let expected = try client.get("/api/v1/flows?limit=10000&order=asc&since=2000-01-01T00:00:00Z&filter=" + HTTPClient.encode(filter))
        let matchingNew = dataLines(expected.body).compactMap { uuid(of: $0) }.filter { written[$0] != nil }
        XCTAssertGreaterThan(matchingNew.count, 0)
        XCTAssertEqual(some.snapshot().map(\.uuid), matchingNew)
        close(all.fd)
        close(some.fd)
    }

    func testPushedBodiesAreStoredAndSIGTERMSavesPositions() throws {
        let s = try Scratch()
        let db = s.path("push.db")
        let source = s.path("followed.jsonl")
        let followed = generatedLines(5_000, seed: 31)
        try writeLines(followed, to: source)
        let server = try ServerProcess(db: db, extra: ["--follow", source])
        let client = server.client()
        // A body with flows, a rejected line, a non-flow record and CRLF endings.
        let pushed = generatedLines(500, seed: 32, start: 1_767_312_000_000_000_000)
        var body = pushed.joined(separator: "\r\n") + "\r\n"
        body += "{\"flow\": {\"verdict\": 17.5}}\n"
        body += "{\"lost_events\":{\"source\":\"PERF_EVENT_RING_BUFFER\",\"num_events_lost\":\"3\",\"cpu\":1},\"node_name\":\"n1\",\"time\":\"2026-01-02T00:00:00Z\"}\n"
        let r = try client.request("POST", "/api/v1/ingest", body: Data(body.utf8))
        XCTAssertEqual(r.status, 200, r.text)
        OpenAPISpec.assertConforms("POST", "/api/v1/ingest", r)
        let result = try r.json()
        XCTAssertEqual(result["flows"] as? Int, 500)
        XCTAssertEqual(result["rejected"] as? Int, 1)
        XCTAssertEqual(result["lost_events"] as? Int, 1)
        XCTAssertTrue((result["errors"] as? [String])?.first?.hasPrefix("body:501:") ?? false, "\(result)")
        // Pushed flows are queryable at once.
        let ids = pushed.compactMap { uuid(of: Data($0.utf8)) }
        let q = try client.get("/api/v1/flows?limit=10000&since=2026-01-02T00:00:00Z")
        XCTAssertEqual(Set(dataLines(q.body).compactMap { uuid(of: $0) }), Set(ids))
        // SIGTERM: exits 0 with everything committed and the followed file's position at its end.
        XCTAssertEqual(server.stop(SIGTERM), 0, server.errorText)
        let stats = try statsJSON(db: db)
        XCTAssertEqual(stats["flows"] as? Int, 5_500)
        let sources = try XCTUnwrap(stats["sources"] as? [NSDictionary])
        XCTAssertEqual(sources.first?["lines"] as? Int, 5_000)
        let size = try FileManager.default.attributesOfItem(atPath: source)[.size] as? Int
        XCTAssertEqual(sources.first?["offset"] as? Int, size)
        // A restart follows on without storing anything twice.
        let again = try ServerProcess(db: db, extra: ["--follow", source])
        Thread.sleep(forTimeInterval: 0.5)
        XCTAssertEqual(try again.client().get("/api/v1/flows/count").json()["count"] as? Int, 5_500)
        again.stop()
    }
}
