@testable import FlowServer
import NIOCore
import NIOEmbedded
import XCTest

/// The byte-level PING responder in front of swift-nio-http2: whatever the read boundaries, every
/// byte but the answered PINGs reaches the HTTP/2 handler unchanged and in order, each answered
/// PING gets its ACK with the same opaque data, and past the budget PINGs go on untouched.
final class ClientPingResponderTests: XCTestCase {
    static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    static func frame(_ type: UInt8, _ flags: UInt8, stream: UInt32 = 0, _ payload: [UInt8]) -> [UInt8] {
        let n = payload.count
        return [UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff), type, flags,
                UInt8(stream >> 24), UInt8(stream >> 16 & 0xff), UInt8(stream >> 8 & 0xff), UInt8(stream & 0xff)] + payload
    }

    static func ping(_ k: UInt8, ack: Bool = false) -> [UInt8] { frame(6, ack ? 1 : 0, [k, 1, 2, 3, 4, 5, 6, 7]) }

    /// Feeds `bytes` in reads of the given sizes (cycled) and returns what went on and what was written.
    func run(_ bytes: [UInt8], reads: [Int], budget: Int = 500) throws -> (forwarded: [UInt8], written: [UInt8]) {
        let channel = EmbeddedChannel(handler: ClientPingResponder(budgetPerSecond: budget))
        var offset = 0, k = 0
        while offset < bytes.count {
            let n = min(reads[k % reads.count], bytes.count - offset)
            try channel.writeInbound(ByteBuffer(bytes: bytes[offset..<offset + n]))
            offset += n
            k += 1
        }
        var forwarded: [UInt8] = [], written: [UInt8] = []
        while let b = try channel.readInbound(as: ByteBuffer.self) { forwarded += Array(b.readableBytesView) }
        while let b = try channel.readOutbound(as: ByteBuffer.self) { written += Array(b.readableBytesView) }
        _ = try channel.finish()
        return (forwarded, written)
    }

    func testPingsAreAnsweredAndEverythingElsePassesWhateverTheReadBoundaries() throws {
        let settings = Self.frame(4, 0, [])
        let headers = Self.frame(1, 4, stream: 1, Array(repeating: 0x82, count: 40))
        let data = Self.frame(0, 1, stream: 1, Array(0..<200).map { UInt8($0 & 0xff) })
        let pingAck = Self.ping(9, ack: true)
        // A PING on a stream, or of the wrong length, is a protocol error for swift-nio-http2 to
        // report, not ours to answer.
        let oddPing = Self.frame(6, 0, stream: 3, [1, 2, 3, 4, 5, 6, 7, 8])
        let input = Self.preface + settings + Self.ping(1) + headers + pingAck + Self.ping(2) + data + oddPing + Self.ping(3)
        let expected = Self.preface + settings + headers + pingAck + data + oddPing
        let acks = Self.ping(1, ack: true) + Self.ping(2, ack: true) + Self.ping(3, ack: true)
        for reads in [[input.count], [1], [2], [3], [7], [9], [16], [17], [5, 11, 1, 30]] {
            let (forwarded, written) = try run(input, reads: reads)
            XCTAssertEqual(forwarded, expected, "reads of \(reads)")
            XCTAssertEqual(written, acks, "reads of \(reads)")
        }
    }

    func testPastTheBudgetPingsGoToTheHTTP2Handler() throws {
        let input = Self.preface + (0..<5).flatMap { Self.ping(UInt8($0)) }
        let (forwarded, written) = try run(input, reads: [input.count], budget: 3)
        XCTAssertEqual(written, (0..<3).flatMap { Self.ping(UInt8($0), ack: true) })
        XCTAssertEqual(forwarded, Self.preface + Self.ping(3) + Self.ping(4))
    }
}
