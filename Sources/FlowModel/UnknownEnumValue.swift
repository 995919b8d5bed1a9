/// Enum value names this build does not know: a newer Cilium adds values (drop reasons above
/// all), and Hubble's own readers keep such flows (protojson's `DiscardUnknown`). flowtrail keeps
/// the flow and the name: the name stays in the stored JSON verbatim, and the integer column
/// gets `code(name)`, a number no enum uses, so the name can still be queried and grouped.
public enum UnknownEnumValue {
    /// Codes start here: enum numbers are int32, so codes never collide with a known number.
    public static let base: Int64 = 1 << 40

    /// The column code of an unknown name: `base` plus 40 bits of the name's hash.
    public static func code(_ name: String) -> Int64 {
        var s = name
        let h = s.withUTF8 { ByteHash.of($0) }
        return base | Int64(h & UInt64(base - 1))
    }

    /// Whether `code` stands for an unknown name rather than an enum number.
    public static func isCode(_ code: Int64) -> Bool { code >= base && code < base << 1 }

    /// Names kept as unknown values: the shape protobuf enum value names have (letters, digits,
    /// underscores, a letter first), at most 128 bytes. Anything else is not a name from a
    /// newer schema but a wrong value, and the line is rejected as before.
    public static func isName(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = text.first, text.count <= 128, isLetter(first) else { return false }
        return text.allSatisfy { isLetter($0) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }
    }

    public static func isName(_ text: String) -> Bool {
        var s = text
        return s.withUTF8 { isName($0) }
    }

    @inline(__always) static func isLetter(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A }
}
