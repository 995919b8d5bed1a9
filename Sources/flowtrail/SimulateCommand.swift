import ArgumentParser
import Foundation
import FlowClickHouse
import FlowPolicy
import FlowQuery
import FlowReports

/// `flowtrail simulate -o`.
enum SimulateOutput: String, ExpressibleByArgument, CaseIterable {
    case table, json, csv, jsonl
}

/// `flowtrail simulate`: a proposed policy set replayed over the stored flows.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Replay stored flows through proposed CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy and NetworkPolicy objects.",
        discussion: """
            Says which recorded connections the policies would deny, which they would open, and which \
            rule decides each (docs/SIMULATE.md). Files are YAML streams; a kind: List contributes its \
            items; --policy - reads standard input. A policy Cilium would refuse is exit status 2. \
            -o jsonl (or --flows) prints one line per evaluated flow.
            """
    )

    @OptionGroup var database: DatabaseOption
    @OptionGroup var range: TimeRangeOptions
    @Option(name: .long, help: "A YAML file of policies (repeatable; - for standard input).") var policy: [String] = []
    @Option(name: [.customShort("o"), .long], help: "Output format.") var output: SimulateOutput = .table
    @Flag(help: "One JSON line per evaluated flow (as -o jsonl).") var flows = false
    @OptionGroup var filter: FilterArguments

    func validate() throws {
        guard !policy.isEmpty else { throw ValidationError("give at least one --policy FILE (or --policy - for standard input)") }
    }

    func run() throws {
        var sources: [PolicySource] = []
        for path in policy {
            let data: Data?
            if path == "-" { data = FileHandle.standardInput.readDataToEndOfFile() } else { data = FileManager.default.contents(atPath: path) }
            guard let data else { fail("cannot read policy file \(path)", status: 2) }
            sources.append(PolicySource(name: path == "-" ? "<stdin>" : path, text: String(decoding: data, as: UTF8.self)))
        }
        let set: PolicySet
        do { set = try PolicySet.load(sources) } catch { fail("policy refused: \(error)", status: 2) }
        let (since, until) = try range.bounds()
        let filters = try filter.checked()
        let perFlow = flows || output == .jsonl
        let out = StdoutWriter()
        func write(_ f: SimulatedFlow) { out.write(Simulation.flowJSON(f) + "\n") }
        func show(_ sim: Simulation) {
            if perFlow { return out.flush() }
            switch output {
            case .json: print(sim.json())
            case .csv: print(sim.csv(), terminator: "")
            default: print(sim.table(), terminator: "")
            }
        }
        if let clickhouse = database.openClickHouse() {
            defer { clickhouse.close() }
            do {
                show(try ClickHouseReports.simulate(clickhouse, set: set, since: since, until: until, filters: filters,
                                                   perFlow: perFlow ? write : nil))
            } catch {
                fail("\(error)")
            }
            warnAboutLostEvents(clickhouse, since: since, until: until)
            return
        }
        let store = try database.open(readOnly: true)
        do {
            let engine = try QueryEngine(store: store)
            show(try Simulation.run(engine: engine, set: set, since: since, until: until, filters: filters, workers: 2,
                                    perFlow: perFlow ? write : nil))
            warnAboutLostEvents(store, since: since, until: until)
        } catch {
            fail("\(error)")
        }
    }
}
