import FlowModel
import FlowStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How an ingest runs.
public struct IngestOptions: Sendable {
    /// Flows per transaction. Each commit rewrites every index page the batch touched into
    /// the WAL; the endpoint indexes spread a batch over thousands of leaves, so with 8,192
    /// flows the WAL took 1.4 GB for a 206 MB store (1M flows). 65,536 cuts that to 0.4 GB
    /// and ingest time by about a quarter, for ~90 MB more peak memory.
    public var batchSize = 65536
    /// Keep reading files as they grow, like `tail -F`.
    public var follow = false
    /// Append rejected lines, verbatim, to this file.
    public var rejectsPath: String?
    /// Drop partitions older than this many nanoseconds (nil: keep everything).
    public var retention: Int64?
    /// Print a live progress line to stderr.
    public var progress = false
    /// In follow mode, commit pending flows at least this often (seconds).
    public var commitInterval = 0.2
    /// In follow mode, wait this long (seconds) when no source has new data.
    public var pollInterval = 0.05
    public init() {}
}

/// What an ingest did.
public struct IngestSummary: Sendable {
    public var counts = IngestCounts()
    public var elapsed: Double = 0
    public var retentionDroppedFlows: Int64 = 0
    public var retentionDroppedPartitions = 0
    /// Sources that could not be read, with the reason.
    public var failedSources: [String] = []
    public var interrupted = false

    public var rate: Double { elapsed > 0 ? Double(counts.flows) / elapsed : 0 }
}

/// Set from a signal handler: finish the batch in flight and stop.
nonisolated(unsafe) public var ingestStopRequested: sig_atomic_t = 0

/// Reads sources into the store in batches, each committed with the sources' positions.
public final class Ingester {
    /// Where positions are read from at the start (the store the sink commits to).
    public let positions: any SourcePositions
    public let options: IngestOptions
    public let sink: any FlowSink
    /// The SQLite writer, when the sink is one (the server's live feed hooks its commits).
    public var writer: FlowWriter? { sink as? FlowWriter }
    let processor: LineProcessor
    private var lastRetention = 0.0
    /// Pushed bodies to ingest between polls (follow mode); with an inbox, following goes
    /// on even when every file source is finished or there are none.
    public var inbox: IngestInbox?

    /// An ingest into the SQLite store.
    public convenience init(store: FlowStore, options: IngestOptions) throws {
        let writer = FlowWriter(store: store)
        // Reading files to their end: overlap decoding with writing. Following: commit in line,
        // so a flow is on disk as soon as its batch is.
        writer.pipelined = !options.follow
        try self.init(sink: writer, positions: store, options: options)
    }

    /// An ingest into any sink; `positions` must read what the sink commits.
    public init(sink: any FlowSink, positions: any SourcePositions, options: IngestOptions) throws {
        self.positions = positions
        self.options = options
        self.sink = sink
        processor = LineProcessor(writer: sink, rejects: try RejectSink(path: options.rejectsPath))
    }

    /// Installs SIGINT/SIGTERM handlers that ask the ingest to stop after committing.
    public static func installSignalHandlers() {
        let handler: @convention(c) (Int32) -> Void = { _ in ingestStopRequested = 1 }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
    }

    /// Ingests every source; in follow mode, until stopped.
    public func run(sources: [String]) throws -> IngestSummary {
        var summary = IngestSummary()
        let started = Clock.monotonic()
        var readers: [SourceReader] = []
        try applyRetention(&summary, force: true)
        func open(_ path: String) -> SourceReader? {
            do {
                return try SourceReader(path: path, store: positions)
            } catch {
                summary.failedSources.append("\(error)")
                fputs("flowtrail: \(error)\n", stderr)
                return nil
            }
        }
        let progress = ProgressLine(enabled: options.progress)
        if options.follow {
            readers = sources.compactMap(open)
            try follow(readers, &summary, progress)
        } else {
            for (k, path) in sources.enumerated() where ingestStopRequested == 0 {
                // Opened in turn, after the sources before it committed: a rotated file named
                // before the live one has then recorded how far it was read.
                if k > 0 { try sink.flush() }
                guard let reader = open(path) else { continue }
                readers.append(reader)
                let isLast = k == sources.count - 1
                let before = processor.counts
                do {
                    while ingestStopRequested == 0 {
                        _ = try reader.pump(processor, follow: false)
                        if sink.pendingFlows >= endingBatchLimit(reader, last: isLast) {
                            try commit(readers)
                        }
                        progress.update(processor.counts, since: started)
                        if reader.finished { break }
                    }
                } catch let e as SourceError {
                    summary.failedSources.append(e.message)
                    fputs("flowtrail: \(e.message)\n", stderr)
                }
                try commit(readers)
                reportUnreported(reader)
                // A source with lines and not one Hubble record is the wrong input (a CSV, another
                // tool's log): a failure, not a quiet success with everything rejected.
                let after = processor.counts
                let records = (after.flows + after.duplicates + after.nonFlow) - (before.flows + before.duplicates + before.nonFlow)
                if records == 0, after.rejected > before.rejected {
                    let message = "\(reader.name): no line is a Hubble record (\(after.rejected - before.rejected) rejected); expected hubble observe -o json output or the flow-log exporter's files"
                    summary.failedSources.append(message)
                    fputs("flowtrail: \(message)\n", stderr)
                }
                if reader.pendingTail > 0 {
                    fputs("\(reader.name):\(reader.lineNumber + 1): the last line has no newline yet (\(reader.pendingTail) bytes); it is read once complete, by the next run\n", stderr)
                }
                reader.close()
            }
        }
        try commit(readers)
        try sink.flush()
        try applyRetention(&summary, force: true)
        progress.finish()
        processor.rejects.flush()
        summary.counts = processor.counts
        summary.elapsed = Clock.monotonic() - started
        summary.interrupted = ingestStopRequested != 0 && !options.follow
        return summary
    }

