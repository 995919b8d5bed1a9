import FlowQuery
import FlowStore

/// The range a report covers: whole minutes, as the rollups are kept. `since` is rounded
/// down and `until` up; without them, the whole days the store holds.
struct ReportRange {
    let since: Int64
    let until: Int64
    /// The partitions that overlap the range.
    let days: [Int64]

    init(engine: QueryEngine, since: Int64?, until: Int64?) {
        let minute = Rollups.nanosPerMinute, day: Int64 = 86_400_000_000_000
        let store = engine.store
        self.since = since.map { $0 >= 0 ? $0 / minute * minute : ($0 - minute + 1) / minute * minute }
            ?? (store.days.first ?? 0) * day
        self.until = until.map { ($0 + minute - 1) / minute * minute } ?? ((store.days.last ?? 0) + 1) * day
        days = engine.days(since: self.since, until: self.until)
    }
}
