import FlowModel
import FlowQuery
import FlowStore
import Hummingbird
import NIOCore

/// `GET /healthz`, `/api/v1/stats`, `/metrics`, `/api/v1/queries`.
extension APIContext {
    /// Liveness: the process answers. Says how ingest is doing, but stays 200 (restarting the
    /// process would not free a full disk).
    /// (Plain `GET /healthz` and `/readyz` are answered on the event loop by `ConnectionGuard`,
    /// ahead of queued work; these routes answer the rest, such as a request with parameters.)
    func health(_ request: Request) async throws -> Response {
        _ = try QueryParameters(request.uri.query, allowed: [])
        let (_, body) = HealthAnswer.health(ingestHealth)
        return .json(body)
    }

    /// Readiness: 503 while ingest is failing (pushed bodies would be refused).
    func ready(_ request: Request) async throws -> Response {
        _ = try QueryParameters(request.uri.query, allowed: [])
        let (ok, body) = HealthAnswer.ready(ingestHealth)
        return .json(body, status: ok ? .ok : .serviceUnavailable)
    }

    func stats(_ request: Request) async throws -> Response {
        _ = try QueryParameters(request.uri.query, allowed: [])
        let json = try await pool.run { try $0.reads.stats().json(hidePaths: true) }
        return .json(json)
    }

    /// `GET /api/v1/lost-events`: the lost-event records in a range, newest first.
    func lostEvents(_ request: Request) async throws -> Response {
        let params = try QueryParameters(request.uri.query, allowed: ["since", "until", "limit"])
        let query = try FlowRequest(params)
        let limit = try params.int("limit", default: 100, range: 1...10_000)
        let json = try await pool.run { reader -> String in
            let total = try reader.reads.lostEventTotals(since: query.since, until: query.until)
            let list = try reader.reads.lostEventList(since: query.since, until: query.until, limit: limit)
            return "{\"records\":\(total.records),\"events_lost\":\(total.events),\"lost_events\":["
                + list.map(LostEvents.json).joined(separator: ",") + "]}"
        }
        return .json(json)
    }

    func prometheus(_ request: Request) async throws -> Response {
        _ = try QueryParameters(request.uri.query, allowed: [])
        let stats = try await pool.run { try $0.reads.stats() }
        let text = metrics.render(stats)
        return Response(status: .ok, headers: .contentType("text/plain; version=0.0.4; charset=utf-8"),
                        body: .init(byteBuffer: NIOCore.ByteBuffer(bytes: text)))
    }

    func savedQueries(_ request: Request) async throws -> Response {
        _ = try QueryParameters(request.uri.query, allowed: [])
        let items = SavedQueries.all().map { q in
            JSONWriter.object([
                ("name", JSONWriter.quote(q.name)),
                ("description", JSONWriter.quote(SavedQueries.description(of: q.text))),
                ("expression", JSONWriter.quote(SavedQueries.expression(of: q.text))),
            ])
        }
        return .json("{\"queries\":[" + items.joined(separator: ",") + "]}")
    }

    func savedQueryFlows(_ request: Request, name: String, channel: any Channel) async throws -> Response {
        guard let expression = SavedQueries.load(name) else {
            throw APIError(.notFound, "not_found", "no saved query named \"\(name.prefix(64))\"")
        }
        return try await flows(request, savedFilter: expression, channel: channel)
    }
}
