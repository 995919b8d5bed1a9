import FlowModel
import FlowQuery

/// Flow lookups on a ClickHouse store, as `QueryEngine` answers them on SQLite: counts and
/// windows of matching flows in `[since, until)`, each flow as the line `hubble observe -o json`
/// prints.
///
/// The filters compile with `ClickHouseCompiler`; when the condition is not the whole filter
/// (a field kept only in the flow's JSON), each flow it selects is checked by the interpreter.
public struct ClickHouseQueries {
    public let store: ClickHouseStore
    public let filters: [Typed]
    public let condition: ClickHouseFilter

    public init(store: ClickHouseStore, filters: [Typed]) {
        self.store = store
        self.filters = filters
        condition = ClickHouseCompiler.compile(filters)
    }

    /// The WHERE clause: the time range and the compiled condition.
    public func whereClause(since: Int64?, until: Int64?) -> String {
        var parts: [String] = []
        if let since { parts.append("time >= \(since)") }
        if let until { parts.append("time < \(until)") }
        if condition.sql != "1" { parts.append(condition.sql) }
        return parts.isEmpty ? "" : "WHERE " + parts.joined(separator: " AND ")
    }

    /// The statement `lines` runs, for `explain`.
    public func statement(since: Int64?, until: Int64?, window: QueryWindow) -> String {
        var sql = "SELECT \(ClickHouseLine.select) FROM flows FINAL \(whereClause(since: since, until: until))"
        switch window {
        case .all: sql += " ORDER BY time, h"
        case .first(let n): sql += " ORDER BY time, h" + (condition.exact ? " LIMIT \(n)" : "")
        case .last(let n): sql += " ORDER BY time DESC, h DESC" + (condition.exact ? " LIMIT \(n)" : "")
        }
        return sql + " FORMAT RowBinary"
    }

    /// Whether a stored line matches every part the SQL left out (the interpreter decides).
    func matches(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !condition.exact else { return true }
        guard let flow = (try? JSONValue.parse(String(decoding: line, as: UTF8.self)))?["flow"] else { return false }
        return filters.contains { Interpreter.matches($0, flow: flow) }
    }

    /// How many flows match.
    public func count(since: Int64? = nil, until: Int64? = nil) throws -> Int64 {
        if condition.exact {
            var n: Int64 = 0
            try store.rows("SELECT toInt64(count()) FROM flows FINAL \(whereClause(since: since, until: until)) FORMAT RowBinary") { r in
                n = try r.int64()
                return true
            }
            return n
        }
        var n: Int64 = 0
        try lines(since: since, until: until, window: .all) { _ in n += 1 }
        return n
    }

    /// The matching flows of the window, oldest first (as hubble observe prints them).
    public func lines(since: Int64? = nil, until: Int64? = nil, window: QueryWindow,
                      _ body: @escaping (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        var limit: Int?
        switch window {
        case .all: limit = nil
        case .first(let n), .last(let n): limit = n
        }
        if limit == 0 { return }
        var newestFirst: [[UInt8]] = []
        var found = 0
        let descending: Bool = if case .last = window { true } else { false }
        var reader = ClickHouseLine()
        try store.rows(statement(since: since, until: until, window: window)) { r in
            let line = try reader.read(&r).line
            guard self.matches(line) else { return true }
            found += 1
            if descending { newestFirst.append(Array(line)) } else { try body(line) }
            return limit.map { found < $0 } ?? true
        }
        for line in newestFirst.reversed() { try line.withUnsafeBufferPointer { try body($0) } }
    }
}
