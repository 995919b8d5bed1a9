/// Hot-path writers for the output buffer: literal bytes, decimal numbers and hex, with no String in between.
extension Array where Element == UInt8 {
    /// Appends a literal's UTF-8 bytes; `StaticString` is a pointer into the binary, so this is a memcpy.
    @inline(__always)
    mutating func put(_ s: StaticString) {
        s.withUTF8Buffer { append(contentsOf: $0) }
    }

    /// Appends precomputed bytes.
    @inline(__always)
    mutating func put(_ bytes: [UInt8]) {
        append(contentsOf: bytes)
    }

    /// Appends an integer in decimal.
    @inline(__always)
    mutating func putDecimal(_ value: Int) {
        var v = value
        if v < 0 {
            append(UInt8(ascii: "-"))
            v = -v
        }
        if v < 10 {
            append(48 &+ UInt8(truncatingIfNeeded: v))
            return
        }
        var div = 10
        while div <= v / 10 { div *= 10 }
        while div > 0 {
            append(48 &+ UInt8(truncatingIfNeeded: (v / div) % 10))
            div /= 10
        }
    }

    /// Appends the low `digits` nibbles of `value` as lowercase hex, most significant first.
    @inline(__always)
    mutating func putHex(_ value: UInt64, digits: Int) {
        var shift = (digits - 1) * 4
        while shift >= 0 {
            let nibble = UInt8(truncatingIfNeeded: (value >> UInt64(shift)) & 0xF)
            append(nibble < 10 ? 48 &+ nibble : 87 &+ nibble)
            shift -= 4
        }
    }

    /// Appends a random version-4 UUID in its 8-4-4-4-12 text form (no quotes).
    @inline(__always)
    mutating func putUUID(_ rng: inout Xoshiro256StarStar) {
        let hi = rng.next()
        // Version 4 in the third group's first nibble, RFC 4122 variant (8, 9, a or b) in the fourth's.
        let lo = (rng.next() & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        putHex(hi >> 32, digits: 8)
        append(UInt8(ascii: "-"))
        putHex(hi >> 16, digits: 4)
        append(UInt8(ascii: "-"))
        putHex(0x4000 | (hi & 0x0FFF), digits: 4)
        append(UInt8(ascii: "-"))
        putHex(lo >> 48, digits: 4)
        append(UInt8(ascii: "-"))
        putHex(lo, digits: 12)
    }
}
