import FlowClickHouse
import FlowIngest
import FlowStore
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// Why the server could not start: one line for the user.
public struct StartupError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// How `flowtrail serve` runs.
public struct ServerOptions: Sendable {
    public var databasePath = "flowtrail.db"
    /// Serve a ClickHouse store instead of the SQLite file (read only: no `follow`, no pushed
    /// bodies; `flowtrail ingest --store` writes it).
    public var clickhouse: StoreURL?
    public var host = "127.0.0.1"
    public var port = 4290
    /// Files to follow (tail -F) into the store while serving.
    public var follow: [String] = []
    public var token: String?
    public var retention: Int64?
    /// Seconds a query may run before it is stopped with 503.
    public var queryTimeout = 10.0
    /// Largest `POST /api/v1/ingest` body.
    public var bodyLimit = 64 << 20
    /// Read connections (and query threads).
    public var readers = 4
    /// Connection, time and size limits.
    public var limits = ServerLimits()
    /// Hubble's gRPC Observer API (on by default on 127.0.0.1:4245).
    public var grpc = GRPCOptions()
    /// Development: serve the web page from this folder (read on every request) instead of the
    /// copy embedded in the binary.
    public var webRoot: String?
    /// Other names browsers reach this server by (a reverse proxy's public name): the API
    /// accepts them as Host and Origin (SameSiteGuard).
    public var allowedHosts: [String] = []
    public init() {}

    /// Whether the listen address is loopback only.
    public var isLoopback: Bool { Self.isLoopback(host) }

    static func isLoopback(_ host: String) -> Bool {
        host == "127.0.0.1" || host == "::1" || host == "localhost" || host.hasPrefix("127.")
    }
}

