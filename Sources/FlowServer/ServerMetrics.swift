import Synchronization
import FlowStore
import NIOCore
import Prometheus

/// The Prometheus metrics of `/metrics`.
final class ServerMetrics: @unchecked Sendable {
    let registry = PrometheusCollectorRegistry()
    private let ingested: Counter
    private let rejected: Counter
    private let databaseBytes: Gauge
    private let storedFlows: Gauge
    private let lastRejected = Mutex<Int64?>(nil)

    static let latencyBuckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    init() {
        ingested = registry.makeCounter(name: "flowtrail_flows_ingested_total", help: "Flows this server committed to the store.")
        rejected = registry.makeCounter(name: "flowtrail_rejected_lines_total", help: "Input lines rejected as malformed, over the store's life.")
        databaseBytes = registry.makeGauge(name: "flowtrail_database_bytes", help: "Size of the database file and its WAL.")
        storedFlows = registry.makeGauge(name: "flowtrail_stored_flows", help: "Flows in the store.")
    }

    func flowsIngested(_ n: Int) { ingested.increment(by: Int64(n)) }

    /// Records one request's latency under its route pattern (never the raw path: bounded labels).
    func request(route: String, status: Int, seconds: Double) {
        registry.makeValueHistogram(
            name: "flowtrail_http_request_duration_seconds",
            labels: [("route", route), ("status", String(status))],
            buckets: Self.latencyBuckets,
            help: "HTTP request latency by route and status (to the response head for streams)."
        ).record(seconds)
    }

    /// Refreshes the store-derived values and renders the exposition text.
    func render(_ stats: StoreStats) -> [UInt8] {
        // The store's counter is the truth (it includes lines rejected before this server ran).
        let delta = lastRejected.withLock { last -> Int64 in
            defer { last = max(last ?? 0, stats.rejected) }
            return stats.rejected - (last ?? 0)
        }
        if delta > 0 { rejected.increment(by: delta) }
        databaseBytes.set(Double(stats.dbBytes))
        storedFlows.set(Double(stats.flows))
        for p in stats.sources {
            registry.makeGauge(name: "flowtrail_source_lag_bytes", labels: [("source", p.name)],
                               help: "Bytes of a source file not yet committed.").set(Double(StoreStats.lagBytes(p) ?? 0))
        }
        return registry.emitToBuffer()
    }
}
