import Dispatch
import FlowIngest
import FlowModel
import FlowQuery
import FlowStore
import Foundation
import NIOCore

/// A flowtrail store in ClickHouse: the database a store URL names, its schema
/// (`migrations/clickhouse/`), and synchronous calls for the CLI and the ingest thread.
///
/// With `cluster`, every host of the URL is one shard: each gets the row tables
/// (`flows_local`, `lost_events_local`) and `Distributed` tables over them named `flows` and
/// `lost_events`, sharded by the flow identity so that every copy of a flow lands on one shard
/// (FINAL collapses copies within a shard only). Reads and writes go through the first host.
public final class ClickHouseStore {
    public let url: StoreURL
    let client: ClickHouseClient
    /// The server's version (`18.16.1`).
    public let version: String
    /// Settings sent with every insert: a Distributed table writes to its shards before the
    /// INSERT answers, so a commit is on the shards before its positions are recorded.
    static let insertSettings = ["insert_distributed_sync": "1"]

    /// Opens the store; with `create`, creates the database and applies the migrations this
    /// build has that the servers have not recorded, on every host.
    /// - Throws: `ClickHouseError` (unreachable, a server error, no store at the URL, a cluster
    ///   whose shards the URL does not list).
    public init(_ url: StoreURL, create: Bool, cluster: String? = nil) throws {
        self.url = url
        let client = ClickHouseClient(url)
        self.client = client
        do {
            version = try Self.wait { try await client.version() }
            if create {
                try Self.migrate(url, cluster: cluster)
            } else {
                let tables = try Self.wait { try await client.execute("SELECT count() FROM system.tables WHERE database = \(ClickHouseText.literal(url.database)) AND name = 'flows' FORMAT TSV", database: "default") }
                guard tables.trimmingCharacters(in: .whitespacesAndNewlines) == "1" else {
                    throw ClickHouseError.noStore("\(url) has no flowtrail store (run `flowtrail ingest --store \(url)` first)")
                }
            }
        } catch {
            try? Self.wait { try await client.shutdown() }
            throw error
        }
    }

    /// Closes the connections.
    public func close() { try? Self.wait { try await self.client.shutdown() } }

    // MARK: synchronous calls

