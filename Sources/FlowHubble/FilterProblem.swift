/// Why a FlowFilter (or a flag that builds one) cannot be used: the FlowFilter field or flag it
/// concerns and the reason. gRPC answers it as INVALID_ARGUMENT, the CLI exits 2 with it.
public struct FilterProblem: Error, CustomStringConvertible, Equatable {
    /// The FlowFilter field (`source_port`) or, from the CLI, the flag (`--port`); nil when
    /// not known yet (the caller adds it).
    public var field: String?
    public var reason: String

    public init(_ reason: String, field: String? = nil) {
        self.reason = reason
        self.field = field
    }

    public var description: String { field.map { "\($0): \(reason)" } ?? reason }
}
