/// Applies `migrations/NNNN_name.sql` (embedded at build time) in order, recording each.
public enum Migrator {
    /// The migrations built into this binary, in order.
    public static var embedded: [(name: String, sql: String)] { EmbeddedMigrations.all.map { ($0.name, $0.text) } }

    /// Applies the migrations that `db` has not recorded yet, each in its own transaction.
    /// `steps[version]` runs after that version's SQL in the same transaction: work SQL cannot
    /// express alone (altering every partition table).
    public static func migrate(_ db: SQLiteConnection, migrations: [(name: String, sql: String)] = embedded,
                               steps: [Int64: (SQLiteConnection) throws -> Void] = [:]) throws {
        try db.execute("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
              version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)
            """)
        let applied = Set(try db.rows("SELECT version FROM schema_migrations").compactMap { $0[0].int })
        for (name, sql) in migrations.sorted(by: { $0.name < $1.name }) {
            guard let version = Int64(name.prefix { $0.isNumber }) else { continue }
            if applied.contains(version) { continue }
            do {
                try db.transaction {
                    try db.execute(sql)
                    try steps[version]?(db)
                    let s = try db.prepare("INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)")
                    try s.bind([.int(version), .text(name), .int(Clock.nowNanos())])
                    try s.run()
                }
            } catch {
                throw StoreError("migration \(name) failed: \(error)")
            }
        }
    }

    /// Versions this build knows.
    static var latest: Int64 { embedded.compactMap { Int64($0.name.prefix { $0.isNumber }) }.max() ?? 0 }
}
