import FlowHubble
import FlowTestSupport
import Foundation
import HubbleProtos
import SwiftProtobuf
import XCTest

/// The requests the real Hubble CLI (1.19) sent, captured byte for byte
/// (Tests/Fixtures/hubble-grpc, from shared/fixtures/hubble-grpc).
final class CapturedRequestTests: XCTestCase {
    struct Call {
        let invocation: Int
        let command: String
        let method: String
        let file: String
        let request: Any
    }

    static let folder = Paths.packageRoot.appendingPathComponent("Tests/Fixtures/hubble-grpc")

    static func calls() throws -> [Call] {
        let index = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("index.json"))) as! [String: Any]
        var out: [Call] = []
        for inv in index["invocations"] as! [[String: Any]] {
            for call in inv["calls"] as! [[String: Any]] {
                guard let file = call["file"] as? String, let request = call["request"], !(request is NSNull) else { continue }
                out.append(Call(invocation: inv["n"] as! Int, command: inv["command"] as! String,
                                method: call["method"] as! String, file: file, request: request))
            }
        }
        return out
    }

    static func message(_ method: String, bytes: Data) throws -> any SwiftProtobuf.Message {
        switch method {
        case "/observer.Observer/GetFlows": try Observer_GetFlowsRequest(serializedBytes: bytes)
        case "/observer.Observer/ServerStatus": try Observer_ServerStatusRequest(serializedBytes: bytes)
        case "/observer.Observer/GetNodes": try Observer_GetNodesRequest(serializedBytes: bytes)
        case "/observer.Observer/GetNamespaces": try Observer_GetNamespacesRequest(serializedBytes: bytes)
        case "/grpc.health.v1.Health/Check": try Grpc_Health_V1_HealthCheckRequest(serializedBytes: bytes)
        default: throw XCTSkip("not served: \(method)")
        }
    }

    static func message(_ method: String, json: String) throws -> any SwiftProtobuf.Message {
        switch method {
        case "/observer.Observer/GetFlows": try Observer_GetFlowsRequest(jsonString: json)
        case "/observer.Observer/ServerStatus": try Observer_ServerStatusRequest(jsonString: json)
        case "/observer.Observer/GetNodes": try Observer_GetNodesRequest(jsonString: json)
        case "/observer.Observer/GetNamespaces": try Observer_GetNamespacesRequest(jsonString: json)
        case "/grpc.health.v1.Health/Check": try Grpc_Health_V1_HealthCheckRequest(jsonString: json)
        default: throw XCTSkip("not served: \(method)")
        }
    }

    /// Every captured request decodes, with this project's .proto files, to the message its
    /// index gives as JSON.
    func testCapturedRequestsDecodeToTheirJSON() throws {
        var checked = 0
        for call in try Self.calls() {
            guard ["/observer.Observer/GetFlows", "/observer.Observer/ServerStatus", "/observer.Observer/GetNodes",
                   "/observer.Observer/GetNamespaces", "/grpc.health.v1.Health/Check"].contains(call.method) else { continue }
            let bytes = try Data(contentsOf: Self.folder.appendingPathComponent(call.file))
            let decoded = try Self.message(call.method, bytes: bytes)
            // The index writes a field mask as {"paths": [proto names]}; the proto's JSON mapping
            // would be one lowerCamel string, which cannot spell `IP` or `Type`.
            var request = call.request as? [String: Any] ?? [:]
            let paths = (request.removeValue(forKey: "field_mask") as? [String: Any])?["paths"] as? [String]
            let json = String(decoding: try JSONSerialization.data(withJSONObject: request, options: [.withoutEscapingSlashes]), as: UTF8.self)
            var expected: any SwiftProtobuf.Message
            do { expected = try Self.message(call.method, json: json) } catch { XCTFail("\(call.file): \(error): \(json)"); continue }
            if let paths, var flows = expected as? Observer_GetFlowsRequest {
                flows.fieldMask = Google_Protobuf_FieldMask(protoPaths: paths)
                expected = flows
            }
            XCTAssertTrue(decoded.isEqualTo(message: expected), "\(call.file): \(call.command)")
            // And back: the same bytes (no field lost or reordered).
            XCTAssertEqual(try decoded.serializedBytes() as [UInt8], Array(bytes), call.file)
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 50)
    }

    /// `flowtrail query`'s Hubble flags build exactly the FlowFilters the Hubble CLI sent for
    /// the same flags.
    func testFlagsBuildTheFiltersHubbleSent() throws {
        var checked = 0
        for call in try Self.calls() where call.method == "/observer.Observer/GetFlows" && call.command.hasPrefix("hubble observe --server") {
            let request = try Observer_GetFlowsRequest(serializedBytes: Data(contentsOf: Self.folder.appendingPathComponent(call.file)))
            let arguments = Self.shellWords(call.command).dropFirst(2)
            let flags = HubbleFilterFlags.scan(Array(arguments))
            let built = try HubbleFilterFlags.build(flags.filter { !["allowlist", "denylist"].contains($0.name) })
            var allow = built.allowlist, deny = built.denylist
            // --allowlist/--denylist JSON goes through unchanged, after the flags' filters.
            let words = Array(arguments)
            for (k, w) in words.enumerated() where w == "--allowlist" { allow += try HubbleFilterFlags.rawFilters(words[k + 1], flag: w) }
            for (k, w) in words.enumerated() where w == "--denylist" { deny += try HubbleFilterFlags.rawFilters(words[k + 1], flag: w) }
            XCTAssertEqual(allow, request.whitelist, "\(call.invocation): \(call.command)")
            XCTAssertEqual(deny, request.blacklist, "\(call.invocation): \(call.command)")
            // And the server takes every one of them.
            XCTAssertNoThrow(try FlowFilterExpression.expression(allowlist: request.whitelist, denylist: request.blacklist),
                             call.command)
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 30)
    }

    /// Splits a command as a POSIX shell does for plain words and single quotes.
    static func shellWords(_ s: String) -> [String] {
        var words: [String] = [], current = "", quoted = false, any = false
        for c in s {
            if c == "'" { quoted.toggle(); any = true; continue }
            if c == " ", !quoted {
                if any { words.append(current) }
                current = ""; any = false
                continue
            }
            current.append(c); any = true
        }
        if any { words.append(current) }
        return words
    }
}
