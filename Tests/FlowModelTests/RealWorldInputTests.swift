import FlowModel
import Foundation
import XCTest

/// Lines shaped as real pipelines deliver them (issue 9): shippers' wrapper keys, a newer
/// Cilium's enum names, 64-bit values above 2^63, exporter field masks.
final class RealWorldInputTests: XCTestCase {
    /// Keys log shippers add beside `flow`, with values of every JSON type.
    static let shipperKeys: [(String, String)] = [
        ("date", "1773100800.0"),                          // Fluent Bit (a float, first by default)
        ("date", "\"2026-03-10T00:00:00.000Z\""),          // Fluent Bit with json_date_format iso8601
        ("@timestamp", "\"2026-03-10T00:00:00Z\""),        // Logstash
        ("@version", "\"1\""),
        ("host", "{\"name\":\"n1\",\"ip\":[\"10.0.0.1\"]}"),  // Logstash / Vector, an object
        ("tags", "[\"hubble\",1,null,true]"),
        ("kubernetes", "null"),
        ("ok", "false"),
        ("source_type", "\"file\""),                        // Vector
        ("count", "-12"),
    ]

    func testAWrappedFlowWithExtraKeysInAnyOrderIsAWrappedFlow() throws {
        let decoder = FlowDecoder()
        let flow = ("flow", #"{"time":"2026-03-10T00:00:00Z","verdict":"DROPPED","source":{"pod_name":"a"}}"#)
        let node = ("node_name", "\"n1\"")
        let time = ("time", "\"2026-03-10T00:00:00Z\"")
        for extra in Self.shipperKeys {
            // Every order of the four keys.
            for order in permutations([flow, node, time, extra]) {
                let line = "{" + order.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
                XCTAssertEqual(try decoder.decode(line), .flow, line)
                XCTAssertEqual(decoder.flow.ints[Column.verdict.rawValue], 2, line)
                XCTAssertEqual(String(decoding: decoder.flow.sideBytes(.nodeName), as: UTF8.self), "n1", line)
                let exported = try jsonValue(decoder.exportedLine()) as! NSDictionary
                // The shipper's key is not taken for a flow field, nor kept in the flow.
                XCTAssertEqual(exported["flow"] as? NSDictionary,
                               try jsonValue(#"{"time":"2026-03-10T00:00:00Z","node_name":"n1","verdict":"DROPPED","source":{"pod_name":"a"}}"#) as? NSDictionary, line)
                XCTAssertEqual(Set(exported.allKeys as! [String]), ["flow", "node_name", "time"], line)
            }
        }
    }

    func testTheIssueLineIsAFlowNotAnEmptyBareOne() throws {
        let decoder = FlowDecoder()
        let line = #"{"flow":{"time":"2026-03-10T00:00:00Z","verdict":"DROPPED"},"node_name":"n1","time":"2026-03-10T00:00:00Z","date":1773100800.0}"#
        XCTAssertEqual(try decoder.decode(line), .flow)
        XCTAssertEqual(decoder.flow.ints[Column.verdict.rawValue], 2)
    }

    func testOtherRecordsWithExtraKeysAndBareFlowsStillWork() throws {
        let decoder = FlowDecoder()
        XCTAssertEqual(try decoder.decode(#"{"date":1.5,"lost_events":{"source":"HUBBLE_RING_BUFFER","num_events_lost":"7"},"node_name":"n1","time":"2026-03-10T00:00:00Z"}"#), .lostEvents)
        XCTAssertEqual(decoder.wrapperNode, "n1")
        XCTAssertEqual(try decoder.decode(#"{"host":"x","agent_event":{"type":"ENDPOINT_CREATED"}}"#), .agentEvent)
        // A bare (legacy) Flow whose own unknown fields come first is still a bare Flow.
        let bare = #"{"future_field":{"a":1},"time":"2026-03-10T00:00:00Z","verdict":"AUDIT","node_name":"n3"}"#
        XCTAssertEqual(try decoder.decode(bare), .flow)
        XCTAssertEqual(decoder.flow.ints[Column.verdict.rawValue], 4)
        let exported = try jsonValue(decoder.exportedLine()) as! NSDictionary
        XCTAssertEqual(exported["flow"] as? NSDictionary, try jsonValue(bare) as? NSDictionary)
        // A broken value under a shipper's key still rejects the line, with its column.
        XCTAssertThrowsError(try decoder.decode(#"{"date":tru,"flow":{"time":"2026-03-10T00:00:00Z"}}"#))
    }

    func testWrapperTimeAndNodeBecomeTheFlowsOwnWhenAMaskLeftThemOut() throws {
        let decoder = FlowDecoder()
        for line in [
            #"{"flow":{"verdict":"DROPPED","source":{"pod_name":"a"}},"node_name":"n2","time":"2026-03-10T22:12:20Z"}"#,
            #"{"time":"2026-03-10T22:12:20Z","node_name":"n2","flow":{"verdict":"DROPPED","source":{"pod_name":"a"}}}"#,
            #"{"flow":{},"node_name":"n2","time":"2026-03-10T22:12:20Z"}"#,
        ] {
            XCTAssertEqual(try decoder.decode(line), .flow, line)
            let flow = (try jsonValue(decoder.exportedLine()) as! NSDictionary)["flow"] as! NSDictionary
            XCTAssertEqual(flow["time"] as? String, "2026-03-10T22:12:20Z", line)
            XCTAssertEqual(flow["node_name"] as? String, "n2", line)
        }
        // The flow's own values win over the wrapper's.
        XCTAssertEqual(try decoder.decode(#"{"flow":{"time":"2026-03-10T00:00:01Z","node_name":"own"},"node_name":"w","time":"2026-03-10T00:00:09Z"}"#), .flow)
        let flow = (try jsonValue(decoder.exportedLine()) as! NSDictionary)["flow"] as! NSDictionary
        XCTAssertEqual(flow["time"] as? String, "2026-03-10T00:00:01Z")
        XCTAssertEqual(flow["node_name"] as? String, "own")
    }

    /// Every enum-typed field of the schema, at any depth, keeps a name it does not know.
    func testUnknownEnumNamesAreKeptInEveryEnumField() throws {
        let decoder = FlowDecoder()
        let paths = enumPaths(FlowSchema.flow, prefix: [], depth: 0)
        XCTAssertGreaterThanOrEqual(paths.count, 10)
        for path in paths {
            var value = "\"FUTURE_VALUE_9\""
            for part in path.reversed() { value = "{\"\(part)\":\(value)}" }
            var inner = value.dropFirst().dropLast()
            if path == ["time"] { continue }
            inner = "\"time\":\"2026-03-11T01:00:02Z\"," + inner
            let line = "{\"flow\":{\(inner)}}"
            XCTAssertEqual(try decoder.decode(line), .flow, line)
            let flowJSON = (try jsonValue(decoder.exportedLine()) as! NSDictionary)["flow"] as! NSDictionary
            XCTAssertEqual(flowJSON, try jsonValue("{\(inner)}") as? NSDictionary, "kept verbatim: \(line)")
            XCTAssertEqual(decoder.flow.unknownEnums.map(\.name), ["FUTURE_VALUE_9"], line)
            let label = decoder.flow.unknownEnums.first?.field ?? ""
            XCTAssertTrue(label == path.joined(separator: ".") || label.hasSuffix("." + path.last!), "\(label) for \(path)")
        }
        // A column enum gets the name's code, which no enum number uses.
        XCTAssertEqual(try decoder.decode(#"{"flow":{"time":"2026-03-11T01:00:02Z","verdict":"DROPPED","drop_reason_desc":"DROP_NO_DEVICE"},"time":"2026-03-11T01:00:02Z"}"#), .flow)
        let code = decoder.flow.ints[Column.dropReason.rawValue]
        XCTAssertEqual(code, UnknownEnumValue.code("DROP_NO_DEVICE"))
        XCTAssertTrue(UnknownEnumValue.isCode(code))
        XCTAssertEqual(decoder.flow.unknownEnums.first?.field, "drop_reason_desc")
        // Text that is no enum name at all is still a wrong value.
        XCTAssertThrowsError(try decoder.decode(#"{"flow":{"time":"2026-03-11T01:00:02Z","verdict":"not a name"}}"#))
        XCTAssertThrowsError(try decoder.decode(#"{"flow":{"time":"2026-03-11T01:00:02Z","verdict":""}}"#))
    }

    func testUint64AboveInt64MaxIsKeptExactly() throws {
        let decoder = FlowDecoder()
        for v in ["18446744073709551557", "18446744073709551615", "9223372036854775808", "9223372036854775807"] {
            XCTAssertEqual(try decoder.decode("{\"flow\":{\"time\":\"2026-03-10T00:00:00Z\",\"socket_cookie\":\"\(v)\",\"cgroup_id\":\(v)}}"), .flow)
            let flow = (try jsonValue(decoder.exportedLine()) as! NSDictionary)["flow"] as! NSDictionary
            XCTAssertEqual(flow["socket_cookie"] as? String, v)
            XCTAssertEqual(flow["cgroup_id"] as? String, v)
        }
        XCTAssertThrowsError(try decoder.decode(#"{"flow":{"time":"2026-03-10T00:00:00Z","socket_cookie":"18446744073709551616"}}"#))
    }

    func testIdentityIsTheUUIDOrTheWholeContent() throws {
        let decoder = FlowDecoder()
        func identity(_ line: String) throws -> Int64 {
            XCTAssertEqual(try decoder.decode(line), .flow)
            return FlowIdentity.hash(decoder.flow)
        }
        // The same uuid with different fields (two field masks) is the same flow.
        let a = try identity(#"{"flow":{"time":"2026-03-10T00:00:00Z","uuid":"u-1","verdict":"DROPPED"}}"#)
        let b = try identity(#"{"flow":{"time":"2026-03-10T00:00:00Z","uuid":"u-1","source":{"pod_name":"x"}}}"#)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, try identity(#"{"flow":{"time":"2026-03-10T00:00:00Z","uuid":"u-2","verdict":"DROPPED"}}"#))
        // Without a uuid, content decides: any differing field, dictionary values included.
        let c = try identity(#"{"flow":{"time":"2026-03-10T00:00:00Z","verdict":"DROPPED","source":{"pod_name":"x"}}}"#)
        XCTAssertEqual(c, try identity(#"{"flow":{"time":"2026-03-10T00:00:00Z","verdict":"DROPPED","source":{"podName":"x"}}}"#))
        XCTAssertNotEqual(c, try identity(#"{"flow":{"time":"2026-03-10T00:00:00Z","verdict":"DROPPED","source":{"pod_name":"y"}}}"#))
        XCTAssertNotEqual(c, try identity(#"{"flow":{"time":"2026-03-10T00:00:00Z","verdict":"DROPPED","source":{"pod_name":"x"}},"node_name":"n1"}"#))
    }

    private func enumPaths(_ m: MessageDef, prefix: [String], depth: Int) -> [[String]] {
        var out: [[String]] = []
        for f in m.fields {
            switch f.kind {
            case .enumeration: out.append(prefix + [f.protoName])
            case .message(let sub) where depth < 4: out += enumPaths(sub, prefix: prefix + [f.protoName], depth: depth + 1)
            default: break
            }
        }
        return out
    }
}

func permutations<T>(_ items: [T]) -> [[T]] {
    guard items.count > 1 else { return [items] }
    var out: [[T]] = []
    for (k, item) in items.enumerated() {
        var rest = items
        rest.remove(at: k)
        for p in permutations(rest) { out.append([item] + p) }
    }
    return out
}
