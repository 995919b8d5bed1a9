/// Formats IPv6 addresses the way Go's net/netip prints them (RFC 5952: lowercase, longest zero run as `::`).
enum IPv6Text {
    static func format(_ groups: [UInt16]) -> String {
        precondition(groups.count == 8)
        // Find the longest run of zero groups (length ≥ 2); the first one wins a tie.
        var bestStart = -1, bestLength = 0
        var i = 0
        while i < 8 {
            if groups[i] == 0 {
                var j = i
                while j < 8 && groups[j] == 0 { j += 1 }
                if j - i > bestLength && j - i >= 2 { bestStart = i; bestLength = j - i }
                i = j
            } else {
                i += 1
            }
        }
        var out = ""
        i = 0
        while i < 8 {
            if i == bestStart {
                out += "::"
                i += bestLength
                continue
            }
            if !out.isEmpty && !out.hasSuffix(":") { out += ":" }
            out += String(groups[i], radix: 16)
            i += 1
        }
        return out
    }

    /// The EUI-64 link-local address derived from a MAC (`fe80::…:…ff:fe…:…`).
    static func linkLocal(mac: String) -> String {
        let b = mac.split(separator: ":").map { UInt16($0, radix: 16) ?? 0 }
        return format([0xfe80, 0, 0, 0,
                       ((b[0] ^ 0x02) << 8) | b[1], (b[2] << 8) | 0xff, 0xfe00 | b[3], (b[4] << 8) | b[5]])
    }
}
