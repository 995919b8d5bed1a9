import FlowModel
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

    /// Consumed bytes kept before the first unconsumed one, for `tail` (the source's position
    /// records their hash, which checks a file's content before resuming in it).
    static let tailLength = 256

    /// Forgets all bytes and restarts at `offset` (a new file, a seek, a truncation). `tail`
    /// is what precedes `offset` in the stream, when known.
    func reset(at offset: Int64, tail: [UInt8] = []) {
        precondition(tail.count <= Self.tailLength && Int64(tail.count) <= offset)
        tail.withUnsafeBufferPointer { if let p = $0.baseAddress { base.update(from: p, count: tail.count) } }
        start = tail.count
        end = tail.count
        baseOffset = offset - Int64(tail.count)
        dropping = false
        lastLineTooLong = false
    }

    /// Up to `tailLength` consumed bytes just before the first unconsumed one (fewer only at the
    /// start of the stream, or after a reset whose tail was not known).
    var tail: UnsafeBufferPointer<UInt8> {
        let n = min(start, Self.tailLength)
        return UnsafeBufferPointer(start: base + start - n, count: n)
    }

    /// Reads one chunk from `stream`; returns the bytes read (0 at end of data).
    func fill(from stream: ByteStream) throws -> Int {
        let keep = max(0, start - Self.tailLength)  // the tail stays
        if keep > 0 && (start == end || start > capacity / 2) {
            let live = end - keep
            if live > 0 { memmove(base, base + keep, live) }  // may overlap
            baseOffset += Int64(keep)
            start -= keep
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

    /// Longest line kept; the bytes of a longer one are dropped as they come.
    var maxLine = JSONLimits.maxLineBytes
    /// True while dropping a line longer than `maxLine` until its newline.
    private var dropping = false
    /// True when the line `nextLine()` just returned was longer than `maxLine`: it is empty,
    /// its bytes were dropped, and it must be rejected.
    private(set) var lastLineTooLong = false

    /// The next complete line (without its `\n`), consuming it; nil when none is complete.
    @inline(__always)
    func nextLine() -> UnsafeBufferPointer<UInt8>? {
        guard start < end else { return nil }
        guard let nl = memchr(base + start, 0x0A, end - start) else {
            if end - start > maxLine { dropLongLine() }
            return nil
        }
        let p = nl.assumingMemoryBound(to: UInt8.self)
        let line = UnsafeBufferPointer(start: base + start, count: p - (base + start))
        start += line.count + 1
        lastLineTooLong = dropping || line.count > maxLine
        if lastLineTooLong {
            dropping = false
            return UnsafeBufferPointer(start: p, count: 0)
        }
        return line
    }

    /// A line longer than `maxLine` without its newline yet: its bytes so far are consumed, and
    /// the rest up to its newline will be, so memory stays bounded.
    @inline(never)
    private func dropLongLine() {
        dropping = true
        start = end
    }

    /// The partial last line (bytes after the last newline), not consumed.
    func rest() -> UnsafeBufferPointer<UInt8>? {
        guard start < end || dropping else { return nil }
        lastLineTooLong = dropping
        dropping = false
        return UnsafeBufferPointer(start: base + start, count: end - start)
    }

    /// Consumes the partial last line, as if it ended with a newline.
    func consumeRest() { start = end }

    /// The partial last line, consumed as if it ended with a newline (end of a finished file).
    func takeRest() -> UnsafeBufferPointer<UInt8>? {
        guard let line = rest() else { return nil }
        consumeRest()
        return line
    }
}
