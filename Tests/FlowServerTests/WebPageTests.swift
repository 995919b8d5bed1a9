import FlowTestSupport
import Foundation
import XCTest

/// The web page (web/, embedded in the binary, served at `/` and `/ui/…`) on a real
/// `flowtrail serve`: its files, their headers and the catalog route; and the page itself
/// driven in headless Chromium (Tests/Scripts/browser_test.py, selenium) against a generated
/// store, every check compared with what the HTTP API answers for the same state.
final class WebPageTests: XCTestCase {
    /// The store the page tests read: 20,000 flows over the last hour (gen ends them now), so
    /// the page's default range (1h) holds them.
    func makeStore(_ s: Scratch) throws -> (db: String, more: [String]) {
        let db = s.path("w.db"), flows = s.path("flows.jsonl")
        let gen = try runFlowtrail(["gen", "--count", "20000", "--rate", "6"])
        XCTAssertEqual(gen.status, 0, gen.err)
        try gen.out.write(toFile: flows, atomically: false, encoding: .utf8)
        XCTAssertEqual(try runFlowtrail(["ingest", "--db", db, flows]).status, 0)
        // Flows for the Live check of each run: other seeds, so other uuids.
        let more = try [991, 992].map { seed -> String in
            let extra = try runFlowtrail(["gen", "--count", "300", "--rate", "50", "--seed", String(seed)])
            try extra.out.write(toFile: s.path("more-\(seed).jsonl"), atomically: false, encoding: .utf8)
            return s.path("more-\(seed).jsonl")
        }
        return (db, more)
    }

    func testThePageIsServedFromTheBinaryWithoutTheToken() throws {
        let s = try Scratch()
        let db = s.path("p.db"), file = s.path("in.jsonl")
        try writeLines(generatedLines(20, seed: 181), to: file)
        XCTAssertEqual(try runFlowtrail(["ingest", "--db", db, file]).status, 0)
        let server = try ServerProcess(db: db, extra: ["--token", "s3cret"])
        defer { server.stop() }
        var client = server.client()

        let page = try client.get("/?view=flows&filter=verdict%20%3D%3D%20Verdict.DROPPED")
        XCTAssertEqual(page.status, 200)
        XCTAssertEqual(page.header("content-type"), "text/html; charset=utf-8")
        XCTAssertTrue(page.header("content-security-policy")?.contains("default-src 'self'") ?? false)
        XCTAssertEqual(page.header("x-content-type-options"), "nosniff")
        XCTAssertEqual(OpenAPISpec.problems("GET", "/", page), [])
        // Every file the page names (index.html's /ui/ links, each module's imports) is served
        // with its media type, and nothing comes from elsewhere.
        var pending = Self.references(in: page.text, from: "/"), seen: Set<String> = []
        XCTAssertFalse(pending.isEmpty)
        while let path = pending.popLast() {
            guard seen.insert(path).inserted else { continue }
            let r = try client.get(path)
            XCTAssertEqual(r.status, 200, path)
            // (The SVG namespace is a name, not a request.)
            let text = r.text.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "")
            XCTAssertFalse(text.contains("http://") || text.contains("https://"), "\(path) names another site")
            if path.hasSuffix(".js") {
                XCTAssertEqual(r.header("content-type"), "text/javascript; charset=utf-8", path)
                pending += Self.references(in: r.text, from: path)
            } else if path.hasSuffix(".css") {
                XCTAssertEqual(r.header("content-type"), "text/css; charset=utf-8", path)
            }
        }
        XCTAssertGreaterThan(seen.count, 5, "\(seen)")
        // A browser's copy is current: 304, without the body.
        let css = try client.get("/ui/app.css")
        let etag = try XCTUnwrap(css.header("etag"))
        client.headers["If-None-Match"] = etag
        let again = try client.get("/ui/app.css")
        XCTAssertEqual(again.status, 304)
        client.headers["If-None-Match"] = "\"other\", W/\(etag)"
        XCTAssertEqual(try client.get("/ui/app.css").status, 304)
        XCTAssertEqual(OpenAPISpec.problems("GET", "/ui/{path}", css), [])
        XCTAssertEqual(OpenAPISpec.problems("GET", "/ui/{path}", again), [])
        XCTAssertTrue(again.body.isEmpty)
        client.headers["If-None-Match"] = nil
        for bad in ["/ui/nope.js", "/ui/../README.md", "/ui/%2e%2e/README.md", "/ui/.git/config", "/ui/"] {
            let r = try client.get(bad)
            XCTAssertEqual(r.status, 404, bad)
            XCTAssertEqual(try r.json()["error"].map { ($0 as! NSDictionary)["code"] as? String }, "not_found", bad)
            XCTAssertEqual(OpenAPISpec.problems("GET", "/ui/{path}", r), [], bad)
        }
        XCTAssertEqual(try client.request("POST", "/ui/app.css").status, 405)

