/// Decodes one Hubble JSON line into a `DecodedFlow` in a single pass over its bytes.
///
/// The schema drives the walk: known fields are type-checked and rewritten canonically (proto
/// names, enum names, 64-bit integers as strings, zero values left out), unknown fields are
/// copied verbatim, column values are captured on the way, and bulky dictionary fields are cut
/// out of the residual into `DecodedFlow.side`. A wrong type anywhere rejects the whole line.
public final class FlowDecoder {
    public let flow = DecodedFlow()
    let cache = TranscodeCache()
    /// The raw JSON of a non-flow record (`lost_events` value) from the last line.
    public private(set) var eventJSON: [UInt8] = []
    /// Node name and time of the wrapper, for non-flow records.
    public private(set) var wrapperNode: String?
    public private(set) var wrapperTime: Int64?

    public init() {}

    /// Decodes a line (without its newline). Throws `DecodeError` for a line to reject.
    public func decode(_ line: UnsafeBufferPointer<UInt8>) throws -> LineKind {
        flow.reset()
        var c = JSONCursor(line)
        let first = c.peek()
        if first == 0 {
            // peek() gives 0 at the end, but a NUL byte is not the end: such a line is no JSON.
            guard c.i >= c.n else { throw c.error("not JSON (a NUL byte)") }
            return .blank
        }
        guard first == 0x7B else {
            if first == 0x5B || first == 0x22 || first == 0x74 || first == 0x66 || first == 0x6E
                || first == 0x2D || (first >= 0x30 && first <= 0x39) {
                var probe = c
                if (try? probe.skipValue(depth: 0)) != nil, probe.peek() == 0 {
                    throw c.error("not a JSON object")
                }
            }
            throw c.error("not JSON")
        }
        let objectStart = c.i
        if let kind = try decodeWrapper(&c) {
            guard c.peek() == 0 else { throw c.error("unexpected data after the JSON object") }
            return kind
        }
        // Legacy shape: the line is a bare Flow object.
        flow.reset()
        c.i = objectStart
        var w = Walker(cursor: c, flow: flow, cache: cache)
        try w.flowMessage(into: flow.residual, depth: 0)
        c = w.cursor
        guard c.peek() == 0 else { throw c.error("unexpected data after the JSON object") }
        guard flow.has(.time) else { throw DecodeError("flow has no time", column: 1) }
        return .flow
    }

