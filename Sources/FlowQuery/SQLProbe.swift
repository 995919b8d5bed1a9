import CSQLite
import FlowModel
import FlowStore
import Synchronization

/// Prepares a compiled filter against an empty in-memory copy of the schema, so a filter that
/// SQLite cannot take (its parser stack, 100 entries in Debian's build, overflows on deeply
/// nested SQL) is refused when it is checked, with the limit named, instead of failing later
/// as "cannot prepare statement". Exact where a depth count would only approximate SQLite's
/// grammar; preparing costs well under a millisecond.
enum SQLProbe {
    /// The in-memory database: one partition's flow table, the dictionary, and functions with
    /// the engine's names and arities (preparing resolves names; nothing here runs).
    private static let connection = Mutex<SQLiteConnection?>(nil)
    /// SQL already prepared without a problem: a server sees the same few filters again and
    /// again, and needs no second look (bounded; cleared when full).
    private static let accepted = Mutex<Set<String>>([])

    /// Nil when SQLite prepares `filter`; otherwise SQLite's reason.
    static func problem(_ filter: SQLFilter) -> String? {
        if accepted.withLock({ $0.contains(filter.sql) }) { return nil }
        let problem = connection.withLock { c -> String? in
            do {
                if c == nil { c = try makeConnection() }
                let sql = "SELECT count(*) FROM \"\(FlowStore.flowTable(0))\" AS f WHERE f.time >= ?1 AND f.time < ?2 AND (\(filter.sql))"
                _ = try c!.prepare(sql)
                return nil
            } catch {
                return "\(error)"
            }
        }
        if problem == nil {
            accepted.withLock { set in
                if set.count >= 1024 { set.removeAll() }
                set.insert(filter.sql)
            }
        }
        return problem
    }

    private static func makeConnection() throws -> SQLiteConnection {
        let c = try SQLiteConnection(path: ":memory:")
        // Only what a filter can name: the flow row's columns (from the catalog, `Column`) and
        // the dictionary. Running every migration here cost a one-shot query 5 ms.
        let columns = (Column.allCases.map(\.sqlName) + ["id", "block", "h"]).map { "\"\($0)\"" }.joined(separator: ", ")
        try c.execute("""
            CREATE TABLE "\(FlowStore.flowTable(0))" (\(columns));
            CREATE TABLE dict (id INTEGER PRIMARY KEY, kind INTEGER, value TEXT);
            """)
        for (name, arity) in FunctionLibrary.sqlFunctions {
            sqlite3_create_function_v2(c.handle, name, arity, SQLITE_UTF8, nil, { ctx, _, _ in sqlite3_result_null(ctx) }, nil, nil, nil)
        }
        return c
    }
}
