import FlowModel

/// A checked expression as a ClickHouse WHERE condition over the flow table
/// (`ClickHouseLayout`), and whether that condition is the whole expression.
///
/// ClickHouse 18.16 has no JSON path functions, so only fields kept as columns compile; a
/// part that does not compile is left out in a way that keeps the condition *necessary*
/// (every matching flow satisfies it). When anything was left out, `exact` is false and the
/// caller checks each flow the condition selects with the interpreter, the reference.
public struct ClickHouseFilter: Sendable, Equatable {
    /// The condition: ClickHouse SQL, every user value written by `ClickHouseText.literal`.
    public var sql: String
    /// True when `sql` selects exactly the matching flows.
    public var exact: Bool
}

public struct ClickHouseCompiler {
    /// SQL for the element each comprehension variable stands for (the lambda's parameter).
    private var elements: [String: String] = [:]
    private var lambdas = 0

    /// Several filters, ORed as the engine does (none: every flow).
    public static func compile(_ filters: [Typed]) -> ClickHouseFilter {
        guard !filters.isEmpty else { return ClickHouseFilter(sql: "1", exact: true) }
        var c = ClickHouseCompiler()
        let parts = filters.map { c.necessary($0) }
        return Self.or(parts)
    }

    private static func or(_ parts: [ClickHouseFilter]) -> ClickHouseFilter {
        let exact = parts.allSatisfy(\.exact)
        // An inexact part that is only `1` makes the whole OR `1`.
        if parts.contains(where: { $0.sql == "1" }) { return ClickHouseFilter(sql: "1", exact: exact && parts.count == 1) }
        return ClickHouseFilter(sql: parts.count == 1 ? parts[0].sql : "(" + parts.map(\.sql).joined(separator: " OR ") + ")",
                                exact: exact)
    }

    /// A necessary condition for `t`: exactly `t` where it compiles.
    private mutating func necessary(_ t: Typed) -> ClickHouseFilter {
        switch t {
        case .and:
            var parts: [Typed] = []
            SQLCompiler.flatten(t, and: true, into: &parts)
            let compiled = parts.map { necessary($0) }
            let kept = compiled.map(\.sql).filter { $0 != "1" }
            return ClickHouseFilter(sql: kept.isEmpty ? "1" : "(" + kept.joined(separator: " AND ") + ")",
                                    exact: compiled.allSatisfy(\.exact))
        case .or:
            var parts: [Typed] = []
            SQLCompiler.flatten(t, and: false, into: &parts)
            return Self.or(parts.map { necessary($0) })
        default:
            if let sql = sql(t) { return ClickHouseFilter(sql: sql, exact: true) }
            return ClickHouseFilter(sql: "1", exact: false)
        }
    }

