import ArgumentParser
import FlowClickHouse
import FlowQuery
import FlowReports

/// `flowtrail report`: what default-deny would block, suggested policies, summaries.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Reports over the stored history (docs/REPORTS.md).",
        subcommands: [DefaultDenyCommand.self, SummaryCommand.self])
}

/// `flowtrail report default-deny`.
struct DefaultDenyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "default-deny",
        abstract: "Connections that default-deny (or leaving audit mode) would block, and policies that would allow them.")

    @OptionGroup var database: DatabaseOption
    @OptionGroup var range: TimeRangeOptions
    @Option(name: [.customShort("o"), .long], help: "Output format (yaml: suggested CiliumNetworkPolicies).")
    var output: DefaultDenyOutput = .table
    @Flag(help: "Group raw flows instead of reading the rollups (the reference; slower).") var raw = false
    @OptionGroup var filter: FilterArguments

    func run() throws {
        let (since, until) = try range.bounds()
        let filters = try filter.checked()
        if let clickhouse = database.openClickHouse() {
            defer { clickhouse.close() }
            do {
                let report = try ClickHouseReports.defaultDeny(clickhouse, since: since, until: until, filters: filters)
                print(report.render(output.rawValue), terminator: "")
            } catch {
                fail("\(error)")
            }
            warnAboutLostEvents(clickhouse, since: since, until: until)
            return
        }
        let store = try database.open(readOnly: true)
        do {
            let report = try DefaultDenyReport.build(engine: try QueryEngine(store: store), since: since, until: until,
                                                     filters: filters, fromRawFlows: raw)
            print(report.render(output.rawValue), terminator: "")
            warnAboutLostEvents(store, since: since, until: until)
        } catch {
            fail("\(error)")
        }
    }
}

/// `flowtrail report summary`.
struct SummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary", abstract: "Flows by verdict, top drop reasons, top talkers and a histogram.")

    @OptionGroup var database: DatabaseOption
    @OptionGroup var range: TimeRangeOptions
    @Option(help: "Histogram bucket.") var bucket: SummaryBucket = .fiveMinutes
    @Option(name: [.customShort("o"), .long], help: "Output format.") var output: SummaryOutput = .json
    @OptionGroup var filter: FilterArguments

    func run() throws {
        let minutes = SummaryReport.bucketMinutes[bucket.rawValue]!
        let (since, until) = try range.bounds()
        let filters = try filter.checked()
        func show(_ report: SummaryReport) {
            print(output == .json ? report.json() : report.table(), terminator: output == .json ? "\n" : "")
        }
        if let clickhouse = database.openClickHouse() {
            defer { clickhouse.close() }
            do {
                show(try ClickHouseReports.summary(clickhouse, since: since, until: until, bucketMinutes: minutes, filters: filters))
            } catch {
                fail("\(error)")
            }
            warnAboutLostEvents(clickhouse, since: since, until: until)
            return
        }
        let store = try database.open(readOnly: true)
        do {
            let report = try SummaryReport.build(engine: try QueryEngine(store: store), since: since, until: until,
                                                 bucketMinutes: minutes, filters: filters)
            show(report)
            warnAboutLostEvents(store, since: since, until: until)
        } catch {
            fail("\(error)")
        }
    }
}
