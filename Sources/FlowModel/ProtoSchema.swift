/// A proto enum: its values by number and by name, as protojson writes them.
public final class EnumDef: @unchecked Sendable {
    public let name: String
    public let values: [(name: String, number: Int64)]
    private let byName: [Substring: Int64]
    private let byNumber: [Int64: String]
    private let nameBytes: [Int64: [UInt8]]

    public init(_ name: String, _ values: [(String, Int64)]) {
        self.name = name
        self.values = values.map { (name: $0.0, number: $0.1) }
        var byName: [Substring: Int64] = [:]
        var byNumber: [Int64: String] = [:]
        var nameBytes: [Int64: [UInt8]] = [:]
        for (n, v) in values {
            byName[Substring(n)] = v
            if byNumber[v] == nil { byNumber[v] = n; nameBytes[v] = Array(n.utf8) }
        }
        self.byName = byName
        self.byNumber = byNumber
        self.nameBytes = nameBytes
    }

    /// The number for a value name, or nil when the name is not part of the enum.
    public func number(_ name: Substring) -> Int64? { byName[name] }
    public func number(_ name: String) -> Int64? { byName[Substring(name)] }
    /// The canonical name of a number, or nil for numbers this schema does not know.
    public func name(_ number: Int64) -> String? { byNumber[number] }
    func nameUTF8(_ number: Int64) -> [UInt8]? { nameBytes[number] }
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
    let protoNameBytes: [UInt8]
    let camelNameBytes: [UInt8]
    /// Position in its message, for duplicate-key detection.
    var index = 0

    public init(_ name: String, _ kind: FieldKind, _ storage: Storage = .residual,
                presence: (Column, Int64)? = nil, csv: String? = nil) {
        protoName = name
        camelName = FieldDef.lowerCamel(name)
        self.kind = kind
        self.storage = storage
        self.presence = presence.map { (column: $0.0, value: $0.1) }
        csvHeader = csv
        protoNameBytes = Array(name.utf8)
        camelNameBytes = Array(camelName.utf8)
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

/// A proto message: its fields, found by proto name or lowerCamelCase name.
public final class MessageDef: @unchecked Sendable {
    public let name: String
    public let fields: [FieldDef]
    private var table: [UInt64: [FieldDef]] = [:]

    public init(_ name: String, _ fields: [FieldDef]) {
        self.name = name
        self.fields = fields
        precondition(fields.count <= 64, "duplicate detection uses a 64-bit mask")
        for (k, f) in fields.enumerated() {
            f.index = k
            for key in Set([f.protoName, f.camelName]) {
                table[KeyHash.of(Array(key.utf8)), default: []].append(f)
            }
        }
    }

    /// The field whose proto or JSON name is exactly these bytes.
    @inline(__always)
    func field(_ key: UnsafeBufferPointer<UInt8>) -> FieldDef? {
        guard let candidates = table[KeyHash.of(key)] else { return nil }
        for f in candidates {
            if KeyHash.equal(key, f.protoNameBytes) || KeyHash.equal(key, f.camelNameBytes) { return f }
        }
        return nil
    }

    /// The field with this proto or JSON name.
    public func field(named name: String) -> FieldDef? {
        fields.first { $0.protoName == name || $0.camelName == name }
    }
}

/// Hashing of short keys for schema lookups.
enum KeyHash {
    @inline(__always)
    static func of<C: Collection>(_ bytes: C) -> UInt64 where C.Element == UInt8 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    @inline(__always)
    static func equal(_ a: UnsafeBufferPointer<UInt8>, _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        if a.isEmpty { return true }
        return b.withUnsafeBufferPointer { bb in
            memcmp(a.baseAddress!, bb.baseAddress!, a.count) == 0
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
