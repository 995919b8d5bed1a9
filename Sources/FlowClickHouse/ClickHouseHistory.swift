import FlowModel
import FlowQuery

/// `FlowHistory` on a ClickHouse store, for the export, the HTTP API and Hubble's gRPC API:
/// matching flows in `(time, h)` order (the table's sort key; `h` is the flow's identity hash),
/// each with the key `FlowKey(time:id:)` where `id` is `h`, so a page's cursor leads on in order.
///
/// As in `ClickHouseQueries`, what the SQL cannot hold of the filters is checked flow by flow
/// by the interpreter; a limit then stops the read once enough flows matched.
public final class ClickHouseHistory: FlowHistory {
    public let store: ClickHouseStore

    public init(store: ClickHouseStore) { self.store = store }

    public func count(_ filters: [Typed], since: Int64?, until: Int64?) throws -> Int64 {
        try ClickHouseQueries(store: store, filters: filters).count(since: since, until: until)
    }

    public func page(_ filters: [Typed], since: Int64?, until: Int64?, descending: Bool, limit: Int?, after: FlowKey?,
                     _ body: (UnsafeBufferPointer<UInt8>, FlowKey) throws -> Void) throws {
        if limit == 0 { return }
        let queries = ClickHouseQueries(store: store, filters: filters)
        let sql = Self.statement(queries, since: since, until: until, descending: descending, limit: limit, after: after)
        var found = 0
        var reader = ClickHouseLine()
        try store.rows(sql) { r in
            let h = try r.int64()
            let (time, line) = try reader.read(&r)
            guard queries.matches(line) else { return true }
            try body(line, FlowKey(time: time, id: h))
            found += 1
            return limit.map { found < $0 } ?? true
        }
    }

    /// The SELECT of a page: past the cursor in key order, limited in SQL when the condition is
    /// the whole filter.
    static func statement(_ queries: ClickHouseQueries, since: Int64?, until: Int64?, descending: Bool, limit: Int?,
                          after: FlowKey?) -> String {
        var parts = queries.conditions(since: since, until: until)
        if let after {
            let (t, id) = (after.time, after.id)
            parts.append(descending ? "(time < \(t) OR (time = \(t) AND h < \(id)))" : "(time > \(t) OR (time = \(t) AND h > \(id)))")
        }
        let order = descending ? "time DESC, h DESC" : "time, h"
        let limitSQL = queries.condition.exact ? limit.map { " LIMIT \($0)" } ?? "" : ""
        let whereSQL = parts.isEmpty ? "" : " WHERE " + parts.joined(separator: " AND ")
        return "SELECT h, \(ClickHouseLine.select) FROM flows FINAL\(whereSQL) ORDER BY \(order)\(limitSQL) FORMAT RowBinary"
    }
}