    /// Runs async work from synchronous code (the CLI, the ingest thread) and waits for it.
    static func wait<T>(_ work: @escaping () async throws -> T) throws -> T {
        var result: Result<T, Error>!
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            do { result = .success(try await work()) } catch { result = .failure(error) }
            done.signal()
        }
        done.wait()
        return try result.get()
    }

    @discardableResult
    func execute(_ sql: String, settings: [String: String] = [:]) throws -> String {
        try Self.wait { try await self.client.execute(sql, settings: settings) }
    }

    func insert(_ statement: String, rows: NIOCore.ByteBuffer) throws {
        try Self.wait { try await self.client.insert(statement, rows: rows, settings: Self.insertSettings) }
    }

    /// Streams a `FORMAT RowBinary` answer row by row; `row` reads one row and returns false
    /// to stop. `row` runs before this returns, never after.
    func rows(_ sql: String, _ row: (inout RowBinaryReader) throws -> Bool) throws {
        let parser = RowBinaryStream()
        var stopped = false
        try withoutActuallyEscaping(row) { row in
            // The waiting task may be freed a moment after it signalled: it holds the box, and
            // the box lets go of `row` before this call ends.
            let box = RowHandler(row)
            defer { box.row = nil }
            try Self.wait {
                try await self.client.stream(sql, settings: ["max_execution_time": "600"]) { chunk in
                    guard let row = box.row else { return false }
                    let more = try chunk.withUnsafeReadableBytes { try parser.feed($0, row) }
                    if !more { stopped = true }
                    return more
                }
            }
        }
        if !stopped, let leftover = parser.leftover {
            throw ClickHouseError.server(status: 200, message: leftover.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    // MARK: schema

    /// The migrations built into this binary (`migrations/clickhouse/NNNN_name.sql`), in order.
    static var migrations: [(version: Int64, name: String, sql: String)] {
        EmbeddedClickHouseMigrations.all.compactMap { m in
            Int64(m.name.prefix { $0.isNumber }).map { ($0, m.name, m.text) }
        }.sorted { $0.version < $1.version }
    }

    /// Creates the database and applies unrecorded migrations on every host; with a cluster,
    /// checks that the URL lists each of its shards and creates the Distributed tables.
    static func migrate(_ url: StoreURL, cluster: String?) throws {
        let database = try ClickHouseText.identifier(url.database)
        if let cluster { _ = try ClickHouseText.identifier(cluster) }
        let hosts = url.shards
        // Already made by this build (or a later one): nothing to do, whatever --cluster says.
        let first = ClickHouseClient(url)
        defer { try? wait { try await first.shutdown() } }
        let recorded = (try? wait {
            try await first.execute("SELECT version FROM schema_migrations FORMAT TSV")
        }).map { Set($0.split(separator: "\n").compactMap { Int64($0) }) } ?? []
        if migrations.allSatisfy({ recorded.contains($0.version) }) { return }
        if cluster == nil, hosts.count > 1 {
            throw ClickHouseError.cluster("the store URL names \(hosts.count) hosts: give --cluster NAME, the cluster in their remote_servers")
        }
        for host in hosts {
            let client = ClickHouseClient(host)
            defer { try? wait { try await client.shutdown() } }
            try wait {
                try await client.execute("CREATE DATABASE IF NOT EXISTS \(database)", database: "default")
                if let cluster {
                    let shards = try await client.execute(
                        "SELECT count(DISTINCT shard_num) FROM system.clusters WHERE cluster = \(ClickHouseText.literal(cluster)) FORMAT TSV")
                    let n = Int(shards.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
                    guard n > 0 else { throw ClickHouseError.cluster("\(host) has no cluster \(cluster) in its remote_servers") }
                    guard n == hosts.count else {
                        throw ClickHouseError.cluster("cluster \(cluster) has \(n) shards; the store URL names \(hosts.count) hosts: list every shard's HTTP address, comma-separated")
                    }
                }
                try await client.execute("""
                    CREATE TABLE IF NOT EXISTS schema_migrations (version Int64, name String, applied Int64)
                    ENGINE = MergeTree() ORDER BY version
                    """)
                let applied = Set(try await client.execute("SELECT version FROM schema_migrations FORMAT TSV")
                    .split(separator: "\n").compactMap { Int64($0) })
                if cluster == nil {
                    // A cluster's store reached through one address: a new version's tables
                    // would be made on this host alone, over the Distributed table.
                    let engine = try await client.execute(
                        "SELECT engine FROM system.tables WHERE database = \(ClickHouseText.literal(url.database)) AND name = 'flows' FORMAT TSV")
                    if engine.hasPrefix("Distributed") {
                        throw ClickHouseError.cluster("\(url) is a cluster's store and this flowtrail has a newer schema for it: give every shard's address and --cluster NAME once (docs/SCALING.md, Upgrades)")
                    }
                }
                let rowTables = Dictionary(uniqueKeysWithValues: Self.rowTableNames.map { ($0, cluster == nil ? $0 : $0 + "_local") })
                for m in migrations where !applied.contains(m.version) {
                    var sql = m.sql
                    for (name, table) in rowTables { sql = sql.replacingOccurrences(of: "{\(name)}", with: table) }
                    for statement in statements(sql) {
                        do { try await client.execute(statement) } catch {
                            throw ClickHouseError.migration("\(m.name) on \(host): \(error)")
                        }
                    }
                    try await client.execute("INSERT INTO schema_migrations VALUES (\(m.version), \(ClickHouseText.literal(m.name)), \(Clock.nowNanos()))")
                }
                if let cluster {
                    // Rows are written through `flows` and `lost_events`, sharded by identity;
                    // the aggregate is written by each shard's view and only read through its table.
                    for table in Self.rowTableNames {
                        try await client.execute("""
                            CREATE TABLE IF NOT EXISTS \(table) AS \(table)_local
                            ENGINE = Distributed(\(cluster), \(database), \(table)_local, \(table == "default_deny" ? "rand()" : "cityHash64(h)"))
                            """)
                    }
                }
            }
        }
    }

    /// The tables that hold rows on each host (named `NAME_local` on a cluster's shards, with a
    /// Distributed `NAME` over them): `{NAME}` in the migration files.
    static let rowTableNames = ["flows", "lost_events", "default_deny"]

    /// A migration file's statements: split at semicolons that end a line, comments dropped.
    static func statements(_ sql: String) -> [String] {
        let lines = sql.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("--") }
        return lines.joined(separator: "\n").components(separatedBy: ";\n")
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines).trimmingCharacters(in: CharacterSet(charactersIn: ";")) }
            .filter { !$0.isEmpty }
    }

    /// The tables that hold rows on each shard (`flows_local`…) when `flows` is Distributed,
    /// else `flows`…: where retention drops partitions.
    func rowTable(_ name: String) throws -> String {
        let engine = try execute("SELECT engine FROM system.tables WHERE database = \(ClickHouseText.literal(url.database)) AND name = \(ClickHouseText.literal(name)) FORMAT TSV")
        return engine.hasPrefix("Distributed") ? name + "_local" : name
    }

    /// Whether the store's database has a table (or view) of this name.
    func hasTable(_ name: String) throws -> Bool {
        try execute("SELECT count() FROM system.tables WHERE database = \(ClickHouseText.literal(url.database)) AND name = \(ClickHouseText.literal(name)) FORMAT TSV")
            .trimmingCharacters(in: .whitespacesAndNewlines) == "1"
    }

    /// The first and last day (days since 1970) holding flows, nil when there are none: the
    /// day partitions of the flow table on every shard (as SQLite's partitions), from
    /// `system.parts` (a few milliseconds; `min(time)` over the flows read the whole time column,
    /// ~45 ms over 5M flows).
    public func dayRange() throws -> (first: Int64, last: Int64)? {
        let table = try rowTable("flows")
        let sql = """
            SELECT toInt64(partition) FROM system.parts
            WHERE database = \(ClickHouseText.literal(url.database)) AND table = \(ClickHouseText.literal(table)) AND active AND rows > 0
            GROUP BY partition FORMAT TSV
            """
        var days: [Int64] = []
        for (k, shard) in url.shards.enumerated() {
            let client = k == 0 ? self.client : ClickHouseClient(shard)
            defer { if k > 0 { try? Self.wait { try await client.shutdown() } } }
            let stamps = try Self.wait { try await client.execute(sql) }
            days += stamps.split(separator: "\n").compactMap { Int64($0).flatMap(FlowTime.day(stamp:)) }
        }
        guard let first = days.min(), let last = days.max() else { return nil }
        return (first, last)
    }
}

