import Foundation
import FlowIngest
import FlowModel
import FlowStore
import ServiceLifecycle
import Synchronization

/// Whether the server's ingest is working, for `/readyz` and `/healthz`.
final class IngestHealth: Sendable {
    private let state = Mutex<(failure: String?, since: Int64)>((nil, 0))

    /// Nil while ingest works; otherwise why it does not (no server paths) and since when.
    var failure: (reason: String, since: Int64)? {
        state.withLock { s in s.failure.map { ($0, s.since) } }
    }

    func failed(_ reason: String) {
        state.withLock { s in
            if s.failure == nil { s.since = Clock.nowNanos() }
            s.failure = reason
        }
    }
    func recovered() { state.withLock { $0 = (nil, 0) } }
}

/// The bodies of `/healthz` (liveness: the process answers; says how ingest does) and
/// `/readyz` (503 while ingest is failing).
enum HealthAnswer {
    static func health(_ h: IngestHealth?) -> (ok: Bool, body: String) {
        (true, "{\"status\":\"ok\",\"ingest\":\(ingest(h))}")
    }

    static func ready(_ h: IngestHealth?) -> (ok: Bool, body: String) {
        let failing = h?.failure != nil
        return (!failing, "{\"status\":\(failing ? "\"not_ready\"" : "\"ready\""),\"ingest\":\(ingest(h))}")
    }

    private static func ingest(_ h: IngestHealth?) -> String {
        guard let f = h?.failure else { return "{\"status\":\"ok\"}" }
        return "{\"status\":\"failing\",\"reason\":\(JSONWriter.quote(f.reason)),\"since\":\(JSONWriter.quote(FlowTime.format(f.since)))}"
    }
}

/// Runs the ingester (followed files and pushed bodies) on its own thread for the life of
/// the server. On graceful shutdown it asks the ingester to stop: the batch in flight
/// commits with its sources' positions before the service returns.
///
/// A storage error (disk full, an I/O error) does not end ingest for good: the failed batch
/// is rolled back, `/readyz` reports the failure, pushed bodies are answered 503, and ingest
/// starts again with a fresh writer after a backoff (1 s, doubling to 30 s), resuming every
/// followed file at its last committed position.
final class IngestService: Service, @unchecked Sendable {
    let store: FlowStore
    let sources: [String]
    let options: IngestOptions
    let inbox = IngestInbox()
    let feed: LiveFeed
    let metrics: ServerMetrics
    let health = IngestHealth()
    /// Backoff between attempts, in seconds (tests shorten it).
    var backoff: (first: Double, max: Double) = (1, 30)

    init(store: FlowStore, sources: [String], options: IngestOptions, feed: LiveFeed, metrics: ServerMetrics) throws {
        var options = options
        options.follow = true
        self.store = store
        self.sources = sources
        self.options = options
        self.feed = feed
        self.metrics = metrics
        _ = try makeIngester()  // fail at start-up, not later, if the options cannot work
    }

    private func makeIngester() throws -> Ingester {
        let ingester = try Ingester(store: store, options: options)
        ingester.inbox = inbox
        let metrics = self.metrics, feed = self.feed, health = self.health
        ingester.writer?.onCommit = { rows in
            health.recovered()
            metrics.flowsIngested(rows.reduce(0) { $0 + $1.ids.count })
            feed.publish(rows)
        }
        return ingester
    }

    /// Runs one ingester to its end on a thread of its own; the error that ended it, if any.
    private func runOnce() async -> Error? {
        let sources = self.sources
        let ingester: Ingester
        do { ingester = try makeIngester() } catch { return error }
        return await withCheckedContinuation { (done: CheckedContinuation<Error?, Never>) in
            let thread = Thread {
                do {
                    _ = try ingester.run(sources: sources)
                    done.resume(returning: nil)
                } catch {
                    done.resume(returning: error)
                }
            }
            thread.name = "flowtrail-ingest"
            thread.start()
        }
    }

    func run() async throws {
        let inbox = self.inbox
        let name = String(store.path.split(separator: "/").last ?? "")
        // Ends on graceful shutdown (SIGTERM) and on cancellation (the HTTP listener failed to
        // start, and the group cancels its other services): either way the ingest thread stops.
        await withTaskCancellationHandler {
        await withGracefulShutdownHandler {
            var delay = backoff.first
            while ingestStopRequested == 0 {
                guard let error = await runOnce() else { break }
                guard ingestStopRequested == 0 else { break }
                // Messages name the database file, never its path.
                let reason = "\(error)".replacingOccurrences(of: store.path, with: name)
                health.failed(reason)
                inbox.close("the server cannot store flows now (\(reason)); it retries on its own")
                FileHandle.standardError.write(Data("flowtrail: ingest failed: \(reason); retrying in \(Int(delay)) s\n".utf8))
                let until = Date().addingTimeInterval(delay)
                while Date() < until, ingestStopRequested == 0 { try? await Task.sleep(for: .milliseconds(100)) }
                delay = min(delay * 2, backoff.max)
                // The failed transaction was rolled back: start again from what is committed.
                do {
                    try store.dictionary.reload(store.db)
                    try store.reloadPartitions()
                    try store.db.execute("BEGIN IMMEDIATE; INSERT INTO counters(name, value) VALUES ('ingest_restarts', 1) ON CONFLICT(name) DO UPDATE SET value = value + 1; COMMIT")
                } catch {
                    try? store.db.execute("ROLLBACK")
                    continue
                }
                health.recovered()
                inbox.reopen()
            }
        } onGracefulShutdown: {
            ingestStopRequested = 1
            inbox.wake()
        }
        } onCancel: {
            ingestStopRequested = 1
            inbox.wake()
        }
        inbox.close("the server is shutting down")
        feed.close()
    }
}
