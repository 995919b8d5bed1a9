import FlowQuery

/// A `toFQDNs` / DNS-rule selector: `matchName` or `matchPattern` (spec §4.4;
/// `v1.19:pkg/fqdn/matchpattern/matchpattern.go`). Names compare lower-cased with a trailing dot.
public struct FQDNSelector: Hashable, Sendable {
    public let text: String
    public let isPattern: Bool
    /// The anchored RE2 pattern a matchPattern becomes (nil for matchName and "match all").
    let regex: String?
    let matchesAll: Bool

    /// Label characters a `*` stands for (Cilium's allowedDNSCharsREGroup).
    static let labelChars = "[-a-zA-Z0-9_]"

    public init(name: String) {
        text = Self.canonical(name)
        isPattern = false
        regex = nil
        matchesAll = false
    }

    public init(pattern: String) {
        let p = Self.canonical(pattern)
        text = p
        isPattern = true
        // `*` or `*.` alone: every name.
        if p == "*." {
            regex = nil
            matchesAll = true
            return
        }
        matchesAll = false
        var body = Substring(p)
        var re = "^"
        if body.hasPrefix("**.") {
            re += "(?:\(Self.labelChars)+\\.)+"
            body = body.dropFirst(3)
        }
        for ch in body {
            if ch == "*" { re += Self.labelChars + "*" } else { re += Self.escape(ch) }
        }
        regex = re + "$"
    }

    /// Lower-cased with one trailing dot.
    public static func canonical(_ name: String) -> String {
        let n = name.lowercased()
        return n.hasSuffix(".") ? n : n + "."
    }

    static func escape(_ c: Character) -> String {
        c.isLetter || c.isNumber || c == "-" || c == "_" ? String(c) : "\\" + String(c)
    }

    public func matches(_ name: String) -> Bool {
        let n = Self.canonical(name)
        if matchesAll { return true }
        guard let regex else { return n == text }
        return RE2Regex.matches(regex, n)
    }
}
