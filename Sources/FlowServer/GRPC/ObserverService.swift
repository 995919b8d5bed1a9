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
                } catch let e as RPCError {
                    throw e
                } catch {
                    // A store's error (ClickHouse unreachable…): say what it was, not "unknown".
                    throw RPCError(code: .internalError, message: "\(error)")
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
                let totals = try reader.reads.totals()
                let lastMinute = try reader.reads.history.count([], since: now - 60_000_000_000, until: now + 1)
                var r = Observer_ServerStatusResponse()
                r.numFlows = UInt64(totals.stored)
                // No ring buffer: the history is bounded by retention, not by a flow count.
                r.maxFlows = 0
                r.seenFlows = UInt64(totals.stored + totals.dropped)
                // The age of the history (Hubble's is its ring's): the CLI prints seen_flows /
                // uptime as Flows/s when no flow came in the last minute, which is then the
                // average rate over the stored history rather than over this process's life.
                r.uptimeNs = UInt64(max(0, now - (totals.first ?? started)))
                r.numConnectedNodes = Google_Protobuf_UInt32Value(UInt32(clamping: totals.nodes))
                r.numUnavailableNodes = Google_Protobuf_UInt32Value(0)
                var version = Self.version
                if let first = totals.first, let last = totals.last {
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
                let nodes = try reader.reads.nodes()
                var response = Observer_GetNodesResponse()
                response.nodes = nodes.sorted { $0.name < $1.name }.map { name, flows in
                    var node = Observer_Node()
                    node.name = name
                    node.version = Self.version
                    node.state = .nodeConnected
                    node.uptimeNs = uptime
                    node.numFlows = UInt64(flows)
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
                let seen = try reader.reads.namespaces()
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
