/// Pulls chosen field paths out of a flow line in one pass, for export.
///
/// Paths are the catalog's proto-name paths below `flow` (`source.namespace`, `IP.source`,
/// `l4.TCP.destination_port`), plus the derived `l4` columns that read whichever protocol the
/// `l4` oneof holds. Each extraction records, per target, the raw JSON value's byte range in
/// the line (nil when absent); `appendText` renders one as a spreadsheet cell.
public final class FieldExtractor {
    /// Columns computed from the `l4` oneof rather than read from one path.
    public enum Derived: Sendable {
        /// The oneof member's name: `TCP`, `UDP`, `ICMPv4`, …
        case l4Protocol
        case l4SourcePort
        case l4DestinationPort
    }

    /// One requested column: a path below `flow`, or a derived column.
    public enum Target: Sendable {
        case path([String])
        case derived(Derived)
    }

    final class Node {
        var children: [(key: [UInt8], node: Node)] = []
        var targets: [Int] = []
        /// Derived targets read inside this node's object (only on `flow.l4`).
        var derived: [(Derived, Int)] = []

        func child(_ key: [UInt8]) -> Node {
            if let c = children.first(where: { $0.key == key }) { return c.node }
            let n = Node()
            children.append((key, n))
            return n
        }
    }

    private let root = Node()
    /// Raw JSON value range in the last line of each target, or nil when the field is absent.
    public private(set) var ranges: [Range<Int>?]

    public init(_ targets: [Target]) {
        ranges = Array(repeating: nil, count: targets.count)
        let flow = root.child(Array("flow".utf8))
        for (index, target) in targets.enumerated() {
            switch target {
            case .path(let parts):
                var node = flow
                for part in parts { node = node.child(Array(part.utf8)) }
                node.targets.append(index)
            case .derived(let d):
                flow.child(Array("l4".utf8)).derived.append((d, index))
            }
        }
    }

    /// Finds every target in `line` (a canonical `{"flow":…}` line). Returns false when the
    /// line is not valid JSON; targets found before the fault keep their ranges.
    @discardableResult
    public func extract(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        for k in ranges.indices { ranges[k] = nil }
        var cursor = JSONCursor(line)
        do {
            try walk(root, &cursor, depth: 0)
            return true
        } catch {
            return false
        }
    }

    private func walk(_ node: Node, _ c: inout JSONCursor, depth: Int) throws {
        try c.expect(0x7B, "'{'")
        if c.peek() == 0x7D { c.i += 1; return }
        var firstMember = true
        while true {
            c.skipSpace()
            let key = try c.string()
            try c.expect(0x3A, "':'")
            let name = UnsafeBufferPointer(start: c.p + key.start, count: key.end - key.start)
            let child = node.children.first { $0.key.elementsEqual(name) }?.node
            c.skipSpace()
            let start = c.i
            if !node.derived.isEmpty, firstMember {
                // The l4 oneof: its only member's key names the protocol, its body has the ports.
                for (d, t) in node.derived where d == .l4Protocol { ranges[t] = (key.start - 1)..<(key.end + 1) }
                try derivedPorts(node, &c, depth: depth + 1)
                if let child, !child.children.isEmpty {
                    // A path below the same member was asked for too: read the member again.
                    var again = c
                    again.i = start
                    if again.peek() == 0x7B { try walk(child, &again, depth: depth + 1) }
                }
            } else if let child, !child.children.isEmpty || !child.derived.isEmpty, c.peek() == 0x7B {
                try walk(child, &c, depth: depth + 1)
            } else {
                try c.skipValue(depth: depth + 1)
            }
            firstMember = false
            if let child { for t in child.targets { ranges[t] = start..<c.i } }
            let sep = c.peek()
            c.i += 1
            if sep == 0x7D { return }
            guard sep == 0x2C else { throw c.error("expected ',' or '}'") }
        }
    }

    /// Records `source_port` / `destination_port` inside an `l4` member object.
    private func derivedPorts(_ node: Node, _ c: inout JSONCursor, depth: Int) throws {
        guard c.peek() == 0x7B else { return try c.skipValue(depth: depth).discard() }
        c.i += 1
        if c.peek() == 0x7D { c.i += 1; return }
        while true {
            c.skipSpace()
            let key = try c.string()
            try c.expect(0x3A, "':'")
            c.skipSpace()
            let start = c.i
            try c.skipValue(depth: depth + 1)
            let name = UnsafeBufferPointer(start: c.p + key.start, count: key.end - key.start)
            let which: Derived? = name.elementsEqual("source_port".utf8) ? .l4SourcePort
                : name.elementsEqual("destination_port".utf8) ? .l4DestinationPort : nil
            if let which { for (d, t) in node.derived where d == which { ranges[t] = start..<c.i } }
            let sep = c.peek()
            c.i += 1
            if sep == 0x7D { return }
            guard sep == 0x2C else { throw c.error("expected ',' or '}'") }
        }
    }

    /// Appends the cell text of a raw JSON value: strings unescaped, numbers and booleans as
    /// written (a quoted 64-bit integer loses its quotes), arrays as their elements' text
    /// joined with `;`, objects as compact JSON, null as nothing.
    public static func appendText(_ raw: UnsafeBufferPointer<UInt8>, into out: ByteBuffer) {
        guard let first = raw.first else { return }
        switch first {
        case 0x22:
            JSONCursor.unescape(raw.baseAddress!, 1, raw.count - 1, into: out)
        case 0x5B:
            var c = JSONCursor(raw)
            c.i = 1
            var firstElement = true
            while c.peek() != 0x5D, c.i < c.n {
                if !firstElement { out.append(0x3B) }
                firstElement = false
                let start = c.i
                guard (try? c.skipValue(depth: 1)) != nil else { return }
                appendText(UnsafeBufferPointer(rebasing: raw[start..<c.i]), into: out)
                if c.peek() == 0x2C { c.i += 1 }
            }
        case 0x6E:
            return
        default:
            out.append(raw)
        }
    }
}

extension Int {
    /// Lets a guard discard `skipValue`'s start offset in one expression.
    func discard() {}
}