    /// Reads `{"flow":…,"node_name":…,"time":…}` and the other wrapper records.
    ///
    /// Any object with a `flow` (or `lost_events`, …) member is a wrapper, whatever other keys
    /// it has and in whatever order: log shippers add their own beside Hubble's (Fluent Bit's
    /// `date`, first by default; Logstash's `@timestamp`, `host`; Vector's `timestamp`). Those
    /// keys are skipped (validated as JSON, not stored). Returns nil when the object has no
    /// record member: a legacy bare Flow object, which the caller decodes again as such.
    private func decodeWrapper(_ c: inout JSONCursor) throws -> LineKind? {
        var kind: LineKind?
        wrapperNode = nil
        wrapperTime = nil
        c.i += 1
        if c.peek() == 0x7D { c.i += 1; return nil }
        var nodeSide: Range<Int>?
        while true {
            c.skipSpace()
            let key = try c.string()
            let k = UnsafeBufferPointer(start: c.p + key.start, count: key.end - key.start)
            try c.expect(0x3A, "':'")
            switch WrapperKey(k) {
            case .flow:
                guard kind == nil else { throw c.error("more than one record in a line") }
                if c.takeNull() { break }
                var w = Walker(cursor: c, flow: flow, cache: cache)
                try w.flowMessage(into: flow.residual, depth: 1)
                c = w.cursor
                kind = .flow
            case .nodeName:
                if c.takeNull() { break }
                guard c.peek() == 0x22 else { throw c.error("node_name: expected a string, found \(c.typeName())") }
                let s = try c.string()
                let start = flow.side.count
                JSONCursor.unescape(c.p, s.start, s.end, into: flow.side)
                nodeSide = start..<flow.side.count
                wrapperNode = String(decoding: UnsafeBufferPointer(start: flow.side.base + start, count: flow.side.count - start), as: UTF8.self)
            case .time:
                if c.takeNull() { break }
                guard c.peek() == 0x22 else { throw c.error("time: expected a string, found \(c.typeName())") }
                let at = c.i
                let s = try c.string()
                guard let t = FlowTime.parse(UnsafeBufferPointer(start: c.p + s.start, count: s.end - s.start)) else {
                    throw c.error("time: not an RFC 3339 time", at: at)
                }
                wrapperTime = t
            case .lostEvents, .agentEvent, .debugEvent, .nodeStatus:
                guard kind == nil else { throw c.error("more than one record in a line") }
                guard c.peek() == 0x7B else { throw c.error("expected an object, found \(c.typeName())") }
                let start = try c.skipValue(depth: 1)
                switch WrapperKey(k) {
                case .lostEvents:
                    kind = .lostEvents
                    eventJSON = Array(UnsafeBufferPointer(start: c.p + start, count: c.i - start))
                case .agentEvent: kind = .agentEvent
                case .debugEvent: kind = .debugEvent
                default: kind = .nodeStatus
                }
            case .other:
                // A shipper's key, or a field of a bare Flow: which one is known at the end.
                _ = try c.skipValue(depth: 1)
            }
            let sep = c.peek()
            c.i += 1
            if sep == 0x7D { break }
            guard sep == 0x2C else { throw c.error(sep == 0 ? "unexpected end of line" : "expected ',' or '}'", at: c.i - 1) }
        }
        guard let kind else { return nil }
        if kind == .flow {
            // An exporter field mask can leave `time` and `node_name` out of the flow while the
            // wrapper carries them. The flow is stored under the wrapper's values, so it gets
            // them as its own: every output (export, CSV, table) then shows what it is stored by.
            if !flow.has(.nodeName), let r = nodeSide {
                flow.setSide(.nodeName, r)
                flow.residual.insertFirstMember("\"node_name\":0")
            }
            if !flow.has(.time) {
                guard let t = wrapperTime else { throw DecodeError("flow has no time", column: 1) }
                flow.time = t
                flow.set(.time, t)
                flow.residual.insertFirstMember("\"time\":0")
            }
        }
        return kind
    }
}

/// The keys of the `GetFlowsResponse` / `ExportEvent` wrapper.
enum WrapperKey {
    case flow, nodeName, time, lostEvents, agentEvent, debugEvent, nodeStatus, other

    init(_ k: UnsafeBufferPointer<UInt8>) {
        func eq(_ s: StaticString) -> Bool {
            k.count == s.utf8CodeUnitCount && memcmp(k.baseAddress!, s.utf8Start, k.count) == 0
        }
        if k.isEmpty { self = .other }
        else if eq("flow") { self = .flow }
        else if eq("node_name") || eq("nodeName") { self = .nodeName }
        else if eq("time") { self = .time }
        else if eq("lost_events") || eq("lostEvents") { self = .lostEvents }
        else if eq("agent_event") || eq("agentEvent") { self = .agentEvent }
        else if eq("debug_event") || eq("debugEvent") { self = .debugEvent }
        else if eq("node_status") || eq("nodeStatus") { self = .nodeStatus }
        else { self = .other }
    }
}

/// The schema-driven walk over one Flow object.
struct Walker {
    typealias Tag = CompiledSchema.Tag
    var cursor: JSONCursor
    let flow: DecodedFlow
    let cache: TranscodeCache
    let schema = CompiledSchema.shared

    init(cursor: JSONCursor, flow: DecodedFlow, cache: TranscodeCache) {
        self.cursor = cursor
        self.flow = flow
        self.cache = cache
    }

    /// Writes the canonical form of the Flow object at the cursor into `out`.
    mutating func flowMessage(into out: ByteBuffer, depth: Int) throws {
        try message(schema.flow, into: out, depth: depth)
    }

    func name(_ f: CompiledSchema.Field) -> String { schema.string(f.protoStart, f.protoLength) }

