import FlowClickHouse
import FlowPolicy
import FlowQuery
import FlowReports
import FlowStore

/// `StoreReads` on a ClickHouse store (docs/SCALING.md): one store serves every request at
/// once (its HTTP client pools connections), so each pool reader shares it.
final class ClickHouseReads: StoreReads {
    let store: ClickHouseStore
    let clickhouseHistory: ClickHouseHistory

    init(store: ClickHouseStore) {
        self.store = store
        clickhouseHistory = ClickHouseHistory(store: store)
    }

    var history: any FlowHistory { clickhouseHistory }

    func lostEventTotals(since: Int64?, until: Int64?) throws -> (records: Int64, events: Int64) {
        try ClickHouseReports.lostEvents(store, since: since, until: until)
    }

    func lostEventList(since: Int64?, until: Int64?, limit: Int) throws -> [LostEventRecord] {
        try ClickHouseStats.lostEventList(store, since: since, until: until, limit: limit)
    }

    func defaultDeny(since: Int64?, until: Int64?, filters: [Typed]) throws -> DefaultDenyReport {
        try ClickHouseReports.defaultDeny(store, since: since, until: until, filters: filters)
    }

    func summary(since: Int64?, until: Int64?, bucketMinutes: Int64, filters: [Typed]) throws -> SummaryReport {
        try ClickHouseReports.summary(store, since: since, until: until, bucketMinutes: bucketMinutes, filters: filters)
    }

    func simulate(set: PolicySet, since: Int64?, until: Int64?, filters: [Typed],
                  perFlow: ((SimulatedFlow) throws -> Void)?) throws -> Simulation {
        try ClickHouseReports.simulate(store, set: set, since: since, until: until, filters: filters, perFlow: perFlow)
    }

    func stats() throws -> StoreStats { try ClickHouseStats.read(store) }

    func totals() throws -> (stored: Int64, dropped: Int64, first: Int64?, last: Int64?, nodes: Int64) {
        let t = try ClickHouseStats.totals(store)
        return (t.flows, 0, t.first, t.last, t.nodes)
    }

    func nodes() throws -> [(name: String, flows: Int64)] { try ClickHouseStats.nodes(store) }

    func polledFeed(_ filters: [Typed]) throws -> PolledFeed? {
        PolledFeed(try ClickHouseTail(ClickHouseQueries(store: store, filters: filters)))
    }

    func namespaces() throws -> Set<[String]> {
        Set(try ClickHouseStats.namespaces(store).map { [$0.cluster, $0.namespace] })
    }
}
