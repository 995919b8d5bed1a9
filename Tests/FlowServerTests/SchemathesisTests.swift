import FlowTestSupport
import Foundation
import XCTest

/// schemathesis (from PyPI) fuzzes a real `flowtrail serve` from docs/openapi.yaml with every
/// check it has (no 5xx, responses matching the schema, documented statuses, content types
/// and headers, schema-valid requests accepted, invalid ones refused), for a bounded time.
/// schemathesis.toml says where flowtrail's API is stricter than a schema can say.
final class SchemathesisTests: XCTestCase {
    /// Runs a command to its end; its status and output.
    static func run(_ args: [String], timeout: Double) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["timeout", String(Int(timeout))] + args
        p.currentDirectoryURL = Paths.packageRoot
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func testTheOpenAPIFuzzerFindsNothing() throws {
        if try Self.run(["python3", "-m", "schemathesis.cli", "--version"], timeout: 60).0 != 0 {
            let (status, output) = try Self.run(["python3", "-m", "pip", "install", "-q", "schemathesis"], timeout: 600)
            XCTAssertEqual(status, 0, "pip install schemathesis: \(output)")
        }
        let s = try Scratch()
        let db = s.path("fuzz.db"), file = s.path("in.jsonl")
        try writeLines(generatedLines(3_000, seed: 101), to: file)
        XCTAssertEqual(try runFlowtrail(["ingest", "--db", db, file]).status, 0)
        let server = try ServerProcess(db: db)
        defer { server.stop() }
        let (status, output) = try Self.run([
            "python3", "-m", "schemathesis.cli", "--config-file", "schemathesis.toml", "run", "docs/openapi.yaml",
            "--url", "http://127.0.0.1:\(server.port)", "--checks", "all", "--max-examples", "25",
            "--generation-deterministic", "--request-timeout", "30", "--no-color",
        ], timeout: 600)
        XCTAssertEqual(status, 0, String(output.suffix(6000)))
        XCTAssertTrue(output.contains(" passed"), String(output.suffix(2000)))
        XCTAssertEqual(try server.client().get("/healthz").status, 200, "the server outlived the fuzzing")
    }
}
