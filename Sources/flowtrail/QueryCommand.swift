import ArgumentParser
import FlowExport
import FlowModel
import FlowQuery
import FlowStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The filter of a command: expressions as arguments (put `--` before one that starts with
/// `-`) and Hubble's `--cel-expression EXPR` (repeatable); all are ORed, as Hubble ORs them.
struct FilterArguments: ParsableArguments {
    @Option(name: .customLong("cel-expression"), parsing: .unconditionalSingleValue,
            help: "An expression, as hubble observe --cel-expression takes it (repeatable; ORed with the others).")
    var celExpressions: [String] = []
    @Argument(help: "Expressions (ORed), or @NAME for a saved query. Put -- before one that starts with -.")
    var expressions: [String] = []

    /// Every expression given, checked (exits 2 with the reason on a bad one).
    func checked() throws -> [Typed] { try checkedFilters(celExpressions + expressions) }
}

/// `flowtrail query`: flows matching Hubble-style CEL expressions, from the stored history.
struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Find stored flows with CEL expressions (as hubble observe --cel-expression).",
        discussion: """
            Several expressions are ORed, as Hubble does. @NAME runs the saved query queries/NAME.cel. \
            Without --since/--until the whole history is searched. Like hubble observe, the default \
            is the last 20 matching flows, printed oldest first. See docs/QUERY-LANGUAGE.md.
            """
    )

    @OptionGroup var database: DatabaseOption
    @OptionGroup var range: TimeRangeOptions
    @Option(help: "The newest N matching flows (default 20).") var last: Int?
    @Option(help: "The oldest N matching flows.") var first: Int?
    @Flag(help: "Every matching flow.") var all = false
    @Flag(help: "Print only the number of matching flows.") var count = false
    @Option(name: [.customShort("o"), .long], help: "Output format.") var output: QueryOutput = .compact
    @OptionGroup var filter: FilterArguments

    func validate() throws {
        if [last != nil, first != nil, all].filter({ $0 }).count > 1 {
            throw ValidationError("use only one of --last, --first and --all")
        }
        if let last, last < 0 { throw ValidationError("--last must not be negative") }
        if let first, first < 0 { throw ValidationError("--first must not be negative") }
    }

    func run() throws {
        let (since, until) = try range.bounds()
        let filters = try filter.checked()
        let store = try database.open(readOnly: true)
        let engine: QueryEngine
        do { engine = try QueryEngine(store: store) } catch { fail("\(error)") }
        defer { warnAboutLostEvents(store, since: since, until: until) }
        if count {
            do { print(try engine.count(filters, since: since, until: until)) } catch { fail("\(error)") }
            return
        }
        let window: QueryWindow = all ? .all : first.map { .first($0) } ?? .last(last ?? 20)
        let out = StdoutWriter()
        var n = 0
        var rows: [[String]] = []
        if output == .json { out.write("[") }
        // CSV is the export's default columns, as GET /api/v1/flows?format=csv writes them.
        let csv = output == .csv ? ExportRenderer(format: .csv, columns: nil) : nil
        let csvBuffer = ByteBuffer(capacity: 4096)
        csv?.header(into: csvBuffer)
        out.write(csvBuffer.bytes)
        do {
            try engine.lines(filters, since: since, until: until, window: window) { line in
                switch output {
                case .jsonl:
                    out.write(line)
                    out.newline()
                case .json:
                    if n > 0 { out.write(",") }
                    out.newline()
                    out.write(line)
                case .csv:
                    csvBuffer.removeAll()
                    csv!.record(line, into: csvBuffer)
                    out.write(csvBuffer.bytes)
                case .table:
                    rows.append(TabularFormat.cells(String(decoding: line, as: UTF8.self)))
                case .compact:
                    out.write(CompactFormat.line(String(decoding: line, as: UTF8.self)))
                    out.newline()
                }
                n += 1
            }
        } catch {
            out.flush()
            fail("\(error)")
        }
        if output == .json { out.write(n > 0 ? "\n]\n" : "]\n") }
        if output == .table { out.write(TabularFormat.table(rows)) }
        out.flush()
    }
}

/// Parses and checks the query arguments (expanding @NAME); exits with status 2 on an error.
func checkedFilters(_ expressions: [String]) throws -> [Typed] {
    var filters: [Typed] = []
    for text in expressions {
        let expression: String
        if text.hasPrefix("@") {
            guard let saved = SavedQueries.load(String(text.dropFirst())) else {
                let names = SavedQueries.builtIn.map { "@" + $0.name }.joined(separator: ", ")
                fail("no saved query \(text) (built in: \(names); also looked in \(SavedQueries.searchPath.joined(separator: ", ")))", status: 2)
            }
            expression = saved
        } else {
            expression = text
        }
        do {
            filters.append(try Checker.check(expression))
        } catch let e as QueryError {
            fputs("flowtrail: invalid expression: \(e)\n", stderr)
            throw ExitCode(2)
        }
    }
    return filters
}

/// `flowtrail explain`: the SQL an expression becomes, its parameters and SQLite's plan.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain", abstract: "Show the SQL, parameters and query plan of expressions.")

    @OptionGroup var database: DatabaseOption
    @OptionGroup var filter: FilterArguments

    func run() throws {
        let filters = try filter.checked()
        let store = try database.open(readOnly: true)
        do {
            let engine = try QueryEngine(store: store)
            let day = store.days.last ?? 0
            let (sql, params) = engine.statement(filters, day: day, descending: true, limit: 20)
            print("SQL (newest partition, \(FlowTime.dayStamp(day)); the same runs on every partition in range):")
            print("  " + sql)
            print("parameters: time >= since, time < until, " + params.map { p in
                switch p {
                case .int(let v): "\(v)"
                case .text(let s): JSONText.quoted(s)
                default: "\(p)"
                }
            }.joined(separator: ", "))
            if store.days.isEmpty { print("(no partitions yet: no plan)"); return }
            print("plan:")
            for step in try engine.plan(filters, day: day) { print("  " + step) }
        } catch {
            fail("\(error)")
        }
    }
}
