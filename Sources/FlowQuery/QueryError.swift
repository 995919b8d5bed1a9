/// A query that cannot be run: what is wrong, where (1-based column), and a suggestion.
public struct QueryError: Error, CustomStringConvertible, Sendable {
    public let message: String
    /// 1-based column in the expression.
    public let column: Int
    public let suggestion: String?
    /// The expression, for the caret line.
    public var expression: String = ""

    public init(_ message: String, column: Int, suggestion: String? = nil) {
        self.message = message
        self.column = max(1, column)
        self.suggestion = suggestion
    }

    /// `message` with the expression and a caret under the column, as printed to a terminal.
    public var description: String {
        var text = "column \(column): \(message)"
        if let suggestion { text += "; did you mean \(suggestion)?" }
        if !expression.isEmpty {
            let line = expression.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? expression
            text += "\n  \(line)\n  " + String(repeating: " ", count: min(column - 1, line.count)) + "^"
        }
        return text
    }
}

/// Limits that keep hostile expressions cheap.
public enum QueryLimits {
    /// Longest expression accepted, in bytes.
    public static let maxLength = 16_384
    /// Deepest nesting of parentheses, operators and calls the parser reads.
    public static let maxDepth = 100
    /// What bounds nesting in SQL: SQLite's parser stack (YYSTACKDEPTH, 100 entries in Debian's
    /// build) overflows on deeply nested SQL. Every checked filter is prepared against an empty
    /// copy of the schema first (`SQLProbe`), so the limit is exactly SQLite's. Chains of one
    /// operator (`a || b || c`) and equality lists cost nothing; measured on 3.40: about 25
    /// alternations between `&&` and `||`, 30 nested `!`, 8 nested comprehensions.
    public static let sqlDepthNote = "about 25 alternations of && and ||, 30 nested !, or 8 nested comprehensions; chains of one operator and `in` lists do not count"
}
