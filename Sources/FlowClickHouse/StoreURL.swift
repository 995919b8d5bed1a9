import Foundation

/// Where a ClickHouse store is: `clickhouse://[USER[:PASSWORD]@]HOST[:PORT]/DATABASE`, spoken to
/// over ClickHouse's HTTP interface (port 8123 when none is given). The user and password may
/// also come from `CLICKHOUSE_USER` and `CLICKHOUSE_PASSWORD`, so a password need not sit in a
/// command line; the URL wins when it has them.
public struct StoreURL: Equatable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var database: String
    public var user: String?
    public var password: String?

    /// - Throws: `ClickHouseError.invalidStoreURL` naming what is wrong.
    public init(_ text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        func bad(_ reason: String) -> ClickHouseError { .invalidStoreURL(StoreURL.redacted(text), reason: reason) }
        guard text.hasPrefix("clickhouse://") else { throw bad("expected clickhouse://HOST[:PORT]/DATABASE") }
        guard let url = URLComponents(string: text), let host = url.host, !host.isEmpty else { throw bad("no host") }
        let path = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
        guard !path.isEmpty, !path.contains("/") else { throw bad("expected one database name after the host") }
        guard (try? ClickHouseText.identifier(path)) != nil else { throw bad("database \"\(path)\" is not letters, digits and _") }
        guard url.query == nil, url.fragment == nil else { throw bad("no query or fragment is taken") }
        let port = url.port ?? 8123
        guard (1...65535).contains(port) else { throw bad("port \(port) is out of range") }
        self.host = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        self.port = port
        self.database = path
        self.user = url.user.map { $0.removingPercentEncoding ?? $0 } ?? environment["CLICKHOUSE_USER"]
        self.password = url.password.map { $0.removingPercentEncoding ?? $0 } ?? environment["CLICKHOUSE_PASSWORD"]
    }

    /// `host:port`, an IPv6 host in brackets.
    var authority: String { "\(host.contains(":") ? "[\(host)]" : host):\(port)" }

    /// The HTTP interface's base address.
    public var httpBase: String { "http://\(authority)/" }

    /// The URL without its password, for messages and logs.
    public var description: String { "clickhouse://" + (user.map { "\($0)@" } ?? "") + "\(authority)/\(database)" }

    static func redacted(_ text: String) -> String {
        guard let at = text.lastIndex(of: "@"), let scheme = text.range(of: "://"),
              let colon = text[scheme.upperBound..<at].firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + ":***" + String(text[at...])
    }
}
