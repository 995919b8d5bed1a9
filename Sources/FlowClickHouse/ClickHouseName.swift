import FlowQuery

extension ClickHouseText {
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
