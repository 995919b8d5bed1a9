import CSQLite
import FlowModel
import FlowStore

/// Which matching flows a query returns.
public enum QueryWindow: Sendable, Equatable {
    /// The newest N, printed oldest first (Hubble's default, N = 20).
    case last(Int)
    /// The oldest N.
    case first(Int)
    case all
}

/// A flow's place in the global (time, id) order: unique, and the key of its partition row.
public struct FlowKey: Sendable, Equatable, Hashable {
    public let time: Int64
    public let id: Int64
    public init(time: Int64, id: Int64) {
        self.time = time
        self.id = id
    }
}

/// The key of a memoised dictionary lookup.
struct JSONMemoKey: Hashable {
    let id: Int64
    let path: String
}

let sqliteTransientDestructor = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

/// Runs checked filters against a store: one SQL statement per day partition in range.
public final class QueryEngine {
    public let store: FlowStore
    public let reader: FlowReader

    public init(store: FlowStore) throws {
        self.store = store
        reader = FlowReader(store: store)
        try registerFunctions()
    }

    /// Parses and checks expressions (ORed together); throws `QueryError`.
    public static func check(_ expressions: [String]) throws -> [Typed] {
        try expressions.map { try Checker.check($0) }
    }

    /// The SQL (for one partition) and its parameters, for `flowtrail explain`.
    /// ?1 and ?2 are the time bounds, bound by the caller; `after`, `ids` and `limit` are
    /// included in the returned parameters.
    public func statement(_ filters: [Typed], day: Int64, count: Bool = false, descending: Bool = false,
                          limit: Int? = nil, after: FlowKey? = nil, ids: Range<Int64>? = nil)
        -> (sql: String, params: [SQLValue]) {
        let (filter, filterParams) = Self.filterSQL(filters, day: day, offset: 2)
        var params = filterParams
        let what = count ? "count(*)" : FlowReader.selectList + ", f.id"
        var sql = "SELECT \(what) FROM \"\(FlowStore.flowTable(day))\" AS f WHERE f.time >= ?1 AND f.time < ?2"
        func next(_ v: Int64) -> String {
            params.append(.int(v))
            return "?\(params.count + 2)"
        }
        if let after {
            // Keyset paging: (time, id) is unique and is the partition's primary key.
            sql += " AND (f.time, f.id) \(descending ? "<" : ">") (\(next(after.time)), \(next(after.id)))"
        }
        if let ids { sql += " AND f.id >= \(next(ids.lowerBound)) AND f.id < \(next(ids.upperBound))" }
        // The filter's parameters were numbered first; keep them before the extras above.
        sql += " AND (\(filter))"
        if !count { sql += descending ? " ORDER BY f.time DESC, f.id DESC" : " ORDER BY f.time, f.id" }
        if let limit { sql += " LIMIT \(next(Int64(limit)))" }
        return (sql, params)
    }

    /// The filters as one SQL condition on partition `day` (alias `f`), ORed, with parameters
    /// numbered from `?(offset + 1)`.
    public static func filterSQL(_ filters: [Typed], day: Int64, offset: Int) -> (sql: String, params: [SQLValue]) {
        var params: [SQLValue] = []
        var clauses: [String] = []
        for f in filters {
            let c = SQLCompiler.compile(f, day: day, offset: offset + params.count)
            clauses.append(c.sql)
            params += c.params
        }
        return (clauses.isEmpty ? "1" : clauses.joined(separator: " OR "), params)
    }

    /// Days whose partition overlaps `[since, until)`.
    public func days(since: Int64?, until: Int64?) -> [Int64] {
        store.days.filter { day in
            let start = day * 86_400_000_000_000
            if let since, start + 86_400_000_000_000 <= since { return false }
            if let until, start >= until { return false }
            return true
        }
    }

    private func prepare(_ filters: [Typed], day: Int64, since: Int64?, until: Int64?, count: Bool = false,
                         descending: Bool = false, limit: Int? = nil, after: FlowKey? = nil,
                         ids: Range<Int64>? = nil) throws -> Statement {
        let (sql, params) = statement(filters, day: day, count: count, descending: descending, limit: limit,
                                      after: after, ids: ids)
        let s = try store.db.prepare(sql)
        try s.bind([.int(since ?? Int64.min), .int(until ?? Int64.max)] + params)
        return s
    }