    /// Writes the canonical form of the object at the cursor into `out`.
    mutating func message(_ m: Int32, into out: ByteBuffer, depth: Int) throws {
        guard depth < JSONLimits.maxDepth else { throw cursor.error("nesting deeper than \(JSONLimits.maxDepth) levels") }
        guard cursor.peek() == 0x7B else {
            let msg = schema.messages[Int(m)]
            throw cursor.error("\(schema.string(msg.nameStart, msg.nameLength)): expected an object, found \(cursor.typeName())")
        }
        cursor.i += 1
        out.append(0x7B)
        if cursor.peek() == 0x7D {
            cursor.i += 1
            out.append(0x7D)
            return
        }
        var seen: UInt64 = 0
        var wrote = false
        while true {
            cursor.skipSpace()
            let keyAt = cursor.i
            let key = try cursor.string()
            try cursor.expect(0x3A, "':'")
            let mark = out.count
            if wrote { out.append(0x2C) }
            let fi = key.escaped ? -1 : schema.lookup(m, cursor.p + key.start, key.end - key.start)
            if fi >= 0 {
                let f = schema.fields[Int(fi)]
                let bit: UInt64 = 1 << UInt64(f.index)
                guard seen & bit == 0 else { throw cursor.error("duplicate field \"\(name(f))\"", at: keyAt) }
                seen |= bit
                out.append(0x22)
                out.append(schema.arena.baseAddress! + Int(f.protoStart), Int(f.protoLength))
                out.append(0x22)
                out.append(0x3A)
                let valueStart = out.count
                if try field(f, into: out, depth: depth) {
                    wrote = true
                    if fi == schema.uuidField {
                        flow.uuidHash = ByteHash.of(UnsafeBufferPointer(start: out.base + valueStart, count: out.count - valueStart))
                    }
                } else {
                    out.count = mark
                }
            } else {
                // Unknown field: kept verbatim so nothing in the input is lost.
                out.append(cursor.p + key.start - 1, key.end - key.start + 2)
                out.append(0x3A)
                let start = try cursor.skipValue(depth: depth + 1)
                out.append(cursor.p + start, cursor.i - start)
                wrote = true
            }
            let sep = cursor.peek()
            cursor.i += 1
            if sep == 0x7D { break }
            guard sep == 0x2C else { throw cursor.error(sep == 0 ? "unexpected end of line" : "expected ',' or '}'", at: cursor.i - 1) }
        }
        out.append(0x7D)
    }

    /// Writes one known field's value; returns false when it holds its zero value (omitted).
    @inline(__always)
    mutating func field(_ f: CompiledSchema.Field, into out: ByteBuffer, depth: Int) throws -> Bool {
        if cursor.takeNull() { return false }
        if f.presenceColumn >= 0 { flow.set(Int(f.presenceColumn), f.presenceValue) }
        switch f.place {
        case .time:
            let t = try timestamp(f)
            flow.time = t
            flow.set(Column.time.rawValue, t)
            out.append(0x30)
            return true
        case .dictionary:
            let side = flow.side
            let start = side.count
            let nonZero: Bool
            if f.tag == .string {
                nonZero = try text(f, column: -1, into: side, unescapeTo: true)
            } else {
                // Seen these exact bytes before? Then they are valid and their canonical form known.
                cursor.skipSpace()
                let rawStart = cursor.i
                // A cached value: its canonical form goes to the side buffer, a placeholder here.
                func use(_ hit: TranscodeCache.Entry) -> Bool {
                    guard !hit.isZero else { return false }
                    side.append(cache.canonical(hit))
                    flow.setSide(Int(f.column), start..<side.count)
                    flow.sideHashes[Int(f.column)] = hit.canonicalHash
                    out.append(0x30)
                    return true
                }
                if let hit = cache.match(cursor.p + rawStart, available: cursor.n - rawStart) {
                    cursor.i = rawStart + hit.rawCount
                    return use(hit)
                }
                try cursor.skipValue(depth: depth + 1)
                let raw = UnsafeBufferPointer(start: cursor.p + rawStart, count: cursor.i - rawStart)
                let rawHash = ByteHash.of(raw)
                if let hit = cache.find(raw, hash: rawHash) { return use(hit) }
                cursor.i = rawStart
                nonZero = try value(f, f.tag, into: side, depth: depth, keepZero: false, column: -1)
                cache.remember(raw: raw, hash: rawHash,
                               canonical: UnsafeBufferPointer(start: side.base + start, count: side.count - start),
                               isZero: !nonZero)
            }
            guard nonZero else { side.count = start; return false }
            flow.setSide(Int(f.column), start..<side.count)
            out.append(0x30)
            return true
        case .column:
            if f.tag == .string { return try text(f, column: Int(f.column), into: out, unescapeTo: false) }
            return try value(f, f.tag, into: out, depth: depth, keepZero: false, column: Int(f.column))
        case .residual:
            return try value(f, f.tag, into: out, depth: depth, keepZero: false, column: -1)
        }
    }

