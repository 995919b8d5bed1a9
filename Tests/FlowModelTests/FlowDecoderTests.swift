import Foundation
import FlowModel
import XCTest

final class FlowDecoderTests: XCTestCase {
    func testFixtureLinesDecodeAsTheirKind() throws {
        let lines = try Fixtures.hubbleSamples()
        XCTAssertEqual(lines.count, 14)
        let decoder = FlowDecoder()
        var kinds: [LineKind] = []
        for line in lines { kinds.append(try decoder.decode(line)) }
        XCTAssertEqual(kinds, Array(repeating: .flow, count: 11) + [.lostEvents, .agentEvent, .flow])
    }

    func testFixtureFlowsRoundTripToEqualJSON() throws {
        let decoder = FlowDecoder()
        for (n, line) in try Fixtures.hubbleSamples().enumerated() {
            guard try decoder.decode(line) == .flow else { continue }
            let input = try jsonValue(line) as! NSDictionary
            let expectedFlow = (input["flow"] as? NSDictionary) ?? input
            let exported = try jsonValue(decoder.exportedLine()) as! NSDictionary
            XCTAssertEqual(exported["flow"] as? NSDictionary, expectedFlow, "line \(n + 1)")
            XCTAssertEqual(exported["time"] as? String, expectedFlow["time"] as? String, "line \(n + 1)")
            XCTAssertEqual(exported["node_name"] as? String, expectedFlow["node_name"] as? String, "line \(n + 1)")
        }
    }

    func testColumnsAreCaptured() throws {
        let decoder = FlowDecoder()
        let line = try Fixtures.hubbleSamples()[2]  // REDIRECTED policy verdict, match type 3
        XCTAssertEqual(try decoder.decode(line), .flow)
        let f = decoder.flow
        XCTAssertEqual(f.ints[Column.verdict.rawValue], 5)
        XCTAssertEqual(f.ints[Column.matchType.rawValue], 3)
        XCTAssertEqual(f.ints[Column.direction.rawValue], 2)
        XCTAssertEqual(f.ints[Column.eventType.rawValue], 5)
        XCTAssertEqual(f.ints[Column.l4Protocol.rawValue], L4Protocol.tcp)
        XCTAssertEqual(f.ints[Column.destinationPort.rawValue], 9080)
        XCTAssertEqual(f.ints[Column.isReply.rawValue], 0)
        XCTAssertTrue(f.has(.isReply))
        XCTAssertEqual(String(decoding: f.sideBytes(.sourceIP), as: UTF8.self), "10.244.0.206")
        XCTAssertEqual(String(decoding: f.sideBytes(.nodeName), as: UTF8.self), "kind-control-plane")
        XCTAssertEqual(f.time, FlowTime.parse("2021-11-10T10:40:56.885984700Z"))
        let src = try jsonValue(String(decoding: f.sideBytes(.source), as: UTF8.self)) as! NSDictionary
        XCTAssertEqual(src["pod_name"] as? String, "ratings-v1-b6994bb9-jgqxb")
    }

    func testCamelCaseKeysAndNumericEnumsGiveTheCanonicalForm() throws {
        let canonical = #"{"flow":{"time":"2024-05-01T10:00:00.5Z","verdict":"DROPPED","drop_reason_desc":"POLICY_DENIED","IP":{"source":"10.0.0.1","destination":"10.0.0.2","ipVersion":"IPv4"},"l4":{"TCP":{"source_port":40000,"destination_port":80}},"source":{"identity":1234,"namespace":"a","pod_name":"p"},"node_name":"n1","traffic_direction":"INGRESS","policy_match_type":2,"is_reply":false,"l7":{"latency_ns":"12"}},"node_name":"n1","time":"2024-05-01T10:00:00.5Z"}"#
        let variant = #"{"flow":{"time":"2024-05-01T10:00:00.500Z","verdict":2,"dropReasonDesc":133,"IP":{"source":"10.0.0.1","destination":"10.0.0.2","ipVersion":1},"l4":{"TCP":{"sourcePort":40000,"destinationPort":80}},"source":{"identity":1234,"namespace":"a","podName":"p"},"nodeName":"n1","trafficDirection":"INGRESS","policyMatchType":2,"isReply":false,"l7":{"latencyNs":12}},"nodeName":"n1","time":"2024-05-01T10:00:00.500Z"}"#
        let decoder = FlowDecoder()
        XCTAssertEqual(try decoder.decode(canonical), .flow)
        let a = decoder.exportedLine()
        XCTAssertEqual(try decoder.decode("  " + variant + " \r"), .flow)
        let b = decoder.exportedLine()
        XCTAssertEqual(try jsonValue(a), try jsonValue(b))
        XCTAssertEqual(try jsonValue(a), try jsonValue(canonical.replacingOccurrences(of: "00.5Z", with: "00.500Z")))
        XCTAssertEqual(decoder.flow.ints[Column.dropReason.rawValue], 133)
    }

