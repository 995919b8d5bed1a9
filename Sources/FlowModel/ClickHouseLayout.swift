/// The columns of the ClickHouse flow table (`migrations/clickhouse/`), derived from the field
/// catalog: every `Column` under its own name, plus the parts of the source and destination
/// endpoints that filters and reports read, as columns of their own, and the residual JSON the
/// SQLite store keeps (the flow without those values; `FlowEncoder` rebuilds the line).
/// ClickHouse 18.16 has no JSON path functions (docs/clickhouse-18.16-notes.md), so what a query
/// reads in SQL must be a column; anything else is read from the rebuilt flow by the reference
/// interpreter.
public enum ClickHouseLayout {
    /// A part of an endpoint kept as a column (`src_namespace`), by its Endpoint field name.
    public enum EndpointPart: String, CaseIterable, Sendable {
        case namespace = "namespace", podName = "pod_name", cluster = "cluster_name", labels = "labels"
        case identity = "identity", id = "ID"

        /// The column's suffix after `src_` / `dst_`.
        public var suffix: String {
            switch self {
            case .namespace: "namespace"
            case .podName: "pod"
            case .cluster: "cluster"
            case .labels: "labels"
            case .identity: "identity"
            case .id: "id"
            }
        }
    }

    /// How a `Column` is held in ClickHouse.
    public enum Form: Sendable, Equatable {
        /// `Int64`, 0 when absent (as in SQLite).
        case int
        /// `Nullable(UInt8)`: the wrapper bool `is_reply`, NULL when absent.
        case nullableBool
        /// `Nullable(String)`: text, or canonical JSON of an object or list, as the SQLite
        /// dictionary holds it; NULL when absent.
        case nullableText
    }

    public static func form(_ c: Column) -> Form {
        if c == .isReply { return .nullableBool }
        return c.dictionary == nil ? .int : .nullableText
    }

    /// The ClickHouse column of a `Column` (the SQLite name, but `node_name`: no id here).
    public static func name(_ c: Column) -> String { c == .nodeName ? "node_name" : c.sqlName }

    /// `src_namespace`, `dst_labels`…: `side` is `.source` or `.destination`.
    public static func endpointColumn(_ side: Column, _ part: EndpointPart) -> String {
        (side == .source ? "src_" : "dst_") + part.suffix
    }
}
