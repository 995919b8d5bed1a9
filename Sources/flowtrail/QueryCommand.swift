import ArgumentParser
import FlowClickHouse
import FlowExport
import FlowHubble
import FlowModel
import FlowQuery
import FlowStore
import SwiftProtobuf

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The filter of a command: query-language expressions as arguments (ORed; put `--` before
/// one that starts with `-`) and `hubble observe`'s filter flags (HubbleFilterOptions). A flow
/// must match both: an expression (when any is given) and the flags' FlowFilters.
struct FilterArguments: ParsableArguments {
    @OptionGroup(title: "Hubble filter flags (as hubble observe; docs/HUBBLE.md)") var hubble: HubbleFilterOptions
    @Argument(help: "Expressions (ORed), or @NAME for a saved query. Put -- before one that starts with -.")
    var expressions: [String] = []

    /// The flags' FlowFilters as one expression, or nil without flags.
    func flagExpression() throws -> String? {
        let (allow, deny) = try hubble.flowFilters()
        do {
            return try FlowFilterExpression.expression(allowlist: allow, denylist: deny)
        } catch let e as FilterProblem {
            fail("invalid filter: \(e)", status: 2)
        }
    }

    /// Every expression given, checked, combined with the flags (exits 2 with the reason on a
    /// bad one). Several results are ORed by the engine.
    func checked() throws -> [Typed] {
        let expressionFilters = try checkedFilters(expressions)
        guard let flags = try flagExpression() else { return expressionFilters }
        let flagFilter: Typed
        do {
            flagFilter = try Checker.check(flags)
        } catch let e as QueryError {
            fail("invalid filter: --cel-expression: \(e)", status: 2)
        }
        guard !expressionFilters.isEmpty else { return [flagFilter] }
        // Both: (e1 || e2 …) && flags, checked as one expression (each part was checked alone
        // above, so an error here is not the user's column to fix).
        let texts = try expandedTexts(expressions)
        let combined = "(" + texts.map { "(\($0))" }.joined(separator: " || ") + ") && (\(flags))"
        do {
            return [try Checker.check(combined)]
        } catch {
            fail("could not combine the expressions with the filter flags: \(error)")
        }
    }
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
    @Flag(name: [.customShort("f"), .long],
          help: "Then print new flows as they are stored, until interrupted (no history unless --last, --all or --since asks).")
    var follow = false
    @Flag(help: "Print only the number of matching flows.") var count = false
    @Option(name: [.customShort("o"), .long], help: "Output format.") var output: QueryOutput = .compact
    @Flag(help: "Print the node name (compact, dict, table), as hubble observe --print-node-name.") var printNodeName = false
    @Option(help: "Time format: StampMilli, RFC3339, RFC3339Milli, RFC3339Micro, RFC3339Nano, RFC1123Z, YearMonthDay, YearMonthDayHour, YearMonthDayHourMinute.")
    var timeFormat = "StampMilli"
    @Option(help: "Colours in compact and dict output: auto (on a terminal), always, never.") var color: ColorChoice = .auto
    @OptionGroup var filter: FilterArguments

    func validate() throws {
        if [last != nil, first != nil, all].filter({ $0 }).count > 1 {
            throw ValidationError("use only one of --last, --first and --all")
        }
        if let last, last < 0 { throw ValidationError("--last must not be negative") }
        if let first, first < 0 { throw ValidationError("--first must not be negative") }
        if follow && first != nil { throw ValidationError("cannot set both --first and --follow") }
        if follow && count { throw ValidationError("cannot set both --count and --follow") }
        guard HubbleTimeFormat.allCases.contains(where: { $0.rawValue.lowercased() == timeFormat.lowercased() }) else {
            throw ValidationError("--time-format: one of \(HubbleTimeFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        var (since, until) = try range.bounds()
        // hubble observe drops --until when following.
        if follow { until = nil }
        let filters = try filter.checked()
        if let clickhouse = database.openClickHouse() {
            defer { clickhouse.close() }
            return try runOnClickHouse(clickhouse, filters, since: since, until: until)
        }
        let store = try database.open(readOnly: true)
        let engine: QueryEngine
        do { engine = try QueryEngine(store: store) } catch { fail("\(error)") }
        if count {
            defer { warnAboutLostEvents(store, since: since, until: until) }
            do { print(try engine.count(filters, since: since, until: until)) } catch { fail("\(error)") }
            return
        }
        let window = window(since: since), printer = printer()
        // Taken before the history is read, so nothing stored meanwhile is missed when following.
        var tail = follow ? try StoreTail(store: store) : nil
        do {
            if let window {
                try engine.page(filters, since: since, until: until, window: window) { line, key in
                    tail?.sent(key)
                    printer.write(line)
                }
            }
            printer.flush()
            if var t = tail {
                try t.follow(engine: engine, filters: filters, since: since) { printer.write($0) } idle: { printer.flush() }
                tail = t
            }
        } catch {
            printer.flush()
            fail("\(error)")
        }
        printer.finish()
        if !follow { warnAboutLostEvents(store, since: since, until: until) }
    }

    /// The history to print: as hubble observe, following shows none unless asked for.
    func window(since: Int64?) -> QueryWindow? {
        all ? .all : first.map { .first($0) } ?? last.map { .last($0) } ?? (follow ? (since != nil ? .all : nil) : .last(20))
    }

    func printer() -> FlowPrinter {
        FlowPrinter(output: output, color: color.enabled, timeFormat: HubbleTimeFormat(name: timeFormat), printNodeName: printNodeName)
    }

    /// The same answers from a ClickHouse store.
    private func runOnClickHouse(_ store: ClickHouseStore, _ filters: [Typed], since: Int64?, until: Int64?) throws {
        let queries = ClickHouseQueries(store: store, filters: filters)
        defer {
            if !follow { warnAboutLostEvents(store, since: since, until: until) }
        }
        if count {
            do { print(try queries.count(since: since, until: until)) } catch { fail("\(error)") }
            return
        }
        let window = window(since: since), printer = printer()
        do {
            // Taken before the history is read, so nothing stored meanwhile is missed when following.
            var tail = follow ? try ClickHouseTail(queries) : nil
            if let window { try queries.lines(since: since, until: until, window: window) { printer.write($0) } }
            printer.flush()
            try tail?.follow { printer.write($0) } idle: { printer.flush() }
        } catch {
            printer.flush()
            fail("\(error)")
        }
        printer.finish()
    }
}

/// The texts of the query arguments, with @NAME replaced by the saved query (exits 2 for an
/// unknown name).
func expandedTexts(_ expressions: [String]) throws -> [String] {
    try expressions.map { text in
        guard text.hasPrefix("@") else { return text }
        guard let saved = SavedQueries.load(String(text.dropFirst())) else {
            let names = SavedQueries.builtIn.map { "@" + $0.name }.joined(separator: ", ")
            fail("no saved query \(text) (built in: \(names); also looked in \(SavedQueries.searchPath.joined(separator: ", ")))", status: 2)
        }
        return saved
    }
}

/// Parses and checks the query arguments (expanding @NAME); exits with status 2 on an error.
func checkedFilters(_ expressions: [String]) throws -> [Typed] {
    var filters: [Typed] = []
    for expression in try expandedTexts(expressions) {
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
        let (allow, deny) = try filter.hubble.flowFilters()
        if !allow.isEmpty || !deny.isEmpty {
            // The FlowFilters the flags built: what hubble observe would send in GetFlows.
            var options = JSONEncodingOptions()
            options.preserveProtoFieldNames = true
            for (name, list) in [("allowlist", allow), ("denylist", deny)] where !list.isEmpty {
                print("\(name) (FlowFilters, ORed):")
                for f in list { print("  " + ((try? f.jsonString(options: options)) ?? "?")) }
            }
            print("expression: \(try filter.flagExpression() ?? "")")
        }
        if let clickhouse = database.openClickHouse() {
            defer { clickhouse.close() }
            let queries = ClickHouseQueries(store: clickhouse, filters: filters)
            print("ClickHouse SQL (\(clickhouse.url), server \(clickhouse.version); values written as literals by one quoting function):")
            print("  " + queries.statement(since: nil, until: nil, window: .last(20)))
            print(queries.condition.exact
                  ? "the condition is the whole filter"
                  : "the condition is necessary, not sufficient: each flow it selects is then checked by the interpreter (fields ClickHouse holds only in the flow's JSON)")
            return
        }
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
