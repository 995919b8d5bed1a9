import FlowHubble
import FlowQuery
import FlowStore
import FlowTestSupport
import Foundation
import HubbleProtos
import SwiftProtobuf
import XCTest

/// Flows read back from the store, encoded as GetFlows responses, are the messages Cilium's own
/// protos make of the same flows (Tests/Fixtures/hubble-grpc/responses, from
/// shared/fixtures: encoded with Python protobuf and Cilium's observer.proto).
final class ResponseEncodingTests: XCTestCase {
    func testStoredFlowsEncodeAsCiliumsProtosDo() throws {
        let folder = CapturedRequestTests.folder.appendingPathComponent("responses")
        let index = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("index.json"))) as! [String: Any]
        let s = try Scratch()
        let db = s.path("samples.db")
        XCTAssertEqual(try runFlowtrail(["ingest", "--db", db, Paths.fixture]).status, 0)
        let store = try FlowStore(path: db, readOnly: true)
        let engine = try QueryEngine(store: store)
        var ours: [Observer_GetFlowsResponse] = []
        try engine.lines([], window: .all) { line in
            // What the gRPC service sends: decoded from the stored line, encoded to the wire.
            let wire: [UInt8] = try HubbleJSON.response(line).serializedBytes()
            ours.append(try Observer_GetFlowsResponse(serializedBytes: wire))
        }
        var matched = 0
        for entry in index["responses"] as! [[String: Any]] {
            let bytes = try Data(contentsOf: folder.appendingPathComponent(entry["file"] as! String))
            let theirs = try Observer_GetFlowsResponse(serializedBytes: bytes)
            // The bytes decode to the index's JSON (proto field names)…
            let json = String(decoding: try JSONSerialization.data(withJSONObject: entry["json"]!, options: [.withoutEscapingSlashes]), as: UTF8.self)
            XCTAssertEqual(theirs, try Observer_GetFlowsResponse(jsonString: json), entry["file"] as! String)
            // …and the store's flow encodes to the same message.
            let text = (try? theirs.jsonString()) ?? ""
            XCTAssertTrue(ours.contains(theirs), "\(entry["file"]!): no stored flow encodes to \(text)")
            matched += 1
        }
        XCTAssertEqual(matched, 11)
    }
}
