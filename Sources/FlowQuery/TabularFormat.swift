import Foundation
import FlowModel

/// Aligned tables and CSV for the reports' rows (flows print as Hubble's table: HubbleFlowText).
public enum TabularFormat {
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
