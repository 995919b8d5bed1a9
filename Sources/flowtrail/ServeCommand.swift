import Foundation
import ArgumentParser
import FlowModel
import FlowServer

/// `flowtrail serve`: the HTTP API over the store, optionally ingesting followed files.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the HTTP API (docs/openapi.yaml), optionally following sources into the store.",
        discussion: """
            Listens on 127.0.0.1:4290 unless told otherwise (port 0 picks a free port; the line \
            "flowtrail: serving … on http://HOST:PORT" says which). SIGINT/SIGTERM commit the batch in \
            flight and stop.
            """
    )

    @OptionGroup var database: DatabaseOption
    @Option(help: "Address and port to listen on.") var listen = "127.0.0.1:4290"
    @Option(help: "Follow this file into the store while serving (repeatable).") var follow: [String] = []
    @Option(help: "Require Authorization: Bearer TOKEN on every route but /healthz and /readyz (visible in ps: prefer --token-file or $FLOWTRAIL_TOKEN).")
    var token: String?
    @Option(help: "Read the token from this file (its first line).") var tokenFile: String?
    @Option(help: "Drop partitions older than this (e.g. 7d).") var retention: String?
    @Option(help: "Stop a query after this long with 503 (e.g. 10s, 500ms).") var queryTimeout = "10s"
    @Option(help: "Largest POST /api/v1/ingest body (also once decompressed), in MiB.") var bodyLimitMib = 64
    @Option(help: "Most open connections; more are closed at once (kept below the descriptor limit).")
    var maxConnections = ServerLimits().maxConnections
    @Option(help: "Close a connection that sends no whole request for this long (slow headers, idle keep-alive).")
    var idleTimeout = "30s"
    @Option(help: "Cut off a client that stops reading a response for this long.") var writeTimeout = "30s"
    @Option(help: "Largest request line and headers, in KiB; longer is answered 414.") var maxHeaderKib = 64
    @Option(help: "Answer 503 (Retry-After) after waiting this long for a free reader.") var readerWait = "5s"
    @Option(help: "Address and port of Hubble's gRPC Observer API (hubble observe --server ADDR), or off.")
    var grpcListen = "127.0.0.1:4245"
    @Option(help: "PEM certificate chain for the gRPC listener (with --tls-key: TLS, as hubble --tls expects).")
    var tlsCert: String?
    @Option(help: "PEM private key for --tls-cert.") var tlsKey: String?
    @Option(name: .customLong("allowed-host"),
            help: "Another name browsers use for this server (a reverse proxy's public host name); repeatable. Browser requests from other sites or names are refused.")
    var allowedHosts: [String] = []
    @Option(help: ArgumentHelp("Development: serve the web page from this folder (the repository's web/), read on every request.",
                               visibility: .hidden))
    var webRoot: String?

    func run() async throws {
        var options = ServerOptions()
        options.databasePath = database.path
        options.clickhouse = database.storeURL
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65535).contains(port) else {
            throw ValidationError("--listen: expected ADDRESS:PORT, such as 127.0.0.1:4290")
        }
        options.host = String(listen[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        options.port = port
        options.follow = follow
        options.allowedHosts = allowedHosts
        if let webRoot {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: webRoot, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ValidationError("--web-root: \(webRoot) is not a folder")
            }
            options.webRoot = webRoot
        }
        options.token = try resolvedToken()
        if let retention {
            guard let r = DurationText.parse(retention), r > 0 else { throw ValidationError("--retention: \"\(retention)\" is not a duration such as 7d") }
            options.retention = r
        }
        guard let timeout = DurationText.parse(queryTimeout), timeout > 0 else {
            throw ValidationError("--query-timeout: \"\(queryTimeout)\" is not a duration such as 10s")
        }
        options.queryTimeout = Double(timeout) / 1e9
        guard (1...4096).contains(bodyLimitMib) else { throw ValidationError("--body-limit-mib: expected 1 to 4096") }
        options.bodyLimit = bodyLimitMib << 20
        func seconds(_ text: String, _ flag: String) throws -> Double {
            guard let d = DurationText.parse(text), d > 0 else { throw ValidationError("--\(flag): \"\(text)\" is not a duration such as 30s") }
            return Double(d) / 1e9
        }
        guard maxConnections >= 1 else { throw ValidationError("--max-connections: expected at least 1") }
        guard (1...16384).contains(maxHeaderKib) else { throw ValidationError("--max-header-kib: expected 1 to 16384") }
        options.limits.maxConnections = maxConnections
        options.limits.idleTimeout = try seconds(idleTimeout, "idle-timeout")
        options.limits.writeTimeout = try seconds(writeTimeout, "write-timeout")
        options.limits.readerWait = try seconds(readerWait, "reader-wait")
        options.limits.maxHeaderBytes = maxHeaderKib << 10
        if (tlsCert == nil) != (tlsKey == nil) { throw ValidationError("--tls-cert and --tls-key go together") }
        if grpcListen == "off" {
            options.grpc.host = nil
        } else {
            guard let colon = grpcListen.lastIndex(of: ":"), let port = Int(grpcListen[grpcListen.index(after: colon)...]),
                  (0...65535).contains(port) else {
                throw ValidationError("--grpc-listen: expected ADDRESS:PORT, such as 127.0.0.1:4245, or off")
            }
            options.grpc.host = String(grpcListen[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            options.grpc.port = port
            options.grpc.tlsCertificate = tlsCert
            options.grpc.tlsKey = tlsKey
        }
        do {
            try await FlowServer.run(options)
        } catch {
            fail("\(error)")
        }
    }

    /// The token from --token, --token-file or $FLOWTRAIL_TOKEN (in that order). An empty one
    /// is refused: it would lock every client out without saying why.
    func resolvedToken() throws -> String? {
        var value = token
        var source = "--token"
        if value == nil, let tokenFile {
            guard let text = try? String(contentsOfFile: tokenFile, encoding: .utf8) else {
                throw ValidationError("--token-file: cannot read \(tokenFile)")
            }
            value = String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "").trimmingCharacters(in: .whitespaces)
            source = "--token-file"
        }
        if value == nil, let env = ProcessInfo.processInfo.environment["FLOWTRAIL_TOKEN"] {
            value = env
            source = "$FLOWTRAIL_TOKEN"
        }
        if let value, value.isEmpty { throw ValidationError("\(source) is empty: give a token, or none to serve without one") }
        return value
    }
}
