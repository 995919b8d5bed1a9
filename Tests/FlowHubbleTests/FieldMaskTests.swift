@testable import FlowServer
import FlowHubble
import FlowModel
import FlowTestSupport
import HubbleProtos
import SwiftProtobuf
import XCTest

/// GetFlows' field mask, applied to the stored JSON before decoding (JSONFieldMask), against an
/// independent reference: the line parsed by Foundation, filtered as a dictionary, decoded.
final class FieldMaskTests: XCTestCase {
    func testTheJSONMaskKeepsWhatTheReferenceKeeps() throws {
        // The store's lines are GetFlowsResponse objects (`{"flow":…}`); the fixture's other
        // records (lost events, agent events, bare flows) are not what GetFlows reads.
        let fixture = try String(contentsOfFile: Paths.fixture, encoding: .utf8).split(separator: "\n").map(String.init)
            .filter { $0.hasPrefix("{\"flow\"") }
        let lines = fixture + generatedLines(2_000, seed: 184)
        let masks: [[String]] = [
            Array(FlowMessages.cliDefaultMask) + FlowMessages.printerFields,
            ["IP", "source.identity", "destination.pod_name"],
            ["time"],
            ["l4.TCP.destination_port", "destination.labels", "l7.http.code"],
            ["node_name", "Summary"],
            ["source"],
            ["source.workloads", "event_type.sub_type", "verdict"],
        ]
        for paths in masks {
            let mask = JSONFieldMask(paths: paths)
            for line in lines {
                // The reference filters the parsed JSON with Foundation and decodes that.
                let reference = try HubbleJSON.response(Self.reference(line, paths: paths))
                var text = line
                let fast = try text.withUTF8 { try FlowMessages.response($0, mask: mask) }
                XCTAssertEqual(fast, reference, "mask \(paths) on \(line.prefix(200))")
            }
        }
    }

    /// Keeps the flow's keys on the mask's paths (existing messages only), and hoists the flow's
    /// node_name and time to the top when the line has none there.
    static func reference(_ line: String, paths: [String]) throws -> String {
        var object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
        let flow = object["flow"] as! [String: Any]
        func keep(_ value: [String: Any], _ paths: [[Substring]]) -> [String: Any] {
            var out: [String: Any] = [:]
            for (key, v) in value {
                let under = paths.filter { $0.first.map(String.init) == key }
                if under.contains(where: { $0.count == 1 }) { out[key] = v } else if !under.isEmpty, let sub = v as? [String: Any] {
                    out[key] = keep(sub, under.map { Array($0.dropFirst()) })
                }
            }
            return out
        }
        object["flow"] = keep(flow, paths.map { $0.split(separator: ".") })
        for key in ["node_name", "time"] where object[key] == nil { object[key] = flow[key] }
        return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    func testKeysWrittenInLowerCamelCaseAreMasked() throws {
        let line = #"{"flow":{"time":"2026-01-01T00:00:00Z","source":{"podName":"a","namespace":"n","identity":5},"nodeName":"k8s1","Summary":"x"}}"#
        var text = line
        let masked = try text.withUTF8 { Array(try JSONFieldMask(paths: ["source.pod_name", "Summary"]).apply($0)) }
        XCTAssertEqual(String(decoding: masked, as: UTF8.self),
                       #"{"flow":{"source":{"podName":"a"},"Summary":"x"},"time":"2026-01-01T00:00:00Z"}"#)
    }
}
