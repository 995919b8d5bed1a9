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

    /// An identifier from flowtrail's own catalog or a store URL's database name, in backquotes.
    /// Names are checked, not escaped: only `[A-Za-z_][A-Za-z0-9_]*` is accepted.
    /// - Throws: `ClickHouseError.invalidName` otherwise.
    public static func identifier(_ name: String) throws -> String {
        guard let first = name.utf8.first, first == 0x5F || (first | 0x20) >= 0x61 && (first | 0x20) <= 0x7A,
              name.utf8.allSatisfy({ $0 == 0x5F || ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A || ($0 >= 0x30 && $0 <= 0x39) })
        else { throw ClickHouseError.invalidName(name) }
        return "`" + name + "`"
    }
}
