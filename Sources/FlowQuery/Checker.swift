import FlowModel

/// A constant value in a checked expression.
public enum Constant: Equatable, Sendable {
    case bool(Bool)
    case int(Int64)
    case string(String)
}

/// A checked expression: names resolved to fields, enum constants to numbers, types known.
/// Both the SQL compiler and the interpreter read this form, so they agree on meaning.
public indirect enum Typed: Sendable {
    case constant(Constant, QueryType)
    case list([Typed], QueryType)
    case field(FieldPath)
    /// The element of the list a comprehension walks (`x` in `labels.exists(x, …)`), or a
    /// field of it when the elements are messages (`w.name` in `workloads.exists(w, …)`).
    case element(variable: String, subpath: [FieldDef], QueryType)
    case not(Typed)
    case negate(Typed)
    case and(Typed, Typed)
    case or(Typed, Typed)
    case compare(String, Typed, Typed)
    case inList(Typed, Typed)
    case has(FieldPath)
    /// A function of `FunctionLibrary`, with its overload and arguments (a method's receiver first).
    case call(Overload, [Typed])
    case comprehension(String, variable: String, list: Typed, predicate: Typed)
    case conditional(Typed, Typed, Typed)
    /// `+` or `-` on numbers, times and durations.
    case arithmetic(String, Typed, Typed, QueryType)

    public var type: QueryType {
        switch self {
        case .constant(_, let t), .list(_, let t), .element(_, _, let t), .arithmetic(_, _, _, let t): t
        case .field(let p): p.type
        case .negate(let e): e.type
        case .conditional(_, let a, _): a.type
        case .call(let o, _): o.result
        default: .bool
        }
    }
}

/// Resolves names and checks types against the field catalog.
public struct Checker {
    /// Comprehension variables in scope, with the type of one element.
    private var scope: [String: (type: QueryType, message: MessageDef?)] = [:]
    private var depth = 0

    public init() {}

    /// Parses and checks one expression; it must be boolean.
    public static func check(_ text: String) throws -> Typed {
        do {
            let expr = try Parser.parse(text)
            var checker = Checker()
            let typed = try checker.check(expr)
            guard typed.type == .bool else {
                throw QueryError("the expression is a \(typed.type), not a bool (a filter must be true or false)", column: expr.column)
            }
            // Prepared here, before any query runs, so a filter SQLite cannot take is a clean error.
            if let problem = SQLProbe.problem(SQLCompiler.compile(typed, day: 0, offset: 0)) {
                if problem.contains("parser stack overflow") || problem.contains("too large") || problem.contains("too deep") {
                    throw QueryError("the expression nests too deeply for SQLite once compiled (\(QueryLimits.sqlDepthNote))", column: expr.column)
                }
                throw QueryError("the expression cannot be compiled: \(problem)", column: expr.column)
            }
            return typed
        } catch var e as QueryError {
            e.expression = text
            throw e
        }
    }

    static let enumsByName: [String: EnumDef] = Dictionary(uniqueKeysWithValues: FlowEnums.all.map { ($0.name, $0) })

    /// Checks `e`, then folds it when it depends on no flow (`ConstantFolding`): constant parts
    /// (`[] == []`, `[1, 2].exists(x, x > 1)`) never reach SQL, and answer as CEL does.
    mutating func check(_ e: Expr) throws -> Typed {
        ConstantFolding.fold(try checkNode(e))
    }

