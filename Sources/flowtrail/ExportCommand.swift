import ArgumentParser
import FlowStore

/// `flowtrail export`: stored flows as `hubble observe -o json` lines, in time order.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write stored flows in time order, as hubble observe -o json prints them.")

    @OptionGroup var database: DatabaseOption
    @OptionGroup var range: TimeRangeOptions
    @Option(help: "Output format: jsonl.") var format = "jsonl"

    func validate() throws {
        guard format == "jsonl" else { throw ValidationError("--format: \"\(format)\" is not supported (jsonl)") }
    }

    func run() throws {
        let (since, until) = try range.bounds()
        let store = try database.open(readOnly: true)
        let out = StdoutWriter()
        do {
            try FlowReader(store: store).forEachLine(since: since, until: until) { line in
                out.write(line)
                out.newline()
            }
        } catch {
            out.flush()
            fail("\(error)")
        }
        out.flush()
    }
}