/// The HTTP API server: routes on Hummingbird 2, reads on a pool of SQLite connections,
/// ingest on its own thread.
public enum FlowServer {
    /// Serves until SIGINT/SIGTERM, then stops ingest cleanly (the batch in flight commits).
    public static func run(_ options: ServerOptions) async throws {
        // Followed files must be readable now: a server that silently follows nothing is worse
        // than one that says so and stops.
        for path in options.follow {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw StartupError("cannot follow \(path): \(String(cString: strerror(errno)))") }
            var st = stat()
            defer { close(fd) }
            if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR { throw StartupError("cannot follow \(path): it is a directory") }
        }
        let feed = LiveFeed()
        let metrics = ServerMetrics()
        let pool: ReaderPool, ingest: IngestService?, name: String
        if let url = options.clickhouse {
            // Read only: ingest into ClickHouse runs as `flowtrail ingest --store` beside each node.
            guard options.follow.isEmpty, options.retention == nil else {
                throw StartupError("serve --store reads ClickHouse only: ingest with `flowtrail ingest --store \(url) [--retention D] FILE…` (docs/SCALING.md)")
            }
            let store: ClickHouseStore
            do { store = try ClickHouseStore(url, create: false) } catch { throw StartupError("\(error)") }
            pool = ReaderPool(clickhouse: store, size: options.readers, timeout: options.queryTimeout, wait: options.limits.readerWait)
            ingest = nil
            name = "\(url)"
        } else {
            // The writer opens first: it creates and migrates a new database before readers look.
            let store = try FlowStore(path: options.databasePath)
            var ingestOptions = IngestOptions()
            ingestOptions.retention = options.retention
            ingest = try IngestService(store: store, sources: options.follow, options: ingestOptions, feed: feed, metrics: metrics)
            pool = try ReaderPool(path: options.databasePath, size: options.readers, timeout: options.queryTimeout,
                                  wait: options.limits.readerWait)
            name = String(options.databasePath.split(separator: "/").last ?? "")
        }
        let api = APIContext(pool: pool, feed: feed, inbox: ingest?.inbox, metrics: metrics, bodyLimit: options.bodyLimit,
                             limits: options.limits, ingestHealth: ingest?.health,
                             databasePath: options.clickhouse == nil ? options.databasePath : "",
                             web: WebPage(root: options.webRoot))
        let router = makeRouter(api, token: options.token, loopback: options.isLoopback, allowedHosts: options.allowedHosts)
        var logger = Logger(label: "flowtrail")
        logger.logLevel = .warning
        // Small header limits keep an unfinished request cheap; ConnectionGuard answers a longer
        // one with a JSON 414 (the decoder alone would drop the connection).
        let limits = options.limits
        let decoder = HTTP1Channel.Configuration.DecoderConfiguration(
            maxHeaderFieldSize: limits.maxHeaderBytes, maxHeaderListSize: limits.maxHeaderBytes)
        let connections = ConnectionCount()
        let app = Application(
            router: router,
            server: .http1(configuration: .init(
                additionalChannelHandlers: [ConnectionGuard(limits: limits, count: connections, health: ingest?.health)],
                idleTimeout: .nanoseconds(Int64(limits.idleTimeout * 1e9)),
                httpDecoderConfiguration: decoder)),
            // A deep accept queue: a burst of connections (a load balancer's, a thousand clients
            // at once) must not drop SYNs, which the kernel makes clients retry a second later.
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: "flowtrail",
                                 backlog: min(4096, max(256, limits.maxConnections))),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? options.port
                print("flowtrail: serving \(name) on http://\(options.host):\(port)")
                fflush(stdout)
            },
            logger: logger
        )
        if !options.isLoopback, options.token == nil {
            FileHandle.standardError.write(Data("flowtrail: warning: listening on \(options.host) without --token: anyone who can reach this address can read every stored flow\n".utf8))
        }
        if let grpcHost = options.grpc.host, !ServerOptions.isLoopback(grpcHost), options.token == nil {
            FileHandle.standardError.write(Data("flowtrail: warning: gRPC listening on \(grpcHost) without --token: anyone who can reach this address can read every stored flow\n".utf8))
        }
        // Graceful shutdown runs in reverse order: ingest stops first (its batch commits and
        // follow streams end), then the server drains its open requests.
        var services: [any Service] = [app]
        if let grpcHost = options.grpc.host {
            services.append(try GRPCListener(options: options.grpc, host: grpcHost, pool: pool, feed: feed, token: options.token))
        }
        if let ingest { services.append(ingest) } else { services.append(FeedCloser(feed: feed)) }
        let group = ServiceGroup(configuration: .init(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch let e as IOError where e.errnoCode == EADDRINUSE || e.errnoCode == EACCES || e.errnoCode == EADDRNOTAVAIL {
            // The listener could not start: one line naming the address, and the process ends
            // (the other services were cancelled with it, the writer lock goes with the process).
            throw StartupError("cannot listen on \(options.host):\(options.port): \(String(cString: strerror(e.errnoCode)))")
        } catch let e as ServiceGroupError {
            throw StartupError("the server stopped: \(e)")
        }
    }

    /// Every route: method, path pattern, handler. The error middleware reads the same table,
    /// so a known path asked with another method is answered 405 with `Allow`.
    typealias Route = (method: HTTPRequest.Method, path: String,
                       handler: @Sendable (Request, FlowRequestContext) async throws -> Response)

    static func routes(_ api: APIContext) -> [Route] {
        [
            (.get, "/", { r, _ in try await api.page(r) }),
            (.get, "/ui/**", { r, c in try await api.pageAsset(r, path: c.parameters.getCatchAll()) }),
            (.get, "/healthz", { r, _ in try await api.health(r) }),
            (.get, "/readyz", { r, _ in try await api.ready(r) }),
            (.get, "/metrics", { r, _ in try await api.prometheus(r) }),
            (.get, "/api/v1/flows", { r, c in try await api.flows(r, channel: c.channel) }),
            (.get, "/api/v1/flows/count", { r, _ in try await api.count(r) }),
            (.get, "/api/v1/export", { r, c in try await api.export(r, channel: c.channel) }),
            (.get, "/api/v1/queries", { r, _ in try await api.savedQueries(r) }),
            (.get, "/api/v1/queries/:name/flows", { r, c in
                try await api.savedQueryFlows(r, name: c.parameters.get("name") ?? "", channel: c.channel)
            }),
            (.post, "/api/v1/ingest", { r, _ in try await api.ingest(r) }),
            (.get, "/api/v1/stats", { r, _ in try await api.stats(r) }),
            (.get, "/api/v1/catalog", { r, _ in try await api.catalog(r) }),
            (.get, "/api/v1/lost-events", { r, _ in try await api.lostEvents(r) }),
            (.get, "/api/v1/reports/default-deny", { r, _ in try await api.defaultDenyReport(r) }),
            (.get, "/api/v1/reports/summary", { r, _ in try await api.summaryReport(r) }),
            (.post, "/api/v1/simulate", { r, _ in try await api.simulate(r) }),
        ]
    }

    static func makeRouter(_ api: APIContext, token: String?, loopback: Bool, allowedHosts: [String] = []) -> Router<FlowRequestContext> {
        let router = Router(context: FlowRequestContext.self)
        let table = routes(api)
        router.add(middleware: ClientWatchMiddleware())
        router.add(middleware: MetricsMiddleware(metrics: api.metrics))
        router.add(middleware: JSONErrorMiddleware(allowed: RouteMethods(table.map { ($0.path, $0.method) })))
        router.add(middleware: SameSiteGuard(loopback: loopback, allowedHosts: Set(allowedHosts.map { $0.lowercased() })))
        if let token { router.add(middleware: BearerTokenMiddleware(token: Array(token.utf8))) }
        for r in table { router.on(RouterPath(r.path), method: r.method, use: r.handler) }
        return router
    }
}
