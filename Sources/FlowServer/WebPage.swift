import Foundation
import Hummingbird
import NIOCore

/// The web page (`web/` in the repository, embedded at build time by the EmbedMigrations plugin):
/// `GET /` answers `index.html` whatever its query string (the page keeps its state there), and
/// `GET /ui/PATH` the file `web/PATH`. The page talks only to the documented HTTP API, so it
/// needs no token to load; its API calls do.
struct WebPage: Sendable {
    /// One file of the page: its bytes, media type and entity tag.
    struct Asset: Sendable {
        let body: ByteBuffer
        let contentType: String
        let etag: String
    }

    /// The embedded files, by path under `web/`.
    private let embedded: [String: Asset]
    /// Development: read files from this folder on every request instead (`serve --web-root`),
    /// so the page can be edited without rebuilding.
    private let root: String?

    init(root: String?) {
        self.root = root
        var assets: [String: Asset] = [:]
        for (name, text) in EmbeddedWebAssets.all { assets[name] = Self.asset(name: name, bytes: Array(text.utf8)) }
        self.embedded = assets
    }

    /// The file at `path` (relative to `web/`), or nil. Paths that climb out (`..`) or name
    /// hidden files are nil.
    func asset(_ path: String) -> Asset? {
        let parts = path.split(separator: "/")
        guard !parts.isEmpty, !parts.contains(where: { $0.hasPrefix(".") }) else { return nil }
        guard let root else { return embedded[path] }
        // Development serves the same names as the embedded page (plus files added since the
        // build, under js/), never the rest of the folder it was pointed at.
        guard embedded[path] != nil || (parts.count == 2 && parts[0] == "js" && path.hasSuffix(".js")),
              let data = FileManager.default.contents(atPath: root + "/" + parts.joined(separator: "/")) else { return nil }
        return Self.asset(name: path, bytes: Array(data))
    }

    static func asset(name: String, bytes: [UInt8]) -> Asset {
        // FNV-1a over the bytes: an entity tag that changes when the file does.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
        return Asset(body: ByteBuffer(bytes: bytes), contentType: contentType(of: name),
                     etag: "\"" + String(hash, radix: 16) + "\"")
    }

    /// Media types by extension: only what the page uses.
    static func contentType(of name: String) -> String {
        switch (name as NSString).pathExtension.lowercased() {
        case "html": "text/html; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "js", "mjs": "text/javascript; charset=utf-8"
        case "svg": "image/svg+xml"
        case "json": "application/json"
        case "ico": "image/x-icon"
        default: "text/plain; charset=utf-8"
        }
    }

    /// The answer for one asset: 304 when the browser's copy is current. `no-cache` makes the
    /// browser ask each time (a new binary may carry a new page); the ETag keeps that cheap.
    /// The page runs only its own scripts and talks only to this server (Content-Security-Policy).
    func response(_ path: String, request: Request) throws -> Response {
        guard let asset = asset(path) else { throw APIError(.notFound, "not_found", "no such page file: /ui/\(path)") }
        var headers: HTTPFields = [
            .contentType: asset.contentType,
            .cacheControl: "no-cache",
            .eTag: asset.etag,
            .xContentTypeOptions: "nosniff",
            .contentSecurityPolicy: "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
        ]
        headers[.init("Referrer-Policy")!] = "no-referrer"
        // If-None-Match may list several tags, weak ones with W/ (RFC 9110 §13.1.2).
        let given = request.headers[.ifNoneMatch]?.split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "W/", with: "")
        } ?? []
        if given.contains(asset.etag) || given.contains("*") {
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: asset.body))
    }
}

extension APIContext {
    /// `GET /`: the page. Its query string is the page's own state, not parameters.
    func page(_ request: Request) async throws -> Response {
        try web.response("index.html", request: request)
    }

    /// `GET /ui/PATH`: the page's scripts and styles.
    func pageAsset(_ request: Request, path: [Substring]) async throws -> Response {
        try web.response(path.joined(separator: "/"), request: request)
    }
}
