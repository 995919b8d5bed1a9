import FlowModel

/// The type of a value in an expression.
public indirect enum QueryType: Equatable, CustomStringConvertible, Sendable {
    case bool, int, uint, string, timestamp, duration
    case enumeration(String)
    case message(String)
    case list(QueryType)
    /// CEL's dyn: the element type of an empty list, or of a list whose elements differ
    /// (`[1, 'dos']`); it compares with anything.
    case dyn
    /// Kubernetes CEL's `net.IP` and `net.CIDR` (NetworkFunctions), held as canonical text.
    case ip, cidr
    /// Kubernetes CEL's `URL` (URLFunctions), held as the text it was made from.
    case url

    /// Integers of any flavour compare with each other (enums are integers in CEL).
    var isNumeric: Bool {
        switch self {
        case .int, .uint, .enumeration: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .bool: "bool"
        case .int: "int"
        case .uint: "uint"
        case .string: "string"
        case .timestamp: "timestamp"
        case .duration: "duration"
        case .enumeration(let e): e
        case .message(let m): m
        case .list(let t): "list(\(t))"
        case .dyn: "dyn"
        case .ip: "net.IP"
        case .cidr: "net.CIDR"
        case .url: "URL"
        }
    }

    static func of(_ kind: FieldKind) -> QueryType {
        switch kind {
        case .string: .string
        case .bool, .boolWrapper: .bool
        case .int32, .int64: .int
        case .uint32, .uint64: .uint
        case .enumeration(let e): .enumeration(e.name)
        case .timestamp: .timestamp
        case .message(let m): .message(m.name)
        case .repeated(let k): .list(of(k))
        case .any: .message("Any")
        }
    }
}

/// A field path resolved against the schema (`source.labels`, `l4.TCP.destination_port`).
public struct FieldPath: Sendable, CustomStringConvertible {
    /// The fields from the Flow message down to the leaf.
    public let defs: [FieldDef]
    public var type: QueryType { QueryType.of(defs.last!.kind) }
    public var description: String { defs.map(\.protoName).joined(separator: ".") }
    public var leaf: FieldDef { defs.last! }
}

/// Every field path of the Flow message, for resolving names and suggesting fixes.
public enum FieldCatalog {
    /// Paths by their proto-name spelling.
    public static let paths: [String: FieldPath] = {
        var out: [String: FieldPath] = [:]
        func walk(_ def: MessageDef, _ prefix: [FieldDef], depth: Int) {
            for f in def.fields {
                let path = prefix + [f]
                out[path.map(\.protoName).joined(separator: ".")] = FieldPath(defs: path)
                var kind = f.kind
                if case .repeated(let k) = kind { kind = k }
                if case .message(let m) = kind, depth < 5 { walk(m, path, depth: depth + 1) }
            }
        }
        walk(FlowSchema.flow, [], depth: 0)
        return out
    }()

    /// Resolves a dotted path written with proto or lowerCamelCase names.
    public static func resolve(_ parts: [String]) -> FieldPath? {
        var message = FlowSchema.flow
        var defs: [FieldDef] = []
        for (k, part) in parts.enumerated() {
            guard let f = message.field(named: part) else { return nil }
            defs.append(f)
            if k < parts.count - 1 {
                guard case .message(let m) = f.kind else { return nil }
                message = m
            }
        }
        return defs.isEmpty ? nil : FieldPath(defs: defs)
    }

    /// The known path closest to `text`, for "did you mean" messages.
    public static func suggestion(for text: String) -> String? {
        let best = paths.keys.map { ($0, editDistance($0, text)) }.min { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
        guard let best, best.1 <= max(2, text.count / 4) else { return nil }
        return best.0
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let x = Array(a.utf8), y = Array(b.utf8)
        var row = Array(0...y.count)
        for i in 1...max(x.count, 1) where !x.isEmpty {
            var prev = row[0]
            row[0] = i
            for j in stride(from: 1, through: y.count, by: 1) {
                let cur = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (x[i - 1] == y[j - 1] ? 0 : 1))
                prev = cur
            }
        }
        return x.isEmpty ? y.count : row[y.count]
    }
}
