/// Kubernetes' CEL URL library (k8s.io/apiserver/pkg/cel/library/urls.go): `url(s)` (an
/// absolute URI or an absolute path, else an error), `isURL(s)`, and the URL's
/// `getScheme()`, `getHost()`, `getHostname()`, `getPort()`, `getEscapedPath()`. Hubble's
/// `--http-path` filter matches the path of `l7.http.url`; it compiles to
/// `url(l7.http.url).getEscapedPath().matches(re)`.
enum URLFunctions {
    static let declarations: [FunctionDeclaration] = [
        FunctionDeclaration(name: "url", isMethod: false, overloads: [
            Overload("string_to_url", [.string], .url, sqlite: { "ft_url(\($0[0]))" },
                     validate: { NetworkFunctions.constant(0, $0, "a URL (an absolute URI or an absolute path)", URLText.init) }) { v in
                let s = try v[0].text()
                guard URLText(s) != nil else { throw QueryError("not a URL", column: 1) }
                return .string(s)
            },
        ]),
        FunctionDeclaration(name: "isURL", isMethod: false, overloads: [
            Overload("is_url_string", [.string], .bool, sqlite: { "(ft_url(\($0[0])) IS NOT NULL)" }) { v in
                .bool(URLText(try v[0].text()) != nil)
            },
        ]),
        part("getScheme", "scheme"), part("getHost", "host"), part("getHostname", "hostname"),
        part("getPort", "port"), part("getEscapedPath", "path"),
    ]

    static func part(_ name: String, _ part: String) -> FunctionDeclaration {
        FunctionDeclaration(name: name, isMethod: true, overloads: [
            Overload("url_\(name)", [.url], .string, sqlite: { "ft_url_part(\($0[0]), '\(part)')" }) { v in
                guard let u = URLText(try v[0].text()) else { throw QueryError("not a URL", column: 1) }
                return .string(u.part(part))
            },
        ])
    }
}

/// A URL split as Go's `url.Parse` splits it, for what the URL library reads: scheme,
/// authority (host and port) and path. Only absolute URIs (`scheme:…`) and absolute paths
/// (`/…`) are URLs, as Kubernetes' `url()` requires.
struct URLText {
    var scheme = "", host = "", path = ""

    init?(_ text: String) {
        guard !text.isEmpty, !text.contains(where: { $0 == " " || $0.asciiValue.map { $0 < 0x20 || $0 == 0x7F } ?? false }) else { return nil }
        var rest = Substring(text)
        // The fragment and query are not part of the path.
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        if let q = rest.firstIndex(of: "?") { rest = rest[..<q] }
        if rest.hasPrefix("/") {
            if rest.hasPrefix("//") {
                // A network-path reference (//host/path) has no scheme: Go reads the host.
                rest = rest.dropFirst(2)
                let end = rest.firstIndex(of: "/") ?? rest.endIndex
                host = String(rest[..<end])
                path = String(rest[end...])
            } else {
                path = String(rest)
            }
            return
        }
        guard let colon = rest.firstIndex(of: ":"), let first = rest.first, first.isASCII, first.isLetter,
              rest[..<colon].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }) else { return nil }
        scheme = rest[..<colon].lowercased()
        rest = rest[rest.index(after: colon)...]
        if rest.hasPrefix("//") {
            rest = rest.dropFirst(2)
            let end = rest.firstIndex(of: "/") ?? rest.endIndex
            host = String(rest[..<end])
            path = String(rest[end...])
        }
        // An opaque URI (mailto:x) has no path.
    }

    func part(_ name: String) -> String {
        switch name {
        case "scheme": return scheme
        case "host": return host
        case "hostname", "port":
            var h = Substring(host)
            if let at = h.lastIndex(of: "@") { h = h[h.index(after: at)...] }
            var hostname = h, port: Substring = ""
            if h.hasPrefix("["), let close = h.firstIndex(of: "]") {
                hostname = h[h.index(after: h.startIndex)..<close]
                let after = h[h.index(after: close)...]
                if after.hasPrefix(":") { port = after.dropFirst() }
            } else if let colon = h.lastIndex(of: ":") {
                hostname = h[..<colon]
                port = h[h.index(after: colon)...]
            }
            return String(name == "hostname" ? hostname : port)
        default: return path
        }
    }
}