        // The catalog the page completes from needs the token, as every /api route does.
        XCTAssertEqual(try client.get("/api/v1/catalog").status, 401)
        client.headers["Authorization"] = "Bearer s3cret"
        let catalogResponse = try client.get("/api/v1/catalog")
        XCTAssertEqual(OpenAPISpec.problems("GET", "/api/v1/catalog", catalogResponse), [])
        let catalog = try catalogResponse.json()
        let fields = try XCTUnwrap(catalog["fields"] as? [[String: String]])
        let types = Dictionary(uniqueKeysWithValues: fields.map { ($0["path"]!, $0["type"]!) })
        XCTAssertEqual(types["verdict"], "Verdict")
        XCTAssertEqual(types["source.namespace"], "string")
        XCTAssertEqual(types["source.labels"], "list(string)")
        XCTAssertEqual(types["l4.TCP.destination_port"], "uint")
        let enums = try XCTUnwrap(catalog["enums"] as? [String: [String]])
        XCTAssertTrue(enums["Verdict"]?.contains("DROPPED") ?? false)
        XCTAssertTrue(enums["TrafficDirection"]?.contains("INGRESS") ?? false)
        XCTAssertEqual((catalog["drop_reason_texts"] as? [String: String])?["133"], "Policy denied")
        XCTAssertEqual((catalog["trace_points"] as? [String: String])?["0"], "to-endpoint")
        XCTAssertEqual((catalog["trace_points"] as? [String: String])?["11"], "to-network")
        let identityNames = try XCTUnwrap(catalog["identity_names"] as? [String: String])
        XCTAssertEqual(identityNames["0"], "unknown")
        XCTAssertEqual(identityNames["2"], "world")
        XCTAssertNil(identityNames["11"], "encrypted-overlay has no printed name in Hubble")
        let functions = try XCTUnwrap(catalog["functions"] as? [[String: Any]])
        let cidr = functions.first { $0["name"] as? String == "cidr" }?["overloads"] as? [String]
        XCTAssertEqual(cidr, ["cidr(string) -> net.CIDR"])
        XCTAssertTrue((functions.first { $0["name"] as? String == "startsWith" }?["overloads"] as? [String])?
            .contains("string.startsWith(string) -> bool") ?? false)
        // What the catalog names, the checker takes.
        for path in ["verdict", "source.labels", "l4.TCP.destination_port", "IP.source"] {
            XCTAssertEqual(try runFlowtrail(["explain", "--db", db, "has(\(path))"]).status, 0, path)
        }
    }

    /// A page on another site cannot use the API through the user's browser: a cross-site POST
    /// to ingest stores nothing, and a DNS-rebound name is refused on a loopback listener; the
    /// page itself and same-origin calls still work.
    func testAnotherSiteCannotUseTheAPIThroughTheBrowser() throws {
        let s = try Scratch()
        let db = s.path("x.db"), file = s.path("in.jsonl"), forged = s.path("forged.jsonl")
        try writeLines(generatedLines(10, seed: 182), to: file)
        try writeLines(generatedLines(5, seed: 183), to: forged)
        XCTAssertEqual(try runFlowtrail(["ingest", "--db", db, file]).status, 0)
        let server = try ServerProcess(db: db)
        defer { server.stop() }
        let base = "http://127.0.0.1:\(server.port)"
        func curl(_ args: [String]) throws -> (status: String, body: String) {
            let (rc, out) = try SchemathesisTests.run(["curl", "-s", "-w", "\n%{http_code}"] + args, timeout: 30)
            XCTAssertEqual(rc, 0, out)
            let lines = out.split(separator: "\n", omittingEmptySubsequences: false)
            return (String(lines.last ?? ""), lines.dropLast().joined(separator: "\n"))
        }
        // What a no-cors fetch from another site sends: text/plain, Origin and Sec-Fetch-Site.
        let post = try curl(["-H", "Content-Type: text/plain", "-H", "Origin: https://evil.example",
                             "-H", "Sec-Fetch-Site: cross-site", "--data-binary", "@\(forged)", "\(base)/api/v1/ingest"])
        XCTAssertEqual(post.status, "403")
        XCTAssertTrue(post.body.contains("\"cross_origin\""), post.body)
        XCTAssertEqual(try curl(["-H", "Origin: null", "--data-binary", "@\(forged)", "\(base)/api/v1/ingest"]).status, "403")
        let count = try curl(["\(base)/api/v1/flows/count"]).body
        XCTAssertTrue(count.contains("\"count\":10,"), "the forged flows were stored: \(count)")
        // DNS rebinding: the attacker's own name pointed at 127.0.0.1.
        XCTAssertEqual(try curl(["-H", "Host: rebind.example:\(server.port)", "\(base)/api/v1/flows?limit=1"]).status, "403")
        XCTAssertEqual(try curl(["-H", "Host: localhost:\(server.port)", "\(base)/api/v1/flows/count"]).status, "200")
        // The page's own calls: same origin.
        let same = try curl(["-H", "Origin: \(base)", "-H", "Sec-Fetch-Site: same-origin", "--data-binary", "@\(forged)",
                             "\(base)/api/v1/ingest"])
        XCTAssertEqual(same.status, "200", same.body)
        // A link to the page from elsewhere opens it.
        XCTAssertEqual(try curl(["-H", "Sec-Fetch-Site: cross-site", "-o", "/dev/null", "\(base)/"]).status, "200")
        // Behind a reverse proxy that passes its public name: --allowed-host.
        server.stop() // one writer per store
        let proxied = try ServerProcess(db: db, extra: ["--allowed-host", "flows.example.com"])
        defer { proxied.stop() }
        let proxiedBase = "http://127.0.0.1:\(proxied.port)"
        XCTAssertEqual(try curl(["-H", "Host: flows.example.com", "\(proxiedBase)/api/v1/flows/count"]).status, "200")
        XCTAssertEqual(try curl(["-H", "Origin: https://flows.example.com", "-H", "Host: flows.example.com",
                                 "\(proxiedBase)/api/v1/flows/count"]).status, "200")
        XCTAssertEqual(try curl(["-H", "Host: rebind.example", "\(proxiedBase)/api/v1/flows/count"]).status, "403")
    }

    /// `/ui/…` paths a file names: `src`/`href` attributes and module imports (relative to it).
    static func references(in text: String, from file: String) -> [String] {
        let pattern = try! NSRegularExpression(pattern: #"(?:src|href)="(/ui/[^"]+)"|(?:from|import)\s*\(?\s*['"](\.{1,2}/[^'"]+|/ui/[^'"]+)['"]"#)
        let base = URL(string: "http://x" + file)!
        return pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { m in
            for k in 1...2 {
                if let r = Range(m.range(at: k), in: text) {
                    return URL(string: String(text[r]), relativeTo: base)?.absoluteURL.path
                }
            }
            return nil
        }
    }

    /// The page in a real browser: load, a filter with a typo (caret at the API's column),
    /// paging, a flow's panel and its connection, Live while flows are POSTed, dragging the
    /// timeline, the default-deny YAML download, a simulation, the store, back/forward, both
    /// widths; then again behind --token. Screenshots go to $FLOWTRAIL_SCREENSHOTS when set
    /// (docs/screenshots is made that way), else to the scratch folder.
    func testABrowserDrivesThePage() throws {
        try Self.requireBrowser()
        let s = try Scratch()
        let (db, more) = try makeStore(s)
        let shots = ProcessInfo.processInfo.environment["FLOWTRAIL_SCREENSHOTS"] ?? s.path("shots")
        let policy = Paths.packageRoot.appendingPathComponent("Tests/Fixtures/staging-lockdown.yaml").path
        for (token, more) in zip([nil, "s3cret"] as [String?], more) {
            let server = try ServerProcess(db: db, extra: token.map { ["--token", $0] } ?? [])
            defer { server.stop() }
            var args = ["python3", Paths.packageRoot.appendingPathComponent("Tests/Scripts/browser_test.py").path,
                        "--base-url", "http://127.0.0.1:\(server.port)", "--more-flows", more, "--policy", policy,
                        "--screenshots", token == nil ? shots : s.path("shots-token")]
            if let token { args += ["--token", token] }
            let (status, output) = try SchemathesisTests.run(args, timeout: 300)
            XCTAssertEqual(status, 0, output)
            print(output.split(separator: "\n").suffix(2).joined(separator: "\n"))
            guard status == 0 else { return }
        }
        for name in ["flows", "default-deny", "simulate", "store"] {
            for width in [1280, 390] {
                XCTAssertTrue(FileManager.default.fileExists(atPath: "\(shots)/\(name)-\(width).png"), "\(name)-\(width).png")
            }
        }
    }

    /// Chromium, its driver and selenium: `scripts/setup --tests` installs them (CI runs it).
    static func requireBrowser() throws {
        for binary in ["/usr/bin/chromium", "/usr/bin/chromedriver"] where !FileManager.default.isExecutableFile(atPath: binary) {
            XCTFail("\(binary) is missing: run scripts/setup --tests (Debian's chromium and chromium-driver)")
            throw XCTSkip("no browser")
        }
        let (status, _) = try SchemathesisTests.run(["python3", "-c", "import selenium"], timeout: 60)
        if status != 0 { XCTFail("selenium is missing: run scripts/setup --tests"); throw XCTSkip("no selenium") }
    }
}