    private mutating func checkNode(_ e: Expr) throws -> Typed {
        depth += 1
        defer { depth -= 1 }
        guard depth <= QueryLimits.maxDepth else { throw QueryError("expression nested deeper than \(QueryLimits.maxDepth) levels (the limit)", column: e.column) }
        switch e {
        case .boolLiteral(let b, _): return .constant(.bool(b), .bool)
        case .intLiteral(let v, _): return .constant(.int(v), .int)
        case .uintLiteral(let v, _):
            // CEL's uint is 64-bit: held as the int64 with the same bits (see comparesUnsigned).
            return .constant(.int(Int64(bitPattern: v)), .uint)
        case .stringLiteral(let s, _): return .constant(.string(s), .string)
        case .list(let items, _):
            let typed = try items.map { try check($0) }
            // One element type when they agree (ints and uints count as one); otherwise, or for
            // an empty list, CEL's dyn.
            var element: QueryType = typed.first?.type ?? .dyn
            for t in typed.dropFirst() where t.type != element {
                element = element.isNumeric && t.type.isNumeric && element != .dyn ? element : .dyn
            }
            return .list(typed, .list(element))
        case .name(let parts, let c):
            return try name(parts, column: c)
        case .unary(let op, let inner, let c):
            let t = try check(inner)
            if op == "!" {
                guard t.type == .bool else { throw QueryError("! needs a bool, found \(t.type)", column: c) }
                return .not(t)
            }
            guard t.type == .int || t.type == .duration else {
                throw QueryError("- needs an int\(t.type == .uint ? " (a uint cannot be negated, as in CEL)" : ""), found \(t.type)", column: c)
            }
            return .negate(t)
        case .binary(let op, let l, let r, let c):
            return try binary(op, l, r, column: c)
        case .conditional(let cond, let a, let b, let c):
            let tc = try check(cond)
            guard tc.type == .bool else { throw QueryError("the condition of ? : must be a bool, found \(tc.type)", column: cond.column) }
            let ta = try check(a), tb = try check(b)
            guard compatible(ta.type, tb.type) else { throw QueryError("both branches of ? : must have one type (\(ta.type) and \(tb.type))", column: c) }
            return .conditional(tc, ta, tb)
        case .call(let name, let target, let args, let c):
            return try call(name, target: target, args: args, column: c)
        }
    }

    private func compatible(_ a: QueryType, _ b: QueryType) -> Bool {
        if a == b || a == .dyn || b == .dyn || (a.isNumeric && b.isNumeric) { return true }
        if case .list(let x) = a, case .list(let y) = b { return compatible(x, y) }
        return false
    }

    private mutating func name(_ parts0: [String], column: Int) throws -> Typed {
        var parts = parts0
        // Comprehension variables shadow everything else.
        if let v = scope[parts[0]] {
            if parts.count == 1 { return .element(variable: parts[0], subpath: [], v.type) }
            guard let message = v.message else { throw QueryError("\(parts[0]) is a \(v.type) and has no fields", column: column) }
            var defs: [FieldDef] = []
            var m = message
            for (k, part) in parts.dropFirst().enumerated() {
                guard let f = m.field(named: part) else {
                    throw QueryError("\(message.name) has no field \"\(part)\"", column: column)
                }
                defs.append(f)
                if k < parts.count - 2 {
                    guard case .message(let next) = f.kind else { throw QueryError("\(part) has no fields", column: column) }
                    m = next
                }
            }
            return .element(variable: parts[0], subpath: defs, QueryType.of(defs.last!.kind))
        }
        // Enum constants: Verdict.DROPPED, flow.Verdict.DROPPED.
        if parts.first == "flow", parts.count == 3 { parts.removeFirst() }
        if parts.count == 2, let e = Self.enumsByName[parts[0]] {
            guard let n = e.number(parts[1]) else {
                let near = e.values.map(\.name).min { FieldCatalog.editDistance($0, parts[1]) < FieldCatalog.editDistance($1, parts[1]) }
                throw QueryError("\(e.name) has no value \(parts[1])", column: column, suggestion: near.map { "\(e.name).\($0)" })
            }
            return .constant(.int(n), .enumeration(e.name))
        }
        var path = parts0
        if path.first == "_flow" { path.removeFirst() }
        guard !path.isEmpty else { throw QueryError("_flow is a message, not a field to compare", column: column) }
        guard let field = FieldCatalog.resolve(path) else {
            let text = path.joined(separator: ".")
            throw QueryError("unknown field \"\(text)\"", column: column, suggestion: FieldCatalog.suggestion(for: text).map { "\"\($0)\"" })
        }
        return .field(field)
    }

