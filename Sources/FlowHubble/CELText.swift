/// Writing values into expression text: the filter compiler builds query-language text from
/// FlowFilter values, so every user string passes through one of these and can never change
/// the expression's shape.
enum CELText {
    /// A double-quoted CEL string literal of `s`: quotes, backslashes and control characters
    /// escaped; other characters as they are (the lexer reads UTF-8 inside strings).
    static func string(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\u" + hex(scalar.value, width: 4)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// A CEL list literal of string literals.
    static func stringList(_ items: [String]) -> String { "[" + items.map(string).joined(separator: ", ") + "]" }

    /// A list of unsigned literals (`[53u, 80u]`).
    static func uintList<N: BinaryInteger>(_ items: [N]) -> String { "[" + items.map { "\($0)u" }.joined(separator: ", ") + "]" }

    /// RE2's QuoteMeta: `s` as a regular expression that matches exactly `s`.
    static func regexQuoted(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            let plain = (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z")
                || (scalar >= "0" && scalar <= "9") || scalar == "_" || scalar.value >= 0x80
            if !plain { out += "\\" }
            out.unicodeScalars.append(scalar)
        }
        return out
    }

    /// `a || b || …` with each part parenthesised when there are several; "false" for none.
    static func any(_ parts: [String]) -> String {
        switch parts.count {
        case 0: "false"
        case 1: parts[0]
        default: parts.map { "(\($0))" }.joined(separator: " || ")
        }
    }

    /// `a && b && …`; "true" for none.
    static func all(_ parts: [String]) -> String {
        switch parts.count {
        case 0: "true"
        case 1: parts[0]
        default: parts.map { "(\($0))" }.joined(separator: " && ")
        }
    }

    private static func hex(_ v: UInt32, width: Int) -> String {
        let digits = String(v, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
