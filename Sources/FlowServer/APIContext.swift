import FlowIngest
import Hummingbird

/// What every route needs: the reader pool, the live feed, the ingest inbox, metrics.
final class APIContext: Sendable {
    let pool: ReaderPool
    let feed: LiveFeed
    let inbox: IngestInbox?
    let metrics: ServerMetrics
    let bodyLimit: Int

    init(pool: ReaderPool, feed: LiveFeed, inbox: IngestInbox?, metrics: ServerMetrics, bodyLimit: Int) {
        self.pool = pool
        self.feed = feed
        self.inbox = inbox
        self.metrics = metrics
        self.bodyLimit = bodyLimit
    }
}

extension HTTPFields {
    /// Headers with one content type.
    static func contentType(_ type: String) -> HTTPFields {
        var h = HTTPFields()
        h[.contentType] = type
        return h
    }
}
