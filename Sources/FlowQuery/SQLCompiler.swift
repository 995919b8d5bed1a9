import FlowModel
import FlowStore

/// A WHERE-clause fragment and its bound parameters. Nothing a user writes is ever part of
/// `sql`: literals become parameters; names become catalog-chosen columns and JSON paths.
public struct SQLFilter: Sendable {
    public var sql: String
    public var params: [SQLValue]
}

/// Compiles a checked expression to SQL over one partition table aliased `f`.
///
/// Proto semantics hold in SQL too: every field reads as its zero value when absent
/// (`coalesce`), so `source.namespace == ""` matches flows without a source.
struct SQLCompiler {
    private(set) var params: [SQLValue] = []
    /// SQL for the element each comprehension variable stands for.
    private var elements: [String: String] = [:]
    private var aliases = 0
    /// Set while compiling a predicate over dictionary rows `d` (see `pushDown`).
    private var pushedDown = false
    /// The residual JSON of the row (decompressed on demand by `ft_residual`).
    private let residual: String
    /// Parameters are numbered (`?N`), so the order fragments are built in does not matter;
    /// numbering starts after the caller's own parameters.
    private let offset: Int

    init(day: Int64, offset: Int) {
        residual = "ft_residual(\(day), f.block)"
        self.offset = offset
    }

    /// Compiles `t`; its parameters are numbered from `offset + 1`.
    static func compile(_ t: Typed, day: Int64, offset: Int) -> SQLFilter {
        var c = SQLCompiler(day: day, offset: offset)
        let sql = c.sql(t)
        return SQLFilter(sql: sql, params: c.params)
    }

    private mutating func bind(_ v: SQLValue) -> String {
        params.append(v)
        return "?\(offset + params.count)"
    }

    mutating func sql(_ t: Typed) -> String {
        if t.type == .bool, !pushedDown, let col = Self.endpointOnly(t) { return pushDown(t, col) }
        switch t {
        case .constant(let c, _):
            switch c {
            case .bool(let b): return b ? "1" : "0"
            case .int(let v): return bind(.int(v))
            case .string(let s): return bind(.text(s))
            }
        case .list(let items, _):
            // A list value in SQL is JSON text, as a repeated field reads (json_extract gives
            // the same minified form): `json_array` builds it. (`in` lists are written as SQL
            // lists, below.)
            return "json_array(" + items.map { sql($0) }.joined(separator: ", ") + ")"
        case .field(let path):
            return value(path)
        case .element(let variable, let subpath, let type):
            let base = elements[variable] ?? "NULL"
            guard !subpath.isEmpty else { return base }
            return extract(base, subpath, type: type, kind: subpath.last!.kind)
        case .not(let e): return "(NOT \(sql(e)))"
        case .negate(let e): return "(-\(sql(e)))"
        case .and, .or:
            // A chain of one operator is written flat: SQLite's parser reduces `a OR b OR c`
            // as it goes, so the SQL's depth does not grow with the expression's width.
            let isAnd: Bool = if case .and = t { true } else { false }
            var parts: [Typed] = []
            Self.flatten(t, and: isAnd, into: &parts)
            if !isAnd { parts = Self.equalitiesAsLists(parts) }
            return "(" + parts.map { sql($0) }.joined(separator: isAnd ? " AND " : " OR ") + ")"
        case .compare(let op, let a, let b):
            if let indexed = indexedCompare(op, a, b) { return indexed }
            let sqlOp = Self.sqlOperator(op)
            if case .list = a.type {
                // An absent repeated field reads as the empty list.
                return "(coalesce(\(sql(a)), '[]') \(sqlOp) coalesce(\(sql(b)), '[]'))"
            }
            if Typed.comparesUnsigned(op, a, b) { return "(ft_unsigned(\(sql(a))) \(sqlOp) ft_unsigned(\(sql(b))))" }
            return "(\(sql(a)) \(sqlOp) \(sql(b)))"
        case .inList(let needle, let list):
            let n = sql(needle)
            if case .list(let items, _) = list {
                return items.isEmpty ? "0" : "(\(n) IN (" + items.map { sql($0) }.joined(separator: ", ") + "))"
            }
            let alias = nextAlias()
            return "EXISTS (SELECT 1 FROM json_each(\(sql(list))) AS \(alias) WHERE \(alias).value = \(n))"
        case .has(let path):
            return has(path)
        case .call(let overload, let args):
            return overload.sqlite(args.map { sql($0) })
        case .comprehension(let kind, let variable, let list, let predicate):
            let alias = nextAlias()
            let listSQL = sql(list)
            elements[variable] = "\(alias).value"
            let p = sql(predicate)
            elements[variable] = nil
            switch kind {
            case "exists": return "EXISTS (SELECT 1 FROM json_each(\(listSQL)) AS \(alias) WHERE \(p))"
            case "all": return "NOT EXISTS (SELECT 1 FROM json_each(\(listSQL)) AS \(alias) WHERE NOT \(p))"
            default: return "((SELECT count(*) FROM json_each(\(listSQL)) AS \(alias) WHERE \(p)) = 1)"
            }
        case .conditional(let c, let a, let b):
            return "(CASE WHEN \(sql(c)) THEN \(sql(a)) ELSE \(sql(b)) END)"
        case .arithmetic(_, let a, let b, .string):
            return "(\(sql(a)) || \(sql(b)))"
        case .arithmetic(let op, let a, let b, _):
            return "(\(sql(a)) \(op) \(sql(b)))"
        }
    }