    /// The number of matching flows in the range.
    public func count(_ filters: [Typed], since: Int64? = nil, until: Int64? = nil) throws -> Int64 {
        var total: Int64 = 0
        for day in days(since: since, until: until) {
            let s = try prepare(filters, day: day, since: since, until: until, count: true)
            if try s.step() { total += s.int(0) }
        }
        return total
    }

    /// Calls `body` with matching flow lines (`hubble observe -o json` shape) and their keys,
    /// in (time, id) order, ascending or descending, starting after `after`, at most `limit`.
    public func page(_ filters: [Typed], since: Int64? = nil, until: Int64? = nil, descending: Bool = false,
                     limit: Int? = nil, after: FlowKey? = nil,
                     _ body: (UnsafeBufferPointer<UInt8>, FlowKey) throws -> Void) throws {
        var left = limit
        var days = days(since: since, until: until)
        if descending { days.reverse() }
        if let after {
            // Partitions wholly before (ascending) or after (descending) the cursor hold nothing.
            let cursorDay = FlowTime.day(after.time)
            days = days.filter { descending ? $0 <= cursorDay : $0 >= cursorDay }
        }
        let keyColumn = Int32(2 + FlowReader.dictColumnCount)
        for day in days {
            if let l = left, l <= 0 { break }
            let s = try prepare(filters, day: day, since: since, until: until, descending: descending, limit: left,
                                after: after)
            while try s.step() {
                try reader.line(day: day, row: s, firstDictColumn: 2)
                try body(reader.lineBytes, FlowKey(time: s.int(0), id: s.int(keyColumn)))
                if left != nil { left! -= 1 }
            }
        }
    }

    /// Calls `body` with the matching flows among rows a commit added (see `FlowWriter.onCommit`).
    /// Flows outside `[since, until)` are left out.
    public func committed(_ filters: [Typed], _ rows: CommittedRows, since: Int64? = nil, until: Int64? = nil,
                          _ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        let from = max(rows.minTime, since ?? .min), to = min(rows.maxTime + 1, until ?? .max)
        guard from < to, store.days.contains(rows.day) else { return }
        let s = try prepare(filters, day: rows.day, since: from, until: to, ids: rows.ids)
        while try s.step() {
            try reader.line(day: rows.day, row: s, firstDictColumn: 2)
            try body(reader.lineBytes)
        }
    }

    /// Calls `body` with each matching flow line (`hubble observe -o json` shape), oldest first.
    public func lines(_ filters: [Typed], since: Int64? = nil, until: Int64? = nil, window: QueryWindow,
                      _ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        try page(filters, since: since, until: until, window: window) { line, _ in try body(line) }
    }

    /// SQLite's plan for one partition's statement.
    public func plan(_ filters: [Typed], day: Int64) throws -> [String] {
        let (sql, params) = statement(filters, day: day, descending: true, limit: 20)
        let s = try store.db.prepare("EXPLAIN QUERY PLAN " + sql)
        try s.bind([.int(Int64.min), .int(Int64.max)] + params)
        var out: [String] = []
        while try s.step() { out.append(s.text(3)) }
        return out
    }

    // MARK: SQL functions

    /// Memoised `ft_json` results.
    var jsonMemo: [JSONMemoKey: SQLValue] = [:]
    private var jsonExtractStatement: Statement?

    /// SQLite's own json_extract, so memoised values have exactly its semantics.
    func jsonExtract(_ value: OpaquePointer, _ path: OpaquePointer) -> SQLValue {
        do {
            if jsonExtractStatement == nil { jsonExtractStatement = try store.db.prepare("SELECT json_extract(?1, ?2)") }
            let s = jsonExtractStatement!
            defer { s.reset() }
            sqlite3_bind_value(s.stmt, 1, value)
            sqlite3_bind_value(s.stmt, 2, path)
            return try s.step() ? s.value(0) : .null
        } catch {
            return .null
        }
    }

