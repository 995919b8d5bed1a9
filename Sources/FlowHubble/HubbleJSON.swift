import HubbleProtos
import SwiftProtobuf

/// Hubble's JSON lines (`hubble observe -o json`, the exporter's files, the store's lines) as
/// GetFlowsResponse messages: the line is the proto's JSON mapping of one, with proto field
/// names, so swift-protobuf reads it. Fields this build does not know are skipped.
public enum HubbleJSON {
    static let decoding: JSONDecodingOptions = {
        var o = JSONDecodingOptions()
        o.ignoreUnknownFields = true
        return o
    }()

    /// - Throws: swift-protobuf's `JSONDecodingError` when the line is not such a message.
    public static func response(_ line: UnsafeBufferPointer<UInt8>) throws -> Observer_GetFlowsResponse {
        var r = try Observer_GetFlowsResponse(jsonUTF8Bytes: Array(line), options: decoding)
        if case .flow(var flow)? = r.responseTypes {
            // Each response carries the node and time, as Hubble's do (a JSON line may not).
            if r.nodeName.isEmpty { r.nodeName = flow.nodeName }
            if !r.hasTime, flow.hasTime { r.time = flow.time }
            // An Any of a type this build has no message for cannot be encoded again.
            if flow.hasExtensions {
                flow.clearExtensions()
                r.flow = flow
            }
        }
        return r
    }

    public static func response(_ line: String) throws -> Observer_GetFlowsResponse {
        var text = line
        return try text.withUTF8 { try response($0) }
    }
}
