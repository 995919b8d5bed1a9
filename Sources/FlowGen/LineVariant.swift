/// Spellings of the same flow that other producers (or older Hubble) write, for testing tolerant decoders.
public enum LineVariant: CaseIterable, Sendable {
    /// Every snake_case key in lowerCamelCase (`node_name` → `nodeName`), as protojson's default names.
    case camelCase
    /// Enum-typed fields as numbers (`"verdict":2`), as printed for values unknown to the producer.
    case numericEnums
    /// Just the flow object, without the `{"flow":…,"node_name":…,"time":…}` wrapper (legacy output).
    case bareFlow
    /// A trailing carriage return (the caller adds `\n`): files written on Windows.
    case crlf
    /// Spaces and tabs around the line.
    case paddedSpaces
}

/// Applies a `LineVariant` to a generated line.
public enum LineVariants {
    public static func apply(_ v: LineVariant, to line: String) -> String {
        switch v {
        case .camelCase:
            return JSONRewriter.rewrite(line, key: lowerCamelCase, stringValue: { _, _ in nil })
        case .numericEnums:
            return JSONRewriter.rewrite(line, key: { $0 }, stringValue: { value, context in
                guard let key = context.key,
                      let n = EnumNumbering.number(key: key, parentKey: context.parentKey, value: value)
                else { return nil }
                return String(n)
            })
        case .bareFlow:
            return JSONRewriter.topLevelValue(line, key: "flow") ?? line
        case .crlf:
            return line + "\r"
        case .paddedSpaces:
            return "  \t " + line + " \t  "
        }
    }

    /// `policy_match_type` → `policyMatchType`; keys without underscores (`IP`, `ipVersion`, `ID`) are unchanged.
    static func lowerCamelCase(_ key: String) -> String {
        guard key.contains("_") else { return key }
        var out = ""
        var upperNext = false
        for c in key {
            if c == "_" {
                upperNext = true
            } else if upperNext {
                out += c.uppercased()
                upperNext = false
            } else {
                out.append(c)
            }
        }
        return out
    }
}
