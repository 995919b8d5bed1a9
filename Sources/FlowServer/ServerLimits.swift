#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The limits that keep careless or hostile clients from starving or exhausting the server
/// (docs/OPERATIONS.md). Each is a `flowtrail serve` option.
public struct ServerLimits: Sendable {
    /// Open connections; more are closed as soon as they are accepted. Clamped below the
    /// process's descriptor limit, so the database and followed files always have descriptors.
    public var maxConnections = 4096
    /// Seconds a connection may go without a whole request: slow headers (a request line sent
    /// a byte at a time), or an idle keep-alive connection.
    public var idleTimeout = 30.0
    /// Seconds a response may wait for a client that does not read before it is cut off.
    public var writeTimeout = 30.0
    /// Bytes of request line and headers. A longer request is answered 414 without reading
    /// more (a filter of the 16 KiB maximum, percent-encoded, fits).
    public var maxHeaderBytes = 64 << 10
    /// Seconds a request waits for a free reader before it is answered 503 with Retry-After.
    public var readerWait = 5.0
    /// Bytes of one page of flows (`limit` flows or fewer): a page that would be larger ends
    /// early, with a cursor for the rest.
    public var maxPageBytes = 4 << 20
    /// Commits a `follow=true` stream may fall behind before it is ended with a lost-events
    /// record giving the flows it missed.
    public var followBacklog = 256

    public init() {}

    /// `maxConnections`, no higher than the descriptor limit allows (less 64 for the store,
    /// followed files and the listener).
    var effectiveMaxConnections: Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < rlim_t(Int32.max) else { return maxConnections }
        return max(1, min(maxConnections, Int(limit.rlim_cur) - 64))
    }
}
