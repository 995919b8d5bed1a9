import FlowStore
import Hummingbird

/// The paths open to anyone: the probes, and the web page's own files (they hold no data; the
/// page then asks for the token). Neither the token nor the same-site guard applies to them.
enum PublicPaths {
    static func contains(_ path: String) -> Bool {
        path == "/healthz" || path == "/readyz" || path == "/" || path.hasPrefix("/ui/")
    }
}

/// With `--token`, every route but the public paths needs `Authorization: Bearer TOKEN`.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: [UInt8]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !PublicPaths.contains(request.uri.path) else { return try await next(request, context) }
        let given = request.headers[.authorization].map { Array($0.utf8) } ?? []
        // The scheme is case-insensitive (RFC 9110 §11.1); the token is compared exactly.
        let scheme = Array("bearer ".utf8)
        let ok = given.count == scheme.count + token.count
            && zip(given.prefix(scheme.count), scheme).allSatisfy { $0 | 0x20 == $1 }
            && Self.constantTimeEqual(Array(given.dropFirst(scheme.count)), token)
        guard ok else {
            var response = APIError(.unauthorized, "unauthorized", "this server needs Authorization: Bearer <token>").response()
            response.headers[.wwwAuthenticate] = "Bearer"
            return response
        }
        return try await next(request, context)
    }

    /// Compares every byte whatever the first difference, so timing does not reveal a prefix.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in a.indices { diff |= a[i] ^ b[i] }
        return diff == 0
    }
}

/// Times each request into the latency histogram, labelled by route pattern.
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = Clock.monotonic()
        let response = try await next(request, context)
        metrics.request(route: context.endpointPath ?? "unmatched", status: response.status.code,
                        seconds: Clock.monotonic() - start)
        return response
    }
}