    private func registerFunctions() throws {
        let db = store.db.handle
        let context = Unmanaged.passUnretained(self).toOpaque()
        let flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC
        var rc = sqlite3_create_function_v2(db, "ft_residual", 2, flags, context, { ctx, _, args in
            let engine = Unmanaged<QueryEngine>.fromOpaque(sqlite3_user_data(ctx)!).takeUnretainedValue()
            let day = sqlite3_value_int64(args![0])
            let ref = sqlite3_value_int64(args![1])
            do {
                let bytes = try engine.reader.residual(day: day, ref: ref)
                bytes.withMemoryRebound(to: CChar.self) {
                    sqlite3_result_text(ctx, $0.baseAddress, Int32($0.count), unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self))
                }
            } catch {
                sqlite3_result_error(ctx, "cannot read a flow's residual", -1)
            }
        }, nil, nil, nil)
        rc |= sqlite3_create_function_v2(db, "ft_enum", 2, flags, nil, { ctx, _, args in
            // An enum value from JSON: its name (mapped to the number) or a number; absent = 0.
            let value = args![1]
            switch sqlite3_value_type(value) {
            case SQLITE_INTEGER: sqlite3_result_int64(ctx, sqlite3_value_int64(value))
            case SQLITE_TEXT:
                let enumName = String(cString: sqlite3_value_text(args![0]))
                let name = String(cString: sqlite3_value_text(value))
                sqlite3_result_int64(ctx, Checker.enumsByName[enumName]?.storedNumber(name) ?? 0)
            default: sqlite3_result_int64(ctx, 0)
            }
        }, nil, nil, nil)
        rc |= sqlite3_create_function_v2(db, "ft_u64", 1, flags, nil, { ctx, _, args in
            // A uint64 from JSON (a decimal string, as protojson writes 64-bit integers) as the
            // int64 with the same bits: SQLite's CAST clamps values above 2^63 - 1.
            let value = args![0]
            switch sqlite3_value_type(value) {
            case SQLITE_INTEGER: sqlite3_result_int64(ctx, sqlite3_value_int64(value))
            case SQLITE_TEXT:
                let text = String(cString: sqlite3_value_text(value))
                sqlite3_result_int64(ctx, UInt64(text).map { Int64(bitPattern: $0) } ?? Int64(text) ?? 0)
            default: sqlite3_result_int64(ctx, 0)
            }
        }, nil, nil, nil)
        rc |= sqlite3_create_function_v2(db, "ft_unsigned", 1, flags, nil, { ctx, _, args in
            // The bits of a uint64 moved into int64's order: x XOR 2^63 (for < and >).
            sqlite3_result_int64(ctx, sqlite3_value_int64(args![0]) ^ Int64.min)
        }, nil, nil, nil)
        rc |= sqlite3_create_function_v2(db, "ft_regexp", 2, flags, nil, { ctx, _, args in
            guard let p = sqlite3_value_text(args![0]), let t = sqlite3_value_text(args![1]) else {
                sqlite3_result_int(ctx, 0)
                return
            }
            sqlite3_result_int(ctx, RE2Regex.matches(String(cString: p), String(cString: t)) ? 1 : 0)
        }, nil, nil, nil)
        rc |= sqlite3_create_function_v2(db, "ft_json", 3, flags, context, { ctx, _, args in
            // json_extract(value, path) of an immutable dictionary entry, memoised by (id, path):
            // an endpoint filter tests every endpoint entry on each query, and parsing
            // thousands of endpoint objects per request dominated server latency.
            let engine = Unmanaged<QueryEngine>.fromOpaque(sqlite3_user_data(ctx)!).takeUnretainedValue()
            let id = sqlite3_value_int64(args![0])
            let path = sqlite3_value_text(args![2]).map { String(cString: $0) } ?? ""
            let key = JSONMemoKey(id: id, path: path)
            let v: SQLValue
            if let hit = engine.jsonMemo[key] {
                v = hit
            } else {
                v = engine.jsonExtract(args![1]!, args![2]!)
                if engine.jsonMemo.count >= 500_000 { engine.jsonMemo.removeAll(keepingCapacity: true) }
                engine.jsonMemo[key] = v
            }
            switch v {
            case .int(let i): sqlite3_result_int64(ctx, i)
            case .real(let d): sqlite3_result_double(ctx, d)
            case .text(let t): sqlite3_result_text(ctx, t, -1, sqliteTransientDestructor)
            default: sqlite3_result_null(ctx)
            }
        }, nil, nil, nil)
        rc |= sqlite3_create_function_v2(db, "ft_time", 1, flags, nil, { ctx, _, args in
            guard let t = sqlite3_value_text(args![0]), let v = FlowTime.parse(String(cString: t)) else {
                sqlite3_result_null(ctx)
                return
            }
            sqlite3_result_int64(ctx, v)
        }, nil, nil, nil)
        rc |= sqlite3_create_function_v2(db, "ft_duration", 1, flags, nil, { ctx, _, args in
            guard let t = sqlite3_value_text(args![0]), let d = DurationText.parse(String(cString: t)) else {
                sqlite3_result_null(ctx)
                return
            }
            sqlite3_result_int64(ctx, d)
        }, nil, nil, nil)
        // NetworkFunctions: canonical text of an address or a CIDR (NULL when it is none, so a
        // comparison with it is no match, as CEL's error is).
        rc |= sqlite3_create_function_v2(db, "ft_ip", 1, flags, nil, { ctx, _, args in
            QueryEngine.resultText(ctx, QueryEngine.text(args![0]).flatMap(IPAddress.init)?.text)
        }, nil, nil, nil)
        rc |= sqlite3_create_function_v2(db, "ft_cidr", 1, flags, nil, { ctx, _, args in
            QueryEngine.resultText(ctx, QueryEngine.text(args![0]).flatMap(CIDR.init)?.text)
        }, nil, nil, nil)
        rc |= sqlite3_create_function_v2(db, "ft_is_ip", 1, flags, nil, { ctx, _, args in
            sqlite3_result_int(ctx, QueryEngine.text(args![0]).flatMap(IPAddress.init) == nil ? 0 : 1)
        }, nil, nil, nil)
        rc |= sqlite3_create_function_v2(db, "ft_is_cidr", 1, flags, nil, { ctx, _, args in
            sqlite3_result_int(ctx, QueryEngine.text(args![0]).flatMap(CIDR.init) == nil ? 0 : 1)
        }, nil, nil, nil)
        rc |= sqlite3_create_function_v2(db, "ft_cidr_contains", 2, flags, nil, { ctx, _, args in
            guard let c = QueryEngine.text(args![0]).flatMap(CIDR.init), let ip = QueryEngine.text(args![1]).flatMap(IPAddress.init) else {
                sqlite3_result_null(ctx)
                return
            }
            sqlite3_result_int(ctx, c.contains(ip) ? 1 : 0)
        }, nil, nil, nil)
        rc |= sqlite3_create_function_v2(db, "ft_ip_family", 1, flags, nil, { ctx, _, args in
            guard let ip = QueryEngine.text(args![0]).flatMap(IPAddress.init) else {
                sqlite3_result_null(ctx)
                return
            }
            sqlite3_result_int(ctx, ip.bytes.count == 4 ? 4 : 6)
        }, nil, nil, nil)
        // URLFunctions: the URL's text when it is one (NULL otherwise), and its parts.
        rc |= sqlite3_create_function_v2(db, "ft_url", 1, flags, nil, { ctx, _, args in
            QueryEngine.resultText(ctx, QueryEngine.text(args![0]).flatMap { URLText($0) != nil ? $0 : nil })
        }, nil, nil, nil)
        rc |= sqlite3_create_function_v2(db, "ft_url_part", 2, flags, nil, { ctx, _, args in
            guard let url = QueryEngine.text(args![0]).flatMap(URLText.init), let part = QueryEngine.text(args![1]) else {
                sqlite3_result_null(ctx)
                return
            }
            QueryEngine.resultText(ctx, url.part(part))
        }, nil, nil, nil)
        guard rc == SQLITE_OK else { throw StoreError("cannot register query functions") }
    }

    static func text(_ v: OpaquePointer?) -> String? {
        guard let v, sqlite3_value_type(v) == SQLITE_TEXT, let t = sqlite3_value_text(v) else { return nil }
        return String(cString: t)
    }

    static func resultText(_ ctx: OpaquePointer?, _ s: String?) {
        guard let s else { return sqlite3_result_null(ctx) }
        sqlite3_result_text(ctx, s, -1, sqliteTransientDestructor)
    }
}
