import Foundation
import FlowModel

/// The `table` output of `flowtrail query`: one row a flow, a fixed useful set of columns.
/// (CSV comes from FlowExport's renderer, with the export's default columns.)
public enum TabularFormat {
    public static let headers = [
        "time", "verdict", "direction", "match_type", "source", "source_identity", "destination",
        "destination_identity", "destination_port", "protocol", "drop_reason", "node", "summary",
    ]

    /// The cells of one flow line.
    public static func cells(_ json: String) -> [String] {
        guard let flow = (try? JSONValue.parse(json))?["flow"] else { return Array(repeating: "", count: headers.count) }
        func str(_ v: JSONValue?) -> String {
            switch v {
            case .string(let s)?: s
            case .number(_, let raw)?: raw
            default: ""
            }
        }
        func endpoint(_ key: String, _ ip: String) -> String {
            let ns = str(flow[key]?["namespace"]), pod = str(flow[key]?["pod_name"])
            return pod.isEmpty ? ip : (ns.isEmpty ? pod : "\(ns)/\(pod)")
        }
        var proto = "", port = ""
        if case .object(let l4)? = flow["l4"], let (name, body) = l4.first {
            proto = name
            port = str(body["destination_port"])
        }
        return [
            str(flow["time"]), str(flow["verdict"]), str(flow["traffic_direction"]), str(flow["policy_match_type"]).isEmpty ? "0" : str(flow["policy_match_type"]),
            endpoint("source", str(flow["IP"]?["source"])), str(flow["source"]?["identity"]),
            endpoint("destination", str(flow["IP"]?["destination"])), str(flow["destination"]?["identity"]),
            port, proto, str(flow["drop_reason_desc"]), str(flow["node_name"]), str(flow["Summary"]),
        ]
    }

    /// Rows padded into aligned columns.
    public static func table(_ rows: [[String]]) -> String { table(headers: headers, rows: rows) }

    /// Rows under upper-cased headers, padded into aligned columns (the last left ragged).
    public static func table(headers: [String], rows: [[String]]) -> String {
        let all = [headers.map { $0.uppercased() }] + rows
        let widths = headers.indices.map { i in all.map { $0[i].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { i, cell in i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }

    /// RFC 4180 CSV: a header row, CRLF line ends, fields quoted when they hold a comma,
    /// quote or line break.
    public static func csv(headers: [String], rows: [[String]]) -> String {
        func field(_ s: String) -> String {
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        return ([headers] + rows).map { $0.map(field).joined(separator: ",") + "\r\n" }.joined()
    }
}
