import NIOCore
import NIOHTTP2

/// Answers a gRPC client's HTTP/2 PINGs before swift-nio-http2 sees them, within a budget.
///
/// Why: grpc-go (the `hubble` CLI) sends a PING for bandwidth-delay-product estimation each time
/// DATA arrives while no PING is outstanding (`internal/transport/bdp_estimator.go`), for as long
/// as a stream delivers data: ~65 a second while `hubble observe --all` reads whole flows on
/// loopback. swift-nio-http2 1.46 rate-limits inbound control frames to 200 in 30 s
/// (`DOSHeuristics`, apple/swift-nio-http2#561) and then closes the connection with GOAWAY
/// ENHANCE_YOUR_CALM; grpc-swift-nio-transport 2.9 does not expose that limit. So long streams to
/// the Go CLI ended after 5,000–9,000 flows with "the connection is draining" (captured with
/// tshark: the GOAWAY carries code 11 and no debug data, after ~200 client PINGs).
///
/// This handler sits between the socket (or TLS) and the HTTP/2 handler, finds frame boundaries
/// in the byte stream, and answers a PING (not an ACK, 8 bytes, stream 0) with its ACK itself.
/// It answers at most `budgetPerSecond` a second, and only while the channel is writable; any
/// other PING goes on to swift-nio-http2, whose flood protection stays in force. Every other byte
/// passes through untouched. Frame layout: RFC 9113 §4.1 (9-byte header) and §6.7 (PING).
final class ClientPingResponder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// The client connection preface (RFC 9113 §3.4), which precedes the first frame.
    static let prefaceLength = 24
    static let frameHeaderLength = 9
    static let pingType: UInt8 = 0x6
    static let ackFlag: UInt8 = 0x1

    private let budgetPerSecond: Int
    /// Bytes of the preface still to pass through.
    private var prefaceLeft = ClientPingResponder.prefaceLength
    /// Bytes of the current frame's payload still to pass through.
    private var payloadLeft = 0
    /// An incomplete frame header, or an incomplete PING frame, carried to the next read.
    private var carry: ByteBuffer?
    /// PINGs answered in the current one-second window, and when it started.
    private var answered = 0
    private var windowStart = NIODeadline.now()

    init(budgetPerSecond: Int = 500) {
        self.budgetPerSecond = budgetPerSecond
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var input = unwrapInboundIn(data)
        if var pending = carry {
            carry = nil
            pending.writeBuffer(&input)
            input = pending
        }
        // Bytes from `start` on that pass through are forwarded as one slice when a PING (or
        // the end of the input) interrupts them. Sliced from a copy that keeps the first reader
        // index: ByteBuffer's get methods refuse indexes before the current one.
        let whole = input
        var start = input.readerIndex
        func forwardUpTo(_ end: Int) {
            if end > start, let slice = whole.getSlice(at: start, length: end - start) {
                context.fireChannelRead(wrapInboundOut(slice))
            }
        }
        while input.readableBytes > 0 {
            if prefaceLeft > 0 || payloadLeft > 0 {
                let n = min(input.readableBytes, prefaceLeft > 0 ? prefaceLeft : payloadLeft)
                input.moveReaderIndex(forwardBy: n)
                if prefaceLeft > 0 { prefaceLeft -= n } else { payloadLeft -= n }
                continue
            }
            guard input.readableBytes >= Self.frameHeaderLength,
                  let length = input.getBytes(at: input.readerIndex, length: 3),
                  let type = input.getInteger(at: input.readerIndex + 3, as: UInt8.self),
                  let flags = input.getInteger(at: input.readerIndex + 4, as: UInt8.self),
                  let stream = input.getInteger(at: input.readerIndex + 5, as: UInt32.self)
            else { break }
            let payload = Int(length[0]) << 16 | Int(length[1]) << 8 | Int(length[2])
            let isPing = type == Self.pingType && flags & Self.ackFlag == 0 && payload == 8 && stream & 0x7fff_ffff == 0
            guard isPing else {
                input.moveReaderIndex(forwardBy: Self.frameHeaderLength)
                payloadLeft = payload
                continue
            }
            guard input.readableBytes >= Self.frameHeaderLength + 8 else { break }
            guard takeFromBudget(context) else {
                // Over budget: swift-nio-http2 answers it (and counts it).
                input.moveReaderIndex(forwardBy: Self.frameHeaderLength)
                payloadLeft = 8
                continue
            }
            forwardUpTo(input.readerIndex)
            let opaque = input.getSlice(at: input.readerIndex + Self.frameHeaderLength, length: 8)!
            input.moveReaderIndex(forwardBy: Self.frameHeaderLength + 8)
            start = input.readerIndex
            var ack = context.channel.allocator.buffer(capacity: Self.frameHeaderLength + 8)
            ack.writeBytes([0, 0, 8, Self.pingType, Self.ackFlag, 0, 0, 0, 0])
            ack.writeImmutableBuffer(opaque)
            context.writeAndFlush(wrapOutboundOut(ack), promise: nil)
        }
        forwardUpTo(input.readerIndex)
        if input.readableBytes > 0 { carry = input.slice() }
    }

    /// Whether this PING may be answered here: within the budget, and the peer is reading.
    private func takeFromBudget(_ context: ChannelHandlerContext) -> Bool {
        guard context.channel.isWritable else { return false }
        let now = NIODeadline.now()
        if now - windowStart >= .seconds(1) {
            windowStart = now
            answered = 0
        }
        guard answered < budgetPerSecond else { return false }
        answered += 1
        return true
    }
}

extension ClientPingResponder {
    /// Puts a responder in front of the HTTP/2 handler of an accepted gRPC connection (for
    /// `ChannelDebuggingCallbacks.onAcceptTCPConnection`, which runs once the transport has
    /// built the pipeline).
    static func install(on channel: any Channel) -> EventLoopFuture<Void> {
        channel.eventLoop.makeCompletedFuture {
            let http2 = try channel.pipeline.syncOperations.handler(type: NIOHTTP2Handler.self)
            try channel.pipeline.syncOperations.addHandler(ClientPingResponder(), position: .before(http2))
        }
    }
}
