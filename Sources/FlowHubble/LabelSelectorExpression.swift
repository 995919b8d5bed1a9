/// Hubble's label filters (`--label`, `--from-label`, `--node-label`; FlowFilter's
/// `source_label`, `destination_label`, `node_labels`) as query-language text.
///
/// A filter is a Kubernetes label selector (`app=x`, `app!=x`, `app in (a,b)`, `app notin (a)`,
/// `app`, `!app`, requirements joined by commas) whose keys may carry a Cilium source
/// (`k8s:app`, `reserved:world`). Hubble gives a key without a source the source `any`, which
/// matches every source (`pkg/hubble/filters/labelparser.go`), and matches Cilium's label
/// strings (`k8s:app=x`; `reserved:world` has the value "") with apimachinery's selector:
/// `!=` and `notin` also match when the key is absent.
enum LabelSelectorExpression {
    struct Requirement: Equatable {
        enum Operation: Equatable { case exists, notExists, equals([String]), notEquals([String]) }
        var source: String?
        var key: String
        var operation: Operation
    }

    /// The expression over `list` (a field path of label strings); throws the reason the
    /// selector is not one.
    static func expression(_ selector: String, list: String) throws -> String {
        let requirements = try parse(selector)
        return CELText.all(requirements.map { condition($0, list: list) })
    }

    static func condition(_ r: Requirement, list: String) -> String {
        let key = CELText.regexQuoted(r.key)
        // Cilium's ParseLabel: the source is what precedes the first ':' (none: `unspec`), the
        // key runs to the first '='. With the `any` source, a label with no ':' counts too.
        // `noColon` is the value part for a label without a source (its value has no ':').
        func pattern(_ valuePart: String, noColon: String? = nil) -> String {
            if let source = r.source { return "^" + CELText.regexQuoted(source) + ":" + key + valuePart + "$" }
            return "^(?:[^:]*:" + key + valuePart + "|" + key + (noColon ?? valuePart) + ")$"
        }
        func anyLabel(_ test: String) -> String { "\(list).exists(l, \(test))" }
        func matching(_ valuePart: String, noColon: String? = nil) -> String {
            anyLabel("l.matches(\(CELText.string(pattern(valuePart, noColon: noColon))))")
        }
        func withValue(_ values: [String]) -> String {
            if let source = r.source {
                // Exact strings: no pattern needed when the source is named.
                var texts: [String] = []
                for v in values {
                    texts.append("\(source):\(r.key)=\(v)")
                    if v.isEmpty { texts.append("\(source):\(r.key)") }
                }
                return anyLabel("l in \(CELText.stringList(texts))")
            }
            let alternatives = values.map { $0.isEmpty ? "(?:=)?" : "=" + CELText.regexQuoted($0) }
            return matching(alternatives.count == 1 ? alternatives[0] : "(?:" + alternatives.joined(separator: "|") + ")")
        }
        switch r.operation {
        case .exists: return matching("(?:=.*)?", noColon: "(?:=[^:]*)?")
        case .notExists: return "!" + matching("(?:=.*)?", noColon: "(?:=[^:]*)?")
        case .equals(let values): return withValue(values)
        case .notEquals(let values): return "!" + withValue(values)
        }
    }

    /// apimachinery's selector grammar, with Cilium's `source:` in keys.
    static func parse(_ selector: String) throws -> [Requirement] {
        var out: [Requirement] = []
        for part in splitTopLevel(selector) {
            var text = Substring(part).drop { $0 == " " }
            while text.last == " " { text = text.dropLast() }
            if text.isEmpty {
                if selector.trimmingSpaces.isEmpty { continue }
                throw FilterProblem("empty requirement in label selector \"\(selector)\"")
            }
            var negated = false
            if text.first == "!" { negated = true; text = text.dropFirst().drop { $0 == " " } }
            let keyEnd = text.firstIndex { " =!,()<>".contains($0) } ?? text.endIndex
            let fullKey = String(text[..<keyEnd])
            if fullKey.isEmpty { throw FilterProblem("label selector \"\(selector)\": a requirement has no key") }
            var rest = text[keyEnd...].drop { $0 == " " }
            let (source, key) = splitSource(fullKey)
            if key.isEmpty { throw FilterProblem("label selector \"\(selector)\": key \"\(fullKey)\" is empty after its source") }
            if negated {
                guard rest.isEmpty else { throw FilterProblem("label selector \"\(selector)\": \"!\(fullKey)\" takes no value") }
                out.append(Requirement(source: source, key: key, operation: .notExists))
                continue
            }
            if rest.isEmpty { out.append(Requirement(source: source, key: key, operation: .exists)); continue }
            let operation: String
            if rest.hasPrefix("==") || rest.hasPrefix("!=") { operation = String(rest.prefix(2)); rest = rest.dropFirst(2) }
            else if rest.hasPrefix("=") { operation = "="; rest = rest.dropFirst() }
            else if rest.hasPrefix("in ") || rest.hasPrefix("in(") { operation = "in"; rest = rest.dropFirst(2) }
            else if rest.hasPrefix("notin ") || rest.hasPrefix("notin(") { operation = "notin"; rest = rest.dropFirst(5) }
            else if rest.hasPrefix(">") || rest.hasPrefix("<") {
                throw FilterProblem("label selector \"\(selector)\": the numeric operators > and < are not supported")
            } else {
                throw FilterProblem("label selector \"\(selector)\": expected =, ==, !=, in or notin after \"\(fullKey)\"")
            }
            rest = rest.drop { $0 == " " }
            var values: [String]
            if operation == "in" || operation == "notin" {
                guard rest.first == "(", rest.last == ")" else {
                    throw FilterProblem("label selector \"\(selector)\": \(operation) needs a list in parentheses")
                }
                values = rest.dropFirst().dropLast().split(separator: ",", omittingEmptySubsequences: false)
                    .map { String($0).trimmingSpaces }
                if values == [""] { throw FilterProblem("label selector \"\(selector)\": \(operation) () needs at least one value") }
            } else {
                let value = String(rest).trimmingSpaces
                if value.contains(where: { " ()!=".contains($0) }) {
                    throw FilterProblem("label selector \"\(selector)\": invalid value \"\(value)\"")
                }
                values = [value]
            }
            let positive = operation == "=" || operation == "==" || operation == "in"
            out.append(Requirement(source: source, key: key, operation: positive ? .equals(values) : .notEquals(values)))
        }
        return out
    }

    /// `k8s:app` → ("k8s", "app"); `app` → (nil, "app"), the `any` source.
    static func splitSource(_ key: String) -> (String?, String) {
        guard let colon = key.firstIndex(of: ":") else { return (nil, key) }
        let source = String(key[..<colon])
        return (source == "any" ? nil : source, String(key[key.index(after: colon)...]))
    }

    /// Splits at commas outside parentheses.
    static func splitTopLevel(_ s: String) -> [String] {
        var parts: [String] = [], current = "", depth = 0
        for c in s {
            if c == "(" { depth += 1 } else if c == ")" { depth -= 1 }
            if c == ",", depth == 0 { parts.append(current); current = ""; continue }
            current.append(c)
        }
        parts.append(current)
        return parts
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
