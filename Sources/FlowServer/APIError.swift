import Hummingbird
import NIOCore

/// An error answered as JSON: `{"error":{"code":…,"message":…[,"position":N]}}`.
///
/// Messages name the parameter and the reason; they never carry SQL or file paths.
public struct APIError: Error, Sendable {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
    /// 1-based column in a filter expression, for `invalid_filter`.
    public let position: Int?
    /// Already-encoded JSON of what was done anyway (an ingest body's counts).
    let result: String?
    /// Seconds to send as `Retry-After` (a busy server).
    var retryAfter: Int?

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, position: Int? = nil) {
        self.init(status, code, message, position: position, result: nil)
    }

    init(_ status: HTTPResponse.Status, _ code: String, _ message: String, position: Int? = nil, result: String?) {
        self.status = status
        self.code = code
        self.message = message
        self.position = position
        self.result = result
    }

    static func badParameter(_ name: String, _ reason: String) -> APIError {
        APIError(.badRequest, "invalid_parameter", "parameter \"\(name)\": \(reason)")
    }

    /// The JSON body.
    var json: String {
        var s = "{\"error\":{\"code\":\(JSONWriter.quote(code)),\"message\":\(JSONWriter.quote(message))"
        if let position { s += ",\"position\":\(position)" }
        if let result { s += ",\"result\":\(result)" }
        return s + "}}"
    }

    func response() -> Response {
        var r = Response.json(json, status: status)
        if let retryAfter { r.headers[.retryAfter] = String(retryAfter) }
        return r
    }

    /// Every reader is busy and stayed busy past the wait limit.
    static func busy(_ what: String) -> APIError {
        var e = APIError(.serviceUnavailable, "server_busy", what)
        e.retryAfter = 1
        return e
    }
}

extension Response {
    /// A JSON response from encoded text.
    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: NIOCore.ByteBuffer(string: text + "\n")))
    }
}

/// Turns every error a route throws into the JSON shape above, so clients never see an
/// HTML page, a stack trace or an empty reply.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let allowed: RouteMethods

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let e as APIError {
            return e.response()
        } catch let e as HTTPError {
            switch e.status {
            case .notFound:
                let methods = allowed.methods(for: request.uri.path)
                guard !methods.isEmpty else {
                    return APIError(.notFound, "not_found", "no route \(request.method) \(request.uri.path)").response()
                }
                var r = APIError(.methodNotAllowed, "method_not_allowed", "\(request.method) is not allowed here; use \(methods.joined(separator: ", "))").response()
                r.headers[.allow] = methods.joined(separator: ", ")
                return r
            case .contentTooLarge: return APIError(.contentTooLarge, "body_too_large", "the request body is larger than the limit").response()
            case .methodNotAllowed: return APIError(.methodNotAllowed, "method_not_allowed", "\(request.method) is not allowed here").response()
            default: return APIError(e.status, "http_error", e.body ?? e.status.reasonPhrase).response()
            }
        } catch {
            return APIError(.internalServerError, "internal", "the request failed").response()
        }
    }
}

/// The methods each route path takes (`:name` matches one segment).
struct RouteMethods: Sendable {
    let routes: [(segments: [Substring], method: String)]

    init(_ routes: [(String, HTTPRequest.Method)]) {
        self.routes = routes.map { ($0.0.split(separator: "/"), $0.1.rawValue) }
    }

    func methods(for path: String) -> [String] {
        let parts = path.split(separator: "/")
        let matching = routes.filter { r in
            // `**` (the page's assets) matches the rest of the path, however many segments.
            r.segments.last == "**"
                ? parts.count >= r.segments.count && zip(r.segments.dropLast(), parts).allSatisfy { $0.hasPrefix(":") || $0 == $1 }
                : r.segments.count == parts.count && zip(r.segments, parts).allSatisfy { $0.hasPrefix(":") || $0 == $1 }
        }
        return Array(Set(matching.map(\.method))).sorted()
    }
}
