import FlowIngest
import Hummingbird
import NIOCore

/// `POST /api/v1/ingest`: an NDJSON body (Fluent Bit, Vector, curl) into the store.
extension APIContext {
    func ingest(_ request: Request) async throws -> Response {
        _ = try QueryParameters(request.uri.query, allowed: [])
        guard let inbox else {
            throw APIError(.serviceUnavailable, "ingest_unavailable", "this server does not ingest")
        }
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > bodyLimit {
            throw APIError(.contentTooLarge, "body_too_large", "the body is \(length) bytes; the limit is \(bodyLimit)")
        }
        let buffer: NIOCore.ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: bodyLimit)
        } catch {
            throw APIError(.contentTooLarge, "body_too_large", "the body is larger than the \(bodyLimit)-byte limit")
        }
        let header = request.headers[.contentEncoding]
        guard let encoding = BodyEncoding(header: header) else {
            throw APIError(.unsupportedMediaType, "unsupported_encoding",
                           "Content-Encoding \"\(header?.prefix(64) ?? "")\" is not supported; send gzip, deflate or identity")
        }
        let bytes: [UInt8]
        do {
            bytes = try encoding.decode(Array(buffer.readableBytesView), limit: bodyLimit)
        } catch BodyEncoding.Failure.tooLarge(let limit) {
            throw APIError(.contentTooLarge, "body_too_large", "the \(encoding.rawValue) body decompresses to more than the \(limit)-byte limit")
        } catch BodyEncoding.Failure.corrupt(let why) {
            throw APIError(.badRequest, "invalid_body", "the body is not valid \(encoding.rawValue) data: \(why)")
        }
        let result: PushResult
        do {
            result = try await withCheckedThrowingContinuation { done in inbox.submit(bytes) { done.resume(with: $0) } }
        } catch {
            var e = APIError(.serviceUnavailable, "ingest_unavailable", redact("the server could not store the body: \(error)"))
            e.retryAfter = 5
            throw e
        }
        let c = result.counts
        let json = JSONWriter.object([
            ("flows", "\(c.flows)"), ("duplicates", "\(c.duplicates)"), ("rejected", "\(c.rejected)"), ("lost_events", "\(c.lostEvents)"),
            ("nonflow", "\(c.nonFlow)"), ("blank", "\(c.blank)"),
            ("errors", "[" + result.messages.map(JSONWriter.quote).joined(separator: ",") + "]"),
        ])
        // Nothing usable in a non-empty body: the client sent the wrong thing.
        let useless = c.flows == 0 && c.duplicates == 0 && c.nonFlow == 0 && c.rejected > 0
        if useless { throw APIError(.badRequest, "invalid_body", "no line of the body is a Hubble record", result: json) }
        return .json(json)
    }
}
