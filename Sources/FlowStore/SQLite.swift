import CSQLite
import CSQLiteTuning
import Synchronization

/// A failure reported by SQLite or by the store, with a message fit for one line of output.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    /// Whether a deadline (or `sqlite3_interrupt`) stopped the statement.
    public var interrupted: Bool { code == SQLITE_INTERRUPT }
    public let message: String
    /// SQLite's primary result code, when the error came from SQLite.
    public let code: Int32
    public init(_ message: String, code: Int32 = 0) {
        self.message = message
        self.code = code
    }
    public var description: String { message }
}

// SQLITE_TRANSIENT tells SQLite to copy bound bytes; the C macro does not import into Swift.
let sqliteTransient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

/// One SQLite connection, used from one thread at a time.
///
/// The store talks to the C API directly: the ingest hot path binds ~30 integers per row, and
/// a thin wrapper with reused prepared statements keeps that cost at SQLite's own floor.
public final class SQLiteConnection {
    /// The raw `sqlite3*`, for registering functions.
    public let handle: OpaquePointer
    public let path: String

    /// Process-wide settings, applied once before the first connection.
    private static let configured: Int32 = flowtrail_sqlite_configure()

    /// Opens (and with `create`, creates) a database file.
    public init(path: String, readOnly: Bool = false, create: Bool = true) throws {
        _ = Self.configured
        var db: OpaquePointer?
        var flags = SQLITE_OPEN_NOMUTEX
        flags |= readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0))
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let msg = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite3_close_v2(db) }
            throw StoreError("cannot open database \(path): \(msg)", code: rc)
        }
        handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, 10_000)
    }

    /// Opens a database that nothing will change while it is open, such as one on a read-only
    /// filesystem (`immutable=1`: no locks, no -shm file, the WAL is not read).
    public convenience init(immutablePath path: String) throws {
        var escaped = ""
        for c in path.unicodeScalars {
            switch c {
            case "%": escaped += "%25"
            case "?": escaped += "%3F"
            case "#": escaped += "%23"
            default: escaped.unicodeScalars.append(c)
            }
        }
        try self.init(uri: "file:" + escaped + "?immutable=1", displayPath: path)
    }

    private init(uri: String, displayPath: String) throws {
        _ = Self.configured
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let db else {
            let msg = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite3_close_v2(db) }
            throw StoreError("cannot open database \(displayPath): \(msg)", code: rc)
        }
        handle = db
        path = displayPath
        sqlite3_extended_result_codes(db, 1)
    }

    deinit { sqlite3_close_v2(handle) }

    /// Monotonic seconds after which running statements are interrupted (nil: never).
    /// A progress handler checks it every few thousand VM steps, so a runaway query stops
    /// with `SQLITE_INTERRUPT` and the connection stays usable. Atomic: an export's
    /// rendering thread moves the deadline while its SQL runs on another thread.
    public var deadline: Double? {
        get {
            let bits = deadlineBits.load(ordering: .relaxed)
            return bits == 0 ? nil : Double(bitPattern: bits)
        }
        set {
            deadlineBits.store(newValue.map(\.bitPattern) ?? 0, ordering: .relaxed)
            guard newValue != nil, !progressHandlerInstalled else { return }
            progressHandlerInstalled = true
            sqlite3_progress_handler(handle, 4000, { context in
                let connection = Unmanaged<SQLiteConnection>.fromOpaque(context!).takeUnretainedValue()
                if connection.stopRequested.load(ordering: .relaxed) { return 1 }
                guard let deadline = connection.deadline else { return 0 }
                return Clock.monotonic() > deadline ? 1 : 0
            }, Unmanaged.passUnretained(self).toOpaque())
        }
    }
    private let deadlineBits = Atomic<UInt64>(0)
    private let stopRequested = Atomic<Bool>(false)

    /// Stops the statements running on this connection now and any started before
    /// `clearStop()` (the client that asked for them has gone); from any thread. They end
    /// with `SQLITE_INTERRUPT`, and the connection stays usable. Needs a deadline set.
    public func stop() {
        stopRequested.store(true, ordering: .relaxed)
        sqlite3_interrupt(handle)
    }

    /// Lets statements run again after `stop()`.
    public func clearStop() { stopRequested.store(false, ordering: .relaxed) }
    /// Installed on first use and kept: installing it races with a running statement.
    private var progressHandlerInstalled = false

    func fail(_ rc: Int32, _ context: String) -> StoreError {
        let msg = String(cString: sqlite3_errmsg(handle))
        if rc & 0xFF == SQLITE_CORRUPT {
            // Whatever the command was doing, the answer is the same: the file is damaged.
            return StoreError("\(path) is corrupt (\(msg)); copy what can be read into a new file with: "
                + "sqlite3 \(path) .recover | sqlite3 recovered.db", code: SQLITE_CORRUPT)
        }
        return StoreError("\(context): \(msg)", code: rc & 0xFF)
    }

    /// Runs one or more SQL statements that return no rows.
    public func execute(_ sql: String) throws {
        var err: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &err)
        if rc != SQLITE_OK {
            let msg = err.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(err)
            throw StoreError("database error: \(msg)", code: rc & 0xFF)
        }
    }

    /// Runs `body` in one write transaction: committed if it returns, rolled back if it throws.
    public func transaction(_ body: () throws -> Void) throws {
        try execute("BEGIN IMMEDIATE")
        do {
            try body()
            try execute("COMMIT")
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Compiles a statement for repeated use.
    public func prepare(_ sql: String) throws -> Statement {
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw fail(rc, "cannot prepare statement") }
        return Statement(stmt, connection: self)
    }

    /// The first column of the first row of a query, as an integer.
    public func scalar(_ sql: String, _ args: [SQLValue] = []) throws -> Int64? {
        let s = try prepare(sql)
        try s.bind(args)
        guard try s.step() else { return nil }
        return s.isNull(0) ? nil : s.int(0)
    }

    /// All rows of a query, each as an array of values.
    public func rows(_ sql: String, _ args: [SQLValue] = []) throws -> [[SQLValue]] {
        let s = try prepare(sql)
        try s.bind(args)
        var out: [[SQLValue]] = []
        while try s.step() {
            out.append((0..<s.columnCount).map { s.value($0) })
        }
        return out
    }

}

