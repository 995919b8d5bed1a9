import FlowExport
import FlowModel
import FlowStore
import Hummingbird
import NIOCore

/// `GET /api/v1/export`: every matching flow, streamed in bounded chunks.
extension APIContext {
    static let exportParameters = FlowRequest.parameters.union(["format", "columns", "raw"])

    func export(_ request: Request, channel: any Channel) async throws -> Response {
        let params = try QueryParameters(request.uri.query, allowed: Self.exportParameters)
        let query = try FlowRequest(params)
        guard let format = ExportFormat(name: params["format"] ?? "ndjson") else {
            throw APIError.badParameter("format", "expected csv or ndjson")
        }
        let columns: ExportColumns?
        do { columns = try params["columns"].map { try ExportColumns(list: $0) } } catch let e as ExportError {
            throw APIError(.badRequest, "invalid_parameter", "parameter \"" + e.message.replacingOccurrences(of: "columns: ", with: "columns\": "))
        }
        let raw = try params.bool("raw")
        // Exports run long: they may hold all readers but one, so other routes always get one.
        let slots = max(1, pool.size - 1)
        guard exports.take(limit: slots) else {
            throw APIError.busy("\(slots) export\(slots == 1 ? " is" : "s are") already running; try again")
        }
        let exports = self.exports
        let pipe = ChunkPipe()
        // Also when the response head cannot even be written (the client left at once), in
        // which case the body below never runs: the producer must not wait on a full pipe.
        let gone = ConnectionWatch.current?.onGone { pipe.cancel() }
        let pool = self.pool, writeTimeout = limits.writeTimeout
        // The query runs while the response streams; the first chunk's errors (a timeout)
        // still reach the client as a JSON error, later ones end the stream early.
        let producer = Task {
            do {
                try await pool.run { reader in
                    // A client that goes away stops the SQL at once, and its reader is freed.
                    pipe.whenCancelled { reader.stop() }
                    defer { pipe.producerDone() }
                    let renderer = ExportRenderer(format: format, columns: columns, raw: raw)
                    try ExportJob.run(history: reader.reads.history, filters: query.filters, since: query.since,
                                      until: query.until, renderer: renderer) { chunk in
                        try pipe.send(chunk)
                        // The timeout bounds the work for each chunk, not the whole export.
                        reader.deadline = Clock.monotonic() + pool.timeout
                    }
                }
                pipe.finish()
            } catch {
                pipe.finish(error)
            }
            ConnectionWatch.current?.remove(gone)
            exports.give()
        }
        var chunks = pipe.stream.makeAsyncIterator()
        let first: NIOCore.ByteBuffer?
        do { first = try await chunks.next() } catch {
            producer.cancel()
            throw error
        }
        var headers = HTTPFields.contentType(format.contentType)
        headers[.contentDisposition] = "attachment; filename=\"flows.\(format == .csv ? "csv" : "ndjson")\""
        let body = ResponseBody { [chunks] writer in
            var chunks = chunks
            do {
                if let first {
                    try await writer.write(first)
                    pipe.consumed()
                }
                while let chunk = try await chunks.next() {
                    // A client that reads slowly gets the next chunk only when the last has
                    // left; one that stops reading is cut off after the write timeout.
                    try await waitUntilWritable(channel, timeout: writeTimeout)
                    try await writer.write(chunk)
                    pipe.consumed()
                }
                try await writer.finish(nil)
            } catch {
                pipe.cancel()
                throw error
            }
        }
        return Response(status: .ok, headers: headers, body: body)
    }
}