    /// The exact SQL of `t`, or nil when some part of it has no ClickHouse form.
    mutating func sql(_ t: Typed) -> String? {
        switch t {
        case .constant(let c, _):
            switch c {
            case .bool(let b): return b ? "1" : "0"
            case .int(let v): return v == .min ? "toInt64(\(v + 1) - 1)" : "toInt64(\(v))"
            case .string(let s): return ClickHouseText.literal(s)
            }
        case .list:
            return nil
        case .field(let path):
            return value(path)
        case .element(let variable, let subpath, _):
            guard subpath.isEmpty, let name = elements[variable] else { return nil }
            return name
        case .not(let e):
            return sql(e).map { "(NOT \($0))" }
        case .negate:
            return nil  // overflow is an error in CEL; the interpreter decides
        case .and(let a, let b), .or(let a, let b):
            let op: String = if case .and = t { "AND" } else { "OR" }
            guard let x = sql(a), let y = sql(b) else { return nil }
            return "(\(x) \(op) \(y))"
        case .compare(let op, let a, let b):
            if case .list = a.type { return nil }
            if case .list = b.type { return nil }
            guard let x = sql(a), let y = sql(b) else { return nil }
            let sqlOp = SQLCompiler.sqlOperator(op)
            if Typed.comparesUnsigned(op, a, b) { return "(toUInt64(\(x)) \(sqlOp) toUInt64(\(y)))" }
            return "(\(x) \(sqlOp) \(y))"
        case .inList(let needle, let list):
            guard let n = sql(needle) else { return nil }
            if case .list(let items, _) = list {
                guard !items.isEmpty else { return "0" }
                var values: [String] = []
                for item in items {
                    guard let v = sql(item) else { return nil }
                    values.append(v)
                }
                return "(\(n) IN (" + values.joined(separator: ", ") + "))"
            }
            guard let array = sql(list) else { return nil }
            return "has(\(array), \(n))"
        case .has(let path):
            return has(path)
        case .call(let overload, let args):
            guard let form = overload.clickhouse else { return nil }
            var compiled: [String] = []
            for a in args {
                guard let s = sql(a) else { return nil }
                compiled.append(s)
            }
            // ClickHouse's match() takes a constant pattern only.
            if overload.id == "matches_string", case .constant = args[1] {} else if overload.id == "matches_string" { return nil }
            return form(compiled)
        case .comprehension(let kind, let variable, let list, let predicate):
            guard let array = sql(list) else { return nil }
            lambdas += 1
            let name = "v\(lambdas)"
            elements[variable] = name
            defer { elements[variable] = nil }
            guard let p = sql(predicate) else { return nil }
            switch kind {
            case "exists": return "arrayExists(\(name) -> \(p), \(array))"
            case "all": return "arrayAll(\(name) -> \(p), \(array))"
            default: return "(arrayCount(\(name) -> \(p), \(array)) = 1)"
            }
        case .conditional, .arithmetic:
            return nil
        }
    }

    /// A field's value as a column expression, absent reading as the zero value.
    private func value(_ path: FieldPath) -> String? {
        let defs = path.defs
        switch defs[0].storage {
        case .time:
            return defs.count == 1 ? "time" : nil
        case .dictionary(let col):
            if col.dictionary == .endpoint {
                guard defs.count == 2, let part = ClickHouseLayout.EndpointPart(rawValue: defs[1].protoName) else { return nil }
                return ClickHouseLayout.endpointColumn(col, part)
            }
            guard defs.count == 1 else { return nil }
            return column(col)
        default:
            break
        }
        guard case .column(let col) = path.leaf.storage else { return nil }
        switch col {
        case .sourcePort, .destinationPort:
            let proto = defs.count >= 2 ? defs[defs.count - 2].presence?.value ?? 0 : 0
            return "if(l4_protocol = \(proto), \(col.sqlName), toInt64(0))"
        default:
            return column(col)
        }
    }

    private func column(_ col: Column) -> String? {
        let name = ClickHouseLayout.name(col)
        switch ClickHouseLayout.form(col) {
        case .int: return name
        case .nullableBool: return "ifNull(\(name), 0)"
        case .nullableText: return col.dictionary?.isJSON == true ? nil : "ifNull(\(name), '')"
        }
    }

    /// `has(path)`: message presence, or a value that is not its zero value.
    private func has(_ path: FieldPath) -> String? {
        let defs = path.defs
        if defs.count == 1, case .dictionary(let col) = defs[0].storage {
            return "isNotNull(\(ClickHouseLayout.name(col)))"
        }
        if let presence = path.leaf.presence, defs.count == 2 {
            return "(\(ClickHouseLayout.name(presence.column)) = \(presence.value))"
        }
        if case .column(.isReply) = path.leaf.storage { return "isNotNull(is_reply)" }
        guard let v = value(path) else { return nil }
        switch path.type {
        case .list: return "notEmpty(\(v))"
        case .string: return "(\(v) <> '')"
        case .message: return nil
        default: return "(\(v) <> 0)"
        }
    }
}
