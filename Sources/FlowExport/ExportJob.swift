import Dispatch
import FlowModel
import FlowQuery
import Foundation

/// Streams every matching flow, oldest first, as export records in chunks of about
/// `chunkSize` bytes: memory stays flat whatever the number of flows.
///
/// Choosing columns costs about as much as rebuilding the flow line, so with columns the work
/// is split over two threads: a second thread runs SQLite and rebuilds lines in batches, the
/// calling thread extracts and renders them, in order. At most a few batches wait in between.
public enum ExportJob {
    public static let chunkSize = 256 * 1024
    static let batchBytes = 512 * 1024
    static let batchesInFlight = 3

    /// Runs the export; `emit` gets each full chunk (and the last, partial one) and may
    /// throw to stop it (a client that went away). `emit` runs on the calling thread.
    public static func run(history: any FlowHistory, filters: [Typed], since: Int64?, until: Int64?,
                           renderer: ExportRenderer, chunkSize: Int = chunkSize,
                           emit: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        let out = FlowModel.ByteBuffer(capacity: chunkSize + 64 * 1024)
        renderer.header(into: out)
        /// Renders one flow, handing over the chunk once it is full.
        func record(_ line: UnsafeBufferPointer<UInt8>) throws {
            renderer.record(line, into: out)
            if out.count >= chunkSize {
                try emit(out.bytes)
                out.removeAll()
            }
        }
        guard !renderer.wholeLines else {
            try history.all(filters, since: since, until: until) { line, _ in try record(line) }
            if out.count > 0 { try emit(out.bytes) }
            return
        }
        // The store's reads run on a thread of their own; this thread renders and emits, so `emit` never
        // leaves the caller's thread (and never outlives this call).
        let queue = BatchQueue(capacity: batchesInFlight)
        let failure = ErrorBox()
        let producerDone = DispatchSemaphore(value: 0)
        let producer = Thread {
            defer {
                queue.push(nil)
                producerDone.signal()
            }
            var batch = queue.fresh()
            do {
                try history.all(filters, since: since, until: until) { line, _ in
                    batch.bytes.append(line)
                    batch.ends.append(batch.bytes.count)
                    if batch.bytes.count >= batchBytes {
                        if let e = failure.error { throw e }
                        queue.push(batch)
                        batch = queue.fresh()
                    }
                }
                queue.push(batch)
            } catch {
                failure.set(error)
            }
        }
        producer.start()
        while let batch = queue.pop() {
            defer { queue.recycle(batch) }
            guard !failure.isSet else { continue }  // keep draining so the producer never blocks
            do {
                for k in 0..<batch.ends.count {
                    let start = k == 0 ? 0 : batch.ends[k - 1]
                    try record(UnsafeBufferPointer(rebasing: batch.bytes.bytes[start..<batch.ends[k]]))
                }
            } catch {
                failure.set(error)
            }
        }
        producerDone.wait()
        if let e = failure.error { throw e }
        if out.count > 0 { try emit(out.bytes) }
    }
}

/// Rebuilt flow lines handed from the query thread to the rendering thread.
final class LineBatch {
    let bytes = FlowModel.ByteBuffer(capacity: ExportJob.batchBytes + 16 * 1024)
    var ends: [Int] = []
}

/// A bounded hand-off queue between two threads, reusing batches.
final class BatchQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [LineBatch?] = []
    private var spare: [LineBatch] = []
    private let slots: DispatchSemaphore
    private let ready = DispatchSemaphore(value: 0)

    init(capacity: Int) { slots = DispatchSemaphore(value: capacity) }

    func push(_ batch: LineBatch?) {
        slots.wait()
        lock.lock()
        items.append(batch)
        lock.unlock()
        ready.signal()
    }

    func pop() -> LineBatch? {
        ready.wait()
        lock.lock()
        let b = items.removeFirst()
        lock.unlock()
        slots.signal()
        return b
    }

    func fresh() -> LineBatch {
        lock.lock()
        defer { lock.unlock() }
        if let b = spare.popLast() {
            b.bytes.removeAll()
            b.ends.removeAll(keepingCapacity: true)
            return b
        }
        return LineBatch()
    }

    func recycle(_ batch: LineBatch) {
        lock.lock()
        spare.append(batch)
        lock.unlock()
    }
}

/// The first error either thread met.
final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var first: Error?

    var error: Error? { lock.lock(); defer { lock.unlock() }; return first }
    var isSet: Bool { error != nil }

    func set(_ e: Error) {
        lock.lock()
        if first == nil { first = e }
        lock.unlock()
    }
}
