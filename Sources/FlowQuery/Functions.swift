import FlowModel

/// One overload of a function, as cel-go declares its standard library (`common/stdlib`): the
/// argument types (a method's receiver first), the result type, and every implementation of
/// it. The checker picks overloads from these declarations, the SQL compiler writes their SQL,
/// the interpreter runs their `eval`; nothing else knows a function's name.
public struct Overload: Sendable {
    /// A unique name, as cel-go's overload ids (`contains_string`).
    public let id: String
    /// Argument types; `.dyn` takes any.
    public let parameters: [QueryType]
    public let result: QueryType
    /// SQLite: the SQL of the call from the SQL of its arguments.
    let sqlite: @Sendable ([String]) -> String
    /// ClickHouse (`ClickHouseCompiler`); nil: no ClickHouse form, the interpreter checks it.
    let clickhouse: (@Sendable ([String]) -> String)?
    /// The reference implementation. Throws for a runtime error (the flow does not match).
    let eval: @Sendable ([Value]) throws -> Value
    /// Checks constant arguments when the expression is checked (a pattern RE2 refuses, an
    /// address that is no address): the argument's index and the reason, or nil.
    let validate: (@Sendable ([Constant?]) -> (argument: Int, reason: String)?)?

    init(_ id: String, _ parameters: [QueryType], _ result: QueryType,
         sqlite: @escaping @Sendable ([String]) -> String, clickhouse: (@Sendable ([String]) -> String)? = nil,
         validate: (@Sendable ([Constant?]) -> (argument: Int, reason: String)?)? = nil,
         eval: @escaping @Sendable ([Value]) throws -> Value) {
        self.id = id
        self.parameters = parameters
        self.result = result
        self.sqlite = sqlite
        self.clickhouse = clickhouse
        self.eval = eval
        self.validate = validate
    }
}

/// A function: its name, whether it is called as a method (`s.startsWith(p)`) or as a global
/// (`size(x)`), and its overloads.
public struct FunctionDeclaration: Sendable {
    public let name: String
    public let isMethod: Bool
    public let overloads: [Overload]
}

