import FlowModel

/// A parsed JSON value (a small parser of our own: the interpreter runs over exported flows).
public indirect enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double, raw: String)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    /// Parses one JSON text.
    public static func parse(_ text: String) throws -> JSONValue {
        var p = JSONTextParser(bytes: Array(text.utf8))
        let v = try p.value(depth: 0)
        p.space()
        guard p.i == p.bytes.count else { throw QueryError("trailing data in JSON", column: p.i + 1) }
        return v
    }
}

struct JSONTextParser {
    let bytes: [UInt8]
    var i = 0

    mutating func space() {
        while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
    }

    mutating func value(depth: Int) throws -> JSONValue {
        guard depth < 200 else { throw QueryError("JSON nested too deeply", column: i + 1) }
        space()
        guard i < bytes.count else { throw QueryError("unexpected end of JSON", column: i + 1) }
        switch bytes[i] {
        case 0x7B:
            i += 1
            var o: [String: JSONValue] = [:]
            space()
            if i < bytes.count, bytes[i] == 0x7D { i += 1; return .object(o) }
            while true {
                space()
                let k = try string()
                space()
                guard i < bytes.count, bytes[i] == 0x3A else { throw QueryError("expected :", column: i + 1) }
                i += 1
                o[k] = try value(depth: depth + 1)
                space()
                guard i < bytes.count else { throw QueryError("unexpected end of JSON", column: i + 1) }
                if bytes[i] == 0x2C { i += 1; continue }
                if bytes[i] == 0x7D { i += 1; return .object(o) }
                throw QueryError("expected , or }", column: i + 1)
            }
        case 0x5B:
            i += 1
            var a: [JSONValue] = []
            space()
            if i < bytes.count, bytes[i] == 0x5D { i += 1; return .array(a) }
            while true {
                a.append(try value(depth: depth + 1))
                space()
                guard i < bytes.count else { throw QueryError("unexpected end of JSON", column: i + 1) }
                if bytes[i] == 0x2C { i += 1; continue }
                if bytes[i] == 0x5D { i += 1; return .array(a) }
                throw QueryError("expected , or ]", column: i + 1)
            }
        case 0x22:
            return .string(try string())
        case 0x74:
            i += 4
            return .bool(true)
        case 0x66:
            i += 5
            return .bool(false)
        case 0x6E:
            i += 4
            return .null
        default:
            let start = i
            while i < bytes.count, "-+.eE0123456789".utf8.contains(bytes[i]) { i += 1 }
            let raw = String(decoding: bytes[start..<i], as: UTF8.self)
            guard let d = Double(raw) else { throw QueryError("invalid JSON number", column: start + 1) }
            return .number(d, raw: raw)
        }
    }

    mutating func string() throws -> String {
        guard i < bytes.count, bytes[i] == 0x22 else { throw QueryError("expected a string", column: i + 1) }
        i += 1
        let start = i
        while i < bytes.count, bytes[i] != 0x22 { i += bytes[i] == 0x5C ? 2 : 1 }
        guard i < bytes.count else { throw QueryError("unterminated string in JSON", column: start) }
        defer { i += 1 }
        return bytes.withUnsafeBufferPointer { JSONText.unescaped(UnsafeBufferPointer(rebasing: $0[start..<i])) }
    }
}

/// A value during interpretation.
enum Value: Equatable {
    case bool(Bool)
    case int(Int64)
    case string(String)
    case list([JSONValue], element: QueryType)
    case message(JSONValue?)
}

/// Evaluates checked expressions on a flow's JSON with proto semantics: the reference the
/// SQL compiler is tested against.
public struct Interpreter {
    private var variables: [String: JSONValue] = [:]

    public init() {}

    /// Whether the flow (the object inside `{"flow":…}`) matches. A runtime error counts as
    /// no match, as in Hubble.
    public static func matches(_ t: Typed, flow: JSONValue) -> Bool {
        var i = Interpreter()
        return (try? i.eval(t, flow)) == .bool(true)
    }

