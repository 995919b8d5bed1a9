import FlowQuery
import Foundation

/// Where a ClickHouse store is: `clickhouse://[USER[:PASSWORD]@]HOST[:PORT][,HOST[:PORT]…]/DATABASE`,
/// spoken to over ClickHouse's HTTP interface (port 8123 when none is given). Queries and
/// inserts go to the first host; with more than one (the shards of a cluster, `--cluster`),
/// the schema is created on each, since ClickHouse without ZooKeeper runs no `ON CLUSTER` DDL. The user and password may
/// also come from `CLICKHOUSE_USER` and `CLICKHOUSE_PASSWORD`, so a password need not sit in a
/// command line; the URL wins when it has them.
public struct StoreURL: Equatable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var database: String
    public var user: String?
    public var password: String?
    /// Further hosts after the first (`host`, `port`): the other shards.
    public var otherHosts: [(host: String, port: Int)] = []

    public static func == (a: StoreURL, b: StoreURL) -> Bool {
        a.host == b.host && a.port == b.port && a.database == b.database && a.user == b.user && a.password == b.password
            && a.otherHosts.map { "\($0.host):\($0.port)" } == b.otherHosts.map { "\($0.host):\($0.port)" }
    }

    /// One URL per host, the first host first: each shard's own HTTP interface.
    public var shards: [StoreURL] {
        var first = self
        first.otherHosts = []
        return [first] + otherHosts.map { h in
            var s = first
            s.host = h.host
            s.port = h.port
            return s
        }
    }

    /// - Throws: `ClickHouseError.invalidStoreURL` naming what is wrong.
    public init(_ text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        func bad(_ reason: String) -> ClickHouseError { .invalidStoreURL(StoreURL.redacted(text), reason: reason) }
        guard text.hasPrefix("clickhouse://") else { throw bad("expected clickhouse://HOST[:PORT]/DATABASE") }
        // `h1:p1,h2:p2`: the hosts after the first are split off before URLComponents parses the rest.
        var text = text
        var extra: [Substring] = []
        var others: [(host: String, port: Int)] = []
        let afterScheme = text.index(text.startIndex, offsetBy: "clickhouse://".count)
        let authorityEnd = text[afterScheme...].firstIndex(of: "/") ?? text.endIndex
        let hostsStart = text[afterScheme..<authorityEnd].lastIndex(of: "@").map { text.index(after: $0) } ?? afterScheme
        if let comma = text[hostsStart..<authorityEnd].firstIndex(of: ",") {
            extra = text[text.index(after: comma)..<authorityEnd].split(separator: ",", omittingEmptySubsequences: false)
            text.removeSubrange(comma..<authorityEnd)
        }
        for h in extra {
            guard let c = URLComponents(string: "clickhouse://\(h)/x"), let host = c.host, !host.isEmpty, c.user == nil else {
                throw bad("\"\(h)\" is not HOST[:PORT]")
            }
            let port = c.port ?? 8123
            guard (1...65535).contains(port) else { throw bad("port \(port) is out of range") }
            others.append((host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host, port))
        }
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
        self.otherHosts = others
    }

    /// `host:port`, an IPv6 host in brackets.
    var authority: String {
        ([(host, port)] + otherHosts).map { "\($0.0.contains(":") ? "[\($0.0)]" : $0.0):\($0.1)" }.joined(separator: ",")
    }

    /// The HTTP interface's base address.
    public var httpBase: String { "http://\(host.contains(":") ? "[\(host)]" : host):\(port)/" }

    /// The URL without its password, for messages and logs.
    public var description: String { "clickhouse://" + (user.map { "\($0)@" } ?? "") + "\(authority)/\(database)" }

    static func redacted(_ text: String) -> String {
        guard let at = text.lastIndex(of: "@"), let scheme = text.range(of: "://"),
              let colon = text[scheme.upperBound..<at].firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + ":***" + String(text[at...])
    }
}
