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
    /// - Parameters:
    ///   - database: the database named in the request (nil: the store's; `default` to create it).
    ///   - settings: ClickHouse settings for this statement, as URL parameters.
    /// - Throws: `ClickHouseError.server` or `.unreachable`.
    @discardableResult
    public func execute(_ sql: String, database: String? = nil, settings: [String: String] = [:]) async throws -> String {
        var text = ""
        try await post(query: nil, body: ByteBuffer(string: sql), database: database, settings: settings) { chunk in
            text += String(buffer: chunk)
            return true
        }
        return text
    }

    /// `INSERT INTO … FORMAT F` with `rows` (already in format F) as the body.
    public func insert(_ statement: String, rows: ByteBuffer, settings: [String: String] = [:]) async throws {
        try await post(query: statement, body: rows, database: nil, settings: settings) { _ in true }
    }

    /// Runs `sql` and hands the answer to `body` chunk by chunk as it arrives; `body` returns
    /// false to stop reading (the connection is then closed, which cancels the query).
    public func stream(_ sql: String, settings: [String: String] = [:], _ body: (ByteBuffer) throws -> Bool) async throws {
        try await post(query: nil, body: ByteBuffer(string: sql), database: nil, settings: settings, body)
    }

    /// The server's version (`SELECT version()`), e.g. `18.16.1`.
    public func version() async throws -> String {
        try await execute("SELECT version()", database: "default").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func post(query: String?, body: ByteBuffer, database: String?, settings: [String: String],
                      _ consume: (ByteBuffer) throws -> Bool) async throws {
        var components = URLComponents(string: store.httpBase)!
        components.queryItems = [URLQueryItem(name: "database", value: database ?? store.database)]
            + settings.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) }
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
        guard response.status == .ok else {
            let answer = (try? await response.body.collect(upTo: 1 << 20)).map { String(buffer: $0) } ?? ""
            throw ClickHouseError.server(status: Int(response.status.code), message: answer.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        for try await chunk in response.body {
            if try !consume(chunk) { return }
        }
    }
}
