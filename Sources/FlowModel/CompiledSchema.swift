/// `FlowSchema` flattened into plain structs in raw memory, for the decoder's inner loop.
///
/// Walking the class graph of `MessageDef`/`FieldDef` costs a retain and release per field
/// and per enum payload, which profiles showed as 15% of ingest time. This table is built
/// once from the same declarations, so the schema is still declared in one place.
struct CompiledSchema {
    /// Field kinds as small integers.
    enum Tag: UInt8 {
        case string, bool, boolWrapper, int32, uint32, int64, uint64, enumeration, timestamp, message, repeated, any
    }

    /// Storage of a field (see `Storage`).
    enum Place: UInt8 { case residual, column, dictionary, time }

    struct Field {
        var tag: Tag
        var elementTag: Tag
        var place: Place
        var column: Int8
        var presenceColumn: Int8
        var presenceValue: Int64
        /// Message index for `message`, or for `repeated` of messages.
        var message: Int32
        /// Enum index for `enumeration` (or repeated enums).
        var enumeration: Int32
        var protoStart: Int32, protoLength: Int32
        var camelStart: Int32, camelLength: Int32
        /// Position in its message, for duplicate detection.
        var index: Int32
    }

    struct Message {
        var firstField: Int32
        var fieldCount: Int32
        var tableStart: Int32
        var tableMask: Int32
        var nameStart: Int32, nameLength: Int32
    }

    struct Enumeration {
        var tableStart: Int32
        var tableMask: Int32
        var nameStart: Int32, nameLength: Int32
    }

    /// Enum values indexed by number 0..<`numberedLimit`: name offset and length in the arena.
    static let numberedLimit = 256

    let fields: UnsafeMutableBufferPointer<Field>
    let messages: UnsafeMutableBufferPointer<Message>
    let enums: UnsafeMutableBufferPointer<Enumeration>
    /// Open-addressing tables of field indexes (message keys) or enum value slots (-1: empty).
    let tables: UnsafeMutableBufferPointer<Int32>
    /// Enum name tables: `enumNames[e * numberedLimit + n]` = (start, length) or (-1, 0).
    let enumNames: UnsafeMutableBufferPointer<(Int32, Int32)>
    /// Enum value slots: (name start, name length, number).
    let enumValues: UnsafeMutableBufferPointer<(Int32, Int32, Int64)>
    let arena: UnsafeMutableBufferPointer<UInt8>
    /// Index of the Flow message.
    let flow: Int32
    /// Index of the Flow message's `uuid` field: the decoder hashes its value (`FlowIdentity`).
    let uuidField: Int32

    /// The schema of `FlowSchema.flow`, built once.
    nonisolated(unsafe) static let shared = CompiledSchema(root: FlowSchema.flow)

