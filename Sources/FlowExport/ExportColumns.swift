import Foundation
import FlowModel
import FlowQuery

/// The columns of an export: field paths from the catalog, resolved once.
public struct ExportColumns: Sendable {
    /// Header names, as the user wrote them in canonical (proto-name) spelling.
    public let names: [String]
    /// What the extractor looks for, per column.
    public let targets: [FieldExtractor.Target]
    /// What an absent value shows as, per column (proto3: numbers are 0, booleans false).
    let absent: [AbsentValue]

    /// Derived columns: whichever protocol the `l4` oneof holds.
    public static let derived: [String: FieldExtractor.Derived] = [
        "l4.protocol": .l4Protocol, "l4.source_port": .l4SourcePort, "l4.destination_port": .l4DestinationPort,
    ]

    /// The default set: who talked to whom, what happened, and why.
    public static let defaultNames = [
        "time", "verdict", "drop_reason_desc", "traffic_direction", "policy_match_type",
        "source.namespace", "source.pod_name", "source.identity", "IP.source", "l4.source_port",
        "destination.namespace", "destination.pod_name", "destination.identity", "IP.destination",
        "l4.destination_port", "l4.protocol", "source_names", "destination_names", "node_name", "Summary",
    ]

    public static let standard = try! ExportColumns(list: nil)

    /// Parses a comma-separated list of field paths (proto or lowerCamelCase names; an
    /// optional `_flow.` or `flow.` root); nil or empty gives the default set.
    public init(list: String?) throws {
        let requested = (list ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let raw = requested.isEmpty ? Self.defaultNames : requested
        var names: [String] = [], targets: [FieldExtractor.Target] = [], absent: [AbsentValue] = []
        for name in raw {
            guard !name.isEmpty else { throw ExportError("columns: an empty column name") }
            var parts = name.split(separator: ".").map(String.init)
            if parts.first == "_flow" || parts.first == "flow" { parts.removeFirst() }
            let joined = parts.joined(separator: ".")
            if let d = Self.derived[joined] {
                names.append(joined)
                targets.append(.derived(d))
                absent.append(.empty)
                continue
            }
            guard let path = FieldCatalog.resolve(parts) else {
                let hint = FieldCatalog.suggestion(for: joined).map { "; did you mean \"\($0)\"?" } ?? ""
                throw ExportError("columns: unknown field \"\(name)\"\(hint)")
            }
            names.append(path.description)
            targets.append(.path(path.defs.map(\.protoName)))
            absent.append(AbsentValue(path.leaf.kind))
        }
        self.names = names
        self.targets = targets
        self.absent = absent
    }
}

/// What a field shows when the flow does not have it.
enum AbsentValue: Sendable {
    case empty, zero, no

    init(_ kind: FieldKind) {
        switch kind {
        case .int32, .int64, .uint32, .uint64: self = .zero
        case .bool: self = .no
        default: self = .empty
        }
    }

    /// As a CSV cell.
    var text: StaticString {
        switch self {
        case .empty: ""
        case .zero: "0"
        case .no: "false"
        }
    }

    /// As a JSON value.
    var json: StaticString {
        switch self {
        case .empty: "null"
        case .zero: "0"
        case .no: "false"
        }
    }
}

/// A bad export request (unknown column, format): the message names the parameter.
public struct ExportError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
