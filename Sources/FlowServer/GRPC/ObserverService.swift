import FlowModel
import FlowQuery
import FlowStore
import GRPCCore
import HubbleProtos
import SwiftProtobuf

/// Hubble's `observer.Observer` service over the stored history: the real Hubble CLI
/// (`hubble observe --server`, `hubble status`, `hubble list nodes|namespaces`) reads it as it
/// reads a Hubble server. GetAgentEvents and GetDebugEvents are not served (UNIMPLEMENTED).
struct ObserverService: Observer_Observer.SimpleServiceProtocol {
    let pool: ReaderPool
    let feed: LiveFeed
    let started: Int64 = Clock.nowNanos()
    /// Answers name this server (`version` in ServerStatus).
    static let version = "flowtrail"

    func getFlows(request: Observer_GetFlowsRequest, response: RPCWriter<Observer_GetFlowsResponse>,
                  context: ServerContext) async throws {
        let plan = try GetFlowsPlan(request)
        let stream = FlowStream(pool: pool, feed: feed, plan: plan, nodeName: "")
        try await Self.watched {
            try await stream.run { try await response.write($0) }
        }
    }

    /// Runs `body` with the RPC's cancellation (client gone, deadline, shutdown) wired to the
    /// reader pool: the SQL of a cancelled call is interrupted at once and its reader freed.
    static func watched<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        let watch = ConnectionWatch()
        return try await ConnectionWatch.$current.withValue(watch) {
            try await withRPCCancellationHandler {
                do {
                    return try await body()
                } catch let e as APIError {
                    throw RPCError(code: e.status == .serviceUnavailable ? .unavailable : .internalError, message: e.message)
                } catch is CancellationError {
                    throw RPCError(code: .cancelled, message: "the call was cancelled")
                }
            } onCancelRPC: {
                watch.markGone()
            }
        }
    }

    func serverStatus(request: Observer_ServerStatusRequest, context: ServerContext) async throws -> Observer_ServerStatusResponse {
        let now = Clock.nowNanos()
        let started = self.started
        return try await Self.watched {
            try await pool.run { reader in
                let db = reader.store.db
                let totals = try db.rows("SELECT coalesce(sum(flows), 0), min(min_time), max(max_time) FROM partitions")[0]
                let stored = totals[0].int ?? 0
                let dropped = try reader.store.counter("retention_dropped_flows")
                let nodes = try db.scalar("SELECT count(*) FROM dict WHERE kind = ?", [.int(Int64(DictionaryKind.nodeName.rawValue))]) ?? 0
                let lastMinute = try reader.engine.count([], since: now - 60_000_000_000, until: now + 1)
                var r = Observer_ServerStatusResponse()
                r.numFlows = UInt64(stored)
                // No ring buffer: the history is bounded by retention, not by a flow count.
                r.maxFlows = 0
                r.seenFlows = UInt64(stored + dropped)
                // The age of the history (Hubble's is its ring's): the CLI prints seen_flows /
                // uptime as Flows/s when no flow came in the last minute, which is then the
                // average rate over the stored history rather than over this process's life.
                r.uptimeNs = UInt64(max(0, now - (totals[1].int ?? started)))
                r.numConnectedNodes = Google_Protobuf_UInt32Value(UInt32(clamping: nodes))
                r.numUnavailableNodes = Google_Protobuf_UInt32Value(0)
                var version = Self.version
                if let first = totals[1].int, let last = totals[2].int {
                    version += " (history \(FlowTime.format(first)) to \(FlowTime.format(last)))"
                }
                r.version = version
                r.flowsRate = Double(lastMinute) / 60
                return r
            }
        }
    }

    func getNodes(request: Observer_GetNodesRequest, context: ServerContext) async throws -> Observer_GetNodesResponse {
        let uptime = UInt64(max(0, Clock.nowNanos() - started))
        return try await Self.watched {
            try await pool.run { reader in
                let db = reader.store.db
                var names: [Int64: String] = [:]
                for r in try db.rows("SELECT id, value FROM dict WHERE kind = ?", [.int(Int64(DictionaryKind.nodeName.rawValue))]) {
                    if let id = r[0].int, let name = r[1].text { names[id] = name }
                }
                var counts: [Int64: Int64] = [:]
                for day in reader.store.days {
                    for r in try db.rows("SELECT node_id, count(*) FROM \"\(FlowStore.flowTable(day))\" WHERE node_id IS NOT NULL GROUP BY node_id") {
                        if let id = r[0].int { counts[id, default: 0] += r[1].int ?? 0 }
                    }
                }
                var response = Observer_GetNodesResponse()
                response.nodes = names.sorted { $0.value < $1.value }.map { id, name in
                    var node = Observer_Node()
                    node.name = name
                    node.version = Self.version
                    node.state = .nodeConnected
                    node.uptimeNs = uptime
                    node.numFlows = UInt64(counts[id] ?? 0)
                    node.seenFlows = node.numFlows
                    return node
                }
                return response
            }
        }
    }

    func getNamespaces(request: Observer_GetNamespacesRequest, context: ServerContext) async throws -> Observer_GetNamespacesResponse {
        try await Self.watched {
            try await pool.run { reader in
                var seen = Set<[String]>()
                for r in try reader.store.db.rows("SELECT value FROM dict WHERE kind = ?", [.int(Int64(DictionaryKind.endpoint.rawValue))]) {
                    guard let text = r[0].text, let endpoint = try? JSONValue.parse(text),
                          case .string(let namespace)? = endpoint["namespace"], !namespace.isEmpty else { continue }
                    var cluster = ""
                    if case .string(let c)? = endpoint["cluster_name"] { cluster = c }
                    seen.insert([cluster, namespace])
                }
                var response = Observer_GetNamespacesResponse()
                // observer.proto: sorted by cluster, then namespace.
                response.namespaces = seen.sorted { $0.lexicographicallyPrecedes($1) }.map {
                    var n = Observer_Namespace()
                    n.cluster = $0[0]
                    n.namespace = $0[1]
                    return n
                }
                return response
            }
        }
    }
}

/// `grpc.health.v1.Health/Check`: `hubble status` asks it for "hubble.server.Observer" first.
struct HealthService: Grpc_Health_V1_Health.SimpleServiceProtocol {
    static let served: Set<String> = ["", "hubble.server.Observer", "observer.Observer"]

    func check(request: Grpc_Health_V1_HealthCheckRequest, context: ServerContext) async throws -> Grpc_Health_V1_HealthCheckResponse {
        // The health protocol: an unknown service is NOT_FOUND.
        guard Self.served.contains(request.service) else {
            throw RPCError(code: .notFound, message: "unknown service \(request.service)")
        }
        var r = Grpc_Health_V1_HealthCheckResponse()
        r.status = .serving
        return r
    }
}
