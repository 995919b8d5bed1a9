/// A tiny JSON tokenizer that copies a document through, letting callers rewrite object keys and string values in place.
///
/// Unlike decoding and re-encoding, it keeps key order, number spelling and whitespace exactly,
/// which is what tests of a tolerant decoder need from a variant line.
enum JSONRewriter {
    /// Where a string value sits: its key, and the key of the object that holds it (nil at top level).
    struct Context {
        let key: String?
        let parentKey: String?
    }

    private struct Frame {
        let isObject: Bool
        /// The key this container is the value of.
        let containerKey: String?
        var expectingKey: Bool
        var currentKey: String?
    }

    /// Rewrites `text`. `key` maps each object key (unescaped text) to its new text; `stringValue`
    /// returns replacement JSON (e.g. a number) for a string value, or nil to keep it.
    static func rewrite(_ text: String, key: (String) -> String,
                        stringValue: (String, Context) -> String?) -> String {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 64)
        var stack: [Frame] = []
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            switch c {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let parent = stack.last
                let containerKey = parent.map { $0.isObject ? $0.currentKey : $0.containerKey } ?? nil
                stack.append(Frame(isObject: c == UInt8(ascii: "{"), containerKey: containerKey,
                                   expectingKey: c == UInt8(ascii: "{"), currentKey: nil))
                out.append(c)
                i += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if !stack.isEmpty { stack.removeLast() }
                out.append(c)
                i += 1
            case UInt8(ascii: ","):
                if let top = stack.last, top.isObject { stack[stack.count - 1].expectingKey = true }
                out.append(c)
                i += 1
            case UInt8(ascii: "\""):
                let end = stringEnd(bytes, from: i)
                let raw = String(decoding: bytes[(i + 1)..<(end - 1)], as: UTF8.self)
                if let top = stack.last, top.isObject, top.expectingKey {
                    // Keys in Hubble output never need escapes; keep escaped keys as they are.
                    let replaced = raw.contains("\\") ? raw : key(raw)
                    out.append(UInt8(ascii: "\""))
                    out.append(contentsOf: replaced.utf8)
                    out.append(UInt8(ascii: "\""))
                    stack[stack.count - 1].currentKey = raw
                    stack[stack.count - 1].expectingKey = false
                } else {
                    let context: Context
                    if let top = stack.last {
                        context = top.isObject ? Context(key: top.currentKey, parentKey: top.containerKey)
                                               : Context(key: top.containerKey, parentKey: nil)
                    } else {
                        context = Context(key: nil, parentKey: nil)
                    }
                    if let replacement = stringValue(raw, context) {
                        out.append(contentsOf: replacement.utf8)
                    } else {
                        out.append(contentsOf: bytes[i..<end])
                    }
                }
                i = end
            default:
                out.append(c)
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Index just past the closing quote of the string starting at `start` (which is a quote).
    static func stringEnd(_ bytes: [UInt8], from start: Int) -> Int {
        var i = start + 1
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "\\") {
                i += 2
                continue
            }
            if bytes[i] == UInt8(ascii: "\"") { return i + 1 }
            i += 1
        }
        return bytes.count
    }

    /// Index just past the JSON value starting at `start` (skipping leading whitespace).
    static func valueEnd(_ bytes: [UInt8], from start: Int) -> Int {
        var i = start
        var depth = 0
        while i < bytes.count {
            switch bytes[i] {
            case UInt8(ascii: "\""):
                i = stringEnd(bytes, from: i)
                if depth == 0 { return i }
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 { return i + 1 }
                if depth < 0 { return i }
            case UInt8(ascii: ","):
                if depth == 0 { return i }
            default:
                break
            }
            i += 1
        }
        return i
    }

    /// The text of the value of a top-level key in an object, or nil.
    static func topLevelValue(_ text: String, key wanted: String) -> String? {
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count && bytes[i] != UInt8(ascii: "{") { i += 1 }
        i += 1
        while i < bytes.count {
            while i < bytes.count && bytes[i] != UInt8(ascii: "\"") && bytes[i] != UInt8(ascii: "}") { i += 1 }
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { return nil }
            let keyEnd = stringEnd(bytes, from: i)
            let key = String(decoding: bytes[(i + 1)..<(keyEnd - 1)], as: UTF8.self)
            i = keyEnd
            while i < bytes.count && bytes[i] != UInt8(ascii: ":") { i += 1 }
            i += 1
            while i < bytes.count && [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
            let end = valueEnd(bytes, from: i)
            if key == wanted { return String(decoding: bytes[i..<end], as: UTF8.self) }
            i = end
            while i < bytes.count && bytes[i] != UInt8(ascii: ",") && bytes[i] != UInt8(ascii: "}") { i += 1 }
            if i < bytes.count && bytes[i] == UInt8(ascii: "}") { return nil }
            i += 1
        }
        return nil
    }
}
