/// A parsed expression.
public indirect enum Expr: Sendable {
    case boolLiteral(Bool, column: Int)
    case intLiteral(Int64, column: Int)
    case uintLiteral(UInt64, column: Int)
    case stringLiteral(String, column: Int)
    case list([Expr], column: Int)
    /// A dotted name as written (`_flow.source.namespace`, `Verdict.DROPPED`, `x`).
    case name([String], column: Int)
    case unary(String, Expr, column: Int)
    case binary(String, Expr, Expr, column: Int)
    case conditional(Expr, Expr, Expr, column: Int)
    /// A function call `f(args)` or a method call `target.f(args)`.
    case call(String, target: Expr?, args: [Expr], column: Int)

    public var column: Int {
        switch self {
        case .boolLiteral(_, let c), .intLiteral(_, let c), .uintLiteral(_, let c), .stringLiteral(_, let c),
             .list(_, let c), .name(_, let c), .unary(_, _, let c), .binary(_, _, _, let c),
             .conditional(_, _, _, let c), .call(_, _, _, let c): c
        }
    }
}
