import Foundation
import NIOCore

/// Carries chunks from a blocking producer (SQLite on a pool thread) to an async response
/// writer, at most `depth` chunks ahead: a slow client slows the query instead of growing
/// memory. When the client goes, `cancel()` wakes the producer and interrupts its SQL.
///
/// A condition variable, not a `DispatchSemaphore`: libdispatch traps when a semaphore is
/// deallocated with a count below its initial value, which a cancelled pipe (chunks sent,
/// never consumed) always is.
final class ChunkPipe: @unchecked Sendable {
    let stream: AsyncThrowingStream<NIOCore.ByteBuffer, Error>
    private let continuation: AsyncThrowingStream<NIOCore.ByteBuffer, Error>.Continuation
    private let condition = NSCondition()
    private let depth: Int
    private var waiting = 0
    private var cancelled = false
    private var onCancel: (@Sendable () -> Void)?

    init(depth: Int = 4) {
        (stream, continuation) = AsyncThrowingStream.makeStream()
        self.depth = depth
    }

    /// Producer: what stops its work (interrupts its SQL) when the consumer cancels. Runs at
    /// once if the consumer already has.
    func whenCancelled(_ stop: @escaping @Sendable () -> Void) {
        condition.lock()
        if cancelled { stop() } else { onCancel = stop }
        condition.unlock()
    }

    /// Producer: hands over a copy of `bytes`; blocks while `depth` chunks wait. Throws when
    /// the consumer has gone.
    func send(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        condition.lock()
        while waiting >= depth && !cancelled { condition.wait() }
        let stop = cancelled
        if !stop { waiting += 1 }
        condition.unlock()
        if stop { throw CancellationError() }
        continuation.yield(NIOCore.ByteBuffer(bytes: bytes))
    }

    /// Producer: no more chunks (or the error that stopped them).
    func finish(_ error: Error? = nil) {
        continuation.finish(throwing: error)
    }

    /// Consumer: a chunk was written; the producer may send another.
    func consumed() {
        condition.lock()
        waiting -= 1
        condition.signal()
        condition.unlock()
    }

    /// Producer: its work is over; a later `cancel()` must not stop whatever its reader does next.
    func producerDone() {
        condition.lock()
        onCancel = nil
        condition.unlock()
    }

    /// Consumer: the client went away; wake and stop the producer.
    func cancel() {
        condition.lock()
        cancelled = true
        // Under the lock, so it cannot run after `producerDone()` handed the reader back.
        onCancel?()
        onCancel = nil
        condition.broadcast()
        condition.unlock()
        continuation.finish()
    }
}
