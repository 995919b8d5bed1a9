import ArgumentParser

/// The `flowtrail` command: a Hubble flow-log store and query tool.
@main
struct Flowtrail: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flowtrail",
        abstract: "Keep Cilium Hubble flow history in SQLite and answer questions about it.",
        subcommands: [IngestCommand.self, QueryCommand.self, ExplainCommand.self, StatsCommand.self, ExportCommand.self, ReportCommand.self, SimulateCommand.self, ServeCommand.self, GenCommand.self, BenchCommand.self]
    )
}
