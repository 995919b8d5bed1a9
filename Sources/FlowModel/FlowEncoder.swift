/// Rebuilds a stored flow's canonical JSON from its residual, time and dictionary values.
///
/// The residual keeps every field in input order, with `0` standing in for fields that were
/// moved to the time column or a dictionary; the encoder puts their values back in place.
public enum FlowEncoder {
    /// Writes the Flow object. `extracted` gives a dictionary column's stored value (text for
    /// text dictionaries, canonical JSON otherwise), or nil when the flow had none.
    public static func writeFlow(residual: UnsafeBufferPointer<UInt8>, time: Int64,
                                 extracted: (Column) -> UnsafeBufferPointer<UInt8>?, into out: ByteBuffer) {
        // The residual was written by the store: a trusted scan, no validation.
        guard let base = residual.baseAddress else { out.append("{}"); return }
        var c = TrustedScan(p: base, n: residual.count, i: 0)
        c.space()
        guard c.i < c.n, c.p[c.i] == 0x7B else { out.append(residual); return }
        c.i += 1
        out.append(0x7B)
        c.space()
        if c.i < c.n, c.p[c.i] == 0x7D { out.append(0x7D); return }
        var first = true
        while true {
            c.space()
            guard c.i < c.n, c.p[c.i] == 0x22 else { break }
            let (ks, ke) = c.string()
            c.space()
            guard c.i < c.n, c.p[c.i] == 0x3A else { break }
            c.i += 1
            c.space()
            if !first { out.append(0x2C) }
            first = false
            out.append(c.p + ks - 1, ke - ks + 2)
            out.append(0x3A)
            let keyBytes = UnsafeBufferPointer(start: c.p + ks, count: ke - ks)
            let start = c.i
            c.skip()
            let isPlaceholder = c.i - start == 1 && c.p[start] == 0x30
            if isPlaceholder, let f = CompiledSchema.shared.flowField(keyBytes) {
                switch f.place {
                case .time:
                    out.append(0x22)
                    var tmp: [UInt8] = []
                    tmp.reserveCapacity(32)
                    FlowTime.append(time, to: &tmp)
                    out.append(tmp)
                    out.append(0x22)
                case .dictionary:
                    let col = Column(rawValue: Int(f.column))!
                    if let v = extracted(col) {
                        if col.dictionary?.isJSON == true { out.append(v) } else { JSONText.appendQuoted(v, to: out) }
                    } else {
                        out.append(0x30)
                    }
                default:
                    out.append(c.p + start, c.i - start)
                }
            } else {
                out.append(c.p + start, c.i - start)
            }
            c.space()
            guard c.i < c.n, c.p[c.i] == 0x2C else { break }
            c.i += 1
        }
        out.append(0x7D)
    }

    /// Writes `{"flow":…,"node_name":…,"time":…}`, the line `hubble observe -o json` prints.
    public static func writeLine(residual: UnsafeBufferPointer<UInt8>, time: Int64,
                                 extracted: (Column) -> UnsafeBufferPointer<UInt8>?, into out: ByteBuffer) {
        out.append("{\"flow\":")
        writeFlow(residual: residual, time: time, extracted: extracted, into: out)
        if let node = extracted(.nodeName) {
            out.append(",\"node_name\":")
            JSONText.appendQuoted(node, to: out)
        }
        out.append(",\"time\":\"")
        var tmp: [UInt8] = []
        FlowTime.append(time, to: &tmp)
        out.append(tmp)
        out.append("\"}")
    }
}

/// JSON string escaping.
public enum JSONText {
    /// Appends `text` as a quoted JSON string, escaping quotes, backslashes and control characters.
    public static func appendQuoted(_ text: UnsafeBufferPointer<UInt8>, to out: ByteBuffer) {
        out.append(0x22)
        var runStart = 0
        for k in 0..<text.count {
            let c = text[k]
            guard c < 0x20 || c == 0x22 || c == 0x5C else { continue }
            if k > runStart { out.append(text.baseAddress! + runStart, k - runStart) }
            runStart = k + 1
            switch c {
            case 0x22: out.append("\\\"")
            case 0x5C: out.append("\\\\")
            case 0x0A: out.append("\\n")
            case 0x0D: out.append("\\r")
            case 0x09: out.append("\\t")
            default:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                out.append("\\u00")
                out.append(hex[Int(c >> 4)])
                out.append(hex[Int(c & 15)])
            }
        }
        if text.count > runStart { out.append(text.baseAddress! + runStart, text.count - runStart) }
        out.append(0x22)
    }

    /// Appends a Swift string as a quoted JSON string.
    public static func appendQuoted(_ text: String, to out: ByteBuffer) {
        var s = text
        s.withUTF8 { appendQuoted($0, to: out) }
    }

    /// The text of JSON string content (between the quotes, escapes not yet decoded).
    public static func unescaped(_ content: UnsafeBufferPointer<UInt8>) -> String {
        guard let base = content.baseAddress else { return "" }
        let out = ByteBuffer(capacity: content.count)
        JSONCursor.unescape(base, 0, content.count, into: out)
        return out.toString()
    }

    /// A Swift string as a quoted JSON string.
    public static func quoted(_ text: String) -> String {
        let b = ByteBuffer(capacity: text.utf8.count + 8)
        appendQuoted(text, to: b)
        return b.toString()
    }
}
