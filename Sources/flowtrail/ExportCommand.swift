import ArgumentParser
import FlowClickHouse
import FlowExport
import FlowModel
import FlowQuery
import FlowStore

/// `flowtrail export`: every matching flow, oldest first, as CSV or JSON lines; the same
/// bytes as `GET /api/v1/export`.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write every matching stored flow, oldest first, as JSON lines or CSV.",
        discussion: """
            jsonl without --columns writes whole flows as hubble observe -o json prints them. \
            --columns takes field paths from the catalog (docs/QUERY-LANGUAGE.md) plus l4.protocol, \
            l4.source_port and l4.destination_port; the default CSV set is documented in docs/EXPORT.md.
            """
    )

    @OptionGroup var database: DatabaseOption
    @OptionGroup var range: TimeRangeOptions
    @Option(name: [.customShort("o"), .customLong("output"), .customLong("format")], help: "Output format (--format is the same).")
    var output: ExportOutput = .jsonl
    @Option(help: "Comma-separated field paths (default: a documented useful set).") var columns: String?
    @Flag(help: "Do not prefix cells that start with = + - @ with a quote.") var raw = false
    @OptionGroup var filter: FilterArguments

    func run() throws {
        let (since, until) = try range.bounds()
        let filters = try filter.checked()
        let cols: ExportColumns?
        do { cols = try columns.map { try ExportColumns(list: $0) } } catch { fail("--\(error)") }
        let renderer = ExportRenderer(format: ExportFormat(name: output.rawValue)!, columns: cols, raw: raw)
        let clickhouse = database.openClickHouse()
        defer { clickhouse?.close() }
        let store = clickhouse == nil ? try database.open(readOnly: true) : nil
        let out = StdoutWriter()
        do {
            let history: any FlowHistory = if let clickhouse { ClickHouseHistory(store: clickhouse) } else { try QueryEngine(store: store!) }
            try ExportJob.run(history: history, filters: filters, since: since, until: until, renderer: renderer) {
                out.write($0)
            }
        } catch {
            out.flush()
            fail("\(error)")
        }
        out.flush()
        if let clickhouse { warnAboutLostEvents(clickhouse, since: since, until: until) }
        if let store { warnAboutLostEvents(store, since: since, until: until) }
    }
}
