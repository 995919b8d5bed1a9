import FlowModel
import FlowHubble
import FlowStore
import HubbleProtos
import SwiftProtobuf

/// Stored flows as GetFlows responses (HubbleJSON reads the stored lines).
enum FlowMessages {
    /// The response for one stored line, trimmed to `mask` when there is one (the line's JSON
    /// is trimmed before it is decoded: `JSONFieldMask` says why).
    /// - Throws: when the line is not a GetFlowsResponse in JSON (a corrupt store).
    static func response(_ line: UnsafeBufferPointer<UInt8>, mask: JSONFieldMask?) throws -> Observer_GetFlowsResponse {
        guard let mask else { return try HubbleJSON.response(line) }
        return try mask.apply(line).withUnsafeBufferPointer { try HubbleJSON.response($0) }
    }

    /// The paths of a request's mask that name fields of Flow (proto names: `IP`, `Type`,
    /// `source.pod_name`); nil when none is asked for. Unknown paths are ignored, as the Hubble
    /// CLI's default mask may name fields of a newer flow.proto.
    ///
    /// The Hubble CLI's own default mask for compact, dict and table output (1.19,
    /// `hubble/pkg/defaults/defaults.go` FieldMask) leaves out fields its printer reads:
    /// against a real Hubble server every policy verdict prints as `policy-verdict:none
    /// TRAFFIC_DIRECTION_UNKNOWN` and DNS names never replace addresses. flowtrail adds those
    /// fields when it sees exactly that mask, so the stock CLI prints what the flows say.
    static func mask(_ requested: Google_Protobuf_FieldMask?) -> JSONFieldMask? {
        guard let requested, !requested.paths.isEmpty else { return nil }
        var known = requested.paths.filter { Flow_Flow.isPathValid($0) }
        if Set(requested.paths) == cliDefaultMask { known += printerFields }
        return known.isEmpty ? nil : JSONFieldMask(paths: known)
    }

    /// `hubble observe`'s default field mask (compact, dict, table).
    static let cliDefaultMask: Set<String> = [
        "time", "verdict", "ethernet", "IP", "l4", "source.identity", "source.namespace", "source.pod_name",
        "destination.identity", "destination.namespace", "destination.pod_name", "Type", "node_name", "l7",
        "event_type", "source_service", "destination_service", "is_reply", "Summary", "ip_trace_id",
    ]

    /// What `hubble/pkg/printer` reads beyond that mask.
    static let printerFields = [
        "policy_match_type", "traffic_direction", "source_names", "destination_names", "auth_type",
        "sock_xlate_point", "debug_capture_point",
    ]

    /// A lost-event record as Hubble streams it.
    static func lostEvents(_ record: LostEventRecord, defaultNode: String) -> Observer_GetFlowsResponse {
        var event = Flow_LostEvent()
        event.numEventsLost = UInt64(max(0, record.eventsLost))
        if let n = FlowEnums.lostEventSource.number(record.source), let source = Flow_LostEventSource(rawValue: Int(n)) {
            event.source = source
        }
        var r = Observer_GetFlowsResponse()
        r.lostEvents = event
        r.nodeName = record.node ?? defaultNode
        if let t = record.time { r.time = Google_Protobuf_Timestamp(nanoseconds: t) }
        return r
    }
}
