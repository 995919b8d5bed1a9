import NIOCore
import Synchronization

/// Whether a request's client is still there: a route's work (SQL on a reader) is stopped
/// once the client closes its side of the connection, so abandoned queries free their reader
/// at once instead of running to the end.
final class ConnectionWatch: @unchecked Sendable {
    private let state = Mutex<(gone: Bool, next: Int, callbacks: [Int: @Sendable () -> Void])>((false, 0, [:]))

    /// The watch of the connection the current request came on (set by `ClientWatchMiddleware`).
    @TaskLocal static var current: ConnectionWatch?

    var isGone: Bool { state.withLock { $0.gone } }

    /// Calls `stop` when the client goes (at once if it has). Returns a token for `remove`.
    /// Callbacks run under the watch's lock, so once `remove` returns one never runs: keep
    /// them short (they interrupt SQL).
    func onGone(_ stop: @escaping @Sendable () -> Void) -> Int? {
        state.withLock { s -> Int? in
            if s.gone { stop(); return nil }
            s.next += 1
            s.callbacks[s.next] = stop
            return s.next
        }
    }

    func remove(_ token: Int?) {
        guard let token else { return }
        state.withLock { _ = $0.callbacks.removeValue(forKey: token) }
    }

    /// The client closed its side, or the connection ended.
    func markGone() {
        state.withLock { s in
            guard !s.gone else { return }
            s.gone = true
            for c in s.callbacks.values { c() }
            s.callbacks.removeAll()
        }
    }

    /// Watches by connection, so a request's context can find its connection's watch.
    private static let registry = Mutex<[ObjectIdentifier: ConnectionWatch]>([:])

    static func register(_ w: ConnectionWatch, for channel: any Channel) {
        registry.withLock { $0[ObjectIdentifier(channel)] = w }
    }

    static func unregister(_ channel: any Channel) {
        registry.withLock { _ = $0.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    static func of(_ channel: any Channel) -> ConnectionWatch? {
        registry.withLock { $0[ObjectIdentifier(channel)] }
    }
}
