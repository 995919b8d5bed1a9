import CSQLite
import FlowModel

/// A flowtrail database: opens it, applies migrations, and knows its partitions.
public final class FlowStore {
    public let path: String
    public let db: SQLiteConnection
    public let dictionary = DictionaryCache()
    /// Partition days present in the database, ascending.
    public private(set) var days: [Int64] = []
    private var partitionDDL: [String] = []
    /// Held while open for writing: one writer per database.
    private let writerLock: WriterLock?

    /// Opens or creates the database at `path` for reading and writing.
    public init(path: String, readOnly: Bool = false) throws {
        self.path = path
        var st = stat()
        if stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR {
            throw StoreError("\(path) is a directory, not a database file (give a file, such as \(path)/flowtrail.db)")
        }
        writerLock = readOnly ? nil : try WriterLock(databasePath: path)
        var connection = try SQLiteConnection(path: path, readOnly: readOnly, create: !readOnly)
        if readOnly, (try? connection.scalar("SELECT count(*) FROM sqlite_master")) == nil,
           let immutable = try? SQLiteConnection(immutablePath: path),
           (try? immutable.scalar("SELECT count(*) FROM sqlite_master")) != nil {
            // A WAL database on a read-only filesystem (a mounted backup, a read-only volume):
            // readers cannot create its -shm file. Opened immutable, it reads as it is.
            connection = immutable
        }
        db = connection
        do {
            // Reading the header fails here for a file that is not a SQLite database.
            let tables = try db.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table'") ?? 0
            let ours = try db.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'") ?? 0
            // Never migrate another application's database into a flowtrail store.
            guard tables == 0 || ours == 1 else {
                throw StoreError("\(path) is a SQLite database but not a flowtrail store (it holds another application's tables); give another file")
            }
            if !readOnly {
                _ = try db.rows("PRAGMA auto_vacuum = INCREMENTAL")
                let mode = try db.rows("PRAGMA journal_mode = WAL").first?.first?.text ?? ""
                guard mode.lowercased() == "wal" else { throw StoreError("cannot switch \(path) to WAL mode (got \(mode))") }
                try db.execute("PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = 16384")
                try Migrator.migrate(db, steps: [3: Self.addIdentityColumn])
                try db.transaction { try SQLViews.writeEnumTables(db) }
            } else {
                let version = try db.scalar("SELECT max(version) FROM schema_migrations") ?? 0
                guard version >= Migrator.latest else {
                    throw StoreError("\(path) has schema version \(version); open it once for writing to upgrade it")
                }
            }
        } catch let e as StoreError {
            throw StoreError(Self.explain(e, path: path), code: e.code)
        }
        partitionDDL = try db.rows("SELECT sql FROM partition_ddl ORDER BY seq").compactMap { $0[0].text }
        try reloadPartitions()
        if !readOnly, try db.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'view' AND name = 'flows'") == 0 {
            // A store from before the views (or a new one): made once, kept by createPartition and
            // dropPartitions from then on.
            try db.transaction { try SQLViews.rebuild(db, days: days) }
        }
        // Writers need every dictionary entry in memory (value → id); readers look ids up as
        // they meet them, so a one-shot query does not pay for a large dictionary at start.
        if !readOnly {
            try dictionary.load(db)
            try Rollups.backfill(self)
        }
    }

    /// Turns SQLite's terse codes into the reason a user can act on.
    static func explain(_ e: StoreError, path: String) -> String {
        switch e.code {
        case SQLITE_NOTADB: "\(path) is not a flowtrail database (not a SQLite file)"
        case SQLITE_READONLY: "\(path) is read-only (flowtrail needs to write it; queries, exports and reports only read)"
        case SQLITE_FULL: "disk full while writing \(path)"
        case SQLITE_CANTOPEN where access(path, F_OK) == 0 && access(path, W_OK) != 0 && (errno == EROFS || errno == EACCES):
            "\(path) is read-only (flowtrail needs to write it; queries, exports and reports only read)"
        case SQLITE_CANTOPEN: "cannot open \(path): \(e.message)"
        default: e.message
        }
    }

    public func reloadPartitions() throws {
        days = try db.rows("SELECT day FROM partitions ORDER BY day").compactMap { $0[0].int }
    }

    /// Table names of a partition.
    public static func flowTable(_ day: Int64) -> String { "f_\(FlowTime.dayStamp(day))" }
    public static func blockTable(_ day: Int64) -> String { "b_\(FlowTime.dayStamp(day))" }
    /// Every table of a partition: flows, blocks and the rollups (v_, t_, d_).
    static func tables(_ day: Int64) -> [String] {
        let stamp = FlowTime.dayStamp(day)
        return [flowTable(day), blockTable(day)] + Rollups.tables.map { $0.prefix + stamp }
    }

    /// Creates a partition's tables and indexes (inside the caller's transaction).
    func createPartition(_ day: Int64) throws {
        let stamp = FlowTime.dayStamp(day)
        for sql in partitionDDL { try db.execute(sql.replacing("{day}", with: stamp)) }
        let s = try db.prepare("INSERT INTO partitions(day, flows) VALUES (?, 0)")
        s.bind(1, day)
        try s.run()
        // The views for other tools cover the new day from the same transaction on: the
        // writer calls refreshViews() once before it commits, not once per new day (a year of
        // history in one batch would rebuild them hundreds of times).
        viewsStale = true
    }

    /// True when a partition was created or dropped since the views were last rebuilt.
    var viewsStale = false

    /// Rebuilds the views over every partition if partitions came or went since (inside the caller's
    /// transaction, so the views never name a table that is not there).
    func refreshViews() throws {
        guard viewsStale else { return }
        try SQLViews.rebuild(db, days: try db.rows("SELECT day FROM partitions ORDER BY day").compactMap { $0[0].int })
        viewsStale = false
    }

    /// Drops partitions whose whole day ends before `cutoff` (UTC ns); returns flows dropped.
    public func dropPartitions(before cutoff: Int64) throws -> (partitions: Int, flows: Int64) {
        let old = try db.rows("SELECT day, flows FROM partitions WHERE (day + 1) * 86400000000000 <= ?", [.int(cutoff)])
        guard !old.isEmpty else { return (0, 0) }
        var flows: Int64 = 0
        try db.transaction {
            for row in old {
                guard let day = row[0].int else { continue }
                flows += row[1].int ?? 0
                // The partition's flows, residual blocks and rollups go together.
                for table in Self.tables(day) { try db.execute("DROP TABLE IF EXISTS \"\(table)\"") }
                try db.execute("DELETE FROM partitions WHERE day = \(day)")
            }
            viewsStale = true
            try refreshViews()
            try addCounter("retention_dropped_flows", flows)
        }
        _ = try? db.rows("PRAGMA incremental_vacuum")
        try reloadPartitions()
        return (old.count, flows)
    }

    func addCounter(_ name: String, _ delta: Int64) throws {
        guard delta != 0 else { return }
        let s = try db.prepare("INSERT INTO counters(name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = value + excluded.value")
        try s.bind([.text(name), .int(delta)])
        try s.run()
    }

    /// A counter's value (0 when never set).
    public func counter(_ name: String) throws -> Int64 {
        try db.scalar("SELECT value FROM counters WHERE name = ?", [.text(name)]) ?? 0
    }

    /// Version 3 gives every flow table the identity column `h` (migrations/0003).
    static func addIdentityColumn(_ db: SQLiteConnection) throws {
        for day in try db.rows("SELECT day FROM partitions").compactMap({ $0[0].int }) {
            try db.execute("ALTER TABLE \"\(flowTable(day))\" ADD COLUMN h INTEGER")
        }
    }

    /// The stored position of the file whose first line hashes to `fingerprint`, if any.
    public func position(fingerprint: Int64) throws -> SourcePosition? {
        try positions("WHERE fingerprint = ?", [.int(fingerprint)]).first
    }

    /// The position most recently committed for a file at `path` (the file there now may be
    /// another one: rotation).
    public func latestPosition(path: String) throws -> SourcePosition? {
        try positions("WHERE path = ? ORDER BY updated DESC LIMIT 1", [.text(path)]).first
    }

    /// Every stored position, by path and then newest first.
    public func allPositions() throws -> [SourcePosition] {
        try positions("ORDER BY path, updated DESC", [])
    }

    private func positions(_ condition: String, _ args: [SQLValue]) throws -> [SourcePosition] {
        try db.rows("SELECT path, dev, inode, offset, lines, size, fingerprint, tail_hash, updated FROM sources \(condition)", args).map { r in
            SourcePosition(path: r[0].text ?? "", device: r[1].int ?? 0, inode: r[2].int ?? 0, offset: r[3].int ?? 0,
                           lines: r[4].int ?? 0, size: r[5].int ?? 0, fingerprint: r[6].int ?? 0,
                           tailHash: r[7].int ?? 0, updated: r[8].int ?? 0)
        }
    }

    /// A position recorded by a version before 3 (by path and inode, no fingerprint): a file
    /// read by an older flowtrail resumes once; its next commit records it by content.
    public func legacyPosition(path: String) throws -> SourcePosition? {
        guard try db.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'sources_v1'") == 1 else { return nil }
        let rows = try db.rows("SELECT dev, inode, offset, lines FROM sources_v1 WHERE path = ?", [.text(path)])
        guard let r = rows.first else { return nil }
        return SourcePosition(path: path, device: r[0].int ?? 0, inode: r[1].int ?? 0, offset: r[2].int ?? 0,
                              lines: r[3].int ?? 0)
    }
}

