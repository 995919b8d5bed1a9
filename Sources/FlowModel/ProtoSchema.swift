/// A proto enum: its values by number and by name, as protojson writes them.
public final class EnumDef: @unchecked Sendable {
    public let name: String
    public let values: [(name: String, number: Int64)]
    private let byName: [Substring: Int64]
    private let byNumber: [Int64: String]

    public init(_ name: String, _ values: [(String, Int64)]) {
        self.name = name
        self.values = values.map { (name: $0.0, number: $0.1) }
        var byName: [Substring: Int64] = [:]
        var byNumber: [Int64: String] = [:]
        for (n, v) in values {
            byName[Substring(n)] = v
            if byNumber[v] == nil { byNumber[v] = n }
        }
        self.byName = byName
        self.byNumber = byNumber
    }

    /// The number for a value name, or nil when the name is not part of the enum.
    public func number(_ name: Substring) -> Int64? { byName[name] }
    public func number(_ name: String) -> Int64? { byName[Substring(name)] }
    /// The canonical name of a number, or nil for numbers this schema does not know.
    public func name(_ number: Int64) -> String? { byNumber[number] }

    /// The number a stored name compares as: its number, the `UnknownEnumValue` code of a name
    /// from a newer schema, or 0 (the zero value) for text that is no enum name at all.
    public func storedNumber(_ name: String) -> Int64 {
        number(name) ?? (UnknownEnumValue.isName(name) ? UnknownEnumValue.code(name) : 0)
    }
}

/// The JSON type of a field, as protojson encodes it.
public indirect enum FieldKind: Sendable {
    case string
    case bool
    /// `google.protobuf.BoolValue`: true or false are both meaningful, absent is unknown.
    case boolWrapper
    case int32
    case uint32
    /// 64-bit integers, which protojson writes as JSON strings.
    case int64
    case uint64
    case enumeration(EnumDef)
    case timestamp
    case message(MessageDef)
    case repeated(FieldKind)
    /// `google.protobuf.Any` and other free-form JSON: kept verbatim.
    case any
}

/// Where a flow field's value lives in the store.
public enum Storage: Sendable, Equatable {
    /// Only inside the flow's compressed residual JSON.
    case residual
    /// In an integer column of the flow row (also kept in the residual).
    case column(Column)
    /// Removed from the residual; the row holds a dictionary id (text or JSON stored once).
    case dictionary(Column)
    /// Removed from the residual; the row's time column holds it.
    case time
}

/// One field of a proto message: its proto name, lowerCamelCase alias, kind and storage.
public final class FieldDef: @unchecked Sendable {
    public let protoName: String
    public let camelName: String
    public let kind: FieldKind
    public let storage: Storage
    /// For oneof members such as `l4.TCP`: a column that records which member is present.
    public let presence: (column: Column, value: Int64)?
    /// Header used for this field in CSV output, when it is a catalog leaf.
    public let csvHeader: String?

    public init(_ name: String, _ kind: FieldKind, _ storage: Storage = .residual,
                presence: (Column, Int64)? = nil, csv: String? = nil) {
        protoName = name
        camelName = FieldDef.lowerCamel(name)
        self.kind = kind
        self.storage = storage
        self.presence = presence.map { (column: $0.0, value: $0.1) }
        csvHeader = csv
    }

    /// protojson's JSON name: `policy_match_type` → `policyMatchType`; `IP` stays `IP`.
    static func lowerCamel(_ name: String) -> String {
        var out = ""
        var upper = false
        for c in name {
            if c == "_" { upper = true; continue }
            out.append(upper ? Character(c.uppercased()) : c)
            upper = false
        }
        return out
    }
}

/// A proto message: its fields, in declaration order.
///
/// The decoder and encoder do not search these objects: `CompiledSchema` flattens them into
/// lookup tables once.
public final class MessageDef: @unchecked Sendable {
    public let name: String
    public let fields: [FieldDef]

    public init(_ name: String, _ fields: [FieldDef]) {
        precondition(fields.count <= 64, "duplicate detection uses a 64-bit mask")
        self.name = name
        self.fields = fields
    }

    /// The field with this proto or JSON name.
    public func field(named name: String) -> FieldDef? {
        fields.first { $0.protoName == name || $0.camelName == name }
    }
}
