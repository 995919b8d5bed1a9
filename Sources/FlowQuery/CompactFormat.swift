import FlowModel

/// One flow a line, in the manner of `hubble observe`'s compact output:
/// `TIME: SOURCE -> DESTINATION VERDICT (SUMMARY)`, with identities and the policy match.
public enum CompactFormat {
    static let matchNames = ["none", "L3-Only", "L3-L4", "L4-Only", "all", "L3-Proto", "Proto-Only"]

    /// Formats a `{"flow":…}` line; lines that do not parse are returned as they are.
    public static func line(_ json: String) -> String {
        guard let root = try? JSONValue.parse(json), let flow = root["flow"] else { return json }
        func str(_ v: JSONValue?) -> String { if case .string(let s) = v { return s }; return "" }
        func num(_ v: JSONValue?) -> Int64 { if case .number(_, let raw) = v { return Int64(raw) ?? 0 }; return 0 }
        var port: (Int64, Int64) = (0, 0)
        if case .object(let l4) = flow["l4"], let proto = l4.values.first {
            port = (num(proto["source_port"]), num(proto["destination_port"]))
        }
        func endpoint(_ key: String, ip: String, port: Int64, names: JSONValue?) -> String {
            let e = flow[key]
            var text: String
            let ns = str(e?["namespace"]), pod = str(e?["pod_name"])
            if !pod.isEmpty {
                text = ns.isEmpty ? pod : "\(ns)/\(pod)"
            } else {
                text = ip
                if case .array(let n) = names, !n.isEmpty { text += " (\(n.map { str($0) }.joined(separator: ",")))" }
                if case .array(let labels) = e?["labels"], let reserved = labels.map({ str($0) }).first(where: { $0.hasPrefix("reserved:") }) {
                    text += " (\(reserved.dropFirst("reserved:".count)))"
                }
            }
            if port != 0 { text += ":\(port)" }
            let id = num(e?["identity"])
            if id != 0 { text += " (ID:\(id))" }
            return text
        }
        let time = str(flow["time"])
        let src = endpoint("source", ip: str(flow["IP"]?["source"]), port: port.0, names: flow["source_names"])
        let dst = endpoint("destination", ip: str(flow["IP"]?["destination"]), port: port.1, names: flow["destination_names"])
        let verdict = str(flow["verdict"]).isEmpty ? "VERDICT_UNKNOWN" : str(flow["verdict"])
        var what = verdict
        let eventType = num(flow["event_type"]?["type"])
        if eventType == 5 {
            let m = Int(num(flow["policy_match_type"]))
            let shown = ["FORWARDED": "ALLOWED", "REDIRECTED": "ALLOWED", "DROPPED": "DENIED", "ERROR": "DENIED", "AUDIT": "AUDITED"][verdict] ?? verdict
            what = "policy-verdict:\(m < matchNames.count ? matchNames[m] : String(m)) \(str(flow["traffic_direction"])) \(shown)"
        } else if !str(flow["drop_reason_desc"]).isEmpty {
            what += " (\(str(flow["drop_reason_desc"])))"
        }
        let summary = str(flow["Summary"])
        return "\(time): \(src) -> \(dst) \(what)" + (summary.isEmpty ? "" : " (\(summary))")
    }
}