/// Where ingest of one file stopped: the file's content fingerprint, its identity on disk
/// when last read, and the bytes consumed.
public struct SourcePosition: Sendable, Equatable {
    /// The file name alone: what the HTTP API and metrics show (never the path).
    public var name: String { String(path.split(separator: "/").last ?? "") }
    public var path: String
    public var device: Int64
    public var inode: Int64
    /// Bytes consumed (of the decompressed stream for .gz), always at a line boundary.
    public var offset: Int64
    public var lines: Int64
    /// File size when last seen, for lag reporting.
    public var size: Int64 = 0
    /// `ByteHash` of the file's first line (without its newline): which file this is.
    public var fingerprint: Int64 = 0
    /// `ByteHash` of the up to 256 bytes before `offset`: checks the content read so far is
    /// the same before resuming (a file edited in place, or another with the same first line).
    public var tailHash: Int64 = 0
    /// UTC nanoseconds of the commit that stored it.
    public var updated: Int64 = 0

    public init(path: String, device: Int64, inode: Int64, offset: Int64, lines: Int64, size: Int64 = 0,
                fingerprint: Int64 = 0, tailHash: Int64 = 0, updated: Int64 = 0) {
        self.path = path
        self.device = device
        self.inode = inode
        self.offset = offset
        self.lines = lines
        self.size = size
        self.fingerprint = fingerprint
        self.tailHash = tailHash
        self.updated = updated
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
