import ArgumentParser
import FlowClickHouse
import FlowIngest
import FlowModel
import FlowStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `flowtrail ingest`: read Hubble JSON flow streams into the store, exactly once.
struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Store Hubble JSON flows from files, .gz files or stdin (-).",
        discussion: """
            Each source's read position commits with its rows, so running the same command again \
            (after a crash, or on a grown file) stores every flow exactly once.
            """
    )

    @OptionGroup var database: DatabaseOption
    @Flag(help: "Keep reading as files grow, following rotation and truncation (like tail -F).")
    var follow = false
    @Option(help: "Append rejected lines, verbatim, to this file.")
    var rejects: String?
    @Option(help: "Drop day partitions older than this (e.g. 7d).")
    var retention: String?
    @Option(help: "Flows per transaction (bulk loads; --follow also commits every 0.2 s).")
    var batchSize = IngestOptions().batchSize
    @Option(help: "With --store: the ClickHouse cluster (remote_servers) whose shards the store URL lists; creates Distributed tables over them.")
    var cluster: String?
    @Argument(help: "Files, .gz files, or - for standard input.")
    var sources: [String]

    func validate() throws {
        if sources.isEmpty { throw ValidationError("give at least one source (a file, a .gz file, or - for stdin)") }
        if let retention, DurationText.parse(retention) == nil {
            throw ValidationError("--retention: \"\(retention)\" is not a duration such as 7d or 12h")
        }
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() throws {
        var options = IngestOptions()
        options.follow = follow
        options.rejectsPath = rejects
        options.retention = retention.flatMap(DurationText.parse)
        options.progress = isatty(2) != 0
        options.batchSize = batchSize
        Ingester.installSignalHandlers()
        let summary: IngestSummary
        do {
            if let clickhouse = database.openClickHouse(create: true, cluster: cluster) {
                defer { clickhouse.close() }
                summary = try Ingester(sink: ClickHouseWriter(store: clickhouse), positions: clickhouse, options: options).run(sources: sources)
            } else {
                // The store outlives the ingester: its writer's statements are finalized first,
                // so closing the connection checkpoints the WAL into the database file.
                let store = try database.open()
                summary = try withExtendedLifetime(store) { try Ingester(store: store, options: options).run(sources: sources) }
            }
        } catch {
            fail("\(error)")
        }
        let c = summary.counts
        var nonFlow: [String] = []
        if c.lostEvents > 0 { nonFlow.append("lost_events \(c.lostEvents)") }
        if c.agentEvents > 0 { nonFlow.append("agent_event \(c.agentEvents)") }
        if c.debugEvents > 0 { nonFlow.append("debug_event \(c.debugEvents)") }
        if c.nodeStatus > 0 { nonFlow.append("node_status \(c.nodeStatus)") }
        var line = "stored \(c.flows) flows, rejected \(c.rejected) lines, \(c.nonFlow) non-flow records"
        if c.duplicates > 0 { line += ", skipped \(c.duplicates) flows already stored" }
        if !nonFlow.isEmpty { line += " (\(nonFlow.joined(separator: ", ")))" }
        line += " in \(fixed(summary.elapsed, 2)) s (\(Int(summary.rate.rounded())) flows/s)"
        if summary.retentionDroppedFlows > 0 || summary.retentionDroppedPartitions > 0 {
            line += "; retention dropped \(summary.retentionDroppedPartitions) partitions (\(summary.retentionDroppedFlows) flows)"
        }
        print(line)
        if !summary.failedSources.isEmpty { throw ExitCode(1) }
        if summary.interrupted { throw ExitCode(130) }
    }
}
