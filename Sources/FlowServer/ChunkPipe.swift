import Synchronization
import Dispatch
import NIOCore

/// Carries chunks from a blocking producer (SQLite on a pool thread) to an async response
/// writer, at most `depth` chunks ahead: a slow client slows the query instead of growing
/// memory.
final class ChunkPipe: @unchecked Sendable {
    let stream: AsyncThrowingStream<NIOCore.ByteBuffer, Error>
    private let continuation: AsyncThrowingStream<NIOCore.ByteBuffer, Error>.Continuation
    private let space: DispatchSemaphore
    private let lock = Mutex(false)

    init(depth: Int = 4) {
        (stream, continuation) = AsyncThrowingStream.makeStream()
        space = DispatchSemaphore(value: depth)
    }

    /// Producer: hands over a copy of `bytes`; blocks while `depth` chunks wait. Throws when
    /// the consumer has gone.
    func send(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        space.wait()
        if lock.withLock({ $0 }) { throw CancellationError() }
        continuation.yield(NIOCore.ByteBuffer(bytes: bytes))
    }

    /// Producer: no more chunks (or the error that stopped them).
    func finish(_ error: Error? = nil) {
        continuation.finish(throwing: error)
    }

    /// Consumer: a chunk was written; the producer may send another.
    func consumed() { space.signal() }

    /// Consumer: the client went away; wake and stop the producer.
    func cancel() {
        lock.withLock { $0 = true }
        space.signal()
    }
}
