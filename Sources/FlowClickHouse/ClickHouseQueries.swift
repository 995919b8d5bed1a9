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

    /// The WHERE conditions: the time range and the compiled condition (none when all pass).
    func conditions(since: Int64?, until: Int64?) -> [String] {
        var parts: [String] = []
        if let since { parts.append("time >= \(since)") }
        if let until { parts.append("time < \(until)") }
        if condition.sql != "1" { parts.append(condition.sql) }
        return parts
    }

    /// ` AND <the compiled condition>` to add to a WHERE clause ("" when every flow passes).
    var andCondition: String { condition.sql == "1" ? "" : " AND \(condition.sql)" }

    /// The WHERE clause: the time range and the compiled condition.
    public func whereClause(since: Int64?, until: Int64?) -> String {
        let parts = conditions(since: since, until: until)
        return parts.isEmpty ? "" : "WHERE " + parts.joined(separator: " AND ")
    }

    /// The statement `lines` runs, for `explain`.
    public func statement(since: Int64?, until: Int64?, window: QueryWindow) -> String {
        switch window {
        case .all:
            ClickHouseHistory.statement(self, since: since, until: until, descending: false, limit: nil, after: nil)
        case .first(let n):
            ClickHouseHistory.statement(self, since: since, until: until, descending: false, limit: n, after: nil)
        case .last(let n):
            ClickHouseHistory.statement(self, since: since, until: until, descending: true, limit: n, after: nil)
        }
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
                      _ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        try ClickHouseHistory(store: store).page(filters, since: since, until: until, window: window) { line, _ in try body(line) }
    }
}