    init(root: MessageDef) {
        var fieldList: [Field] = []
        var messageList: [Message] = []
        var enumList: [Enumeration] = []
        var tableList: [Int32] = []
        var enumNameList: [(Int32, Int32)] = []
        var enumValueList: [(Int32, Int32, Int64)] = []
        var arenaBytes: [UInt8] = []
        var messageIndex: [ObjectIdentifier: Int32] = [:]
        var enumIndex: [ObjectIdentifier: Int32] = [:]

        func intern(_ s: String) -> (Int32, Int32) {
            let start = Int32(arenaBytes.count)
            arenaBytes.append(contentsOf: s.utf8)
            return (start, Int32(s.utf8.count))
        }

        func tableSize(_ entries: Int) -> Int {
            var size = 8
            while size < entries * 4 { size *= 2 }
            return size
        }

        func compileEnum(_ e: EnumDef) -> Int32 {
            if let i = enumIndex[ObjectIdentifier(e)] { return i }
            let index = Int32(enumList.count)
            enumIndex[ObjectIdentifier(e)] = index
            let size = tableSize(e.values.count)
            let tableStart = Int32(tableList.count)
            tableList.append(contentsOf: repeatElement(-1, count: size))
            let nameBase = enumNameList.count
            enumNameList.append(contentsOf: repeatElement((-1, 0), count: CompiledSchema.numberedLimit))
            for v in e.values {
                let (start, length) = intern(v.name)
                let slot = Int32(enumValueList.count)
                enumValueList.append((start, length, v.number))
                var h = Int(truncatingIfNeeded: CompiledSchema.hash(v.name)) & (size - 1)
                while tableList[Int(tableStart) + h] != -1 { h = (h + 1) & (size - 1) }
                tableList[Int(tableStart) + h] = slot
                if v.number >= 0, v.number < CompiledSchema.numberedLimit, enumNameList[nameBase + Int(v.number)].0 == -1 {
                    enumNameList[nameBase + Int(v.number)] = (start, length)
                }
            }
            let (ns, nl) = intern(e.name)
            enumList.append(Enumeration(tableStart: tableStart, tableMask: Int32(size - 1), nameStart: ns, nameLength: nl))
            return index
        }

        func tag(_ kind: FieldKind) -> Tag {
            switch kind {
            case .string: .string
            case .bool: .bool
            case .boolWrapper: .boolWrapper
            case .int32: .int32
            case .uint32: .uint32
            case .int64: .int64
            case .uint64: .uint64
            case .enumeration: .enumeration
            case .timestamp: .timestamp
            case .message: .message
            case .repeated: .repeated
            case .any: .any
            }
        }

        func compileMessage(_ def: MessageDef) -> Int32 {
            if let i = messageIndex[ObjectIdentifier(def)] { return i }
            let index = Int32(messageList.count)
            messageIndex[ObjectIdentifier(def)] = index
            let (ns, nl) = intern(def.name)
            messageList.append(Message(firstField: 0, fieldCount: 0, tableStart: 0, tableMask: 0, nameStart: ns, nameLength: nl))
            // Nested messages first, so this message's fields are contiguous.
            var nested: [Int32] = []
            var nestedEnums: [Int32] = []
            for f in def.fields {
                var message: Int32 = -1, enumeration: Int32 = -1
                var kind = f.kind
                if case .repeated(let element) = kind { kind = element }
                if case .message(let m) = kind { message = compileMessage(m) }
                if case .enumeration(let e) = kind { enumeration = compileEnum(e) }
                nested.append(message)
                nestedEnums.append(enumeration)
            }
            let first = Int32(fieldList.count)
            for (k, f) in def.fields.enumerated() {
                var place = Place.residual
                var column: Int8 = -1
                switch f.storage {
                case .residual: break
                case .column(let c): place = .column; column = Int8(c.rawValue)
                case .dictionary(let c): place = .dictionary; column = Int8(c.rawValue)
                case .time: place = .time; column = Int8(Column.time.rawValue)
                }
                var element = Tag.any
                if case .repeated(let e) = f.kind { element = tag(e) }
                let (ps, pl) = intern(f.protoName)
                let (cs, cl) = intern(f.camelName)
                fieldList.append(Field(
                    tag: tag(f.kind), elementTag: element, place: place, column: column,
                    presenceColumn: Int8(f.presence?.column.rawValue ?? -1), presenceValue: f.presence?.value ?? 0,
                    message: nested[k], enumeration: nestedEnums[k],
                    protoStart: ps, protoLength: pl, camelStart: cs, camelLength: cl, index: Int32(k)))
            }
            let size = tableSize(def.fields.count * 2)
            let tableStart = Int32(tableList.count)
            tableList.append(contentsOf: repeatElement(-1, count: size))
            for (k, f) in def.fields.enumerated() {
                for name in Set([f.protoName, f.camelName]) {
                    var h = Int(truncatingIfNeeded: CompiledSchema.hash(name)) & (size - 1)
                    while tableList[Int(tableStart) + h] != -1 { h = (h + 1) & (size - 1) }
                    tableList[Int(tableStart) + h] = first + Int32(k)
                }
            }
            messageList[Int(index)].firstField = first
            messageList[Int(index)].fieldCount = Int32(def.fields.count)
            messageList[Int(index)].tableStart = tableStart
            messageList[Int(index)].tableMask = Int32(size - 1)
            return index
        }

        flow = compileMessage(root)

        func copy<T>(_ a: [T]) -> UnsafeMutableBufferPointer<T> {
            let p = UnsafeMutableBufferPointer<T>.allocate(capacity: max(a.count, 1))
            _ = p.initialize(from: a)
            return p
        }
        fields = copy(fieldList)
        messages = copy(messageList)
        enums = copy(enumList)
        tables = copy(tableList)
        enumNames = copy(enumNameList)
        enumValues = copy(enumValueList)
        arena = copy(arenaBytes)
        let root = messageList[Int(flow)]
        uuidField = (Int(root.firstField)..<Int(root.firstField + root.fieldCount)).first {
            let f = fieldList[$0]
            return String(decoding: arenaBytes[Int(f.protoStart)..<Int(f.protoStart + f.protoLength)], as: UTF8.self) == "uuid"
        }.map(Int32.init) ?? -1
    }

