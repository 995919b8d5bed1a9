import Hummingbird

/// Refuses API requests that another web site makes through the user's browser, now that a
/// browser is expected to talk to this server:
///
/// - A cross-site request (`Sec-Fetch-Site: cross-site`, or an `Origin` that is not this
///   server's own address): without this, any page the user visits could `POST` forged flows to
///   `/api/v1/ingest` (a `text/plain` POST needs no CORS preflight) or start exports.
/// - On a loopback listener, a `Host` that is not a loopback name (DNS rebinding: a site that
///   re-points its own name at 127.0.0.1 would otherwise read the API as same-origin).
///
/// Answered 403 with code `cross_origin`. The page's own files (`/`, `/ui/…`) and the probes
/// stay open, so a link to the page from elsewhere works. Clients that are not browsers (curl,
/// log shippers, the Hubble CLI's gRPC) send neither header and are unaffected.
struct SameSiteGuard<Context: RequestContext>: RouterMiddleware {
    /// Whether the server listens on loopback only (then Host must be a loopback name).
    let loopback: Bool
    /// Host names this server is also reached by (`serve --allowed-host`, e.g. behind a reverse
    /// proxy that passes the public name): accepted as Host and as an Origin's host.
    let allowedHosts: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !PublicPaths.contains(request.uri.path) else { return try await next(request, context) }
        let authority = request.head.authority
        if request.headers[.init("Sec-Fetch-Site")!] == "cross-site" {
            return refuse("a request from another site (Sec-Fetch-Site: cross-site)")
        }
        if let origin = request.headers[.origin], Self.authority(ofOrigin: origin) != authority?.lowercased(),
           !allowedHosts.contains(Self.authority(ofOrigin: origin).map(Self.host) ?? "") {
            return refuse("a request from another origin (\(origin.prefix(100)))")
        }
        if loopback, let authority, !Self.isLoopbackName(Self.host(of: authority)),
           !allowedHosts.contains(Self.host(of: authority).lowercased()) {
            return refuse("Host \(authority.prefix(100)) is not this loopback server's name (use 127.0.0.1 or localhost, or serve --allowed-host)")
        }
        return try await next(request, context)
    }

    private func refuse(_ why: String) -> Response {
        APIError(.forbidden, "cross_origin", "refused \(why)").response()
    }

    /// `http://127.0.0.1:4290` → `127.0.0.1:4290`; nil for `null` or anything without a scheme.
    static func authority(ofOrigin origin: String) -> String? {
        guard let r = origin.range(of: "://") else { return nil }
        return origin[r.upperBound...].lowercased()
    }

    /// The host of `host:port`, `[v6]:port` or a bare host, without brackets.
    static func host(of authority: String) -> String {
        if authority.hasPrefix("["), let end = authority.firstIndex(of: "]") {
            return String(authority[authority.index(after: authority.startIndex)..<end])
        }
        if authority.filter({ $0 == ":" }).count == 1, let colon = authority.firstIndex(of: ":") {
            return String(authority[..<colon])
        }
        return authority
    }

    static func isLoopbackName(_ host: String) -> Bool {
        let h = host.lowercased()
        return h == "localhost" || h.hasSuffix(".localhost") || h == "::1" || ServerOptions.isLoopback(h)
    }
}