    private mutating func binary(_ op: String, _ l: Expr, _ r: Expr, column: Int) throws -> Typed {
        switch op {
        case "&&", "||":
            // A chain of one operator is as deep as one operation, however long: its operands
            // are checked in turn, so 500 alternatives are not "nested" 500 levels.
            var operands = [r]
            var left = l
            while case .binary(op, let ll, let lr, _) = left {
                operands.append(lr)
                left = ll
            }
            operands.append(left)
            var typed: Typed?
            for e in operands.reversed() {
                let t = try check(e)
                guard t.type == .bool else { throw QueryError("\(op) needs bools, found \(t.type)", column: e.column) }
                typed = typed.map { op == "&&" ? .and($0, t) : .or($0, t) } ?? t
            }
            return typed!
        case "+", "-":
            let tl = try check(l), tr = try check(r)
            let result: QueryType
            switch (tl.type, tr.type) {
            case (.timestamp, .duration): result = .timestamp
            case (.duration, .timestamp) where op == "+": result = .timestamp
            case (.timestamp, .timestamp) where op == "-": result = .duration
            case (.duration, .duration): result = .duration
            case (.int, .int): result = .int
            case (.uint, .uint): result = .uint
            case (.string, .string) where op == "+": result = .string  // CEL's string concatenation
            default: throw QueryError("cannot apply \(op) to \(tl.type) and \(tr.type)", column: column)
            }
            return .arithmetic(op, tl, tr, result)
        case "in":
            let tl = try check(l), tr = try check(r)
            guard case .list(let element) = tr.type else { throw QueryError("in needs a list on its right, found \(tr.type)", column: r.column) }
            // An enum looked for among names, numbers or constants: `verdict in ["DROPPED", 4]`.
            if case .enumeration = tl.type, case .list(let items, _) = tr {
                let coerced = try items.map { try coerce($0, to: tl.type, column: r.column) }
                for item in coerced where !compatible(item.type, tl.type) {
                    throw QueryError("cannot look for a \(tl.type) among \(item.type) values", column: r.column)
                }
                return ConstantFolding.fold(.inList(tl, .list(coerced, .list(tl.type))))
            }
            let left = try coerce(tl, to: element, column: l.column)
            guard compatible(left.type, element) else {
                throw QueryError("cannot look for a \(tl.type) in a \(tr.type)", column: column)
            }
            if case .list(let items, let t) = tr {
                return .inList(left, .list(try items.map { try coerce($0, to: left.type, column: r.column) }, t))
            }
            return .inList(left, tr)
        default:
            var tl = try check(l), tr = try check(r)
            // Conveniences beyond strict CEL: an enum compared with its name as a string.
            tl = try coerce(tl, to: tr.type, column: l.column)
            tr = try coerce(tr, to: tl.type, column: r.column)
            guard compatible(tl.type, tr.type) else {
                throw QueryError("cannot compare \(tl.type) with \(tr.type)", column: column)
            }
            if case .message = tl.type { throw QueryError("cannot compare messages; compare one of their fields", column: l.column) }
            if case .list = tl.type, op != "==" && op != "!=" { throw QueryError("lists only compare with == and !=", column: column) }
            if [QueryType.ip, .cidr, .url].contains(tl.type), op != "==" && op != "!=" {
                throw QueryError("\(tl.type) values only compare with == and !=", column: column)
            }
            // Bools order as CEL orders them: false < true.
            return .compare(op, tl, tr)
        }
    }

    /// Turns a string constant into an enum number when the other side is an enum, and a
    /// non-negative int constant into a uint when the other side is a uint.
    private func coerce(_ t: Typed, to other: QueryType, column: Int) throws -> Typed {
        if other == .uint, case .constant(.int(let v), .int) = t, v >= 0 { return .constant(.int(v), .uint) }
        guard case .enumeration(let name) = other, case .constant(.string(let s), _) = t, let e = Self.enumsByName[name] else { return t }
        if let n = e.number(s) { return .constant(.int(n), other) }
        // A name this build does not know may come from a newer Cilium (the store keeps such
        // flows, UnknownEnumValue): accepted when it is shaped like an enum name and is not a
        // near miss of a known one (DROPED, dropped), which is far likelier a typo.
        let upper = s.uppercased()
        let nearest = e.values.map { (name: $0.name, distance: FieldCatalog.editDistance($0.name.uppercased(), upper)) }
            .min { $0.distance < $1.distance }
        if UnknownEnumValue.isName(s), (nearest?.distance ?? 99) > 2 {
            return .constant(.int(UnknownEnumValue.code(s)), other)
        }
        throw QueryError("\"\(s)\" is not a \(name) value", column: column, suggestion: nearest.map { "\"\($0.name)\"" })
    }

