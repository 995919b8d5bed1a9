import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// ClickHouse's HTTP interface (https://clickhouse.com/docs/en/interfaces/http), through
/// AsyncHTTPClient: each statement is one POST to `/?database=DB`, the statement in the body
/// (or, for an INSERT with data, in the `query` parameter and the rows in the body), the user
/// and password as `X-ClickHouse-User`/`X-ClickHouse-Key` headers. A non-200 answer is
/// `ClickHouseError.server` with the server's message.
public final class ClickHouseClient: Sendable {
    public let store: StoreURL
    let http: HTTPClient
    let timeout: TimeAmount

    /// - Parameter timeout: how long one statement may take, answer included.
    public init(_ store: StoreURL, timeout: TimeAmount = .seconds(300)) {
        self.store = store
        self.timeout = timeout
        http = HTTPClient(eventLoopGroupProvider: .singleton)
    }

    /// Closes the connection pool; call once done.
    public func shutdown() async throws { try await http.shutdown() }

    /// Runs `sql`; returns the answer's body as text (whatever `FORMAT` the statement asked for).
    /// - Throws: `ClickHouseError.server` or `.unreachable`.
    @discardableResult
    public func execute(_ sql: String) async throws -> String {
        try await post(query: nil, body: ByteBuffer(string: sql))
    }

    /// `INSERT INTO … FORMAT F` with `rows` (already in format F) as the body.
    public func insert(_ statement: String, rows: ByteBuffer) async throws {
        _ = try await post(query: statement, body: rows)
    }

    /// The server's version (`SELECT version()`), e.g. `18.16.1`.
    public func version() async throws -> String {
        try await execute("SELECT version()").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func post(query: String?, body: ByteBuffer) async throws -> String {
        var components = URLComponents(string: store.httpBase)!
        components.queryItems = [URLQueryItem(name: "database", value: store.database)]
            + (query.map { [URLQueryItem(name: "query", value: $0)] } ?? [])
        var request = HTTPClientRequest(url: components.string!)
        request.method = .POST
        if let user = store.user { request.headers.add(name: "X-ClickHouse-User", value: user) }
        if let password = store.password { request.headers.add(name: "X-ClickHouse-Key", value: password) }
        request.body = .bytes(body)
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: timeout)
        } catch {
            throw ClickHouseError.unreachable("\(store): \(error)")
        }
        let answer = try await response.body.collect(upTo: 1 << 30)
        let text = String(buffer: answer)
        guard response.status == .ok else {
            throw ClickHouseError.server(status: Int(response.status.code), message: text.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return text
    }
}
