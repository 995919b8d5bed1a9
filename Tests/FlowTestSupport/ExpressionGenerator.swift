import FlowGen
import FlowModel
import FlowQuery

/// Random well-typed expressions over every kind of field, drawn with values seen in the data
/// (`collect`): the differential tests run them through a store's compiler (SQLite's, and
/// ClickHouse's) and the interpreter, which must select the same flows.
public final class ExpressionGenerator {
    public init() {}

    /// Draws for the expression generator, on FlowGen's seeded PRNG.
    public struct Rng {
        var generator: Xoshiro256StarStar
        public init(state: UInt64) { generator = Xoshiro256StarStar(seed: state) }
        public mutating func int(_ n: Int) -> Int { generator.below(max(n, 1)) }
        public mutating func pick<T>(_ a: [T]) -> T { a[int(a.count)] }
        public mutating func chance(_ p: Double) -> Bool { Double(int(1000)) / 1000 < p }
    }

    static let numeric = [
        "verdict", "policy_match_type", "l4.TCP.destination_port", "l4.TCP.source_port", "l4.UDP.destination_port",
        "event_type.type", "event_type.sub_type", "source.identity", "destination.identity", "l7.http.code",
        "l7.dns.rcode", "traffic_direction", "Type", "drop_reason_desc", "trace_observation_point", "IP.ipVersion",
        "trace_reason", "l7.latency_ns", "interface.index", "source.ID", "file.line", "l7.type", "drop_reason",
        "l4.ICMPv4.type", "l7.dns.ttl",
    ]
    static let enums: [String: String] = [
        "verdict": "Verdict", "traffic_direction": "TrafficDirection", "Type": "FlowType", "drop_reason_desc": "DropReason",
        "trace_observation_point": "TraceObservationPoint", "IP.ipVersion": "IPVersion", "l7.type": "L7FlowType",
    ]
    static let unsigned: Set<String> = [
        "policy_match_type", "l4.TCP.destination_port", "l4.TCP.source_port", "l4.UDP.destination_port", "source.identity",
        "destination.identity", "l7.http.code", "l7.dns.rcode", "l7.latency_ns", "interface.index", "source.ID", "file.line",
        "drop_reason", "l4.ICMPv4.type", "l7.dns.ttl",
    ]
    static let strings = [
        "source.namespace", "destination.namespace", "source.pod_name", "destination.pod_name", "source.cluster_name",
        "IP.source", "IP.destination", "node_name", "l7.dns.query", "l7.http.method", "l7.http.url", "uuid", "Summary",
        "ethernet.source", "emitter.version", "interface.name", "l7.dns.observation_source",
    ]
    static let bools = ["is_reply", "reply", "IP.encrypted", "l4.TCP.flags.SYN", "l4.TCP.flags.ACK"]
    static let stringLists = [
        "source.labels", "destination.labels", "source_names", "destination_names", "node_labels", "l7.dns.ips", "l7.dns.qtypes",
    ]
    static let messageLists: [(String, [String])] = [
        ("source.workloads", ["name", "kind"]), ("destination.workloads", ["name", "kind"]),
        ("egress_allowed_by", ["name", "namespace", "kind"]), ("ingress_allowed_by", ["name", "namespace"]),
        ("ingress_denied_by", ["name"]), ("l7.http.headers", ["key", "value"]),
    ]
    static let hasPaths = [
        "l4.TCP", "l4.UDP", "l4.ICMPv4", "source", "destination", "l7", "l7.http", "l7.dns", "is_reply", "IP.source",
        "source.pod_name", "destination_names", "file", "interface", "tunnel", "emitter", "source.workloads", "uuid",
    ]

    /// Values seen in the data for each path, so that comparisons select something.
    public var samples: [String: [JSONValue]] = [:]

    public func collect(_ flows: [JSONValue]) {
        func walk(_ v: JSONValue, _ path: String) {
            switch v {
            case .object(let o): for (k, x) in o { walk(x, path.isEmpty ? k : path + "." + k) }
            case .array(let a): for x in a.prefix(4) { walk(x, path + "[]") }
            default: if samples[path, default: []].count < 40 { samples[path, default: []].append(v) }
            }
        }
        for f in flows { walk(f, "") }
    }

    func sampleString(_ path: String, _ r: inout Rng) -> String {
        let values = (samples[path] ?? []).compactMap { v -> String? in if case .string(let s) = v { s } else { nil } }
        return values.isEmpty ? r.pick(["", "kube-system", "10.0.0.1", "x"]) : r.pick(values)
    }

