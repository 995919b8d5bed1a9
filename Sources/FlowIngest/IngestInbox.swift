import Dispatch
import FlowStore

/// What one pushed body did: counts, and the first rejected lines' reasons (`body:LINE:COL`).
public struct PushResult: Sendable {
    public var counts = IngestCounts()
    public var messages: [String] = []
}

/// Bodies handed to a running follow-mode ingester by other threads (the HTTP ingest route).
/// The ingester owns the only writer, so pushed flows and followed files share one
/// dictionary and one transaction stream.
public final class IngestInbox: @unchecked Sendable {
    typealias Job = (body: [UInt8], done: @Sendable (Result<PushResult, Error>) -> Void)
    private let lock = DispatchSemaphore(value: 1)
    private var jobs: [Job] = []
    private var closedReason: String?
    private let wakeup = DispatchSemaphore(value: 0)

    public init() {}

    /// Queues a body; `done` is called once its flows are committed (or failed).
    public func submit(_ body: [UInt8], done: @escaping @Sendable (Result<PushResult, Error>) -> Void) {
        lock.wait()
        if let reason = closedReason {
            lock.signal()
            return done(.failure(StoreError(reason)))
        }
        jobs.append((body, done))
        lock.signal()
        wakeup.signal()
    }

    func take() -> [Job] {
        lock.wait()
        defer { lock.signal() }
        let j = jobs
        jobs.removeAll()
        return j
    }

    /// Refuses further bodies (ingest stopped), failing those still queued.
    public func close(_ reason: String) {
        lock.wait()
        closedReason = reason
        let left = jobs
        jobs.removeAll()
        lock.signal()
        for j in left { j.done(.failure(StoreError(reason))) }
        wakeup.signal()
    }

    /// Takes bodies again after `close` (ingest resumed after a storage error).
    public func reopen() {
        lock.wait()
        closedReason = nil
        lock.signal()
    }

    /// Waits up to `seconds` for a new body (or `wake()`).
    func wait(_ seconds: Double) {
        _ = wakeup.wait(timeout: .now() + seconds)
    }

    /// Wakes the ingester (to notice a stop request).
    public func wake() { wakeup.signal() }
}
