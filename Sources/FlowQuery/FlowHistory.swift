/// Matching flows of a store's history, in pages: what the HTTP API, Hubble's gRPC API and the
/// export read, whichever store holds the flows (`QueryEngine` on SQLite, `ClickHouseHistory`).
public protocol FlowHistory {
    /// Calls `body` with matching flow lines (`hubble observe -o json` shape) and their keys,
    /// in key order (time, then the store's own tie-breaker), ascending or descending, starting
    /// after `after`, at most `limit` (all without one). Filters are ORed.
    func page(_ filters: [Typed], since: Int64?, until: Int64?, descending: Bool, limit: Int?, after: FlowKey?,
              _ body: (UnsafeBufferPointer<UInt8>, FlowKey) throws -> Void) throws

    /// How many flows in `[since, until)` match any of `filters` (every flow without filters).
    func count(_ filters: [Typed], since: Int64?, until: Int64?) throws -> Int64
}

extension FlowHistory {
    /// Every matching flow of `[since, until)`, oldest first.
    public func all(_ filters: [Typed], since: Int64?, until: Int64?,
                    _ body: (UnsafeBufferPointer<UInt8>, FlowKey) throws -> Void) throws {
        try page(filters, since: since, until: until, descending: false, limit: nil, after: nil, body)
    }
}

extension FlowHistory {
    /// The flows of a window (`--all`, `--first N`, `--last N`) with their keys, oldest first.
    public func page(_ filters: [Typed], since: Int64? = nil, until: Int64? = nil, window: QueryWindow,
                     _ body: (UnsafeBufferPointer<UInt8>, FlowKey) throws -> Void) throws {
        switch window {
        case .all:
            try page(filters, since: since, until: until, descending: false, limit: nil, after: nil, body)
        case .first(let n):
            try page(filters, since: since, until: until, descending: false, limit: n, after: nil, body)
        case .last(let n):
            // Newest first from the store, then given in time order.
            var newestFirst: [([UInt8], FlowKey)] = []
            try page(filters, since: since, until: until, descending: true, limit: n, after: nil) { line, key in
                newestFirst.append((Array(line), key))
            }
            for (line, key) in newestFirst.reversed() { try line.withUnsafeBufferPointer { try body($0, key) } }
        }
    }
}

extension QueryEngine: FlowHistory {}
