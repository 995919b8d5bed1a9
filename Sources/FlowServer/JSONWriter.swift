import FlowModel

/// Small helpers for writing JSON by hand: the API's shapes are fixed and few.
enum JSONWriter {
    /// A JSON string literal.
    static func quote(_ s: String) -> String { JSONText.quoted(s) }

    /// A JSON object from already-encoded values, in the given order.
    static func object(_ fields: [(String, String)]) -> String {
        "{" + fields.map { quote($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
    }
}
