#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Bytes read from a stream, cut into lines without copying them into strings.
///
/// `streamOffset(of:)` turns a position in the buffer into an offset in the stream, which is
/// what the store records as the source's read position.
final class LineBuffer {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// Start of the first unconsumed byte.
    private(set) var start = 0
    /// End of the valid bytes.
    private(set) var end = 0
    /// Stream offset of `base[0]`.
    private(set) var baseOffset: Int64 = 0
    static let chunk = 1 << 20

    init() {
        capacity = Self.chunk * 2
        base = .allocate(capacity: capacity)
    }

    deinit { base.deallocate() }

    /// Stream offset just past the last consumed line.
    var consumedOffset: Int64 { baseOffset + Int64(start) }
    /// Bytes buffered after the last complete line (a partial line).
    var pendingCount: Int { end - start }

    /// Forgets all bytes and restarts at `offset` (a new file, a seek, a truncation).
    func reset(at offset: Int64) {
        start = 0
        end = 0
        baseOffset = offset
    }

    /// Reads one chunk from `stream`; returns the bytes read (0 at end of data).
    func fill(from stream: ByteStream) throws -> Int {
        if start > 0 && (start == end || start > capacity / 2) {
            let live = end - start
            if live > 0 { base.update(from: base + start, count: live) }
            baseOffset += Int64(start)
            start = 0
            end = live
        }
        if capacity - end < Self.chunk {
            let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
            bigger.update(from: base, count: end)
            base.deallocate()
            base = bigger
            capacity *= 2
        }
        let n = try stream.read(into: base + end, count: capacity - end)
        end += n
        return n
    }

    /// The next complete line (without its `\n`), consuming it; nil when none is complete.
    @inline(__always)
    func nextLine() -> UnsafeBufferPointer<UInt8>? {
        guard start < end else { return nil }
        guard let nl = memchr(base + start, 0x0A, end - start) else { return nil }
        let p = nl.assumingMemoryBound(to: UInt8.self)
        let line = UnsafeBufferPointer(start: base + start, count: p - (base + start))
        start += line.count + 1
        return line
    }

    /// The partial last line, consumed as if it ended with a newline (end of a finished file).
    func takeRest() -> UnsafeBufferPointer<UInt8>? {
        guard start < end else { return nil }
        let line = UnsafeBufferPointer(start: base + start, count: end - start)
        start = end
        return line
    }
}
