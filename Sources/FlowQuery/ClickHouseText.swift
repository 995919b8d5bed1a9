/// The one place a value becomes ClickHouse SQL text.
///
/// ClickHouse 18.16 (Debian's) has no query parameters (`{name:Type}` and `param_x` came later:
/// docs/clickhouse-18.16-notes.md), so user values are written as literals, and only by these
/// functions. String literals follow ClickHouse's lexer: in single quotes, a backslash starts an
/// escape (`\\`, `\'`, `\0`, `\xNN`, …; an unknown escape drops its backslash), so escaping the
/// backslash and the quote is enough to keep any text a single literal; NUL is written `\0` so
/// the query text stays printable.
public enum ClickHouseText {
    /// `it's` → `'it\'s'`.
    public static func literal(_ text: String) -> String {
        var out = "'"
        out.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "'": out += "\\'"
            case "\0": out += "\\0"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "'"
    }
}
