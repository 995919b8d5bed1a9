@testable import FlowClickHouse
import FlowQuery
import FlowTestSupport
import Foundation
import XCTest

/// Store URLs, and the quoting function against a real ClickHouse 18.16: hostile strings come
/// back byte for byte as one literal, never as SQL.
final class ClickHouseClientTests: XCTestCase {
    func testStoreURLs() throws {
        let plain = try StoreURL("clickhouse://127.0.0.1:8123/flows", environment: [:])
        XCTAssertEqual(plain.host, "127.0.0.1")
        XCTAssertEqual(plain.port, 8123)
        XCTAssertEqual(plain.database, "flows")
        XCTAssertNil(plain.user)
        XCTAssertEqual(try StoreURL("clickhouse://ch.example/flows", environment: [:]).port, 8123)
        let secret = try StoreURL("clickhouse://ingest:p%40ss@[::1]:9123/flows", environment: ["CLICKHOUSE_PASSWORD": "env"])
        XCTAssertEqual(secret.user, "ingest")
        XCTAssertEqual(secret.password, "p@ss")
        XCTAssertEqual(secret.host, "::1")
        XCTAssertEqual(secret.httpBase, "http://[::1]:9123/")
        XCTAssertEqual(secret.description, "clickhouse://ingest@[::1]:9123/flows")
        let fromEnvironment = try StoreURL("clickhouse://h:1/db", environment: ["CLICKHOUSE_USER": "u", "CLICKHOUSE_PASSWORD": "pw"])
        XCTAssertEqual(fromEnvironment.user, "u")
        XCTAssertEqual(fromEnvironment.password, "pw")
        for bad in ["http://h/db", "clickhouse://h", "clickhouse://h/", "clickhouse://h/a/b", "clickhouse://h/db;drop",
                    "clickhouse://h:0/db", "clickhouse://h/db?x=1", "clickhouse:///db"] {
            XCTAssertThrowsError(try StoreURL(bad, environment: [:]), bad) { error in
                guard case ClickHouseError.invalidStoreURL = error else { return XCTFail("\(bad): \(error)") }
            }
        }
        // The shards of a cluster: queries go to the first, the schema to each.
        let sharded = try StoreURL("clickhouse://u:pw@10.0.0.1:8123,10.0.0.2,[::1]:9000/flows", environment: [:])
        XCTAssertEqual(sharded.shards.map(\.httpBase), ["http://10.0.0.1:8123/", "http://10.0.0.2:8123/", "http://[::1]:9000/"])
        XCTAssertEqual(sharded.shards.map(\.password), ["pw", "pw", "pw"])
        XCTAssertEqual(sharded.description, "clickhouse://u@10.0.0.1:8123,10.0.0.2:8123,[::1]:9000/flows")
        for bad in ["clickhouse://h1,/db", "clickhouse://h1,h2:x/db", "clickhouse://h1,h2:0/db"] {
            XCTAssertThrowsError(try StoreURL(bad, environment: [:]), bad)
        }
        // A password never appears in the message.
        XCTAssertThrowsError(try StoreURL("clickhouse://u:hunter2@h/a/b", environment: [:])) { error in
            XCTAssertFalse("\(error)".contains("hunter2"), "\(error)")
        }
    }

    func testIdentifiers() throws {
        XCTAssertEqual(try ClickHouseText.identifier("flows_2"), "`flows_2`")
        for bad in ["", "2x", "a-b", "a`b", "a b", "ä"] {
            XCTAssertThrowsError(try ClickHouseText.identifier(bad), bad)
        }
    }

    func testLiteralsRoundTripThroughARealServer() async throws {
        let s = try Scratch()
        let server = try ClickHouseServer(scratch: s)
        defer { server.stop() }
        let client = ClickHouseClient(try StoreURL("clickhouse://127.0.0.1:\(server.httpPort)/default", environment: [:]))
        do {
            let version = try await client.version()
            XCTAssertTrue(version.hasPrefix("18.") || version.split(separator: ".").count >= 3, version)
            let hostile = [
                "", "plain", "it's", "\\", "\\'", "'\\", "a\\'; DROP TABLE t; --", "\\x41\\0\\n", "\0", "new\nline",
                "tab\there", "%_*", "\"double\"", "ünïcödé 🙂", "{name:String}", "\\\\'\\\\'", "') OR 1=1 --",
            ]
            for text in hostile {
                // hex() of the literal's bytes: compared with Swift's own UTF-8, so nothing the
                // server printed is re-parsed.
                let answer = try await client.execute("SELECT hex(\(ClickHouseText.literal(text))), 1 FORMAT TSV")
                let want = text.utf8.map { String(format: "%02X", $0) }.joined()
                XCTAssertEqual(answer, "\(want)\t1\n", "literal of \(text.debugDescription)")
            }
            // A server error is matchable and carries the server's message.
            do {
                try await client.execute("SELECT nosuchfunction(1)")
                XCTFail("no error")
            } catch ClickHouseError.server(let status, let message) {
                XCTAssertNotEqual(status, 200)
                XCTAssertTrue(message.contains("nosuchfunction"), message)
            }
        } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()
        let unreachable = ClickHouseClient(try StoreURL("clickhouse://127.0.0.1:\(try ClickHouseServer.freePorts(1)[0])/default", environment: [:]))
        do {
            try await unreachable.execute("SELECT 1")
            XCTFail("no error")
        } catch ClickHouseError.unreachable {}
        try await unreachable.shutdown()
    }
}