    /// A string value. With `unescapeTo`, the decoded text goes to `out` (dictionary text);
    /// otherwise the JSON string is copied and, for a column, its text is also captured.
    @inline(__always)
    mutating func text(_ f: CompiledSchema.Field, column: Int, into out: ByteBuffer, unescapeTo: Bool) throws -> Bool {
        guard cursor.peek() == 0x22 else { throw typeError(f, "a string") }
        let s = try cursor.string()
        guard s.end > s.start else { return false }
        if unescapeTo {
            if s.escaped { JSONCursor.unescape(cursor.p, s.start, s.end, into: out) }
            else { out.append(cursor.p + s.start, s.end - s.start) }
            return true
        }
        out.append(cursor.p + s.start - 1, s.end - s.start + 2)
        if column >= 0 {
            let side = flow.side
            let start = side.count
            if s.escaped { JSONCursor.unescape(cursor.p, s.start, s.end, into: side) }
            else { side.append(cursor.p + s.start, s.end - s.start) }
            flow.setSide(column, start..<side.count)
        }
        return true
    }

    func typeError(_ f: CompiledSchema.Field, _ expected: String) -> DecodeError {
        var c = cursor
        return cursor.error("\(name(f)): expected \(expected), found \(c.typeName())")
    }

    mutating func timestamp(_ f: CompiledSchema.Field) throws -> Int64 {
        guard cursor.peek() == 0x22 else { throw typeError(f, "an RFC 3339 time string") }
        let at = cursor.i
        let s = try cursor.string()
        guard let t = FlowTime.parse(UnsafeBufferPointer(start: cursor.p + s.start, count: s.end - s.start)) else {
            throw cursor.error("\(name(f)): not an RFC 3339 time", at: at)
        }
        return t
    }

