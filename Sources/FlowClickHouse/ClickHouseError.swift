/// Why a ClickHouse call failed, matchable by case.
public enum ClickHouseError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The store URL is not `clickhouse://[USER[:PASSWORD]@]HOST[:PORT]/DATABASE`.
    case invalidStoreURL(String, reason: String)
    /// A database or table name outside `[A-Za-z_][A-Za-z0-9_]*`.
    case invalidName(String)
    /// The server answered with an error: its HTTP status and its message (`Code: 62, e.displayText() = …`).
    case server(status: Int, message: String)
    /// No answer: connection refused, timeout.
    case unreachable(String)
    /// The database has no flowtrail tables (nothing was ingested into it).
    case noStore(String)
    /// `--cluster` and the URL's hosts do not agree with the servers' `remote_servers`.
    case cluster(String)
    /// A schema migration failed: which, on which host, and the server's answer.
    case migration(String)

    public var description: String {
        switch self {
        case .invalidStoreURL(let url, let reason): "store URL \(url): \(reason)"
        case .invalidName(let name): "\"\(name)\" is not a ClickHouse name flowtrail uses (letters, digits, _)"
        case .server(let status, let message): "ClickHouse answered \(status): \(message)"
        case .unreachable(let why): "ClickHouse did not answer: \(why)"
        case .noStore(let why), .cluster(let why): why
        case .migration(let why): "ClickHouse migration failed: \(why)"
        }
    }
}
