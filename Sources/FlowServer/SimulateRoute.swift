import Foundation
import FlowPolicy
import FlowReports
import Hummingbird
import MultipartKit
import NIOCore

/// `POST /api/v1/simulate`: a proposed policy set (the YAML body, or the files of a
/// `multipart/form-data` body, in order) replayed over the stored flows (docs/SIMULATE.md).
extension APIContext {
    /// Policy bodies are small; a `kubectl get cnp,ccnp,netpol -A -o yaml` of a large cluster
    /// fits well within this.
    static let policyBodyLimit = 8 << 20
    /// The largest `format=jsonl` answer.
    static let jsonlLimit = 64 << 20

    func simulate(_ request: Request) async throws -> Response {
        let params = try QueryParameters(request.uri.query, allowed: FlowRequest.parameters.union(["format"]))
        let query = try FlowRequest(params)
        let format = params["format"] ?? "json"
        guard ["json", "csv", "jsonl"].contains(format) else { throw APIError.badParameter("format", "expected json, csv or jsonl") }
        let buffer: NIOCore.ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: Self.policyBodyLimit)
        } catch {
            throw APIError(.contentTooLarge, "body_too_large", "the body is larger than the \(Self.policyBodyLimit)-byte limit")
        }
        let sources = try Self.policySources(contentType: request.headers[.contentType] ?? "", body: buffer)
        guard !sources.isEmpty else { throw APIError(.badRequest, "invalid_body", "no policy YAML in the body") }
        let set: PolicySet
        do { set = try PolicySet.load(sources) } catch {
            throw APIError(.badRequest, "invalid_policy", "\(error)")
        }
        let text = try await pool.run { reader -> String in
            if format == "jsonl" {
                var lines = ""
                _ = try reader.reads.simulate(set: set, since: query.since, until: query.until, filters: query.filters) { f in
                    lines += Simulation.flowJSON(f) + "\n"
                    // One answer is held in memory: bounded, as pages are.
                    if lines.utf8.count > Self.jsonlLimit {
                        throw APIError(.contentTooLarge, "answer_too_large",
                                       "more than \(Self.jsonlLimit >> 20) MiB of flows; narrow since/until or the filter, or use flowtrail simulate --flows")
                    }
                }
                return lines
            }
            let sim = try reader.reads.simulate(set: set, since: query.since, until: query.until, filters: query.filters, perFlow: nil)
            return format == "csv" ? sim.csv() : sim.json()
        }
        let type = format == "csv" ? "text/csv; charset=utf-8" : format == "jsonl" ? "application/x-ndjson" : "application/json"
        return Response(status: .ok, headers: .contentType(type), body: .init(byteBuffer: NIOCore.ByteBuffer(string: text)))
    }

    /// The YAML texts of a body: the body itself, or each part of a `multipart/form-data` body
    /// (named by its file name or field name).
    static func policySources(contentType: String, body: NIOCore.ByteBuffer) throws -> [PolicySource] {
        let media = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard media == "multipart/form-data" else {
            let yamlTypes = ["", "application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain", "application/json"]
            guard yamlTypes.contains(media) else {
                throw APIError(.unsupportedMediaType, "unsupported_media_type",
                               "Content-Type \"\(media.prefix(64))\" is not supported; send application/yaml or multipart/form-data")
            }
            guard let text = body.getString(at: body.readerIndex, length: body.readableBytes), text.utf8.count == body.readableBytes else {
                throw APIError(.badRequest, "invalid_body", "the body is not UTF-8 text")
            }
            return text.allSatisfy(\.isWhitespace) ? [] : [PolicySource(name: "body", text: text)]
        }
        guard let boundary = contentType.split(separator: ";").dropFirst().lazy
            .map({ $0.trimmingCharacters(in: .whitespaces) })
            .first(where: { $0.lowercased().hasPrefix("boundary=") })
            .map({ String($0.dropFirst("boundary=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }),
            !boundary.isEmpty else {
            throw APIError(.badRequest, "invalid_body", "multipart/form-data without a boundary")
        }
        var parts: [PolicySource] = []
        var headers: [(String, String)] = []
        var bytes: [UInt8] = []
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { headers.append(($0, $1)) }
        parser.onBody = { bytes += $0.readableBytesView }
        parser.onPartComplete = {
            let disposition = headers.first { $0.0.lowercased() == "content-disposition" }?.1 ?? ""
            let name = Self.dispositionValue(disposition, "filename") ?? Self.dispositionValue(disposition, "name") ?? "part \(parts.count + 1)"
            parts.append(PolicySource(name: name, text: String(decoding: bytes, as: UTF8.self)))
            headers = []
            bytes = []
        }
        do { try parser.execute(body) } catch {
            throw APIError(.badRequest, "invalid_body", "the multipart body does not parse: \(error)")
        }
        return parts.filter { !$0.text.allSatisfy(\.isWhitespace) }
    }

    /// `name="x"` out of a Content-Disposition header.
    static func dispositionValue(_ header: String, _ key: String) -> String? {
        for piece in header.split(separator: ";") {
            let kv = piece.trimmingCharacters(in: .whitespaces)
            guard kv.lowercased().hasPrefix(key + "=") else { continue }
            return String(kv.dropFirst(key.count + 1)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return nil
    }
}
