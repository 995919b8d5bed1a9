import ArgumentParser
import FlowClickHouse
import FlowModel
import FlowStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `--db PATH`, defaulting to `$FLOWTRAIL_DB` or `./flowtrail.db`; or `--store URL`
/// (`$FLOWTRAIL_STORE`) for a ClickHouse store.
struct DatabaseOption: ParsableArguments {
    @Option(name: .long, help: "Database file (default: $FLOWTRAIL_DB or ./flowtrail.db).")
    var db: String?
    @Option(name: .long, help: ArgumentHelp(
        "A ClickHouse store instead of the SQLite file: clickhouse://[USER[:PASSWORD]@]HOST[:PORT][,HOST[:PORT]…]/DATABASE (default: $FLOWTRAIL_STORE; docs/SCALING.md).",
        valueName: "url"))
    var store: String?

    /// The ClickHouse store URL given (`--store`, else `$FLOWTRAIL_STORE` unless `--db` is given), if any.
    var storeURL: StoreURL? {
        var text = store
        if text == nil, db == nil, let env = getenv("FLOWTRAIL_STORE"), let s = String(validatingCString: env), !s.isEmpty { text = s }
        guard let text else { return nil }
        do { return try StoreURL(text) } catch { fail("--store: \(error)", status: 2) }
    }

    /// Opens the ClickHouse store when one is given; `create` makes its schema (ingest).
    func openClickHouse(create: Bool = false, cluster: String? = nil) -> ClickHouseStore? {
        guard let url = storeURL else {
            if cluster != nil { fail("--cluster needs --store clickhouse://…", status: 2) }
            return nil
        }
        do { return try ClickHouseStore(url, create: create, cluster: cluster) } catch { fail("\(error)") }
    }


    var path: String {
        if let db { return db }
        if let env = getenv("FLOWTRAIL_DB"), let s = String(validatingCString: env), !s.isEmpty { return s }
        return "flowtrail.db"
    }

    /// Opens the store, or exits with a one-line reason.
    func open(readOnly: Bool = false) throws -> FlowStore {
        // A command that has no ClickHouse form yet says so rather than reading another store.
        if storeURL != nil {
            fail("this command reads SQLite stores only so far; --store clickhouse://… works with every command but serve and bench (docs/SCALING.md)", status: 2)
        }
        if readOnly, access(path, F_OK) != 0 { fail("no database at \(path) (run `flowtrail ingest` first)") }
        do {
            return try FlowStore(path: path, readOnly: readOnly)
        } catch {
            fail("\(error)")
        }
    }
}

/// `--since T --until T`: RFC 3339 or a duration before now (`90m`, `2d`).
struct TimeRangeOptions: ParsableArguments {
    @Option(help: "Only flows at or after this time: RFC 3339, 2026-01-02[T15[:04[:05]]] (UTC), RFC 1123Z, or a duration before now (90m, 2d, 1h30m).")
    var since: String?
    @Option(help: "Only flows at or before this time (inclusive, as in Hubble), in the same forms as --since.")
    var until: String?

    /// The bounds in UTC nanoseconds, `until` exclusive as the engine takes it (the given
    /// time + 1 ns: inclusive, as hubble observe's --until).
    func bounds() throws -> (since: Int64?, until: Int64?) {
        let now = Clock.nowNanos()
        func parse(_ text: String?, _ flag: String) throws -> Int64? {
            guard let text else { return nil }
            guard let t = DurationText.timeBound(text, now: now) else {
                throw ValidationError("--\(flag): \"\(text)\" is not a time (RFC 3339, 2026-01-02, 2026-01-02T15:04, RFC 1123Z) nor a duration such as 90m or 2d")
            }
            return t
        }
        let end = try parse(until, "until")
        return (try parse(since, "since"), end.map { $0 == .max ? $0 : $0 + 1 })
    }
}

/// Prints `flowtrail: message` to stderr and exits with status 1.
func fail(_ message: String, status: Int32 = 1) -> Never {
    fputs("flowtrail: \(message)\n", stderr)
    exit(status)
}

/// Buffered writes to standard output (print() per line is far too slow for millions of lines).
final class StdoutWriter {
    private let buffer = ByteBuffer(capacity: 1 << 20)

    func write(_ bytes: UnsafeBufferPointer<UInt8>) {
        buffer.append(bytes)
        if buffer.count >= 1 << 20 { flush() }
    }

    func write(_ text: String) {
        buffer.append(string: text)
        if buffer.count >= 1 << 20 { flush() }
    }

    func newline() { buffer.append(0x0A) }

    func flush() {
        var offset = 0
        while offset < buffer.count {
            let n = Glibc.write(1, buffer.base + offset, buffer.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EPIPE { exit(0) }
                fail("cannot write output: \(String(cString: strerror(errno)))")
            }
            offset += n
        }
        buffer.removeAll()
    }
}

/// A number with a fixed count of decimals, without Foundation's `String(format:)`.
func fixed(_ value: Double, _ decimals: Int) -> String {
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = Int((value * scale).rounded())
    let whole = scaled / Int(scale), frac = abs(scaled % Int(scale))
    guard decimals > 0 else { return "\(whole)" }
    let digits = String(frac)
    return "\(whole).\(String(repeating: "0", count: decimals - digits.count))\(digits)"
}

/// Says on stderr when lost-event records fall in the range a command read: its answer may be
/// missing flows (Hubble's ring or the exporter dropped events there).
func warnAboutLostEvents(_ store: FlowStore, since: Int64?, until: Int64?) {
    if let w = LostEvents.warning(store.db, since: since, until: until) { fputs("flowtrail: \(w)\n", stderr) }
}

/// The same warning on a ClickHouse store.
func warnAboutLostEvents(_ store: ClickHouseStore, since: Int64?, until: Int64?) {
    if let w = ClickHouseReports.lostEventsWarning(store, since: since, until: until) { fputs("flowtrail: \(w)\n", stderr) }
}