    /// Writes a value of kind `tag`; returns false for a zero value unless `keepZero`.
    mutating func value(_ f: CompiledSchema.Field, _ tag: Tag, into out: ByteBuffer, depth: Int, keepZero: Bool,
                        column: Int) throws -> Bool {
        switch tag {
        case .string:
            guard cursor.peek() == 0x22 else { throw typeError(f, "a string") }
            let s = try cursor.string()
            guard keepZero || s.end > s.start else { return false }
            out.append(cursor.p + s.start - 1, s.end - s.start + 2)
            return true
        case .bool, .boolWrapper:
            let c = cursor.peek()
            guard c == 0x74 || c == 0x66 else { throw typeError(f, "true or false") }
            let b = try cursor.bool()
            if column >= 0 { flow.set(column, b ? 1 : 0) }
            if !b, !keepZero, tag == .bool { return false }
            if b { out.append("true") } else { out.append("false") }
            return true
        case .int32, .uint32:
            let c = cursor.peek()
            guard c == 0x2D || (c >= 0x30 && c <= 0x39) else { throw typeError(f, "a number") }
            let v = try cursor.integer(allowQuoted: false)
            if tag == .uint32 {
                guard !v.negative, v.magnitude <= UInt64(UInt32.max) else { throw cursor.error("\(name(f)): out of range for uint32") }
            } else {
                guard v.negative ? v.magnitude <= UInt64(Int32.max) + 1 : v.magnitude <= UInt64(Int32.max)
                else { throw cursor.error("\(name(f)): out of range for int32") }
            }
            if column >= 0 { flow.set(column, v.value) }
            guard keepZero || v.magnitude != 0 else { return false }
            out.append(int: v.value)
            return true
        case .int64, .uint64:
            let c = cursor.peek()
            guard c == 0x22 || c == 0x2D || (c >= 0x30 && c <= 0x39) else { throw typeError(f, "an integer or integer string") }
            let v = try cursor.integer(allowQuoted: true)
            if tag == .uint64, v.negative, v.magnitude != 0 { throw cursor.error("\(name(f)): negative value for uint64") }
            if tag == .int64, !v.negative, v.magnitude > UInt64(Int64.max) { throw cursor.error("\(name(f)): out of range for int64") }
            guard keepZero || v.magnitude != 0 else { return false }
            out.append(0x22)
            if v.negative { out.append(int: v.value) } else { out.append(uint: v.magnitude) }
            out.append(0x22)
            return true
        case .enumeration:
            let c = cursor.peek()
            let number: Int64
            if c == 0x22 {
                let at = cursor.i
                let s = try cursor.string()
                if !s.escaped, let n = schema.enumNumber(f.enumeration, cursor.p + s.start, s.end - s.start) {
                    number = n
                } else {
                    let raw = UnsafeBufferPointer(start: cursor.p + s.start, count: s.end - s.start)
                    let text = String(decoding: raw, as: UTF8.self)
                    guard !s.escaped, UnknownEnumValue.isName(raw) else {
                        let e = schema.enums[Int(f.enumeration)]
                        throw cursor.error("\(name(f)): not a \(schema.string(e.nameStart, e.nameLength)) value: \"\(text)\"", at: at)
                    }
                    // A name from a newer Cilium: kept verbatim, queryable through its code.
                    let code = UnknownEnumValue.code(text)
                    flow.unknownEnums.append((field: schema.fieldLabel(f), name: text))
                    if column >= 0 { flow.set(column, code) }
                    out.append(cursor.p + s.start - 1, s.end - s.start + 2)
                    return true
                }
            } else if c == 0x2D || (c >= 0x30 && c <= 0x39) {
                let v = try cursor.integer(allowQuoted: false)
                guard v.negative ? v.magnitude <= UInt64(Int32.max) + 1 : v.magnitude <= UInt64(Int32.max) else {
                    throw cursor.error("\(name(f)): out of range for an enum")
                }
                number = v.value
            } else {
                throw typeError(f, "an enum name or number")
            }
            if column >= 0 { flow.set(column, number) }
            guard keepZero || number != 0 else { return false }
            if let (start, length) = schema.enumName(f.enumeration, number) {
                out.append(0x22)
                out.append(schema.arena.baseAddress! + Int(start), Int(length))
                out.append(0x22)
            } else {
                out.append(int: number)
            }
            return true
        case .timestamp:
            let t = try timestamp(f)
            out.append(0x22)
            var tmp: [UInt8] = []
            FlowTime.append(t, to: &tmp)
            out.append(tmp)
            out.append(0x22)
            return true
        case .message:
            try message(f.message, into: out, depth: depth + 1)
            return true
        case .repeated:
            guard cursor.peek() == 0x5B else { throw typeError(f, "an array") }
            cursor.i += 1
            if cursor.peek() == 0x5D { cursor.i += 1; return false }
            out.append(0x5B)
            var first = true
            while true {
                if !first { out.append(0x2C) }
                first = false
                if cursor.takeNull() { throw cursor.error("\(name(f)): null inside a list") }
                _ = try value(f, f.elementTag, into: out, depth: depth + 1, keepZero: true, column: -1)
                let sep = cursor.peek()
                cursor.i += 1
                if sep == 0x5D { break }
                guard sep == 0x2C else { throw cursor.error("expected ',' or ']'", at: cursor.i - 1) }
            }
            out.append(0x5D)
            return true
        case .any:
            let start = try cursor.skipValue(depth: depth + 1)
            out.append(cursor.p + start, cursor.i - start)
            return true
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
