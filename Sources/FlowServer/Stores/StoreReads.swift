import FlowPolicy
import FlowQuery
import FlowReports
import FlowStore

/// What the routes and Hubble's gRPC API read of a store, whichever holds the flows: SQLite
/// (`SQLiteReads`, one per read-only connection) or ClickHouse (`ClickHouseReads`). Bounds are
/// UTC nanoseconds, `until` exclusive; filters are ORed.
protocol StoreReads: AnyObject {
    /// Pages of matching flows and counts.
    var history: any FlowHistory { get }
    /// Lost-event records in the range and the events they say were lost (both bounds nil: the
    /// whole history, records without a time included).
    func lostEventTotals(since: Int64?, until: Int64?) throws -> (records: Int64, events: Int64)
    /// The newest lost-event records in the range, at most `limit`.
    func lostEventList(since: Int64?, until: Int64?, limit: Int) throws -> [LostEventRecord]
    func defaultDeny(since: Int64?, until: Int64?, filters: [Typed]) throws -> DefaultDenyReport
    func summary(since: Int64?, until: Int64?, bucketMinutes: Int64, filters: [Typed]) throws -> SummaryReport
    /// `perFlow`, when given, receives every evaluated flow in time order.
    func simulate(set: PolicySet, since: Int64?, until: Int64?, filters: [Typed],
                  perFlow: ((SimulatedFlow) throws -> Void)?) throws -> Simulation
    func stats() throws -> StoreStats
    /// For `ServerStatus`: flows stored, flows retention dropped, the history's first and last
    /// flow times, and how many nodes sent flows.
    func totals() throws -> (stored: Int64, dropped: Int64, first: Int64?, last: Int64?, nodes: Int64)
    /// For `GetNodes`: each node's name and stored flows.
    func nodes() throws -> [(name: String, flows: Int64)]
    /// For `GetNamespaces`: the (cluster, namespace) pairs of the stored endpoints.
    func namespaces() throws -> Set<[String]>
    /// New flows for live streams when other processes write the store (ClickHouse), found by
    /// polling from now on; nil when this server's own ingest feeds them (SQLite: `LiveFeed`).
    func polledFeed(_ filters: [Typed]) throws -> PolledFeed?
}

extension StoreReads {
    /// `{"records":N,"events_lost":M}` for timed records in the range (answers say the range
    /// has holes); zeros when the store cannot say.
    func lostEventsSummaryJSON(since: Int64?, until: Int64?) -> String {
        let t = (try? lostEventTotals(since: since ?? .min, until: until ?? .max)) ?? (records: 0, events: 0)
        return LostEvents.summaryJSON(records: t.records, events: t.events)
    }
}
