import FlowModel
import FlowQuery

/// One flow's JSON (`hubble observe -o json` line or bare flow) read for simulation: fields by
/// proto name or lowerCamelCase, enums by name or number (spec §8; hubble-ref §2).
public struct FlowJSONCase {
    public let uuid: String
    public let time: String
    public let recorded: RecordedOutcome
    public let flow: FlowCase

    /// The flow's case, or why it is skipped.
    public static func read(_ line: JSONValue) -> Result<FlowJSONCase, SkipReasonError> {
        let f = line["flow"] ?? line
        func get(_ v: JSONValue?, _ names: String...) -> JSONValue? {
            for n in names { if let x = v?[n], x != .null { return x } }
            return nil
        }
        func text(_ v: JSONValue?) -> String { if case .string(let s)? = v { return s }; return "" }
        func number(_ v: JSONValue?) -> Int64? {
            if case .number(_, let raw)? = v { return Int64(raw) }
            if case .string(let s)? = v { return Int64(s) }
            return nil
        }
        func enumValue(_ v: JSONValue?, _ e: EnumDef) -> Int64 {
            if let n = number(v) { return n }
            return e.number(text(v)) ?? -1
        }
        func bool(_ v: JSONValue?) -> Bool { if case .bool(let b)? = v { return b }; return false }

        let flowType = enumValue(get(f, "Type", "type"), FlowEnums.flowType)
        let eventType = FlowClassification.eventType(number(get(get(f, "event_type", "eventType"), "type")) ?? 0, flowType: flowType)
        let verdict = enumValue(get(f, "verdict"), FlowEnums.verdict)
        var dropReason = enumValue(get(f, "drop_reason_desc", "dropReasonDesc"), FlowEnums.dropReason)
        if dropReason <= 0 { dropReason = number(get(f, "drop_reason", "dropReason")) ?? 0 }
        let isReply = bool(get(f, "is_reply", "isReply")) || bool(get(f, "reply"))
        let direction = enumValue(get(f, "traffic_direction", "trafficDirection"), FlowEnums.trafficDirection)
        let tracePoint = enumValue(get(f, "trace_observation_point", "traceObservationPoint"), FlowEnums.traceObservationPoint)
        let l7 = get(f, "l7")
        let l7Type = enumValue(get(l7, "type"), FlowEnums.l7FlowType)
        let http = get(l7, "http"), dns = get(l7, "dns")
        let l7Kind = http != nil ? "http" : dns != nil ? "dns" : l7.map { v -> String in
            if case .object(let o) = v { return o.keys.first { !["type", "latency_ns", "latencyNs"].contains($0) } ?? "" }
            return ""
        } ?? ""
        let recorded: RecordedOutcome
        switch FlowClassification.classify(eventType: eventType, verdict: verdict, dropReason: dropReason, isReply: isReply,
                                           direction: direction, tracePoint: tracePoint, l7Type: l7Type, l7Kind: l7Kind) {
        case .failure(let e): return .failure(e)
        case .success(let r): recorded = r
        }
        let dir: PolicyDirection = direction == 1 ? .ingress : .egress
        let source = EndpointLabels(endpoint: get(f, "source")), destination = EndpointLabels(endpoint: get(f, "destination"))
        let subject = dir == .ingress ? destination : source
        guard subject.namespace != nil else { return .failure(.init(.subjectNotPod)) }
        let ip = get(f, "IP", "ip")
        let peerIP = text(get(ip, dir == .ingress ? "source" : "destination"))
        var names: [String] = []
        if dir == .egress, case .array(let a)? = get(f, "destination_names", "destinationNames") { names = a.map { text($0) } }
        var proto: Int64 = 0, port: Int64 = 0
        if let l4 = get(f, "l4") {
            for (name, number) in [("TCP", L4Protocol.tcp), ("UDP", L4Protocol.udp), ("SCTP", L4Protocol.sctp)] {
                if let p = get(l4, name) {
                    proto = number
                    port = self.number(get(p, "destination_port", "destinationPort"))
                }
            }
            for (name, number) in [("ICMPv4", L4Protocol.icmpv4), ("ICMPv6", L4Protocol.icmpv6)] {
                if let p = get(l4, name) {
                    proto = number
                    port = self.number(get(p, "type"))
                }
            }
            if get(l4, "VRRP") != nil { proto = L4Protocol.vrrp }
            if get(l4, "IGMP") != nil { proto = L4Protocol.igmp }
        }
        var request: L7Request?
        if eventType == FlowClassification.l7 {
            if let http {
                var headers: [String: [String]] = [:]
                if case .array(let hs)? = get(http, "headers") {
                    for h in hs { headers[text(get(h, "key")).lowercased(), default: []].append(text(get(h, "value"))) }
                }
                let (authority, path) = Self.splitURL(text(get(http, "url")))
                request = .http(method: text(get(http, "method")), authority: authority, path: path, headers: headers)
            } else {
                request = .dns(query: text(get(dns, "query")))
            }
        }
        let flowCase = FlowCase(direction: dir, subject: subject, peer: dir == .ingress ? source : destination,
                                peerIP: CIDR.address(peerIP), peerNames: names, protocolNumber: proto, port: port, request: request)
        return .success(FlowJSONCase(uuid: text(get(f, "uuid")), time: text(get(f, "time") ?? line["time"]),
                                     recorded: recorded, flow: flowCase))
    }

    static func number(_ v: JSONValue?) -> Int64 {
        if case .number(_, let raw)? = v { return Int64(raw) ?? 0 }
        return 0
    }

    /// `http://host:port/path?query` → (`host:port`, `/path?query`); a URL without scheme is a path.
    public static func splitURL(_ url: String) -> (authority: String, path: String) {
        guard let scheme = url.range(of: "://") else { return ("", url.isEmpty ? "/" : url) }
        let rest = url[scheme.upperBound...]
        guard let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) else { return (String(rest), "/") }
        let path = String(rest[slash...])
        return (String(rest[..<slash]), path.hasPrefix("?") ? "/" + path : path)
    }
}
