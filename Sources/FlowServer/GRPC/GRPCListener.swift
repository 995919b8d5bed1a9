import Foundation
#if canImport(Glibc)
import Glibc
#endif
import GRPCCore
import GRPCNIOTransportHTTP2
import ServiceLifecycle

/// The gRPC listener as a service of `flowtrail serve`: started and stopped with the HTTP
/// server and ingest (graceful shutdown lets open calls finish; follow streams end with the
/// live feed).
struct GRPCListener: Service {
    let server: GRPCServer<HTTP2ServerTransport.Posix>
    let transport: HTTP2ServerTransport.Posix
    let describe: String
    let address: String

    /// - Throws: `StartupError` when the TLS files cannot be read.
    init(options: GRPCOptions, host: String, pool: ReaderPool, feed: LiveFeed, token: String?) throws {
        let security: HTTP2ServerTransport.Posix.TransportSecurity
        if let cert = options.tlsCertificate, let key = options.tlsKey {
            for path in [cert, key] where !FileManager.default.isReadableFile(atPath: path) {
                throw StartupError("cannot read \(path) for the gRPC listener's TLS")
            }
            security = .tls(certificateChain: [.file(path: cert, format: .pem)], privateKey: .file(path: key, format: .pem))
        } else {
            security = .plaintext
        }
        if let problem = Self.bindProblem(host: host, port: options.port) {
            throw StartupError("cannot listen on \(host):\(options.port) for the gRPC Observer API (choose another with --grpc-listen ADDR:PORT, or off): \(problem)")
        }
        transport = HTTP2ServerTransport.Posix(
            address: host.contains(":") ? .ipv6(host: host, port: options.port) : .ipv4(host: host, port: options.port), transportSecurity: security,
            config: .defaults {
                $0.rpc.maxRequestPayloadSize = 4 << 20
                // grpc-go's flow-control PINGs would otherwise end long streams (ClientPingResponder).
                $0.channelDebuggingCallbacks.onAcceptTCPConnection = { ClientPingResponder.install(on: $0) }
            })
        server = GRPCServer(
            transport: transport,
            services: [ObserverService(pool: pool, feed: feed), HealthService()],
            interceptors: token.map { [TokenInterceptor(token: Array($0.utf8))] } ?? [])
        describe = "\(options.tlsCertificate == nil ? "grpc" : "grpcs")://\(host):"
        address = "\(host):\(options.port)"
    }

    /// Whether the address can be bound now, checked before anything starts so that a port in
    /// use (a `cilium hubble port-forward` holds 4245) is one clear line rather than a transport
    /// error after the HTTP server came up. nil when it can.
    static func bindProblem(host: String, port: Int) -> String? {
        guard port != 0 else { return nil }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let info = result else { return nil }
        defer { freeaddrinfo(result) }
        let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        return bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 ? nil : String(cString: strerror(errno))
    }

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await server.serve() }
                let bound: SocketAddress
                do {
                    bound = try await transport.listeningAddress
                } catch {
                    // A port in use (a `cilium hubble port-forward` holds 4245): one line, and
                    // the server stops with the others.
                    throw StartupError("cannot listen on \(address) for the gRPC Observer API (--grpc-listen ADDR:PORT or off): \(error)")
                }
                if let port = bound.ipv4?.port ?? bound.ipv6?.port {
                    print("flowtrail: gRPC Observer API on \(describe)\(port)")
                    fflush(stdout)
                }
            }
        } onGracefulShutdown: {
            server.beginGracefulShutdown()
        }
    }
}
