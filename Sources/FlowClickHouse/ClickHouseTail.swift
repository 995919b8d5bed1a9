import FlowModel
import FlowQuery
#if canImport(Glibc)
import Glibc
#endif

/// `flowtrail query --follow` on a ClickHouse store: polls the flow table and prints the
/// matching flows stored since the last poll.
///
/// ClickHouse rows carry no insertion order, so a poll rereads the flows within `lateness` of
/// the newest time it saw before and skips those already sent (by identity `h`). A flow stored
/// later than that behind the newest one (an exporter lagging by more) is not shown, as with
/// SQLite's `StoreTail` (which allows 5 minutes; here each poll that finds something rereads
/// the whole window, so the window is shorter). A poll that finds the table unchanged
/// (`count()` and `max(time)`) reads nothing more.
public struct ClickHouseTail {
    let queries: ClickHouseQueries
    /// The newest flow time seen, nil while the store is empty.
    var newest: Int64?
    var state: (count: Int64, newest: Int64) = (0, .min)
    /// Identities of flows sent (or there before following began) within the window, by time.
    var sent: [Int64: Int64] = [:]
    /// Microseconds between polls.
    public var interval: UInt32 = 250_000
    /// Nanoseconds behind the newest flow a late flow is still shown.
    public var lateness: Int64 = 60_000_000_000

    /// Notes what the store holds now: only flows stored after this are followed.
    /// - Throws: `ClickHouseError`.
    public init(_ queries: ClickHouseQueries) throws {
        self.queries = queries
        state = try poll()
        if state.count > 0 {
            newest = state.newest
            try read(from: state.newest - lateness) { _ in }
        }
    }

    func poll() throws -> (count: Int64, newest: Int64) {
        var answer: (Int64, Int64) = (0, .min)
        try queries.store.rows("SELECT toInt64(count()), max(time) FROM flows FORMAT RowBinary") { r in
            answer = (try r.int64(), try r.int64())
            return true
        }
        return answer
    }

    /// Matching flows from `from` on not sent yet: noted as sent and given to `body`.
    mutating func read(from: Int64, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        try ClickHouseHistory(store: queries.store).page(queries.filters, since: from, until: nil, descending: false,
                                                         limit: nil, after: nil) { line, key in
            guard sent.updateValue(key.time, forKey: key.id) == nil else { return }
            try body(line)
        }
    }

    /// Calls `body` with every new matching flow, oldest first within a poll, forever (until
    /// the process is stopped or `body` throws); `idle` after each poll that found flows.
    /// - Throws: `ClickHouseError`, or what `body` throws.
    public mutating func follow(_ body: (UnsafeBufferPointer<UInt8>) throws -> Void, idle: () -> Void) throws {
        while true {
            if try next(body) { idle() }
            usleep(interval)
        }
    }

    /// One poll: calls `body` with each matching flow stored since the last one, oldest first;
    /// true when there was any.
    /// - Throws: `ClickHouseError`, or what `body` throws.
    public mutating func next(_ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws -> Bool {
        let now = try poll()
        guard now != state, now.count > 0 else { return false }
        state = now
        var found = false
        try read(from: (newest ?? now.newest) - lateness) { line in
            found = true
            try body(line)
        }
        newest = max(newest ?? now.newest, now.newest)
        let oldest = newest! - lateness
        sent = sent.filter { $0.value >= oldest }
        return found
    }
}
