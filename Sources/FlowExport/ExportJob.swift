import FlowModel
import FlowQuery

/// Streams every matching flow, oldest first, as export records in chunks of about
/// `chunkSize` bytes: memory stays flat whatever the number of flows.
public enum ExportJob {
    public static let chunkSize = 256 * 1024

    /// Runs the export; `emit` gets each full chunk (and the last, partial one) and may
    /// throw to stop it (a client that went away).
    public static func run(engine: QueryEngine, filters: [Typed], since: Int64?, until: Int64?,
                           renderer: ExportRenderer, chunkSize: Int = chunkSize,
                           emit: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        let out = ByteBuffer(capacity: chunkSize + 64 * 1024)
        renderer.header(into: out)
        try engine.page(filters, since: since, until: until) { line, _ in
            renderer.record(line, into: out)
            if out.count >= chunkSize {
                try emit(out.bytes)
                out.removeAll()
            }
        }
        if out.count > 0 { try emit(out.bytes) }
    }
}
