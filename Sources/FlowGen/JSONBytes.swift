/// Init-time JSON builders: quoted, escaped strings and string arrays turned into bytes once and reused on every line.
enum JSONBytes {
    /// `"text"` with JSON escapes, as protojson writes strings (no HTML escaping).
    static func quoted(_ text: String) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "\"")]
        appendEscaped(text, to: &out)
        out.append(UInt8(ascii: "\""))
        return out
    }

    /// Appends the escaped body of a JSON string (without the quotes).
    static func appendEscaped(_ text: String, to out: inout [UInt8]) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(UInt8(ascii: "\\")); out.append(byte)
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); out.append(byte)
            case 0x0A: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "r"))
            case 0x09: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "t"))
            case 0..<0x20:
                out.append(contentsOf: Array("\\u00".utf8))
                out.putHex(UInt64(byte), digits: 2)
            default: out.append(byte)
            }
        }
    }

    /// `["a","b"]`.
    static func stringArray(_ items: [String]) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "[")]
        for (i, item) in items.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: quoted(item))
        }
        out.append(UInt8(ascii: "]"))
        return out
    }

    /// The raw UTF-8 bytes of a string that needs no escaping (names, IPs); checked in debug builds.
    static func bytes(_ text: String) -> [UInt8] {
        assert(!text.utf8.contains { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") })
        return Array(text.utf8)
    }
}
