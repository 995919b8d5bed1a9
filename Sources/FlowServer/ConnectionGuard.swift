import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import Synchronization

/// Open connections, across the server.
final class ConnectionCount: Sendable {
    let value = Atomic<Int>(0)
}

/// Per connection, between the HTTP codec and the request handling: refuses connections over
/// the cap, cuts off a client that stops reading (write timeout), tells the request's work
/// when the client has gone, and answers an over-long request line or header block with a
/// JSON 414 instead of dropping the connection silently.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let limits: ServerLimits
    let count: ConnectionCount
    let health: IngestHealth?
    let watch = ConnectionWatch()
    private var counted = false
    private var writeTimer: Scheduled<Void>?
    private var answeredError = false
    /// Requests read and not yet answered on this connection.
    private var inFlight = 0
    /// Set while a health request is being answered here: its parts are not passed on.
    private var answering: (ok: Bool, body: String, close: Bool)?

    init(limits: ServerLimits, count: ConnectionCount, health: IngestHealth? = nil) {
        self.limits = limits
        self.count = count
        self.health = health
    }

    /// `GET /healthz` and `/readyz` are answered here, on the event loop, when nothing else is
    /// pending on the connection: a probe then never queues behind a thousand busy requests
    /// (the routes of the same paths answer the other cases).
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch part {
        case .head(let head):
            if inFlight == 0, answering == nil, head.method == .get, head.path == "/healthz" || head.path == "/readyz" {
                let (ok, body) = head.path == "/healthz" ? HealthAnswer.health(health) : HealthAnswer.ready(health)
                answering = (ok, body, head.headerFields[.connection]?.lowercased() == "close")
                return
            }
            inFlight += 1
        case .body:
            if answering != nil { return }
        case .end:
            if let answer = answering {
                answering = nil
                var fields = HTTPFields()
                fields[.contentType] = "application/json"
                let body = answer.body + "\n"
                fields[.contentLength] = String(body.utf8.count)
                if answer.close { fields[.connection] = "close" }
                context.write(wrapOutboundOut(.head(HTTPResponse(status: answer.ok ? .ok : .serviceUnavailable, headerFields: fields))), promise: nil)
                context.write(wrapOutboundOut(.body(ByteBuffer(string: body))), promise: nil)
                let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
                if answer.close { done.whenComplete { _ in context.close(promise: nil) } }
                return
            }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { inFlight = max(0, inFlight - 1) }
        context.write(data, promise: promise)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let open = count.value.wrappingAdd(1, ordering: .relaxed).newValue
        counted = true
        guard open <= limits.effectiveMaxConnections else {
            // Refused before anything is read: it costs a descriptor for a moment, no memory.
            context.close(promise: nil)
            return
        }
        ConnectionWatch.register(watch, for: context.channel)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        if counted { count.value.wrappingSubtract(1, ordering: .relaxed) }
        counted = false
        writeTimer?.cancel()
        ConnectionWatch.unregister(context.channel)
        watch.markGone()
    }

    func channelInactive(context: ChannelHandlerContext) {
        watch.markGone()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // The client closed its side (the server allows half-closure): nobody waits for an answer.
        if let e = event as? ChannelEvent, e == .inputClosed { watch.markGone() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            writeTimer?.cancel()
            writeTimer = nil
        } else if writeTimer == nil {
            // The client stopped reading; responses queue up. Give it `writeTimeout` to resume.
            let channel = context.channel
            writeTimer = context.eventLoop.scheduleTask(in: .nanoseconds(Int64(limits.writeTimeout * 1e9))) {
                channel.close(promise: nil)
            }
        }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        guard let parse = error as? HTTPParserError, !answeredError else {
            context.fireErrorCaught(error)
            return
        }
        answeredError = true
        let (status, code, message): (HTTPResponse.Status, String, String) = switch parse {
        case .headerOverflow:
            (.uriTooLong, "query_too_long", "the request line and headers are longer than the \(limits.maxHeaderBytes / 1024) KiB limit")
        default:
            (.badRequest, "http_error", "malformed HTTP request")
        }
        let body = APIError(status, code, message).json + "\n"
        var fields = HTTPFields()
        fields[.contentType] = "application/json"
        fields[.contentLength] = String(body.utf8.count)
        fields[.connection] = "close"
        context.write(wrapOutboundOut(.head(HTTPResponse(status: status, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(ByteBuffer(string: body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in context.close(promise: nil) }
    }
}

/// The request context: Hummingbird's basics plus the watch of the request's connection.
struct FlowRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let watch: ConnectionWatch?
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
        watch = ConnectionWatch.of(source.channel)
    }
}

/// Makes the connection's watch the current one while the request is handled, so the reader
/// pool can stop a query whose client has gone.
struct ClientWatchMiddleware: RouterMiddleware {
    func handle(_ request: Request, context: FlowRequestContext,
                next: (Request, FlowRequestContext) async throws -> Response) async throws -> Response {
        try await ConnectionWatch.$current.withValue(context.watch) { try await next(request, context) }
    }
}

/// Waits until `channel` accepts more output, so a response never queues more than a chunk
/// for a client that reads slowly. Throws once `timeout` seconds pass (the connection is then
/// cut off by `ConnectionGuard` as well).
func waitUntilWritable(_ channel: any Channel, timeout: Double) async throws {
    guard !channel.isWritable else { return }
    let deadline = ContinuousClock.now + .nanoseconds(Int64(timeout * 1e9))
    while !channel.isWritable {
        guard channel.isActive, ContinuousClock.now < deadline else { throw CancellationError() }
        try await Task.sleep(for: .milliseconds(10))
    }
}
