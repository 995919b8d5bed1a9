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
        guard let span = try span(since: since, until: until, after: after, descending: descending) else { return }
        // FINAL with ORDER BY over a whole long range sorts all of it in memory: `--last 20`
        // over 5M flows took 21.8 s, and reading them all ran out of the server's memory
        // (docs/BENCHMARKS.md). So the range is read in windows of time from the requested end,
        // each its own statement over its own part of the sort key: a minute first, then sized
        // to hold about `windowRows` flows, until the limit is reached or the range ends.
        var found = 0
        var width: Int64 = 60_000_000_000
        var edge = descending ? span.last &+ 1 : span.first
        while limit.map({ found < $0 }) ?? true, descending ? edge > span.first : edge <= span.last {
            let (from, to) = descending ? (max(span.first, edge &- width), edge) : (edge, min(span.last &+ 1, edge &+ width))
            let (matched, scanned) = try read(queries, since: from, until: to, descending: descending,
                                              limit: limit.map { $0 - found }, after: after, body)
            found += matched
            edge = descending ? from : to
            let factor = scanned == 0 ? 4 : min(4, max(0.25, Double(Self.windowRows) / Double(scanned)))
            width = Int64(min(Double(Int64.max / 8), max(1_000_000, Double(width) * factor)))
        }
    }

    /// Flows a window of `page` aims to hold: enough that a statement's overhead does not
    /// matter, few enough that its sort stays small.
    static let windowRows = 50_000

    /// The first and last flow times in the range, past the cursor (nil when none): the time
    /// column alone, without FINAL (copies of a flow share its time).
    func span(since: Int64?, until: Int64?, after: FlowKey?, descending: Bool) throws -> (first: Int64, last: Int64)? {
        var parts: [String] = []
        if let since { parts.append("time >= \(since)") }
        if let until { parts.append("time < \(until)") }
        if let after { parts.append(descending ? "time <= \(after.time)" : "time >= \(after.time)") }
        var answer: (Int64, Int64, Int64) = (0, 0, 0)
        let whereSQL = parts.isEmpty ? "" : " WHERE " + parts.joined(separator: " AND ")
        try store.rows("SELECT toInt64(count()), min(time), max(time) FROM flows\(whereSQL) FORMAT RowBinary") { r in
            answer = (try r.int64(), try r.int64(), try r.int64())
            return true
        }
        return answer.0 > 0 ? (answer.1, answer.2) : nil
    }

    /// One statement's matching flows given to `body`, at most `limit`: how many matched, and
    /// how many rows the statement gave.
    private func read(_ queries: ClickHouseQueries, since: Int64?, until: Int64?, descending: Bool, limit: Int?, after: FlowKey?,
                      _ body: (UnsafeBufferPointer<UInt8>, FlowKey) throws -> Void) throws -> (matched: Int, scanned: Int) {
        let sql = Self.statement(queries, since: since, until: until, descending: descending, limit: limit, after: after)
        var found = 0, scanned = 0
        var reader = ClickHouseLine()
        try store.rows(sql) { r in
            let h = try r.int64()
            let (time, line) = try reader.read(&r)
            scanned += 1
            guard queries.matches(line) else { return true }
            try body(line, FlowKey(time: time, id: h))
            found += 1
            return limit.map { found < $0 } ?? true
        }
        return (found, scanned)
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