    /// The operands of a chain of ANDs (or ORs), left to right.
    static func flatten(_ t: Typed, and: Bool, into parts: inout [Typed]) {
        switch (t, and) {
        case (.and(let a, let b), true), (.or(let a, let b), false):
            flatten(a, and: and, into: &parts)
            flatten(b, and: and, into: &parts)
        default:
            parts.append(t)
        }
    }

    /// ORed equalities of one field with constants become one `in` list, in the place of the
    /// first (`ns == "a" || ns == "b"` → `ns IN (?, ?)`): one comparison instead of many.
    static func equalitiesAsLists(_ parts: [Typed]) -> [Typed] {
        func key(_ t: Typed) -> (String, Typed, Typed)? {
            guard case .compare("==", let l, let r) = t else { return nil }
            if case .field(let p) = l, case .constant = r { return (p.description, l, r) }
            if case .constant = l, case .field(let p) = r { return (p.description, r, l) }
            return nil
        }
        var groups: [String: [Typed]] = [:]
        for p in parts { if let (k, _, c) = key(p) { groups[k, default: []].append(c) } }
        var out: [Typed] = []
        var done: Set<String> = []
        for p in parts {
            guard let (k, field, _) = key(p), let constants = groups[k], constants.count > 1 else { out.append(p); continue }
            guard done.insert(k).inserted else { continue }
            out.append(.inList(field, .list(constants, .list(field.type))))
        }
        return out
    }

    static func sqlOperator(_ op: String) -> String { op == "==" ? "=" : (op == "!=" ? "<>" : op) }

    /// `verdict = v` (v ≠ FORWARDED) and `match_type = m` (m ≠ 0) repeat the partial indexes'
    /// conditions, so SQLite's planner sees those indexes qualify.
    private mutating func indexedCompare(_ op: String, _ a: Typed, _ b: Typed) -> String? {
        guard case .field(let path) = a, case .constant(let c, _) = b else {
            if case .constant = a, case .field = b { return indexedCompare(Self.mirror(op), b, a) }
            return nil
        }
        let defs = path.defs
        if op == "==", defs.count == 1, case .column(let col) = defs[0].storage, case .int(let v) = c {
            if col == .verdict, v != FlowEnums.verdict.number("FORWARDED")! {
                return "(f.verdict = \(sql(b)) AND f.verdict <> 1)"
            }
            if col == .matchType, v != 0 { return "(f.match_type = \(sql(b)) AND f.match_type <> 0)" }
        }
        return nil
    }

    static func mirror(_ op: String) -> String {
        switch op {
        case "<": ">"
        case "<=": ">="
        case ">": "<"
        case ">=": "<="
        default: op
        }
    }

    private mutating func nextAlias() -> String {
        aliases += 1
        return "je\(aliases)"
    }

    /// The dictionary value behind an id column (NULL when the flow has none).
    private func dictionary(_ column: Column) -> String {
        pushedDown && column.dictionary == .endpoint ? "d.value" : "(SELECT value FROM dict WHERE id = f.\(column.sqlName))"
    }

    /// The endpoint (source or destination) that every field of `t` lies in, if there is one.
    static func endpointOnly(_ t: Typed) -> Column? {
        var side: Column?
        var ok = true
        func visit(_ e: Typed) {
            guard ok else { return }
            switch e {
            case .field(let p), .has(let p):
                guard case .dictionary(let c) = p.defs[0].storage, c.dictionary == .endpoint, side == nil || side == c else {
                    ok = false
                    return
                }
                side = c
            case .constant, .element: break
            case .list(let items, _): items.forEach(visit)
            case .not(let x), .negate(let x): visit(x)
            case .call(_, let args): args.forEach(visit)
            case .and(let a, let b), .or(let a, let b), .compare(_, let a, let b), .inList(let a, let b):
                visit(a); visit(b)
            case .comprehension(_, _, let l, let p): visit(l); visit(p)
            case .conditional(let c, let a, let b): visit(c); visit(a); visit(b)
            case .arithmetic(_, let a, let b, _): visit(a); visit(b)
            }
        }
        visit(t)
        return ok ? side : nil
    }

