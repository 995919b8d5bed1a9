#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Kubernetes' CEL IP and CIDR library (k8s.io/apiserver/pkg/cel/library: ip.go, cidr.go):
/// `ip(s)`, `cidr(s)`, `isIP(s)`, `isCIDR(s)`, `cidr.containsIP(ip or string)`,
/// `ip.family()`, IPv4 and IPv6. Hubble's `--ip` filters take CIDRs; operators write
/// `cidr('10.0.0.0/8').containsIP(IP.source)`. Values are held as canonical text (inet_ntop's),
/// so equal addresses compare equal however they were written.
enum NetworkFunctions {
    static let declarations: [FunctionDeclaration] = [
        FunctionDeclaration(name: "ip", isMethod: false, overloads: [
            Overload("string_to_ip", [.string], .ip, sqlite: { "ft_ip(\($0[0]))" },
                     validate: { constant(0, $0, "an IP address", IPAddress.init) }) { v in
                guard let ip = IPAddress(try v[0].text()) else { throw QueryError("not an IP address", column: 1) }
                return .string(ip.text)
            },
        ]),
        FunctionDeclaration(name: "cidr", isMethod: false, overloads: [
            Overload("string_to_cidr", [.string], .cidr, sqlite: { "ft_cidr(\($0[0]))" },
                     validate: { constant(0, $0, "a CIDR such as 10.0.0.0/8", CIDR.init) }) { v in
                guard let c = CIDR(try v[0].text()) else { throw QueryError("not a CIDR", column: 1) }
                return .string(c.text)
            },
        ]),
        FunctionDeclaration(name: "isIP", isMethod: false, overloads: [
            Overload("is_ip_string", [.string], .bool, sqlite: { "ft_is_ip(\($0[0]))" }) { v in
                .bool(IPAddress(try v[0].text()) != nil)
            },
        ]),
        FunctionDeclaration(name: "isCIDR", isMethod: false, overloads: [
            Overload("is_cidr_string", [.string], .bool, sqlite: { "ft_is_cidr(\($0[0]))" }) { v in
                .bool(CIDR(try v[0].text()) != nil)
            },
        ]),
        FunctionDeclaration(name: "containsIP", isMethod: true, overloads: [
            Overload("cidr_contains_ip_ip", [.cidr, .ip], .bool, sqlite: { "ft_cidr_contains(\($0[0]), \($0[1]))" }, eval: contains),
            // An address field is a string: `cidr("10.0.0.0/8").containsIP(IP.source)`.
            Overload("cidr_contains_ip_string", [.cidr, .string], .bool,
                     sqlite: { "ft_cidr_contains(\($0[0]), \($0[1]))" },
                     validate: { constant(1, $0, "an IP address", IPAddress.init) }, eval: contains),
        ]),
        FunctionDeclaration(name: "family", isMethod: true, overloads: [
            Overload("ip_family", [.ip], .int, sqlite: { "ft_ip_family(\($0[0]))" }) { v in
                guard let ip = IPAddress(try v[0].text()) else { throw QueryError("not an IP address", column: 1) }
                return .int(ip.bytes.count == 4 ? 4 : 6)
            },
        ]),
    ]

    /// A constant argument that does not parse is an error when the expression is checked.
    static func constant<T>(_ k: Int, _ c: [Constant?], _ what: String, _ parse: (String) -> T?) -> (argument: Int, reason: String)? {
        guard case .string(let s)? = c[k], parse(s) == nil else { return nil }
        return (k, "\"\(s)\" is not \(what)")
    }

    /// A string that is not an address is no match (CEL: an error), as in SQL.
    static let contains: @Sendable ([Value]) throws -> Value = { v in
        guard let c = CIDR(try v[0].text()), let ip = IPAddress(try v[1].text()) else {
            throw QueryError("not an IP address", column: 1)
        }
        return .bool(c.contains(ip))
    }
}

/// An IPv4 or IPv6 address (4 or 16 bytes), as inet_pton reads it.
struct IPAddress: Equatable {
    let bytes: [UInt8]

    init?(_ text: String) {
        // No zones (fe80::1%eth0) and no surrounding spaces, as Kubernetes' ip() refuses them.
        guard let first = text.first, let last = text.last, !first.isWhitespace, !last.isWhitespace, !text.contains("%") else { return nil }
        var v4 = in_addr(), v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
        } else {
            return nil
        }
    }

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// The canonical text (inet_ntop: dotted quad, or RFC 5952 for IPv6).
    var text: String {
        var out = [CChar](repeating: 0, count: 64)
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        _ = bytes.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &out, socklen_t(out.count)) }
        return String(cString: out)
    }
}

/// A CIDR: a network address and a prefix length.
struct CIDR: Equatable {
    let network: IPAddress
    let prefix: Int

    init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let ip = IPAddress(String(parts[0])), let p = Int(parts[1]), !parts[1].hasPrefix("+"),
              p >= 0, p <= ip.bytes.count * 8 else { return nil }
        network = IPAddress(bytes: Self.mask(ip.bytes, p))
        prefix = p
    }

    var text: String { "\(network.text)/\(prefix)" }

    func contains(_ ip: IPAddress) -> Bool {
        ip.bytes.count == network.bytes.count && Self.mask(ip.bytes, prefix) == network.bytes
    }

    static func mask(_ bytes: [UInt8], _ prefix: Int) -> [UInt8] {
        bytes.enumerated().map { k, b in
            let bits = max(0, min(8, prefix - k * 8))
            return bits == 8 ? b : b & UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
        }
    }
}


/// Address syntax checks for callers outside the query language (Hubble's `--ip` filters).
public enum AddressSyntax {
    /// An IPv4 or IPv6 address as inet_pton reads it (no zone, no spaces).
    public static func isAddress(_ text: String) -> Bool { IPAddress(text) != nil }
    /// `address/length` with a length that fits the address family.
    public static func isPrefix(_ text: String) -> Bool { CIDR(text) != nil }
}
