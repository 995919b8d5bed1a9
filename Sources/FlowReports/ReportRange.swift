import FlowQuery
import FlowStore

/// The range a report covers: whole minutes, as the rollups are kept. `since` is rounded
/// down and `until` up; without them, the whole days the store holds.
public struct ReportRange: Sendable {
    public let since: Int64
    public let until: Int64
    /// The partitions that overlap the range (SQLite's; empty for other stores).
    let days: [Int64]

    init(engine: QueryEngine, since: Int64?, until: Int64?) {
        let r = ReportRange(firstDay: engine.store.days.first, lastDay: engine.store.days.last, since: since, until: until)
        self.since = r.since
        self.until = r.until
        days = engine.days(since: r.since, until: r.until)
    }

    /// The range over a store holding flows from `firstDay` to `lastDay` (day numbers; nil
    /// when it holds none).
    public init(firstDay: Int64?, lastDay: Int64?, since: Int64?, until: Int64?) {
        let minute = Rollups.nanosPerMinute, day: Int64 = 86_400_000_000_000
        let from = since.map { Self.floor($0, minute) } ?? (firstDay ?? 0) * day
        // Without an end: the end of the stored history; with a start but no end (`--since 90m`),
        // also at least now, as `hubble observe --since` means; never before the start.
        var end = ((lastDay ?? 0) + 1) * day
        if since != nil { end = max(end, Self.ceil(Clock.nowNanos(), minute)) }
        // `until` is exclusive here, one nanosecond past the inclusive end the user gave: the
        // minute that starts exactly at that end is not counted.
        let to = until.map { Self.ceil($0 == .min ? $0 : $0 - 1, minute) } ?? max(end, from)
        self.since = from
        self.until = to
        days = []
    }

    /// `x` rounded down to a multiple of `m`, clamped to int64's range (no overflow for any x).
    static func floor(_ x: Int64, _ m: Int64) -> Int64 {
        let q = x / m - (x % m < 0 ? 1 : 0)
        let (r, overflow) = q.multipliedReportingOverflow(by: m)
        return overflow ? .min : r
    }

    /// `x` rounded up to a multiple of `m`, clamped to int64's range.
    static func ceil(_ x: Int64, _ m: Int64) -> Int64 {
        let q = x / m + (x % m > 0 ? 1 : 0)
        let (r, overflow) = q.multipliedReportingOverflow(by: m)
        return overflow ? .max : r
    }
}
