import Synchronization
import FlowStore
import NIOCore

/// Fans out "these rows were just committed" to every open `follow=true` response.
final class LiveFeed: @unchecked Sendable {
    private let subscribers = Mutex<[Int: AsyncStream<[CommittedRows]>.Continuation]>([:])
    private let nextID = Mutex(0)

    /// Called on the writer's thread after each commit.
    func publish(_ rows: [CommittedRows]) {
        for c in subscribers.withLock({ Array($0.values) }) { c.yield(rows) }
    }

    /// A stream of commits from now on; it ends when `close()` is called.
    func subscribe() -> (id: Int, stream: AsyncStream<[CommittedRows]>) {
        // A follower that cannot keep up loses the oldest notices rather than growing memory.
        let (stream, continuation) = AsyncStream<[CommittedRows]>.makeStream(bufferingPolicy: .bufferingNewest(1024))
        let id = nextID.withLock { $0 += 1; return $0 }
        subscribers.withLock { $0[id] = continuation }
        return (id, stream)
    }

    func unsubscribe(_ id: Int) {
        subscribers.withLock { $0.removeValue(forKey: id) }?.finish()
    }

    /// Ends every stream (server shutdown).
    func close() {
        for c in subscribers.withLock({ s in defer { s.removeAll() }; return Array(s.values) }) { c.finish() }
    }
}
