import FlowReports
import Hummingbird
import NIOCore

/// `GET /api/v1/reports/default-deny` and `/api/v1/reports/summary`.
extension APIContext {
    func defaultDenyReport(_ request: Request) async throws -> Response {
        let params = try QueryParameters(request.uri.query, allowed: FlowRequest.parameters.union(["format"]))
        let query = try FlowRequest(params)
        let format = params["format"] ?? "json"
        guard ["json", "csv", "yaml"].contains(format) else { throw APIError.badParameter("format", "expected json, csv or yaml") }
        let text = try await pool.run { reader -> String in
            try reader.reads.defaultDeny(since: query.since, until: query.until, filters: query.filters)
                .render(format)
        }
        let type = format == "csv" ? "text/csv; charset=utf-8" : format == "yaml" ? "application/yaml" : "application/json"
        return Response(status: .ok, headers: .contentType(type), body: .init(byteBuffer: NIOCore.ByteBuffer(string: text)))
    }

    func summaryReport(_ request: Request) async throws -> Response {
        let params = try QueryParameters(request.uri.query, allowed: FlowRequest.parameters.union(["bucket"]))
        let query = try FlowRequest(params)
        guard let minutes = SummaryReport.bucketMinutes[params["bucket"] ?? "5m"] else {
            throw APIError.badParameter("bucket", "expected 1m, 5m or 1h")
        }
        let json = try await pool.run { reader in
            try reader.reads.summary(since: query.since, until: query.until, bucketMinutes: minutes, filters: query.filters).json()
        }
        return .json(json)
    }
}