    func testUnknownFieldsAndUnknownEnumNumbersAreKept() throws {
        let line = #"{"time":"2024-05-01T10:00:00Z","verdict":42,"future_field":{"x":[1,2.5,"y",null]},"l4":{"QUIC":{"port":1}},"Type":"L7"}"#
        let decoder = FlowDecoder()
        XCTAssertEqual(try decoder.decode(line), .flow)
        let flow = (try jsonValue(decoder.exportedLine()) as! NSDictionary)["flow"] as! NSDictionary
        XCTAssertEqual(flow, try jsonValue(line) as! NSDictionary)
        XCTAssertEqual(decoder.flow.ints[Column.verdict.rawValue], 42)
    }

    func testEmptyAndZeroValuesFollowProtojson() throws {
        // Zero scalars and empty lists are left out; empty messages are kept (they are present).
        let line = #"{"flow":{"time":"2024-05-01T10:00:00Z","verdict":"VERDICT_UNKNOWN","policy_match_type":0,"source_names":[],"source":{},"Summary":""}}"#
        let decoder = FlowDecoder()
        XCTAssertEqual(try decoder.decode(line), .flow)
        let flow = (try jsonValue(decoder.exportedLine()) as! NSDictionary)["flow"] as! NSDictionary
        XCTAssertEqual(flow, try jsonValue(#"{"time":"2024-05-01T10:00:00Z","source":{}}"#) as! NSDictionary)
    }

    func testRejectsCarryAReasonAndColumn() throws {
        let decoder = FlowDecoder()
        let cases: [(String, String, Int?)] = [
            ("this is not json", "not JSON", 1),
            ("[1,2,3]", "not a JSON object", 1),
            (#"{"flow":{"time":"2024-05-01T10:00:00Z","verdict":"DROPPED","policy_match_type":"4"}}"#, "policy_match_type: expected a number, found a string", 80),
            (#"{"flow":{"time":"yesterday"}}"#, "time: not an RFC 3339 time", 17),
            (#"{"flow":{"time":"2024-05-01T10:00:00Z","node_name":{"a":1}}}"#, "node_name: expected a string, found an object", nil),
            (#"{"flow":{"time":"2024-05-01T10:00:00Z","verdict":"no such verdict"}}"#, "verdict: not a Verdict value: \"no such verdict\"", nil),
            (#"{"flow":{"time":"2024-05-01T10:00:00Z","verdict":1,"verdict":2}}"#, "duplicate field \"verdict\"", nil),
            (#"{"flow":{"time":"2024-05-01T10:00:00Z"}} trailing"#, "unexpected data after the JSON object", nil),
            (#"{"flow":{"time":"2024-05-01T10:00:00Z","IP":{"source":"1.1.1.1""#, "", nil),
            (#"{"flow":{"verdict":"DROPPED"}}"#, "flow has no time", nil),
            (#"{"flow":{"time":"2024-05-01T10:00:00Z","l4":{"TCP":{"source_port":5000000000}}}}"#, "source_port: out of range for uint32", nil),
            (#"{"flow":{"time":"2024-05-01T10:00:00Z","source":{"labels":"k8s:app=x"}}}"#, "labels: expected an array, found a string", nil),
        ]
        for (line, reason, column) in cases {
            XCTAssertThrowsError(try decoder.decode(line), line) { error in
                guard let e = error as? DecodeError else { return XCTFail("\(error)") }
                if !reason.isEmpty { XCTAssertEqual(e.reason, reason, line) }
                if let column { XCTAssertEqual(e.column, column, line) }
                XCTAssertGreaterThan(e.column, 0)
            }
        }
    }

    func testDeepNestingIsRefusedWithoutCrashing() throws {
        let deep = #"{"time":"2024-05-01T10:00:00Z","x":"# + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
        XCTAssertThrowsError(try FlowDecoder().decode(deep)) { error in
            XCTAssertTrue((error as? DecodeError)?.reason.contains("nesting") == true, "\(error)")
        }
    }

    func testBlankLinesAreBlank() throws {
        let decoder = FlowDecoder()
        XCTAssertEqual(try decoder.decode(""), .blank)
        XCTAssertEqual(try decoder.decode("  \r"), .blank)
    }
}

final class TunnelTests: XCTestCase {
    /// The tunnel's outer IP and ports must not overwrite the flow's own IP and port columns.
    func testTunnelHeadersDoNotReplaceTheFlowsColumns() throws {
        let line = #"{"flow":{"time":"2025-01-01T00:00:00Z","IP":{"source":"10.0.0.1","destination":"10.0.0.2"},"l4":{"TCP":{"source_port":1111,"destination_port":80}},"tunnel":{"protocol":"VXLAN","IP":{"source":"192.168.0.1","destination":"192.168.0.2"},"l4":{"UDP":{"source_port":5555,"destination_port":8472}},"vni":2}}}"#
        let decoder = FlowDecoder()
        XCTAssertEqual(try decoder.decode(line), .flow)
        XCTAssertEqual(String(decoding: decoder.flow.sideBytes(.sourceIP), as: UTF8.self), "10.0.0.1")
        XCTAssertEqual(decoder.flow.ints[Column.destinationPort.rawValue], 80)
        XCTAssertEqual(decoder.flow.ints[Column.l4Protocol.rawValue], L4Protocol.tcp)
        let flow = (try jsonValue(decoder.exportedLine()) as! NSDictionary)["flow"] as! NSDictionary
        XCTAssertEqual(flow, (try jsonValue(line) as! NSDictionary)["flow"] as! NSDictionary)
    }
}
