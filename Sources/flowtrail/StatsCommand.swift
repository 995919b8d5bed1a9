import ArgumentParser
import FlowClickHouse
import FlowStore

/// `flowtrail stats`: what the database holds.
struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Show flows stored, time range, partitions, counts and size.")

    @OptionGroup var database: DatabaseOption
    @Option(name: [.customShort("o"), .long], help: "Output format.") var output: StatsOutput = .text
    @Flag(help: "The same as -o json.") var json = false

    func run() throws {
        do {
            let stats: StoreStats
            if let clickhouse = database.openClickHouse() {
                defer { clickhouse.close() }
                stats = try ClickHouseStats.read(clickhouse)
            } else {
                stats = try StoreStats.read(try database.open(readOnly: true))
            }
            print(json || output == .json ? stats.json() : stats.text())
        } catch {
            fail("\(error)")
        }
    }
}
