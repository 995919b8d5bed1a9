import FlowClickHouse
import ServiceLifecycle

/// Closes the live feed on graceful shutdown when no ingest service does (a ClickHouse store),
/// so streams that poll end and the server can drain.
struct FeedCloser: Service {
    let feed: LiveFeed

    func run() async throws {
        try? await gracefulShutdown()
        feed.close()
    }
}

/// Flows other processes store, polled for a live stream (`follow=true`, `GetFlows` follow).
final class PolledFeed: @unchecked Sendable {
    private var tail: ClickHouseTail
    /// Between polls that found nothing.
    static let interval = Duration.milliseconds(250)

    init(_ tail: ClickHouseTail) { self.tail = tail }

    /// The matching flow lines stored since the last poll, oldest first. Called by one task at
    /// a time.
    func poll() throws -> [[UInt8]] {
        var lines: [[UInt8]] = []
        _ = try tail.next { lines.append(Array($0)) }
        return lines
    }
}