    private func follow(_ readers: [SourceReader], _ summary: inout IngestSummary, _ progress: ProgressLine) throws {
        var lastCommit = Clock.monotonic()
        let started = lastCommit
        while ingestStopRequested == 0 {
            var read = 0
            for reader in readers {
                do {
                    read += try reader.pump(processor, follow: true)
                } catch let e as SourceError {
                    fputs("flowtrail: \(e.message)\n", stderr)
                }
                if sink.pendingFlows >= batchLimit { try commit(readers); lastCommit = Clock.monotonic() }
            }
            let now = Clock.monotonic()
            if now - lastCommit >= options.commitInterval || (read == 0 && !sink.isEmpty) {
                try commit(readers)
                lastCommit = now
                try applyRetention(&summary, force: false)
            }
            progress.update(processor.counts, since: started)
            if let inbox {
                let jobs = inbox.take()
                for (k, job) in jobs.enumerated() {
                    do { try push(job, readers) } catch {
                        // The bodies taken with it must be answered too, or their requests wait forever.
                        for rest in jobs[(k + 1)...] { rest.done(.failure(error)) }
                        throw error
                    }
                }
                if read == 0, jobs.isEmpty { inbox.wait(options.pollInterval) }
                lastCommit = jobs.isEmpty ? lastCommit : Clock.monotonic()
            } else if read == 0 {
                if readers.allSatisfy(\.finished) { break }
                usleep(UInt32(options.pollInterval * 1_000_000))
            }
        }
    }

    /// Ingests one pushed body as source `body` and commits it with everything pending.
    private func push(_ job: IngestInbox.Job, _ readers: [SourceReader]) throws {
        let before = processor.counts
        processor.rejects.beginCollecting("body")
        var lineNumber: Int64 = 0
        var failure: Error?
        job.body.withUnsafeBufferPointer { body in
            var start = 0
            while start < body.count, failure == nil {
                let end = body[start...].firstIndex(of: 0x0A) ?? body.count
                lineNumber += 1
                do {
                    if end - start > JSONLimits.maxLineBytes {
                        processor.rejectTooLong(source: "body", lineNumber: lineNumber)
                    } else {
                        try processor.process(UnsafeBufferPointer(rebasing: body[start..<end]), source: "body", lineNumber: lineNumber)
                    }
                } catch { failure = error }
                start = end + 1
            }
        }
        var result = PushResult(messages: processor.rejects.endCollecting())
        if failure == nil { do { try commit(readers) } catch { failure = error } }
        if let failure {
            job.done(.failure(failure))
            throw failure
        }
        let after = processor.counts
        result.counts.flows = after.flows - before.flows
        result.counts.duplicates = after.duplicates - before.duplicates
        result.counts.rejected = after.rejected - before.rejected
        result.counts.lostEvents = after.lostEvents - before.lostEvents
        result.counts.agentEvents = after.agentEvents - before.agentEvents
        result.counts.debugEvents = after.debugEvents - before.debugEvents
        result.counts.nodeStatus = after.nodeStatus - before.nodeStatus
        result.counts.blank = after.blank - before.blank
        job.done(.success(result))
    }

    /// Commits the batch with every source's current position.
    private func commit(_ readers: [SourceReader]) throws {
        for r in readers { if let p = r.position { sink.setPosition(p) } }
        let flows = sink.pendingFlows
        try sink.commit()
        if flows >= batchLimit { batchLimit = min(batchLimit * 2, options.batchSize) }
    }

    /// The batch size for the next commit. It starts small and doubles up to
    /// `options.batchSize`: the writing thread waits for the first batch and the last one is
    /// written after decoding ends, so small first batches start the writer sooner.
    private lazy var batchLimit = min(4096, options.batchSize)

    /// The batch size near the end of the last file: small again, so that little is left to
    /// write once decoding has ended (the decoding thread then has nothing to overlap with).
    private func endingBatchLimit(_ reader: SourceReader, last: Bool) -> Int {
        guard last, let p = reader.position, p.lines > 0, p.offset > 0, p.offset <= p.size else { return batchLimit }
        let linesLeft = (p.size - p.offset) / max(p.offset / p.lines, 1)
        return linesLeft < Int64(batchLimit) ? min(batchLimit, 8192) : batchLimit
    }

    private func applyRetention(_ summary: inout IngestSummary, force: Bool) throws {
        guard let retention = options.retention else { return }
        let now = Clock.monotonic()
        guard force || now - lastRetention > 10 else { return }
        lastRetention = now
        let dropped = try sink.dropPartitions(before: Clock.nowNanos() - retention)
        summary.retentionDroppedFlows += dropped.flows
        summary.retentionDroppedPartitions += dropped.partitions
    }

    private func reportUnreported(_ reader: SourceReader) {
        let more = processor.rejects.unreported(reader.name)
        if more > 0 { fputs("\(reader.name): \(more) more rejected lines not shown\n", stderr) }
    }
}

/// The live `flows/s, stored, rejected` line on a terminal.
final class ProgressLine {
    let enabled: Bool
    private var last = 0.0
    private var shown = false

    init(enabled: Bool) { self.enabled = enabled }

    func update(_ c: IngestCounts, since start: Double) {
        guard enabled else { return }
        let now = Clock.monotonic()
        guard now - last >= 0.5 else { return }
        last = now
        let rate = now > start ? Double(c.flows) / (now - start) : 0
        fputs("\r\u{1B}[K\(c.flows) flows stored  \(Int(rate)) flows/s  \(c.rejected) rejected", stderr)
        shown = true
    }

    func finish() {
        if shown { fputs("\r\u{1B}[K", stderr) }
    }
}
