/// A client's HTTP request headers as Hubble lists them (sorted by key), split around the random per-request values.
///
/// The writer emits `head`, optionally a `Traceparent` header, then `tail`, a fresh request id and `"}]`.
struct HeaderTemplate {
    let head: [UInt8]
    let tail: [UInt8]
    /// Share of requests (per-mille) that carry a W3C trace context.
    let tracedPermille: Int

    /// Headers of a plain HTTP/1.1 client with the given User-Agent.
    static func http(userAgent: String, accept: String, tracedPermille: Int) -> HeaderTemplate {
        HeaderTemplate(
            head: Array("[{\"key\":\"Accept\",\"value\":".utf8) + JSONBytes.quoted(accept)
                + Array("},{\"key\":\"Accept-Encoding\",\"value\":\"gzip\"}".utf8),
            tail: Array(",{\"key\":\"User-Agent\",\"value\":".utf8) + JSONBytes.quoted(userAgent)
                + Array("},{\"key\":\"X-Request-Id\",\"value\":\"".utf8),
            tracedPermille: tracedPermille)
    }

    /// Headers of a gRPC client (HTTP/2, `application/grpc`).
    static func grpc(userAgent: String, tracedPermille: Int) -> HeaderTemplate {
        HeaderTemplate(
            head: Array("[{\"key\":\"Content-Type\",\"value\":\"application/grpc\"},".utf8)
                + Array("{\"key\":\"Te\",\"value\":\"trailers\"}".utf8),
            tail: Array(",{\"key\":\"User-Agent\",\"value\":".utf8) + JSONBytes.quoted(userAgent)
                + Array("},{\"key\":\"X-Request-Id\",\"value\":\"".utf8),
            tracedPermille: tracedPermille)
    }

    /// HTTP and gRPC user agents typical of the language a workload is written in.
    static let clientStacks: [(http: String, grpc: String)] = [
        ("Go-http-client/1.1", "grpc-go/1.67.1"),
        ("okhttp/4.12.0", "grpc-java-okhttp/1.68.1"),
        ("python-requests/2.32.3", "grpc-python/1.66.2"),
        ("axios/1.7.9", "grpc-node-js/1.12.4"),
        ("Java-http-client/21.0.5", "grpc-java-netty/1.68.1"),
    ]
}
