import Foundation
import Yams

/// Policy YAML as plain values: mappings `[String: Any]`, lists `[Any]`, scalars as their text
/// (`80` and `"80"` alike; policy fields are read by their meaning), null as `NSNull`.
enum YAMLValue {
    static func isNull(_ v: Any) -> Bool { v is NSNull }

    /// A scalar's text ("" for null or a collection).
    static func scalarText(_ v: Any?) -> String { (v as? String) ?? "" }

    /// The documents of a YAML stream (`---`-separated); throws Yams' parse error with its line.
    static func documents(_ text: String) throws -> [Any] {
        // YamlSequence ends early on a parse error and keeps it in `error`: check it, or a
        // broken file would read as fewer (or no) policies.
        var sequence = try Yams.compose_all(yaml: text)
        var out: [Any] = []
        while let node = sequence.next() { out.append(value(node)) }
        if let error = sequence.error { throw error }
        return out
    }

    static func value(_ node: Node) -> Any {
        switch node {
        case .scalar(let s):
            return node.null != nil && s.style == .plain ? NSNull() : s.string
        case .mapping(let m):
            var out: [String: Any] = [:]
            for (k, v) in m { out[k.string ?? ""] = value(v) }
            return out
        case .sequence(let s):
            return s.map { value($0) }
        default:
            return NSNull()
        }
    }
}

/// One policy source: a file name (or `-`, or an upload's name) and its text.
public struct PolicySource: Sendable {
    public let name: String
    public let text: String

    public init(name: String, text: String) {
        self.name = name
        self.text = text
    }
}
