/// Recursive-descent parser for the CEL subset Hubble filters use.
///
/// Precedence, loosest first: `? :`, `||`, `&&`, relations (`== != < <= > >= in`), unary
/// (`! -`), member access and calls.
struct Parser {
    private var tokens: [Lexeme]
    private var k = 0
    private var depth = 0

    static func parse(_ text: String) throws -> Expr {
        guard text.utf8.count <= QueryLimits.maxLength else {
            throw QueryError("expression longer than \(QueryLimits.maxLength) bytes", column: 1)
        }
        var p = Parser(tokens: try Lexer.tokens(text))
        if case .end = p.peek.token { throw QueryError("empty expression", column: 1) }
        let e = try p.conditional()
        guard case .end = p.peek.token else { throw QueryError("unexpected \(p.describe(p.peek.token))", column: p.peek.column) }
        return e
    }

    private init(tokens: [Lexeme]) { self.tokens = tokens }

    private var peek: Lexeme { tokens[k] }

    private mutating func advance() -> Lexeme {
        let t = tokens[k]
        if k < tokens.count - 1 { k += 1 }
        return t
    }

    private func isSymbol(_ s: String) -> Bool {
        if case .symbol(let x) = peek.token { return x == s }
        return false
    }

    private mutating func expect(_ s: String) throws {
        guard isSymbol(s) else { throw QueryError("expected \"\(s)\", found \(describe(peek.token))", column: peek.column) }
        _ = advance()
    }

    private func describe(_ t: Token) -> String {
        switch t {
        case .identifier(let s): "\"\(s)\""
        case .int(let v): "\(v)"
        case .uint(let v): "\(v)u"
        case .string: "a string"
        case .symbol(let s): "\"\(s)\""
        case .end: "the end of the expression"
        }
    }

    private mutating func nested<T>(_ body: (inout Parser) throws -> T) throws -> T {
        depth += 1
        defer { depth -= 1 }
        guard depth <= QueryLimits.maxDepth else { throw QueryError("expression nested deeper than \(QueryLimits.maxDepth) levels (the limit)", column: peek.column) }
        return try body(&self)
    }

    /// Depth counts once per level a reader sees: a parenthesis, a list, a call's arguments, a
    /// `!` or `-`, a `? :` (here), so `((…))` 100 deep is 100 levels, as documented.
    private mutating func conditional() throws -> Expr {
        let cond = try or()
        guard isSymbol("?") else { return cond }
        return try nested { p in
            let column = p.advance().column
            let a = try p.conditional()
            try p.expect(":")
            let b = try p.conditional()
            return .conditional(cond, a, b, column: column)
        }
    }

    private mutating func or() throws -> Expr {
        var left = try and()
        while isSymbol("||") {
            let column = advance().column
            left = .binary("||", left, try and(), column: column)
        }
        return left
    }

    private mutating func and() throws -> Expr {
        var left = try relation()
        while isSymbol("&&") {
            let column = advance().column
            left = .binary("&&", left, try relation(), column: column)
        }
        return left
    }

    private mutating func relation() throws -> Expr {
        let left = try additive()
        for op in ["==", "!=", "<=", ">=", "<", ">"] where isSymbol(op) {
            let column = advance().column
            return .binary(op, left, try additive(), column: column)
        }
        if case .identifier("in") = peek.token {
            let column = advance().column
            return .binary("in", left, try additive(), column: column)
        }
        return left
    }

    private mutating func additive() throws -> Expr {
        var left = try unary()
        while isSymbol("+") || isSymbol("-") {
            let op = isSymbol("+") ? "+" : "-"
            let column = advance().column
            left = .binary(op, left, try unary(), column: column)
        }
        return left
    }

    private mutating func unary() throws -> Expr {
        if isSymbol("!") {
            return try nested { p in
                let column = p.advance().column
                return .unary("!", try p.unary(), column: column)
            }
        }
        if isSymbol("-") {
            return try nested { p in
                let column = p.advance().column
                switch p.peek.token {
                case .int(let v):
                    _ = p.advance()
                    return .intLiteral(-v, column: column)
                default:
                    return .unary("-", try p.unary(), column: column)
                }
            }
        }
        return try member()
    }

    private mutating func member() throws -> Expr {
        var e = try primary()
        while true {
            if isSymbol(".") {
                _ = advance()
                guard case .identifier(let name) = peek.token else {
                    throw QueryError("expected a field or method name after \".\"", column: peek.column)
                }
                let column = advance().column
                if isSymbol("(") {
                    e = .call(name, target: e, args: try arguments(), column: column)
                } else if case .name(let parts, let c) = e {
                    e = .name(parts + [name], column: c)
                } else {
                    throw QueryError("field access on a value that is not a message", column: column)
                }
            } else {
                return e
            }
        }
    }

    /// A call's arguments: one level deeper.
    private mutating func arguments() throws -> [Expr] {
        try nested { try $0.argumentList() }
    }

    private mutating func argumentList() throws -> [Expr] {
        try expect("(")
        var args: [Expr] = []
        if isSymbol(")") { _ = advance(); return args }
        while true {
            args.append(try conditional())
            if isSymbol(",") { _ = advance(); continue }
            try expect(")")
            return args
        }
    }

    private mutating func primary() throws -> Expr {
        let t = peek
        switch t.token {
        case .int(let v): _ = advance(); return .intLiteral(v, column: t.column)
        case .uint(let v): _ = advance(); return .uintLiteral(v, column: t.column)
        case .string(let s): _ = advance(); return .stringLiteral(s, column: t.column)
        case .identifier(let name):
            _ = advance()
            if name == "true" || name == "false" { return .boolLiteral(name == "true", column: t.column) }
            if isSymbol("(") { return .call(name, target: nil, args: try arguments(), column: t.column) }
            return .name([name], column: t.column)
        case .symbol("("):
            return try nested { p in
                _ = p.advance()
                let e = try p.conditional()
                try p.expect(")")
                return e
            }
        case .symbol("["):
            return try nested { p in
                _ = p.advance()
                var items: [Expr] = []
                if p.isSymbol("]") { _ = p.advance(); return .list(items, column: t.column) }
                while true {
                    items.append(try p.conditional())
                    if p.isSymbol(",") { _ = p.advance(); continue }
                    try p.expect("]")
                    return .list(items, column: t.column)
                }
            }
        default:
            throw QueryError("unexpected \(describe(t.token))", column: t.column)
        }
    }
}