    /// A predicate on one endpoint is evaluated once per distinct endpoint in the dictionary
    /// (hundreds of rows), and the flow rows are then found through the endpoint index:
    /// `src_ep IN (matching ids)`. A flow without that endpoint reads it as all zeros; whether
    /// zeros match is decided here, by the interpreter.
    private mutating func pushDown(_ t: Typed, _ col: Column) -> String {
        pushedDown = true
        let inner = sql(t)
        pushedDown = false
        let zeroMatches = Interpreter.matches(t, flow: .object([:]))
        let ids = "SELECT d.id FROM dict AS d WHERE d.kind = \(DictionaryKind.endpoint.rawValue) AND \(inner)"
        return zeroMatches ? "(f.\(col.sqlName) IN (\(ids)) OR f.\(col.sqlName) IS NULL)" : "(f.\(col.sqlName) IN (\(ids)))"
    }

    /// SQL for a field's value, with absent reading as the zero value.
    private mutating func value(_ path: FieldPath) -> String {
        let defs = path.defs
        let top = defs[0]
        switch top.storage {
        case .time:
            return "f.time"
        case .dictionary(let col):
            let json = dictionary(col)
            if defs.count == 1 {
                return col.dictionary?.isJSON == true ? json : "coalesce(\(json), '')"
            }
            return extract(json, Array(defs.dropFirst()), type: path.type, kind: path.leaf.kind)
        default:
            break
        }
        if case .column(let col) = path.leaf.storage {
            switch col {
            case .sourcePort, .destinationPort:
                let proto = defs.count >= 2 ? defs[defs.count - 2].presence?.value ?? 0 : 0
                return "(CASE WHEN f.l4_protocol = \(proto) THEN f.\(col.sqlName) ELSE 0 END)"
            case .isReply:
                return "coalesce(f.is_reply, 0)"
            default:
                if col.dictionary != nil { return "coalesce(\(dictionary(col)), '')" }
                return "f.\(col.sqlName)"
            }
        }
        return extract(residual, defs, type: path.type, kind: path.leaf.kind)
    }

    /// A typed value at `subpath` inside the JSON `json`.
    private mutating func extract(_ jsonIn: String, _ subpath: [FieldDef], type: QueryType, kind: FieldKind) -> String {
        let p = bind(.text(Self.jsonPath(subpath)))
        // Pushed down to the endpoint dictionary: memoised per entry (see ft_json).
        let json = jsonIn == "d.value" ? "d.id, d.value" : jsonIn
        let jsonExtract = jsonIn == "d.value" ? "ft_json" : "json_extract"
        switch kind {
        case .string: return "coalesce(\(jsonExtract)(\(json), \(p)), '')"
        case .bool, .boolWrapper, .int32, .uint32: return "coalesce(\(jsonExtract)(\(json), \(p)), 0)"
        case .int64: return "coalesce(CAST(\(jsonExtract)(\(json), \(p)) AS INTEGER), 0)"
        case .uint64: return "coalesce(ft_u64(\(jsonExtract)(\(json), \(p))), 0)"
        case .enumeration(let e): return "ft_enum(\(bind(.text(e.name))), \(jsonExtract)(\(json), \(p)))"
        case .timestamp: return "coalesce(ft_time(\(jsonExtract)(\(json), \(p))), 0)"
        case .repeated, .message, .any: return "\(jsonExtract)(\(json), \(p))"
        }
    }

    static func jsonPath(_ defs: [FieldDef]) -> String {
        "$" + defs.map { ".\"\($0.protoName)\"" }.joined()
    }

    /// `has(path)`: message presence, or a scalar that is not its zero value.
    private mutating func has(_ path: FieldPath) -> String {
        let defs = path.defs
        let top = defs[0]
        if defs.count == 1, case .dictionary(let col) = top.storage {
            return pushedDown && col.dictionary == .endpoint ? "1" : "(f.\(col.sqlName) IS NOT NULL)"
        }
        if let presence = path.leaf.presence, defs.count == 2 {
            return "(f.\(presence.column.sqlName) = \(presence.value))"
        }
        if case .column(.isReply) = path.leaf.storage { return "(f.is_reply IS NOT NULL)" }
        switch path.type {
        case .message:
            // Presence of a message kept only in the residual (or inside an endpoint).
            if case .dictionary(let col) = top.storage {
                return "(json_type(\(dictionary(col)), \(bind(.text(Self.jsonPath(Array(defs.dropFirst())))))) IS NOT NULL)"
            }
            return "(json_type(\(residual), \(bind(.text(Self.jsonPath(defs))))) IS NOT NULL)"
        case .list:
            return "(coalesce(json_array_length(\(value(path))), 0) > 0)"
        case .string:
            return "(\(value(path)) <> '')"
        default:
            return "(\(value(path)) <> 0)"
        }
    }
}

extension String {
    /// The deepest nesting of parentheses (compiled SQL holds no literals: values are bound).
    var parenthesisDepth: Int {
        var depth = 0, deepest = 0
        for c in utf8 {
            if c == 0x28 { depth += 1; deepest = max(deepest, depth) } else if c == 0x29 { depth -= 1 }
        }
        return deepest
    }
}
