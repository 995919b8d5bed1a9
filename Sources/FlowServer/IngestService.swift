import Foundation
import FlowIngest
import FlowStore
import ServiceLifecycle

/// Runs the ingester (followed files and pushed bodies) on its own thread for the life of
/// the server. On graceful shutdown it asks the ingester to stop: the batch in flight
/// commits with its sources' positions before the service returns.
final class IngestService: Service, @unchecked Sendable {
    let ingester: Ingester
    let sources: [String]
    let inbox: IngestInbox
    let feed: LiveFeed

    init(store: FlowStore, sources: [String], options: IngestOptions, feed: LiveFeed, metrics: ServerMetrics) throws {
        var options = options
        options.follow = true
        ingester = try Ingester(store: store, options: options)
        inbox = IngestInbox()
        ingester.inbox = inbox
        self.sources = sources
        self.feed = feed
        ingester.writer.onCommit = { rows in
            metrics.flowsIngested(rows.reduce(0) { $0 + $1.ids.count })
            feed.publish(rows)
        }
    }

    func run() async throws {
        let ingester = self.ingester, sources = self.sources, inbox = self.inbox
        let outcome: Error? = await withGracefulShutdownHandler {
            await withCheckedContinuation { (done: CheckedContinuation<Error?, Never>) in
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
        } onGracefulShutdown: {
            ingestStopRequested = 1
            inbox.wake()
        }
        inbox.close("the server is not ingesting any more (shutting down or after a storage error)")
        feed.close()
        if let outcome {
            // Keep answering reads: the history is still there. Pushes now get 503.
            FileHandle.standardError.write(Data("flowtrail: ingest stopped: \(outcome)\n".utf8))
            try? await gracefulShutdown()
        }
    }
}
