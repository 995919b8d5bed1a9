/// A request's query string, decoded strictly: percent escapes must be valid and the result
/// valid UTF-8, and each route names the parameters it knows so a typo is an error, not a
/// silently ignored filter.
struct QueryParameters: Sendable {
    private(set) var pairs: [(name: String, value: String)] = []

    /// Longest query string accepted; a filter is limited to 16 KiB, and a few of them fit.
    static let maxLength = 256 * 1024

    init(_ query: String?, allowed: Set<String>) throws {
        guard let query, !query.isEmpty else { return }
        guard query.utf8.count <= Self.maxLength else {
            throw APIError(.uriTooLong, "query_too_long", "the query string is longer than \(Self.maxLength) bytes")
        }
        for part in query.split(separator: "&", omittingEmptySubsequences: true) {
            let eq = part.firstIndex(of: "=")
            let rawName = eq.map { part[..<$0] } ?? part
            let rawValue = eq.map { part[part.index(after: $0)...] } ?? ""
            guard let name = Self.decode(rawName) else {
                throw APIError(.badRequest, "invalid_parameter", "a parameter name is not valid percent-encoded UTF-8")
            }
            guard allowed.contains(name) else {
                throw APIError.badParameter(Self.printable(name), "unknown parameter; this route takes \(allowed.sorted().joined(separator: ", "))")
            }
            guard let value = Self.decode(rawValue) else {
                throw APIError.badParameter(name, "not valid percent-encoded UTF-8")
            }
            pairs.append((name, value))
        }
    }

    /// The last value given for `name`.
    subscript(name: String) -> String? { pairs.last { $0.name == name }?.value }

    /// Every value given for `name`, in order.
    func all(_ name: String) -> [String] { pairs.filter { $0.name == name }.map(\.value) }

    /// An integer parameter within bounds.
    func int(_ name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = self[name] else { return value }
        guard let n = Int(text), range.contains(n) else {
            throw APIError.badParameter(name, "expected an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return n
    }

    /// A boolean parameter (`true`/`false`, `1`/`0`).
    func bool(_ name: String) throws -> Bool {
        guard let text = self[name] else { return false }
        switch text {
        case "true", "1", "": return true
        case "false", "0": return false
        default: throw APIError.badParameter(name, "expected true or false")
        }
    }

    /// Percent-decodes (`+` is a space, as forms send it); nil on a bad escape or bad UTF-8.
    static func decode<S: StringProtocol>(_ text: S) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var it = text.utf8.makeIterator()
        while let c = it.next() {
            switch c {
            case 0x25:
                guard let h = it.next().flatMap(hex), let l = it.next().flatMap(hex) else { return nil }
                bytes.append(h << 4 | l)
            case 0x2B: bytes.append(0x20)
            default: bytes.append(c)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x41...0x46: c - 0x41 + 10
        case 0x61...0x66: c - 0x61 + 10
        default: nil
        }
    }

    /// A name cut short for an error message.
    private static func printable(_ s: String) -> String { s.count > 64 ? String(s.prefix(64)) + "…" : s }
}