    private mutating func call(_ name: String, target: Expr?, args: [Expr], column: Int) throws -> Typed {
        func argc(_ n: Int) throws {
            guard args.count == n else { throw QueryError("\(name) takes \(n) argument\(n == 1 ? "" : "s"), found \(args.count)", column: column) }
        }
        switch (name, target) {
        case ("has", nil):
            try argc(1)
            guard case .name(let parts, let c) = args[0] else { throw QueryError("has() needs a field path", column: column) }
            var path = parts
            if path.first == "_flow" { path.removeFirst() }
            guard let field = FieldCatalog.resolve(path) else {
                let text = path.joined(separator: ".")
                throw QueryError("unknown field \"\(text)\"", column: c, suggestion: FieldCatalog.suggestion(for: text).map { "\"\($0)\"" })
            }
            return .has(field)
        case ("exists", let t?), ("all", let t?), ("exists_one", let t?):
            try argc(2)
            let list = try check(t)
            guard case .list(let element) = list.type else { throw QueryError("\(name) works on lists, not \(list.type)", column: column) }
            guard case .name(let v, let vc) = args[0], v.count == 1 else { throw QueryError("\(name) needs a variable name first", column: args[0].column) }
            guard scope[v[0]] == nil else { throw QueryError("variable \(v[0]) is already in use", column: vc) }
            var message: MessageDef?
            if case .field(let p) = list, case .repeated(.message(let m)) = p.leaf.kind { message = m }
            scope[v[0]] = (element, message)
            defer { scope[v[0]] = nil }
            let predicate = try check(args[1])
            guard predicate.type == .bool else { throw QueryError("the predicate of \(name) must be a bool", column: args[1].column) }
            return .comprehension(name, variable: v[0], list: list, predicate: predicate)
        default:
            return try function(name, target: target, args: args, column: column)
        }
    }

    /// A call of a declared function: its overload is the one whose parameter types the
    /// arguments have (`FunctionLibrary`); constant arguments are validated now.
    private mutating func function(_ name: String, target: Expr?, args: [Expr], column: Int) throws -> Typed {
        guard let declaration = FunctionLibrary.declaration(name, method: target != nil) else {
            let other = FunctionLibrary.declaration(name, method: target == nil) != nil
            let hint = other ? (target == nil ? "; call it as a method: x.\(name)(…)" : "; call it as \(name)(x)") : ""
            throw QueryError("unknown function \(target == nil ? name : "." + name)()\(hint)", column: column)
        }
        let expressions = (target.map { [$0] } ?? []) + args
        let typed = try expressions.map { try check($0) }
        guard let overload = declaration.overloads.first(where: { o in
            o.parameters.count == typed.count && zip(o.parameters, typed).allSatisfy { Self.accepts($0, $1.type) }
        }) else {
            let counts = Set(declaration.overloads.map { $0.parameters.count - (target == nil ? 0 : 1) })
            if !counts.contains(args.count) {
                let n = counts.sorted().map(String.init).joined(separator: " or ")
                throw QueryError("\(name) takes \(n) argument\(n == "1" ? "" : "s"), found \(args.count)", column: column)
            }
            let found = typed.map(\.type.description).joined(separator: ", ")
            let wanted = declaration.overloads.map { "(" + $0.parameters.map(\.description).joined(separator: ", ") + ")" }
                .joined(separator: " or ")
            throw QueryError("\(name) takes \(wanted), found (\(found))", column: column)
        }
        if let problem = overload.validate?(typed.map(\.constantValue)) {
            throw QueryError(problem.reason, column: expressions[problem.argument].column)
        }
        return .call(overload, typed)
    }

    /// Whether an argument of type `actual` fits a parameter of type `parameter`.
    static func accepts(_ parameter: QueryType, _ actual: QueryType) -> Bool {
        switch (parameter, actual) {
        case (.dyn, _), (_, .dyn): return true
        case (.enumeration("*"), .enumeration): return true
        case (.list(let p), .list(let a)): return accepts(p, a)
        default: return parameter == actual
        }
    }
}

extension Typed {
    /// Whether `a op b` orders unsigned 64-bit values: both sides are uints and one may exceed
    /// 2^63 - 1 (a uint64 field, or a constant that large). Such values are held as the int64
    /// with the same bits, so the comparison flips the top bit first. Equality needs no flip.
    static func comparesUnsigned(_ op: String, _ a: Typed, _ b: Typed) -> Bool {
        guard op != "==", op != "!=", a.type == .uint, b.type == .uint else { return false }
        return a.mayExceedInt64 || b.mayExceedInt64
    }

    private var mayExceedInt64: Bool {
        switch self {
        case .constant(.int(let v), _): v < 0
        case .field(let p): if case .uint64 = p.leaf.kind { true } else { false }
        case .element(_, let subpath, _): if case .uint64 = subpath.last?.kind { true } else { false }
        default: true
        }
    }

    var isConstant: Bool { if case .constant = self { true } else { false } }
    var constantValue: Constant? { if case .constant(let c, _) = self { c } else { nil } }
}
