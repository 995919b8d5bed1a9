import ArgumentParser
import FlowStore

/// `flowtrail stats`: what the database holds.
struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Show flows stored, time range, partitions, counts and size.")

    @OptionGroup var database: DatabaseOption
    @Option(name: [.customShort("o"), .long], help: "Output format.") var output: StatsOutput = .text
    @Flag(help: "The same as -o json.") var json = false

    func run() throws {
        let store = try database.open(readOnly: true)
        do {
            let stats = try StoreStats.read(store)
            print(json || output == .json ? stats.json() : stats.text())
        } catch {
            fail("\(error)")
        }
    }
}
