/// A growable byte buffer with unchecked appends, for the decoder's and encoders' hot paths.
///
/// `[UInt8].append` re-checks uniqueness and capacity through several layers per byte; the
/// decoder appends every byte of every line, so it writes into raw memory it owns instead.
public final class ByteBuffer {
    public private(set) var base: UnsafeMutablePointer<UInt8>
    public private(set) var capacity: Int
    /// Bytes written so far; may be set lower to drop a tail (never higher).
    public var count: Int = 0 {
        didSet { precondition(count <= capacity) }
    }

    public init(capacity: Int = 4096) {
        self.capacity = max(capacity, 64)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    @inline(__always)
    public func reserve(_ extra: Int) {
        if count + extra > capacity { grow(count + extra) }
    }

    @inline(never)
    func grow(_ needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let fresh = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        fresh.update(from: base, count: count)
        base.deallocate()
        base = fresh
        capacity = newCapacity
    }

    @inline(__always)
    public func append(_ byte: UInt8) {
        if count == capacity { grow(count + 1) }
        base[count] = byte
        count += 1
    }

    @inline(__always)
    public func append(_ bytes: UnsafePointer<UInt8>, _ length: Int) {
        reserve(length)
        (base + count).update(from: bytes, count: length)
        count += length
    }

    public func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        if let p = bytes.baseAddress { append(p, bytes.count) }
    }

    public func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { append($0) }
    }

    public func append(_ text: StaticString) {
        append(text.utf8Start, text.utf8CodeUnitCount)
    }

    public func append(string: String) {
        var s = string
        s.withUTF8 { append($0) }
    }

    /// Appends a decimal integer.
    public func append(int value: Int64) {
        if value < 0 {
            append(UInt8(ascii: "-"))
            append(uint: value == .min ? UInt64(Int64.max) + 1 : UInt64(-value))
        } else {
            append(uint: UInt64(value))
        }
    }

    /// Appends a decimal unsigned integer.
    public func append(uint value: UInt64) {
        var tmp: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch for up to 20 digits
        withUnsafeMutableBytes(of: &tmp) { raw in
            var i = 24
            var v = value
            repeat {
                i -= 1
                raw[i] = UInt8(truncatingIfNeeded: 48 + v % 10)
                v /= 10
            } while v != 0
            append(raw.baseAddress!.assumingMemoryBound(to: UInt8.self) + i, 24 - i)
        }
    }

    /// Inserts `member` (`"key":value`) as the first member of the JSON object the buffer
    /// holds, with a comma when the object has other members. Moves the whole object: meant
    /// for the rare fix-up, not a hot path.
    public func insertFirstMember(_ member: StaticString) {
        guard count >= 2, base[0] == 0x7B else { return }
        let extra = member.utf8CodeUnitCount + (count > 2 ? 1 : 0)
        reserve(extra)
        memmove(base + 1 + extra, base + 1, count - 1)  // overlapping: memmove
        (base + 1).update(from: member.utf8Start, count: member.utf8CodeUnitCount)
        if count > 2 { base[member.utf8CodeUnitCount + 1] = 0x2C }
        count += extra
    }

    /// The written bytes, valid until the next mutation.
    public var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    public func toString() -> String { String(decoding: bytes, as: UTF8.self) }

    public func removeAll() { count = 0 }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
