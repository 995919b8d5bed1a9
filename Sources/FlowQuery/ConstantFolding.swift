import FlowModel

/// Evaluates, when an expression is checked, every part of it that depends on no flow:
/// `[] == []`, `'x' in []`, `[1, 2, 3].exists(e, e > 0)`, `timestamp("…")`. The interpreter
/// (CEL's semantics) computes them once, so they never reach SQL, where list literals,
/// comprehensions over literals and bool ordering have no form of their own. A part whose
/// evaluation fails (a runtime error in CEL) is left as it is.
enum ConstantFolding {
    static func fold(_ t: Typed) -> Typed {
        switch t {
        case .constant, .field, .element, .has: return t
        case .list(let items, _) where items.allSatisfy(\.isConstant): return t
        default: break
        }
        guard !t.readsFlow, t.freeVariables.isEmpty else { return t }
        var interpreter = Interpreter()
        guard let value = try? interpreter.eval(t, .object([:])), let folded = typed(value, t.type) else { return t }
        return folded
    }

    /// The checked form of a value of type `type`.
    static func typed(_ v: Value, _ type: QueryType) -> Typed? {
        switch v {
        case .bool(let b): return .constant(.bool(b), .bool)
        case .int(let n): return .constant(.int(n), type == .dyn ? .int : type)
        case .string(let s): return .constant(.string(s), type == .dyn ? .string : type)
        case .list(let items, let element):
            let elements = items.compactMap { typed($0, element) }
            guard elements.count == items.count else { return nil }
            return .list(elements, .list(element))
        case .message: return nil
        }
    }

    /// A JSON element of a list as a checked constant.
    static func typed(_ j: JSONValue, _ element: QueryType) -> Typed? {
        switch j {
        case .bool(let b): return .constant(.bool(b), .bool)
        case .string(let s): return .constant(.string(s), element == .dyn ? .string : element)
        case .number(_, let raw):
            if let n = Int64(raw) { return .constant(.int(n), element == .dyn ? .int : element) }
            if let u = UInt64(raw) { return .constant(.int(Int64(bitPattern: u)), .uint) }
            return nil
        case .array(let items):
            var inner: QueryType = .dyn
            if case .list(let e) = element { inner = e }
            let elements = items.compactMap { typed($0, inner) }
            return elements.count == items.count ? .list(elements, .list(inner)) : nil
        case .null, .object: return nil
        }
    }
}

extension Typed {
    /// Whether the expression reads the flow (a field, or the presence of one).
    var readsFlow: Bool {
        switch self {
        case .field, .has: return true
        case .constant, .element: return false
        default: return children.contains { $0.readsFlow }
        }
    }

    /// Comprehension variables used and not bound inside the expression.
    var freeVariables: Set<String> {
        switch self {
        case .element(let v, _, _): return [v]
        case .comprehension(_, let v, let list, let predicate):
            return list.freeVariables.union(predicate.freeVariables.subtracting([v]))
        default: return children.reduce(into: Set<String>()) { $0.formUnion($1.freeVariables) }
        }
    }

    /// The direct subexpressions.
    var children: [Typed] {
        switch self {
        case .constant, .field, .element, .has: []
        case .list(let items, _): items
        case .not(let x), .negate(let x): [x]
        case .and(let a, let b), .or(let a, let b), .compare(_, let a, let b), .inList(let a, let b),
             .arithmetic(_, let a, let b, _): [a, b]
        case .call(_, let args): args
        case .comprehension(_, _, let l, let p): [l, p]
        case .conditional(let c, let a, let b): [c, a, b]
        }
    }
}
