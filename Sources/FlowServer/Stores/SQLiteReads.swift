import FlowModel
import FlowPolicy
import FlowQuery
import FlowReports
import FlowStore

/// `StoreReads` on one read-only SQLite connection.
final class SQLiteReads: StoreReads {
    let store: FlowStore
    let engine: QueryEngine

    init(store: FlowStore, engine: QueryEngine) {
        self.store = store
        self.engine = engine
    }

    var history: any FlowHistory { engine }

    func lostEventTotals(since: Int64?, until: Int64?) throws -> (records: Int64, events: Int64) {
        try LostEvents.total(store.db, since: since, until: until)
    }

    func lostEventList(since: Int64?, until: Int64?, limit: Int) throws -> [LostEventRecord] {
        try LostEvents.list(store.db, since: since, until: until, limit: limit)
    }

    func defaultDeny(since: Int64?, until: Int64?, filters: [Typed]) throws -> DefaultDenyReport {
        try DefaultDenyReport.build(engine: engine, since: since, until: until, filters: filters)
    }

    func summary(since: Int64?, until: Int64?, bucketMinutes: Int64, filters: [Typed]) throws -> SummaryReport {
        try SummaryReport.build(engine: engine, since: since, until: until, bucketMinutes: bucketMinutes, filters: filters)
    }

    func simulate(set: PolicySet, since: Int64?, until: Int64?, filters: [Typed],
                  perFlow: ((SimulatedFlow) throws -> Void)?) throws -> Simulation {
        try Simulation.run(engine: engine, set: set, since: since, until: until, filters: filters, perFlow: perFlow)
    }

    func stats() throws -> StoreStats { try StoreStats.read(store) }

    func totals() throws -> (stored: Int64, dropped: Int64, first: Int64?, last: Int64?, nodes: Int64) {
        let db = store.db
        let totals = try db.rows("SELECT coalesce(sum(flows), 0), min(min_time), max(max_time) FROM partitions")[0]
        let nodes = try db.scalar("SELECT count(*) FROM dict WHERE kind = ?", [.int(Int64(DictionaryKind.nodeName.rawValue))]) ?? 0
        return (totals[0].int ?? 0, try store.counter("retention_dropped_flows"), totals[1].int, totals[2].int, nodes)
    }

    func nodes() throws -> [(name: String, flows: Int64)] {
        let db = store.db
        var names: [Int64: String] = [:]
        for r in try db.rows("SELECT id, value FROM dict WHERE kind = ?", [.int(Int64(DictionaryKind.nodeName.rawValue))]) {
            if let id = r[0].int, let name = r[1].text { names[id] = name }
        }
        var counts: [Int64: Int64] = [:]
        for day in store.days {
            for r in try db.rows("SELECT node_id, count(*) FROM \"\(FlowStore.flowTable(day))\" WHERE node_id IS NOT NULL GROUP BY node_id") {
                if let id = r[0].int { counts[id, default: 0] += r[1].int ?? 0 }
            }
        }
        return names.map { ($0.value, counts[$0.key] ?? 0) }
    }

    func polledFeed(_ filters: [Typed]) throws -> PolledFeed? { nil }

    func namespaces() throws -> Set<[String]> {
        var seen = Set<[String]>()
        for r in try store.db.rows("SELECT value FROM dict WHERE kind = ?", [.int(Int64(DictionaryKind.endpoint.rawValue))]) {
            guard let text = r[0].text, let endpoint = try? JSONValue.parse(text),
                  case .string(let namespace)? = endpoint["namespace"], !namespace.isEmpty else { continue }
            var cluster = ""
            if case .string(let c)? = endpoint["cluster_name"] { cluster = c }
            seen.insert([cluster, namespace])
        }
        return seen
    }
}
