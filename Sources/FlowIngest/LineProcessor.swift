import FlowModel
import FlowStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Counts of what an ingest saw.
public struct IngestCounts: Sendable, Equatable {
    /// Flows stored.
    public var flows: Int64 = 0
    /// Flows not stored because they already were (the same flow delivered again).
    public var duplicates: Int64 = 0
    public var rejected: Int64 = 0
    public var lostEvents: Int64 = 0
    public var agentEvents: Int64 = 0
    public var debugEvents: Int64 = 0
    public var nodeStatus: Int64 = 0
    public var blank: Int64 = 0
    public init() {}

    /// Non-flow records of every kind.
    public var nonFlow: Int64 { lostEvents + agentEvents + debugEvents + nodeStatus }
}

/// Where rejected lines go: a short report on stderr and, when asked, the verbatim line.
public final class RejectSink {
    private let file: UnsafeMutablePointer<FILE>?
    /// Reports printed per source before the rest are only counted.
    public var reportLimit = 20
    private var reported: [String: Int] = [:]
    public private(set) var messages: [String] = []
    /// Keep reasons in `messages` instead of printing them (the HTTP route answers them).
    public var collect = false

    public init(path: String?) throws {
        if let path {
            guard let f = fopen(path, "ab") else {
                throw SourceError("cannot write rejects file \(path): \(String(cString: strerror(errno)))")
            }
            file = f
        } else {
            file = nil
        }
    }

    deinit { if let file { fclose(file) } }

    func reject(source: String, line: Int64, bytes: UnsafeBufferPointer<UInt8>, error: DecodeError) {
        if let file {
            fwrite(bytes.baseAddress, 1, bytes.count, file)
            fputc(0x0A, file)
        }
        let n = reported[source, default: 0]
        reported[source] = n + 1
        guard n < reportLimit else { return }
        let msg = "\(source):\(line):\(error.column): rejected: \(error.reason)"
        if collect { messages.append(msg) } else { fputs(msg + "\n", stderr) }
    }

    /// Starts keeping the reasons for `source`'s rejects (a pushed body) instead of printing.
    public func beginCollecting(_ source: String) {
        collect = true
        messages.removeAll()
        reported[source] = 0
    }

    /// Stops collecting; returns the reasons kept.
    public func endCollecting() -> [String] {
        collect = false
        defer { messages.removeAll() }
        return messages
    }

    /// How many rejects of a source went unreported.
    func unreported(_ source: String) -> Int { max(0, reported[source, default: 0] - reportLimit) }

    public func flush() { if let file { fflush(file) } }
}

/// Decodes lines and hands them to the batch writer; shared by every kind of source.
public final class LineProcessor {
    public let writer: any FlowSink
    public let rejects: RejectSink
    let decoder = FlowDecoder()
    public private(set) var counts = IngestCounts()

    public init(writer: any FlowSink, rejects: RejectSink) {
        self.writer = writer
        self.rejects = rejects
    }

    /// Processes one line (without `\n`; a trailing `\r` is ignored as whitespace).
    /// Throws only when the store fails; a bad line is counted and reported, not thrown.
    @inline(__always)
    public func process(_ line: UnsafeBufferPointer<UInt8>, source: String, lineNumber: Int64) throws {
        let kind: LineKind
        do {
            kind = try decoder.decode(line)
        } catch let e as DecodeError {
            writer.count("rejected")
            counts.rejected += 1
            rejects.reject(source: source, line: lineNumber, bytes: line, error: e)
            return
        }
        try store(kind)
    }

    /// Rejects a line longer than `JSONLimits.maxLineBytes` (its bytes were not kept).
    public func rejectTooLong(source: String, lineNumber: Int64) {
        writer.count("rejected")
        counts.rejected += 1
        rejects.reject(source: source, line: lineNumber, bytes: UnsafeBufferPointer(start: nil, count: 0),
                       error: DecodeError("line longer than \(JSONLimits.maxLineBytes >> 20) MiB", column: JSONLimits.maxLineBytes + 1))
    }

    /// Processes a last line that has no newline yet, if it already decodes as a whole record;
    /// returns false (nothing counted or reported) when it does not: it is being written.
    func processIfComplete(_ line: UnsafeBufferPointer<UInt8>, source: String, lineNumber: Int64) throws -> Bool {
        guard let kind = try? decoder.decode(line) else { return false }
        try store(kind)
        return true
    }

    @inline(__always)
    private func store(_ kind: LineKind) throws {
        switch kind {
            case .flow:
                if try writer.add(decoder.flow) { counts.flows += 1 } else { counts.duplicates += 1 }
            case .blank:
                counts.blank += 1
            case .lostEvents:
                writer.addLostEvent(json: decoder.eventJSON, node: decoder.wrapperNode, time: decoder.wrapperTime)
                counts.lostEvents += 1
            case .agentEvent:
                writer.count("agent_event")
                counts.agentEvents += 1
            case .debugEvent:
                writer.count("debug_event")
                counts.debugEvents += 1
            case .nodeStatus:
                writer.count("node_status")
                counts.nodeStatus += 1
        }
    }
}
