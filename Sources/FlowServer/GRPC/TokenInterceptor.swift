import Foundation
import GRPCCore

/// `--token` on the gRPC listener: a call must carry `authorization: Bearer TOKEN`, or
/// HTTP basic auth whose password is the token (what `hubble --basic-auth-password TOKEN`
/// sends; any user name). Compared in constant time, as the HTTP middleware does.
struct TokenInterceptor: ServerInterceptor {
    let token: [UInt8]

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>, context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        for value in request.metadata[stringValues: "authorization"] where accepts(value) {
            return try await next(request, context)
        }
        throw RPCError(code: .unauthenticated, message: "missing or wrong token: send authorization: Bearer TOKEN (or basic auth with the token as password)")
    }

    func accepts(_ header: String) -> Bool {
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2 else { return false }
        switch parts[0].lowercased() {
        case "bearer":
            return Self.equal(Array(parts[1].utf8), token)
        case "basic":
            guard let decoded = Data(base64Encoded: String(parts[1])), let colon = decoded.firstIndex(of: 0x3A) else { return false }
            return Self.equal(Array(decoded[decoded.index(after: colon)...]), token)
        default:
            return false
        }
    }

    /// Constant time in the length of the expected token.
    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var diff = UInt8(a.count == b.count ? 0 : 1)
        for i in 0..<b.count { diff |= (i < a.count ? a[i] : 0) ^ b[i] }
        return diff == 0
    }
}