    mutating func eval(_ t: Typed, _ flow: JSONValue) throws -> Value {
        switch t {
        case .constant(let c, _):
            switch c {
            case .bool(let b): return .bool(b)
            case .int(let v): return .int(v)
            case .string(let s): return .string(s)
            }
        case .list(let items, let type):
            var element: QueryType = .dyn
            if case .list(let e) = type { element = e }
            return .list(try items.map { Self.json(try eval($0, flow)) }, element: element)
        case .field(let path):
            return Self.read(flow, path.defs, path.leaf.kind)
        case .element(let variable, let subpath, _):
            let base = variables[variable] ?? .null
            if subpath.isEmpty {
                return Self.scalar(base, kindOfElement(t))
            }
            return Self.read(base, subpath, subpath.last!.kind)
        case .not(let e): return .bool(!(try bool(e, flow)))
        case .negate(let e):
            let (r, overflow) = Int64(0).subtractingReportingOverflow(try int(e, flow))
            guard !overflow else { throw QueryError("overflow", column: 1) }
            return .int(r)
        // CEL's && and || are commutative over errors: `error || true` is true, `error && false`
        // is false (as SQL's NULL OR 1 is 1); only when the other side cannot decide, the error stands.
        case .and(let a, let b):
            do {
                guard try bool(a, flow) else { return .bool(false) }
                return .bool(try bool(b, flow))
            } catch {
                if (try? bool(b, flow)) == false { return .bool(false) }
                throw error
            }
        case .or(let a, let b):
            do {
                if try bool(a, flow) { return .bool(true) }
                return .bool(try bool(b, flow))
            } catch {
                if (try? bool(b, flow)) == true { return .bool(true) }
                throw error
            }
        case .compare(let op, let a, let b):
            let x = try eval(a, flow), y = try eval(b, flow)
            switch (x, y) {
            case (.int(let l), .int(let r)):
                if Typed.comparesUnsigned(op, a, b) { return .bool(Self.compare(op, l ^ .min, r ^ .min)) }
                return .bool(Self.compare(op, l, r))
            // CEL orders bools: false < true.
            case (.bool(let l), .bool(let r)): return .bool(Self.compare(op, l ? 1 : 0, r ? 1 : 0))
            case (.list(let l, _), .list(let r, _)):
                let equal = l.count == r.count && zip(l, r).allSatisfy(Self.same)
                return .bool(op == "==" ? equal : !equal)
            case (.string(let l), .string(let r)):
                // SQLite compares text by bytes (BINARY collation); so does CEL for UTF-8.
                let lb = Array(l.utf8), rb = Array(r.utf8)
                let c = lb.lexicographicallyPrecedes(rb) ? -1 : (lb == rb ? 0 : 1)
                return .bool(Self.compare(op, Int64(c), 0))
            default:
                // Values of different kinds in a list(dyn) are never equal (CEL's heterogeneous equality).
                guard op == "==" || op == "!=" else { throw QueryError("cannot compare", column: 1) }
                return .bool(op != "==")
            }
        case .inList(let needle, let list):
            let n = Self.json(try eval(needle, flow))
            guard case .list(let elements, _) = try eval(list, flow) else { return .bool(false) }
            return .bool(elements.contains { Self.same($0, n) })
        case .has(let path):
            return .bool(Self.has(flow, path))
        case .call(let overload, let args):
            return try overload.eval(args.map { try eval($0, flow) })
        case .comprehension(let kind, let variable, let list, let predicate):
            guard case .list(let items, _) = try eval(list, flow) else { return .bool(false) }
            var hits = 0
            for item in items {
                variables[variable] = item
                if try bool(predicate, flow) { hits += 1 } else if kind == "all" { variables[variable] = nil; return .bool(false) }
            }
            variables[variable] = nil
            switch kind {
            case "exists": return .bool(hits > 0)
            case "all": return .bool(true)
            default: return .bool(hits == 1)
            }
        case .conditional(let c, let a, let b):
            return try bool(c, flow) ? eval(a, flow) : eval(b, flow)
        case .arithmetic(_, let a, let b, .string):
            return .string(try eval(a, flow).text() + eval(b, flow).text())
        case .arithmetic(let op, let a, let b, _):
            let x = try int(a, flow), y = try int(b, flow)
            let (r, overflow) = op == "+" ? x.addingReportingOverflow(y) : x.subtractingReportingOverflow(y)
            guard !overflow else { throw QueryError("overflow", column: 1) }
            return .int(r)
        }
    }

    private func kindOfElement(_ t: Typed) -> FieldKind {
        if case .element(_, _, let type) = t { return Self.kind(of: type) }
        return .string
    }

