/// Hubble's FQDN and node-name patterns as RE2 regular expressions
/// (`pkg/hubble/filters/patterns.go`, Cilium v1.19): `*` matches any run of `[-.0-9a-z]`,
/// patterns are trimmed, lower-cased and lose one trailing dot, and only DNS characters are
/// allowed. Several patterns become one anchored alternation.
enum FQDNPattern {
    /// Names as Hubble's `fqdnRegexpStr`: what an empty cluster or node part matches.
    static let anyName = "(?:[-0-9_a-z]+(?:\\.[-0-9_a-z]+)*)"

    static func regex(_ patterns: [String]) throws -> String {
        var parts: [String] = []
        for p in patterns { parts.append(try translate(p)) }
        return "\\A(?:" + parts.joined(separator: "|") + ")\\z"
    }

    /// `cluster/node` patterns (`prod-eu1/*`, `k8s*`): a pattern without a slash is a node name
    /// in any cluster.
    static func nodeNameRegex(_ patterns: [String]) throws -> String {
        var parts: [String] = []
        for p in patterns {
            if p.isEmpty { throw FilterProblem("empty pattern") }
            let elements = p.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard elements.count <= 2 else { throw FilterProblem("too many slashes in pattern \"\(p)\"") }
            let (cluster, node) = elements.count == 2 ? (elements[0], elements[1]) : ("", elements[0])
            parts.append((cluster.isEmpty ? anyName : try translate(cluster)) + "/" + (node.isEmpty ? anyName : try translate(node)))
        }
        return "\\A(?:" + parts.joined(separator: "|") + ")\\z"
    }

    static func translate(_ pattern: String) throws -> String {
        var p = pattern.trimmingSpaces.lowercased()
        if p.hasSuffix(".") { p.removeLast() }
        if p.isEmpty { throw FilterProblem("empty pattern") }
        if p.hasSuffix(".") { throw FilterProblem("multiple trailing dots in pattern \"\(pattern)\"") }
        var out = ""
        for c in p.unicodeScalars {
            switch c {
            case ".": out += "\\."
            case "*": out += "[-.0-9a-z]*"
            case "-", "_", "0"..."9", "a"..."z": out.unicodeScalars.append(c)
            default: throw FilterProblem("\"\(c)\": invalid rune in pattern \"\(pattern)\"")
            }
        }
        return out
    }
}
