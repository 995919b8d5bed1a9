import FlowIngest
import Hummingbird
import Synchronization

/// What every route needs: the reader pool, the live feed, the ingest inbox, metrics.
final class APIContext: Sendable {
    let pool: ReaderPool
    let feed: LiveFeed
    let inbox: IngestInbox?
    let metrics: ServerMetrics
    let bodyLimit: Int
    let limits: ServerLimits
    let ingestHealth: IngestHealth?
    /// The database path, never shown to clients (`redact`).
    let databasePath: String
    /// Exports running now: at most `readers - 1`, so reads never all wait behind exports.
    let exports = ExportSlots()
    /// The web page's files.
    let web: WebPage

    init(pool: ReaderPool, feed: LiveFeed, inbox: IngestInbox?, metrics: ServerMetrics, bodyLimit: Int, limits: ServerLimits,
         ingestHealth: IngestHealth? = nil, databasePath: String = "", web: WebPage = WebPage(root: nil)) {
        self.web = web
        self.ingestHealth = ingestHealth
        self.databasePath = databasePath
        self.pool = pool
        self.feed = feed
        self.inbox = inbox
        self.metrics = metrics
        self.bodyLimit = bodyLimit
        self.limits = limits
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

extension APIContext {
    /// A message for a client: the database named by its file name, not its path.
    func redact(_ message: String) -> String {
        guard !databasePath.isEmpty else { return message }
        return message.replacingOccurrences(of: databasePath, with: String(databasePath.split(separator: "/").last ?? ""))
    }
}

/// How many exports run now.
final class ExportSlots: Sendable {
    private let running = Mutex(0)

    /// Takes a slot if fewer than `limit` are taken.
    func take(limit: Int) -> Bool {
        running.withLock { n in
            guard n < limit else { return false }
            n += 1
            return true
        }
    }

    func give() { running.withLock { $0 -= 1 } }
}