/// Every function of the query language. Adding one is one declaration here plus its tests
/// (docs/ARCHITECTURE.md, "Adding a function"). Macros (`has`, `exists`, `all`, `exists_one`)
/// are not functions: they take a field path or a variable and are checked where they are.
public enum FunctionLibrary {
    public static let declarations: [FunctionDeclaration] = [
        FunctionDeclaration(name: "size", isMethod: false, overloads: sizeOverloads),
        FunctionDeclaration(name: "size", isMethod: true, overloads: sizeOverloads),
        FunctionDeclaration(name: "startsWith", isMethod: true, overloads: [
            Overload("starts_with_string", [.string, .string], .bool,
                     sqlite: { "(substr(\($0[0]), 1, length(\($0[1]))) = \($0[1]))" },
                     clickhouse: { "startsWith(\($0[0]), \($0[1]))" }) { v in
                .bool(Array(try v[0].text().unicodeScalars).starts(with: Array(try v[1].text().unicodeScalars)))
            },
        ]),
        FunctionDeclaration(name: "endsWith", isMethod: true, overloads: [
            Overload("ends_with_string", [.string, .string], .bool,
                     sqlite: { "(length(\($0[1])) = 0 OR substr(\($0[0]), -length(\($0[1]))) = \($0[1]))" },
                     clickhouse: { "endsWith(\($0[0]), \($0[1]))" }) { v in
                .bool(Array(try v[0].text().unicodeScalars).reversed().starts(with: Array(try v[1].text().unicodeScalars).reversed()))
            },
        ]),
        FunctionDeclaration(name: "contains", isMethod: true, overloads: [
            Overload("contains_string", [.string, .string], .bool, sqlite: { "(instr(\($0[0]), \($0[1])) > 0)" },
                     clickhouse: { "(position(\($0[0]), \($0[1])) > 0)" }) { v in
                let (text, part) = (try v[0].text(), try v[1].text())
                return .bool(part.isEmpty || text.contains(part))
            },
        ]),
        FunctionDeclaration(name: "matches", isMethod: true, overloads: [
            Overload("matches_string", [.string, .string], .bool, sqlite: { "ft_regexp(\($0[1]), \($0[0]))" },
                     // ClickHouse's `.` matches a newline and its `(?i)` literal prefilter is case-sensitive;
                     // `(?-s:…)` restores RE2's defaults (docs/clickhouse-18.16-notes.md, pitfalls 1–2).
                     clickhouse: { "match(\($0[0]), concat('(?-s:', \($0[1]), ')'))" },
                     validate: { c in
                         guard case .string(let pattern)? = c[1], let problem = RE2Regex.problem(pattern) else { return nil }
                         return (1, "invalid regular expression (RE2): \(problem): \"\(pattern)\"")
                     }) { v in .bool(RE2Regex.matches(try v[1].text(), try v[0].text())) },
        ]),
        // Kubernetes' CEL string library: lowerAscii folds A–Z only, as SQLite's lower() does.
        FunctionDeclaration(name: "lowerAscii", isMethod: true, overloads: [
            Overload("string_lower_ascii", [.string], .string, sqlite: { "lower(\($0[0]))" }, clickhouse: { "lower(\($0[0]))" }) { v in
                .string(String(String.UnicodeScalarView(try v[0].text().unicodeScalars.map {
                    $0.value >= 65 && $0.value <= 90 ? Unicode.Scalar($0.value + 32)! : $0
                })))
            },
        ]),
        // Conversions. timestamp() and duration() of a constant are folded when checked.
        FunctionDeclaration(name: "int", isMethod: false, overloads: [
            Overload("int_int", [.int], .int, sqlite: { $0[0] }, clickhouse: { $0[0] }) { $0[0] },
            Overload("uint_to_int", [.uint], .int, sqlite: { $0[0] }, clickhouse: { $0[0] }) { $0[0] },
            Overload("enum_to_int", [.enumeration("*")], .int, sqlite: { $0[0] }, clickhouse: { $0[0] }) { $0[0] },
        ]),
        FunctionDeclaration(name: "uint", isMethod: false, overloads: [
            Overload("uint_uint", [.uint], .uint, sqlite: { $0[0] }, clickhouse: { $0[0] }) { $0[0] },
            Overload("int_to_uint", [.int], .uint, sqlite: { $0[0] }, clickhouse: { $0[0] }) { $0[0] },
        ]),
        FunctionDeclaration(name: "timestamp", isMethod: false, overloads: [
            Overload("string_to_timestamp", [.string], .timestamp, sqlite: { "ft_time(\($0[0]))" },
                     validate: { c in
                         guard case .string(let s)? = c[0], FlowTime.parse(s) == nil else { return nil }
                         return (0, "timestamp(\"\(s)\") is not an RFC 3339 time")
                     }) { v in
                guard let t = FlowTime.parse(try v[0].text()) else { throw QueryError("not an RFC 3339 time", column: 1) }
                return .int(t)
            },
        ]),
        FunctionDeclaration(name: "duration", isMethod: false, overloads: [
            Overload("string_to_duration", [.string], .duration, sqlite: { "ft_duration(\($0[0]))" },
                     validate: { c in
                         guard case .string(let s)? = c[0], DurationText.parse(s) == nil else { return nil }
                         return (0, "duration(\"\(s)\") is not a duration such as 5m or 1h30m")
                     }) { v in
                guard let d = DurationText.parse(try v[0].text()) else { throw QueryError("not a duration", column: 1) }
                return .int(d)
            },
        ]),
    ] + NetworkFunctions.declarations + URLFunctions.declarations

    static let sizeOverloads = [
        Overload("size_list", [.list(.dyn)], .int, sqlite: { "coalesce(json_array_length(\($0[0])), 0)" },
                 clickhouse: { "toInt64(length(\($0[0])))" }) { v in
            guard case .list(let items, _) = v[0] else { throw QueryError("size of a non-list", column: 1) }
            return .int(Int64(items.count))
        },
        Overload("size_string", [.string], .int, sqlite: { "length(\($0[0]))" }, clickhouse: { "toInt64(lengthUTF8(\($0[0])))" }) { v in
            .int(Int64(try v[0].text().unicodeScalars.count))
        },
    ]

    /// Declarations by name and call style.
    static let byName: [String: [FunctionDeclaration]] = Dictionary(grouping: declarations, by: \.name)

    /// The declaration of `name` called as a method (or not), if there is one.
    static func declaration(_ name: String, method: Bool) -> FunctionDeclaration? {
        byName[name]?.first { $0.isMethod == method }
    }

    /// The SQL functions the compiled SQL may call, with their arity: the engine registers them,
    /// and the probe that prepares checked SQL declares the same names.
    static let sqlFunctions: [(name: String, arity: Int32)] = [
        ("ft_residual", 2), ("ft_enum", 2), ("ft_u64", 1), ("ft_unsigned", 1), ("ft_regexp", 2), ("ft_json", 3),
        ("ft_time", 1), ("ft_duration", 1), ("ft_ip", 1), ("ft_cidr", 1), ("ft_cidr_contains", 2), ("ft_is_ip", 1),
        ("ft_is_cidr", 1), ("ft_ip_family", 1), ("ft_url", 1), ("ft_url_part", 2),
    ]
}

extension Value {
    /// The text of a string value (a type error otherwise: the checker rules it out).
    func text() throws -> String {
        guard case .string(let s) = self else { throw QueryError("not a string", column: 1) }
        return s
    }
}
