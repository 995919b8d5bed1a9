import FlowModel
import FlowQuery
import FlowStore
import GRPCCore
import HubbleProtos
import Synchronization

/// Streams a GetFlows plan: history in chunks read on the reader pool (so a long answer never
/// holds a reader for long and a cancelled call stops between chunks, its SQL interrupted at
/// once), then live commits when following.
struct FlowStream {
    let pool: ReaderPool
    let feed: LiveFeed
    let plan: GetFlowsPlan
    let nodeName: String
    /// Flows a chunk reads at most.
    static let chunk = 1000
    /// `last N` up to this many are read newest first in one go and reversed in memory;
    /// beyond it the start is found first and read oldest first in chunks.
    static let inMemoryLast = 5000

    func run(_ send: (Observer_GetFlowsResponse) async throws -> Void) async throws {
        // Subscribed (or polling begun) before the history is read, so nothing stored
        // meanwhile is missed.
        let plan = self.plan
        let polled = plan.follow ? try await pool.run { try $0.reads.polledFeed(plan.filters) } : nil
        let subscription = plan.follow && polled == nil ? feed.subscribe(backlog: 256) : nil
        defer { subscription.map { feed.unsubscribe($0.id) } }
        var sent = SentRows()
        var lost = try await lostRecords()
        try await history(&sent, &lost, send)
        if let polled {
            // Other processes write this store: poll it until the call or the server ends.
            while !feed.isClosed {
                try Task.checkCancellation()
                let lines = try await pool.run { _ in try polled.poll() }
                for line in lines { try await send(try line.withUnsafeBufferPointer { try FlowMessages.response($0, mask: plan.mask) }) }
                if lines.isEmpty { try await Task.sleep(for: PolledFeed.interval) }
            }
            return
        }
        guard let subscription else { return }
        for await rows in subscription.commits {
            if let missed = subscription.overflow {
                let record = LostEventRecord(time: Clock.nowNanos(), node: nodeName, source: "OBSERVER_EVENTS_QUEUE", eventsLost: missed)
                try await send(FlowMessages.lostEvents(record, defaultNode: nodeName))
                throw RPCError(code: .resourceExhausted, message: "the client read too slowly: \(missed) flows were not sent")
            }
            subscription.took(rows)
            let fresh = rows.compactMap { sent.unsent($0) }
            guard !fresh.isEmpty else { continue }
            let responses = try await pool.run { reader -> [Observer_GetFlowsResponse] in
                var out: [Observer_GetFlowsResponse] = []
                // Commits come from this server's own ingest, into SQLite only.
                guard let engine = reader.sqlite?.engine else { return out }
                for r in fresh {
                    try engine.committed(plan.filters, r, since: plan.since) { line in
                        out.append(try FlowMessages.response(line, mask: plan.mask))
                    }
                }
                return out
            }
            for r in responses { try await send(r) }
        }
    }

    /// The history part.
    private func history(_ sent: inout SentRows, _ lost: inout [LostEventRecord],
                         _ send: (Observer_GetFlowsResponse) async throws -> Void) async throws {
        switch plan.history {
        case .none:
            return
        case .all:
            try await ascending(after: nil, limit: nil, &sent, &lost, send, flushLost: true)
        case .first(let n):
            try await ascending(after: nil, limit: n, &sent, &lost, send, flushLost: false)
        case .last(let n) where n <= Self.inMemoryLast:
            let plan = self.plan
            let newestFirst = try await pool.run { reader -> [(FlowKey, Observer_GetFlowsResponse)] in
                var out: [(FlowKey, Observer_GetFlowsResponse)] = []
                try reader.reads.history.page(plan.filters, since: plan.since, until: plan.until, descending: true, limit: n, after: nil) { line, key in
                    out.append((key, try FlowMessages.response(line, mask: plan.mask)))
                }
                return out
            }
            // Lost-event records before the window (or without a time) are not the window's.
            if let oldest = newestFirst.last?.0 { lost.removeAll { ($0.time ?? .min) < oldest.time } }
            for (key, response) in newestFirst.reversed() {
                try await sendLost(before: key.time, &lost, send)
                sent.record(key)
                try await send(response)
            }
        case .last(let n):
            // Find the (n+1)-th newest key, then read forward from just after it.
            let plan = self.plan
            let start = try await pool.run { reader -> FlowKey? in
                var seen = 0
                var key: FlowKey?
                try reader.reads.history.page(plan.filters, since: plan.since, until: plan.until, descending: true, limit: n + 1, after: nil) { _, k in
                    seen += 1
                    key = k
                }
                return seen > n ? key : nil
            }
            try await ascending(after: start, limit: nil, &sent, &lost, send, flushLost: false)
        }
    }

    /// Oldest first in chunks, from after `after`, at most `limit` flows.
    private func ascending(after: FlowKey?, limit: Int?, _ sent: inout SentRows, _ lost: inout [LostEventRecord],
                           _ send: (Observer_GetFlowsResponse) async throws -> Void, flushLost: Bool) async throws {
        var cursor = after
        var left = limit
        let plan = self.plan
        if after != nil { lost.removeAll { ($0.time ?? .min) <= after!.time } }
        while left.map({ $0 > 0 }) ?? true {
            try Task.checkCancellation()
            let size = min(Self.chunk, left ?? Self.chunk)
            let from = cursor
            let batch = try await pool.run { reader -> [(FlowKey, Observer_GetFlowsResponse)] in
                var out: [(FlowKey, Observer_GetFlowsResponse)] = []
                try reader.reads.history.page(plan.filters, since: plan.since, until: plan.until, descending: false, limit: size, after: from) { line, key in
                    out.append((key, try FlowMessages.response(line, mask: plan.mask)))
                }
                return out
            }
            for (key, response) in batch {
                try await sendLost(before: key.time, &lost, send)
                sent.record(key)
                try await send(response)
            }
            if batch.count < size { break }
            cursor = batch.last!.0
            left = left.map { $0 - batch.count }
        }
        if flushLost {
            for record in lost { try await send(FlowMessages.lostEvents(record, defaultNode: nodeName)) }
            lost.removeAll()
        }
    }

    /// Lost-event records up to `time`, in time order, sent before the flow at `time`.
    private func sendLost(before time: Int64, _ lost: inout [LostEventRecord],
                          _ send: (Observer_GetFlowsResponse) async throws -> Void) async throws {
        while let first = lost.first, (first.time ?? .min) <= time {
            lost.removeFirst()
            try await send(FlowMessages.lostEvents(first, defaultNode: nodeName))
        }
    }

    /// The lost-event records in the plan's range, oldest first (none when an allowlist is set).
    private func lostRecords() async throws -> [LostEventRecord] {
        guard plan.sendsLostEvents, plan.history != .none else { return [] }
        let plan = self.plan
        return try await pool.run { reader in
            try reader.reads.lostEventList(since: plan.since, until: plan.until, limit: 10_000)
                .sorted { ($0.time ?? .min) < ($1.time ?? .min) }
        }
    }
}

