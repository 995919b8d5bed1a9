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
    @Option(help: "Require Authorization: Bearer TOKEN on every route but /healthz.") var token: String?
    @Option(help: "Drop partitions older than this (e.g. 7d).") var retention: String?
    @Option(help: "Stop a query after this long with 503 (e.g. 10s, 500ms).") var queryTimeout = "10s"
    @Option(help: "Largest POST /api/v1/ingest body, in MiB.") var bodyLimitMib = 64

    func run() async throws {
        var options = ServerOptions()
        options.databasePath = database.path
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65535).contains(port) else {
            throw ValidationError("--listen: expected ADDRESS:PORT, such as 127.0.0.1:4290")
        }
        options.host = String(listen[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        options.port = port
        options.follow = follow
        options.token = token
        if let retention {
            guard let r = DurationText.parse(retention), r > 0 else { throw ValidationError("--retention: \"\(retention)\" is not a duration such as 7d") }
            options.retention = r
        }
        guard let timeout = DurationText.parse(queryTimeout), timeout > 0 else {
            throw ValidationError("--query-timeout: \"\(queryTimeout)\" is not a duration such as 10s")
        }
        options.queryTimeout = Double(timeout) / 1e9
        options.bodyLimit = bodyLimitMib << 20
        do {
            try await FlowServer.run(options)
        } catch {
            fail("\(error)")
        }
    }
}