extension ClickHouseStore: SourcePositions {
    /// Every source's newest position (a handful of rows: one per file ever read).
    func allPositions() throws -> [SourcePosition] {
        var out: [SourcePosition] = []
        try rows("""
            SELECT path, dev, inode, offset, lines, size, fingerprint, tail_hash, updated
            FROM positions FINAL ORDER BY updated FORMAT RowBinary
            """) { r in
            out.append(SourcePosition(path: try r.string(), device: try r.int64(), inode: try r.int64(), offset: try r.int64(),
                                      lines: try r.int64(), size: try r.int64(), fingerprint: try r.int64(),
                                      tailHash: try r.int64(), updated: try r.int64()))
            return true
        }
        return out
    }

    public func position(fingerprint: Int64) throws -> SourcePosition? {
        try allPositions().last { $0.fingerprint == fingerprint }
    }

    public func latestPosition(path: String) throws -> SourcePosition? {
        try allPositions().last { $0.path == path }
    }

    /// ClickHouse stores began after positions were kept by fingerprint: none.
    public func legacyPosition(path: String) throws -> SourcePosition? { nil }
}

/// Holds the row handler of one `rows` call while its query streams.
private final class RowHandler {
    var row: ((inout RowBinaryReader) throws -> Bool)?
    init(_ row: @escaping (inout RowBinaryReader) throws -> Bool) { self.row = row }
}
