#if canImport(Glibc)
import Glibc
#endif

/// An IPv4 or IPv6 prefix (`10.0.0.0/8`, `2001:db8::/32`; a bare address is /32 or /128).
public struct CIDR: Hashable, Sendable {
    public let bytes: [UInt8]
    public let length: Int

    /// nil when `text` is not an address or prefix, or the length is out of range.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = Self.address(String(parts[0])) else { return nil }
        let bits = address.count * 8
        if parts.count == 2 {
            guard let n = Int(parts[1]), n >= 0, n <= bits, !parts[1].hasPrefix("+") else { return nil }
            length = n
        } else {
            length = bits
        }
        bytes = address
    }

    /// The 4 or 16 bytes of an address, or nil.
    public static func address(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if text.withCString({ inet_pton(AF_INET, $0, &v4) }) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if text.withCString({ inet_pton(AF_INET6, $0, &v6) }) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }

    /// Whether `address` (4 or 16 bytes) is inside; different families never are.
    public func contains(_ address: [UInt8]) -> Bool {
        guard address.count == bytes.count else { return false }
        var left = length
        for i in 0..<bytes.count where left > 0 {
            let take = min(8, left)
            let mask: UInt8 = take == 8 ? 0xFF : ~(0xFF >> UInt8(take))
            if address[i] & mask != bytes[i] & mask { return false }
            left -= take
        }
        return true
    }

    /// Whether `other` lies wholly inside this prefix.
    public func contains(_ other: CIDR) -> Bool { other.length >= length && contains(other.bytes) }
}
