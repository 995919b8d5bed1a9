import ArgumentParser
import FlowExport
import FlowHubble
import FlowModel
#if canImport(Glibc)
import Glibc
#endif

/// `--color`: as hubble observe's.
enum ColorChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, always, never

    /// auto: when standard output is a terminal.
    var enabled: Bool {
        switch self {
        case .always: true
        case .never: false
        case .auto: isatty(1) != 0
        }
    }
}

/// Writes `flowtrail query`'s flows in the chosen output format: Hubble's compact, dict and
/// table (HubbleFlowText), its JSON lines (json, jsonpb; jsonl is the same), flowtrail's JSON
/// array (json-array) and CSV.
final class FlowPrinter {
    let output: QueryOutput
    let out = StdoutWriter()
    var text: HubbleFlowText
    let csv: ExportRenderer?
    let csvBuffer = FlowModel.ByteBuffer(capacity: 4096)
    var count = 0

    init(output: QueryOutput, color: Bool, timeFormat: HubbleTimeFormat, printNodeName: Bool) {
        self.output = output
        let layout: HubbleFlowText.Layout = output == .dict ? .dict : output == .table ? .table : .compact
        text = HubbleFlowText(layout: layout)
        text.color = color
        text.timeFormat = timeFormat
        text.printNodeName = printNodeName
        // CSV is the export's default columns, as GET /api/v1/flows?format=csv writes them.
        csv = output == .csv ? ExportRenderer(format: .csv, columns: nil) : nil
        csv?.header(into: csvBuffer)
        out.write(csvBuffer.bytes)
        if output == .jsonArray { out.write("[") }
    }

    func write(_ line: UnsafeBufferPointer<UInt8>) {
        switch output {
        case .json, .jsonpb, .jsonl:
            out.write(line)
            out.newline()
        case .jsonArray:
            if count > 0 { out.write(",") }
            out.newline()
            out.write(line)
        case .csv:
            csvBuffer.removeAll()
            csv!.record(line, into: csvBuffer)
            out.write(csvBuffer.bytes)
        case .compact, .dict, .table:
            if let response = try? HubbleJSON.response(line) {
                out.write(text.text(response))
            } else {
                // A line this build cannot read as a flow is shown as it is.
                out.write(line)
                out.newline()
            }
        }
        count += 1
    }

    func flush() { out.flush() }

    /// Ends the output (closes the JSON array, prints the table).
    func finish() {
        if output == .jsonArray { out.write(count > 0 ? "\n]\n" : "]\n") }
        out.write(text.finish())
        out.flush()
    }
}