    /// The field of message `m` named by `key` (proto or JSON name), or -1.
    @inline(__always)
    func lookup(_ m: Int32, _ key: UnsafePointer<UInt8>, _ length: Int) -> Int32 {
        let msg = messages[Int(m)]
        var h = Int(truncatingIfNeeded: Self.hash(key, length)) & Int(msg.tableMask)
        while true {
            let f = tables[Int(msg.tableStart) + h]
            if f < 0 { return -1 }
            let field = fields[Int(f)]
            if Self.same(key, length, arena, field.protoStart, field.protoLength)
                || Self.same(key, length, arena, field.camelStart, field.camelLength) { return f }
            h = (h + 1) & Int(msg.tableMask)
        }
    }

    /// The field of the Flow message named by `key`.
    func flowField(_ key: UnsafeBufferPointer<UInt8>) -> Field? {
        guard let base = key.baseAddress else { return nil }
        let f = lookup(flow, base, key.count)
        return f < 0 ? nil : fields[Int(f)]
    }

    /// The number of enum `e`'s value named by `key`, or nil.
    @inline(__always)
    func enumNumber(_ e: Int32, _ key: UnsafePointer<UInt8>, _ length: Int) -> Int64? {
        let en = enums[Int(e)]
        var h = Int(truncatingIfNeeded: Self.hash(key, length)) & Int(en.tableMask)
        while true {
            let slot = tables[Int(en.tableStart) + h]
            if slot < 0 { return nil }
            let v = enumValues[Int(slot)]
            if Self.same(key, length, arena, v.0, v.1) { return v.2 }
            h = (h + 1) & Int(en.tableMask)
        }
    }

    /// The canonical name of a number in enum `e`, as (start, length) in the arena, or nil.
    @inline(__always)
    func enumName(_ e: Int32, _ number: Int64) -> (Int32, Int32)? {
        guard number >= 0, number < Self.numberedLimit else { return nil }
        let n = enumNames[Int(e) * Self.numberedLimit + Int(number)]
        return n.0 < 0 ? nil : n
    }

    /// How stats name a field: `drop_reason_desc` for a Flow field, `Message.field` below it.
    /// Found by searching (only for the rare unknown enum value).
    func fieldLabel(_ f: Field) -> String {
        let name = string(f.protoStart, f.protoLength)
        for m in messages {
            let range = Int(m.firstField)..<Int(m.firstField + m.fieldCount)
            guard range.contains(where: { fields[$0].protoStart == f.protoStart }) else { continue }
            return m.firstField == messages[Int(flow)].firstField ? name : string(m.nameStart, m.nameLength) + "." + name
        }
        return name
    }

    func string(_ start: Int32, _ length: Int32) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: arena[Int(start)..<Int(start + length)]), as: UTF8.self)
    }

    static func hash(_ s: String) -> UInt64 {
        var bytes = Array(s.utf8)
        return bytes.withUnsafeMutableBufferPointer { hash($0.baseAddress!, $0.count) }
    }

    @inline(__always)
    static func hash(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for i in 0..<n { h = (h ^ UInt64(p[i])) &* 0x100_0000_01b3 }
        return h
    }

    @inline(__always)
    static func same(_ p: UnsafePointer<UInt8>, _ n: Int, _ arena: UnsafeMutableBufferPointer<UInt8>,
                     _ start: Int32, _ length: Int32) -> Bool {
        guard n == Int(length) else { return false }
        return n == 0 || memcmp(p, arena.baseAddress! + Int(start), n) == 0
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