/// A value read from or bound to SQLite.
public enum SQLValue: Equatable, Sendable {
    case null
    case int(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    public var int: Int64? { if case .int(let v) = self { v } else { nil } }
    public var text: String? { if case .text(let v) = self { v } else { nil } }
}

/// A prepared statement; reset and rebind it to run it again.
public final class Statement {
    public let stmt: OpaquePointer
    unowned let connection: SQLiteConnection

    init(_ stmt: OpaquePointer, connection: SQLiteConnection) {
        self.stmt = stmt
        self.connection = connection
    }

    deinit { sqlite3_finalize(stmt) }

    @inline(__always)
    public func bind(_ index: Int32, _ value: Int64) {
        sqlite3_bind_int64(stmt, index, value)
    }

    @inline(__always)
    public func bindNull(_ index: Int32) {
        sqlite3_bind_null(stmt, index)
    }

    public func bind(_ index: Int32, text: UnsafeBufferPointer<UInt8>) {
        guard let base = text.baseAddress, !text.isEmpty else {
            sqlite3_bind_text(stmt, index, "", 0, sqliteTransient)
            return
        }
        base.withMemoryRebound(to: CChar.self, capacity: text.count) {
            _ = sqlite3_bind_text(stmt, index, $0, Int32(text.count), sqliteTransient)
        }
    }

    public func bind(_ index: Int32, text: String) {
        _ = sqlite3_bind_text(stmt, index, text, -1, sqliteTransient)
    }

    public func bind(_ index: Int32, blob: UnsafeRawBufferPointer) {
        _ = sqlite3_bind_blob(stmt, index, blob.baseAddress, Int32(blob.count), sqliteTransient)
    }

    public func bind(_ values: [SQLValue]) throws {
        for (k, v) in values.enumerated() {
            let i = Int32(k + 1)
            switch v {
            case .null: bindNull(i)
            case .int(let x): bind(i, x)
            case .real(let x): sqlite3_bind_double(stmt, i, x)
            case .text(let s): bind(i, text: s)
            case .blob(let b): b.withUnsafeBytes { bind(i, blob: $0) }
            }
        }
    }

    /// Advances; true when a row is available.
    @inline(__always)
    public func step() throws -> Bool {
        let rc = sqlite3_step(stmt)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        let err = connection.fail(rc, "database error")
        sqlite3_reset(stmt)
        throw err
    }

    /// Runs a statement that returns no rows, then resets it.
    @inline(__always)
    public func run() throws {
        defer { sqlite3_reset(stmt) }
        _ = try step()
    }

    public func reset() {
        sqlite3_reset(stmt)
        sqlite3_clear_bindings(stmt)
    }

    public var columnCount: Int32 { sqlite3_column_count(stmt) }
    @inline(__always) public func int(_ i: Int32) -> Int64 { sqlite3_column_int64(stmt, i) }
    @inline(__always) public func isNull(_ i: Int32) -> Bool { sqlite3_column_type(stmt, i) == SQLITE_NULL }
    public func text(_ i: Int32) -> String {
        guard let p = sqlite3_column_text(stmt, i) else { return "" }
        return String(cString: p)
    }
    /// Column bytes (text or blob), valid until the next step or reset.
    public func bytes(_ i: Int32) -> UnsafeBufferPointer<UInt8> {
        let p = sqlite3_column_blob(stmt, i)
        let n = Int(sqlite3_column_bytes(stmt, i))
        guard let p else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: p.assumingMemoryBound(to: UInt8.self), count: n)
    }
    public func value(_ i: Int32) -> SQLValue {
        switch sqlite3_column_type(stmt, i) {
        case SQLITE_INTEGER: .int(int(i))
        case SQLITE_FLOAT: .real(sqlite3_column_double(stmt, i))
        case SQLITE_TEXT: .text(text(i))
        case SQLITE_BLOB: .blob(Array(bytes(i)))
        default: .null
        }
    }
}
