/// How `flowtrail serve` offers Hubble's gRPC Observer API.
public struct GRPCOptions: Sendable {
    /// Address to listen on; nil disables the listener (`--grpc-listen off`).
    public var host: String? = "127.0.0.1"
    /// 4245 is Hubble's default server port, so a plain `hubble observe` finds it.
    public var port = 4245
    /// PEM certificate chain and private key: with both, the listener speaks TLS (the Hubble
    /// CLI sends `--basic-auth-password` only over TLS).
    public var tlsCertificate: String?
    public var tlsKey: String?
    public init() {}
}
