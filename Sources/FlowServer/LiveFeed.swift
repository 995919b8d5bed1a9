import FlowModel
import FlowStore
import Synchronization

/// Fans out "these rows were just committed" to every open `follow=true` response.
final class LiveFeed: @unchecked Sendable {
    /// One open stream's view of the feed: commits waiting for it, bounded.
    final class Subscription: Sendable {
        let id: Int
        let commits: AsyncStream<[CommittedRows]>
        fileprivate let continuation: AsyncStream<[CommittedRows]>.Continuation
        fileprivate let backlog: Int
        /// Commits handed over and not yet taken, and their flows; flows in commits dropped once
        /// it overflowed.
        fileprivate let state = Mutex<(waiting: Int, waitingFlows: Int64, missed: Int64, overflowed: Bool)>((0, 0, 0, false))

        fileprivate init(id: Int, backlog: Int) {
            self.id = id
            self.backlog = backlog
            (commits, continuation) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
        }

        /// The consumer took one commit.
        func took(_ rows: [CommittedRows]) {
            state.withLock {
                $0.waiting -= 1
                $0.waitingFlows -= Self.flows(rows)
            }
        }

        /// Flows committed that this stream missed, once it fell `backlog` commits behind: those
        /// dropped, and those still queued (the stream ends without sending them).
        var overflow: Int64? { state.withLock { $0.overflowed ? $0.missed + $0.waitingFlows : nil } }

        static func flows(_ rows: [CommittedRows]) -> Int64 { rows.reduce(0) { $0 + Int64($1.ids.count) } }

        fileprivate func offer(_ rows: [CommittedRows]) {
            let accepted = state.withLock { s -> Bool in
                if s.overflowed || s.waiting >= backlog {
                    let first = !s.overflowed
                    s.overflowed = true
                    // One more notice wakes the consumer to report what it missed (this commit
                    // counts among the queued ones it will not send).
                    if first {
                        s.waiting += 1
                        s.waitingFlows += Self.flows(rows)
                    } else {
                        s.missed += Self.flows(rows)
                    }
                    return first
                }
                s.waiting += 1
                s.waitingFlows += Self.flows(rows)
                return true
            }
            if accepted { continuation.yield(rows) }
        }
    }

    private let subscribers = Mutex<[Int: Subscription]>([:])
    private let nextID = Mutex(0)

    /// Called on the writer's thread after each commit.
    func publish(_ rows: [CommittedRows]) {
        for s in subscribers.withLock({ Array($0.values) }) { s.offer(rows) }
    }

    /// A stream of commits from now on; it ends when `close()` is called.
    func subscribe(backlog: Int = 256) -> Subscription {
        let id = nextID.withLock { $0 += 1; return $0 }
        let s = Subscription(id: id, backlog: backlog)
        subscribers.withLock { $0[id] = s }
        return s
    }

    func unsubscribe(_ id: Int) {
        subscribers.withLock { $0.removeValue(forKey: id) }?.continuation.finish()
    }

    private let closed = Mutex(false)

    /// Whether the server is shutting down: streams that poll a store (`PolledFeed`) end.
    var isClosed: Bool { closed.withLock { $0 } }

    /// Ends every stream (server shutdown).
    func close() {
        closed.withLock { $0 = true }
        for s in subscribers.withLock({ s in defer { s.removeAll() }; return Array(s.values) }) { s.continuation.finish() }
    }

    /// The record a stream that fell behind ends with, shaped as Hubble's own
    /// (`GetFlowsResponse.lost_events`, source OBSERVER_EVENTS_QUEUE: the server's queue for
    /// this client overflowed): `num_events_lost` counts the flows committed meanwhile.
    static func lostRecord(missed: Int64, now: Int64 = Clock.nowNanos()) -> String {
        "{\"lost_events\":{\"source\":\"OBSERVER_EVENTS_QUEUE\",\"num_events_lost\":\"\(missed)\"},"
            + "\"node_name\":\"flowtrail\",\"time\":\"\(FlowTime.format(now))\"}"
    }
}