    static func kind(of type: QueryType) -> FieldKind {
        switch type {
        case .string, .ip, .cidr, .url: .string
        case .bool: .bool
        case .uint: .uint64
        case .list(let t): .repeated(kind(of: t))
        case .dyn: .any
        default: .int64
        }
    }

    /// A value as a JSON element of a list (the form lists are held in).
    static func json(_ v: Value) -> JSONValue {
        switch v {
        case .bool(let b): .bool(b)
        case .int(let n): .number(Double(n), raw: String(n))
        case .string(let s): .string(s)
        case .list(let items, _): .array(items)
        case .message(let m): m ?? .null
        }
    }

    /// CEL equality of two list elements: numbers by value (1 and 1.0 alike), the rest as JSON.
    static func same(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.number(let x, let rx), .number(let y, let ry)): return rx == ry || x == y
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy(same)
        default: return a == b
        }
    }

    private mutating func bool(_ t: Typed, _ flow: JSONValue) throws -> Bool {
        guard case .bool(let b) = try eval(t, flow) else { throw QueryError("not a bool", column: 1) }
        return b
    }

    private mutating func int(_ t: Typed, _ flow: JSONValue) throws -> Int64 {
        guard case .int(let v) = try eval(t, flow) else { throw QueryError("not a number", column: 1) }
        return v
    }

    static func compare(_ op: String, _ l: Int64, _ r: Int64) -> Bool {
        switch op {
        case "==": l == r
        case "!=": l != r
        case "<": l < r
        case "<=": l <= r
        case ">": l > r
        default: l >= r
        }
    }

    /// The value at `defs` below `json`, or the leaf's zero value when anything is absent.
    static func read(_ json: JSONValue, _ defs: [FieldDef], _ kind: FieldKind) -> Value {
        var node: JSONValue? = json
        for d in defs { node = node?[d.protoName] }
        return scalar(node ?? .null, kind)
    }

    static func scalar(_ node: JSONValue, _ kind: FieldKind) -> Value {
        switch kind {
        case .string:
            if case .string(let s) = node { return .string(s) }
            return .string("")
        case .bool, .boolWrapper:
            if case .bool(let b) = node { return .bool(b) }
            return .bool(false)
        case .int32, .uint32, .int64:
            switch node {
            case .number(_, let raw): return .int(Int64(raw) ?? 0)
            case .string(let s): return .int(Int64(s) ?? 0)
            default: return .int(0)
            }
        case .uint64:
            // Held as the int64 with the same bits; `comparesUnsigned` orders them.
            switch node {
            case .number(_, let raw), .string(let raw): return .int(UInt64(raw).map { Int64(bitPattern: $0) } ?? 0)
            default: return .int(0)
            }
        case .enumeration(let e):
            switch node {
            case .string(let s): return .int(e.storedNumber(s))
            case .number(_, let raw): return .int(Int64(raw) ?? 0)
            default: return .int(0)
            }
        case .timestamp:
            if case .string(let s) = node { return .int(FlowTime.parse(s) ?? 0) }
            return .int(0)
        case .repeated(let element):
            if case .array(let items) = node { return .list(items, element: QueryType.of(element)) }
            return .list([], element: QueryType.of(element))
        case .any:
            // A list(dyn) element: its own JSON kind says what it is.
            switch node {
            case .bool(let b): return .bool(b)
            case .string(let s): return .string(s)
            case .number(_, let raw): return .int(Int64(raw) ?? UInt64(raw).map { Int64(bitPattern: $0) } ?? 0)
            case .array(let items): return .list(items, element: .dyn)
            case .null: return .message(nil)
            case .object: return .message(node)
            }
        case .message:
            if case .null = node { return .message(nil) }
            return .message(node)
        }
    }

    static func has(_ flow: JSONValue, _ path: FieldPath) -> Bool {
        var node: JSONValue? = flow
        for d in path.defs { node = node?[d.protoName] }
        guard let node, node != .null else { return false }
        switch scalar(node, path.leaf.kind) {
        case .bool(let b): return path.leaf.kind.isWrapper ? true : b
        case .int(let v): return v != 0
        case .string(let s): return !s.isEmpty
        case .list(let items, _): return !items.isEmpty
        case .message: return true
        }
    }
}

extension FieldKind {
    var isWrapper: Bool { if case .boolWrapper = self { true } else { false } }
}