    func literal(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    func numericValue(_ path: String, _ r: inout Rng) -> String {
        if let e = Self.enums[path] {
            let names = (samples[path] ?? []).compactMap { v -> String? in if case .string(let s) = v { s } else { nil } }
            let name = names.isEmpty ? nil : r.pick(names)
            switch r.int(3) {
            case 0 where name != nil: return "\(e).\(name!)"
            case 1 where name != nil: return literal(name!)
            default: return String(r.int(8))
            }
        }
        let numbers = (samples[path] ?? []).compactMap { v -> Int64? in
            switch v {
            case .number(_, let raw): Int64(raw)
            case .string(let s): Int64(s)
            default: nil
            }
        }
        let n = numbers.isEmpty || r.chance(0.2) ? Int64(r.int(100)) : r.pick(numbers)
        if Self.unsigned.contains(path) { return r.chance(0.5) ? "\(n)u" : (r.chance(0.5) ? "uint(\(n))" : "\(n)") }
        return "\(n)"
    }

    /// Expressions that depend on no flow, with CEL's answers (from the issue and CEL's
    /// conformance suite): folded when checked, they must answer as CEL does.
    public static let closed: [(expression: String, value: Bool)] = [
        ("[] == []", true), ("[] != [1]", true), ("[[]] != [[]]", false), ("'x' in []", false),
        ("[].exists(e, e == 2)", false), ("false < true", true), ("true >= false", true), ("true < true", false),
        ("[1, 'dos', 3] == [1, 2, 4]", false), ("'elem' in [1, 'elem', 2]", true), ("[1, 2, 3].exists(e, e > 0)", true),
        ("[1, 2, 3].all(e, e == 2)", false), ("['foal', 'foo'].exists_one(n, n.startsWith('fo'))", false),
        ("['a'].all(x, ['b'].all(y, true))", true), ("size([1, [2]]) == 2", true), ("1 < 2 ? true : false", true),
        ("timestamp('2026-01-01T00:00:00Z') < timestamp('2026-01-02T00:00:00Z')", true),
        ("cidr('10.0.0.0/8').containsIP('10.1.2.3')", true), ("cidr('fd00::/8').containsIP('10.1.2.3')", false),
        ("ip('::ffff:1.2.3.4') == ip('::ffff:1.2.3.4')", true), ("ip('2001:db8::1').family() == 6", true),
        ("isCIDR('10.0.0.0/33')", false), ("isIP('10.0.0.1')", true), ("'ABC-é'.lowerAscii() == 'abc-é'", true),
        ("[1, 2] == [1, 2]", true), ("[[1], ['a']] == [[1], ['a']]", true), ("'b' in ['a', ['b'], 'c']", false),
    ]

    /// One condition. `simple` leaves out the kinds that nest conditions of their own, so they
    /// do not multiply each other's size.
    func atom(_ r: inout Rng, simple: Bool = false) -> String {
        let root = r.chance(0.3) ? "_flow." : ""
        switch r.int(simple ? 12 : 18) {
        case 12:
            // A closed part beside a flow part: the folded constant must combine correctly in SQL.
            let c = r.pick(Self.closed).expression
            return r.chance(0.5) ? "(\(c) && \(atom(&r, simple: true)))" : "(\(c) || \(atom(&r, simple: true)))"
        case 13:
            // Comprehensions over literal lists whose predicate reads the flow.
            let p = r.pick(Self.strings)
            let values = (0..<r.int(4)).map { _ in literal(sampleString(p, &r)) }
            let list = "[" + values.joined(separator: ", ") + "]"
            switch r.int(4) {
            case 0: return "\(list).exists(x, \(root)\(p) == x)"
            case 1: return "\(list).all(x, !\(root)\(p).startsWith(x))"
            case 2: return "\(list).exists_one(x, x == \(root)\(p))"
            default: return "[1, 'x', \(values.first ?? "''")].exists(e, e == \(root)\(p))"
            }
        case 14:
            // Every enum field with `in`: names, numbers and enum constants mixed, or none.
            let p = r.pick(Array(Self.enums.keys).sorted())
            let values = (0..<r.int(4)).map { _ in numericValue(p, &r) }
            return "\(root)\(p) in [\(values.joined(separator: ", "))]"
        case 15:
            // Conditionals nested on flow conditions, deep.
            var e = atom(&r, simple: true)
            for _ in 0..<(1 + r.int(12)) { e = "(\(atom(&r, simple: true)) ? \(e) : \(atom(&r, simple: true)))" }
            return e
        case 16:
            // Repeated fields against list literals; an absent one is the empty list.
            let p = r.pick(Self.stringLists)
            let element = sampleString(p + "[]", &r)
            return "\(root)\(p) \(r.pick(["==", "!="])) \(r.chance(0.5) ? "[]" : "[\(literal(element))]")"
        case 17:
            // Kubernetes' IP and CIDR functions on address fields (absent ones are no match).
            let field = r.pick(["IP.source", "IP.destination"])
            let ip = sampleString(field, &r)
            switch r.int(5) {
            case 0: return "cidr(\(literal(r.pick(["10.0.0.0/8", "10.52.0.0/16", "0.0.0.0/0", "fd00::/8", "192.168.0.0/16"])))).containsIP(\(root)\(field))"
            case 1: return "isIP(\(root)\(field))"
            case 2: return "ip(\(root)\(field)) == ip(\(literal(isIPLiteral(ip) ? ip : "10.0.0.1")))"
            case 3: return "ip(\(root)\(field)).family() == \(r.pick([4, 6]))"
            default: return "\(root)\(field).lowerAscii() == \(literal(ip.lowercased()))"
            }
        case 0, 1:
            let p = r.pick(Self.numeric)
            return "\(root)\(p) \(r.pick(["==", "!=", "<", "<=", ">", ">="])) \(numericValue(p, &r))"
        case 2, 3:
            let p = r.pick(Self.strings)
            let v = sampleString(p, &r)
            return "\(root)\(p) \(r.pick(["==", "==", "!=", "<", ">="])) \(literal(v))"
        case 4:
            let p = r.pick(Self.strings)
            let v = sampleString(p, &r)
            let cut = v.isEmpty ? 0 : r.int(v.count) + 1
            switch r.int(4) {
            case 0: return "\(root)\(p).startsWith(\(literal(String(v.prefix(cut)))))"
            case 1: return "\(root)\(p).endsWith(\(literal(String(v.suffix(cut)))))"
            case 2: return "\(root)\(p).contains(\(literal(String(v.dropFirst(cut / 2).prefix(3)))))"
            default:
                let prefix = String(v.prefix(min(cut, 4))).filter { $0.isLetter || $0.isNumber }
                return "\(root)\(p).matches(\(literal("^" + prefix)))"
            }
        case 5:
            return "\(root)\(r.pick(Self.bools)) == \(r.chance(0.5))"
        case 6:
            let p = r.pick(Self.stringLists)
            let element = sampleString(p + "[]", &r)
            switch r.int(5) {
            case 0: return "\(literal(element)) in \(root)\(p)"
            case 1: return "\(root)\(p).exists(x, x.startsWith(\(literal(String(element.prefix(6))))))"
            case 2: return "\(root)\(p).all(x, x.contains(\(literal(String(element.prefix(2))))))"
            case 3: return "\(root)\(p).exists_one(x, x == \(literal(element)))"
            default: return "size(\(root)\(p)) \(r.pick(["==", ">", "<="])) \(r.int(8))"
            }
        case 7:
            let (p, fields) = r.pick(Self.messageLists)
            let f = r.pick(fields)
            let v = sampleString(p + "[]." + f, &r)
            return "\(root)\(p).\(r.pick(["exists", "all", "exists_one"]))(w, w.\(f) \(r.pick(["==", "!="])) \(literal(v)))"
        case 8:
            return "has(\(root)\(r.pick(Self.hasPaths)))"
        case 9:
            let p = r.pick(Self.numeric.filter { Self.enums[$0] == nil })
            let values = (0..<(1 + r.int(3))).map { _ in numericValue(p, &r) }
            return "\(root)\(p) in [\(values.joined(separator: ", "))]"
        case 10:
            let times = (samples["time"] ?? []).compactMap { v -> String? in if case .string(let s) = v { s } else { nil } }
            let t = literal(times.isEmpty ? "2026-01-01T00:00:00Z" : r.pick(times))
            if r.chance(0.4) {
                return "\(root)time - timestamp(\(t)) \(r.pick(["<", ">="])) duration(\(literal(r.pick(["1s", "500ms", "2m"]))))"
            }
            return "\(root)time \(r.pick(["<", ">=", ">"])) timestamp(\(t))"
        default:
            let p = r.pick(Self.strings)
            return "size(\(root)\(p)) \(r.pick(["==", ">", "<"])) \(r.int(20))"
        }
    }

    func isIPLiteral(_ s: String) -> Bool { !s.isEmpty && s.allSatisfy { $0.isHexDigit || $0 == "." || $0 == ":" } }

    public func expression(_ r: inout Rng, depth: Int) -> String {
        guard depth < 3, r.chance(0.6) else { return atom(&r) }
        switch r.int(5) {
        case 0: return "(\(expression(&r, depth: depth + 1)) && \(expression(&r, depth: depth + 1)))"
        case 1: return "(\(expression(&r, depth: depth + 1)) || \(expression(&r, depth: depth + 1)))"
        case 2: return "!(\(expression(&r, depth: depth + 1)))"
        case 3: return "(\(atom(&r)) ? \(expression(&r, depth: depth + 1)) : \(expression(&r, depth: depth + 1)))"
        default: return "\(expression(&r, depth: depth + 1)) && \(atom(&r))"
        }
    }
}
