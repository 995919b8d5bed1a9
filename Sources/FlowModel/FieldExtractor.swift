#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Pulls chosen field paths out of a flow line in one pass, for export.
///
/// Paths are the catalog's proto-name paths below `flow` (`source.namespace`, `IP.source`,
/// `l4.TCP.destination_port`), plus the derived `l4` columns that read whichever protocol the
/// `l4` oneof holds. Each extraction records, per target, the raw JSON value's byte range in
/// the line (nil when absent); `appendText` renders one as a spreadsheet cell.
///
/// Lines come from the store's own encoder, so they are known to be valid JSON: the scan
/// trusts them (strings are crossed with memchr, nothing is validated again), and the path
/// tree is flattened into plain arrays so the loop does no reference counting. An export
/// runs this for every flow; it must cost less than rebuilding the line.
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

    /// A node of the path tree, flattened: its children are `children[firstChild..<+childCount]`.
    struct FlatNode {
        var keyStart = 0, keyCount = 0
        var firstChild = 0, childCount = 0
        var firstTarget = 0, targetCount = 0
        /// Derived-column targets (only on `flow.l4`): -1 when not asked for.
        var l4Protocol = -1, l4SourcePort = -1, l4DestinationPort = -1
        var isL4: Bool { l4Protocol >= 0 || l4SourcePort >= 0 || l4DestinationPort >= 0 }
    }

    private let nodes: UnsafeMutableBufferPointer<FlatNode>
    private let keyBytes: UnsafeMutableBufferPointer<UInt8>
    private let targetList: UnsafeMutableBufferPointer<Int>
    /// Start and end offsets of each target's raw value in the last line; start -1 when absent.
    private let found: UnsafeMutableBufferPointer<Int>
    public let count: Int

    public init(_ targets: [Target]) {
        // Build a tree of dictionaries, then flatten it breadth first.
        final class Tree {
            var children: [(key: [UInt8], node: Tree)] = []
            var targets: [Int] = []
            var derived: [(Derived, Int)] = []
            func child(_ key: String) -> Tree {
                let k = Array(key.utf8)
                if let c = children.first(where: { $0.key == k }) { return c.node }
                let n = Tree()
                children.append((k, n))
                return n
            }
        }
        let root = Tree()
        let flow = root.child("flow")
        for (index, target) in targets.enumerated() {
            switch target {
            case .path(let parts):
                var node = flow
                for part in parts { node = node.child(part) }
                node.targets.append(index)
            case .derived(let d):
                flow.child("l4").derived.append((d, index))
            }
        }
        var flat: [FlatNode] = [FlatNode()]
        var keys: [UInt8] = []
        var targetIndexes: [Int] = []
        var queue: [(Tree, Int)] = [(root, 0)]
        while !queue.isEmpty {
            let (tree, at) = queue.removeFirst()
            flat[at].firstChild = flat.count
            flat[at].childCount = tree.children.count
            flat[at].firstTarget = targetIndexes.count
            flat[at].targetCount = tree.targets.count
            targetIndexes += tree.targets
            for (d, t) in tree.derived {
                switch d {
                case .l4Protocol: flat[at].l4Protocol = t
                case .l4SourcePort: flat[at].l4SourcePort = t
                case .l4DestinationPort: flat[at].l4DestinationPort = t
                }
            }
            for (key, child) in tree.children {
                var n = FlatNode()
                n.keyStart = keys.count
                n.keyCount = key.count
                keys += key
                flat.append(n)
                queue.append((child, flat.count - 1))
            }
        }
        nodes = .allocate(capacity: flat.count)
        _ = nodes.initialize(from: flat)
        keyBytes = .allocate(capacity: max(1, keys.count))
        _ = keyBytes.initialize(from: keys)
        targetList = .allocate(capacity: max(1, targetIndexes.count))
        _ = targetList.initialize(from: targetIndexes)
        count = targets.count
        found = .allocate(capacity: max(2, 2 * targets.count))
        found.initialize(repeating: -1)
    }

    deinit {
        nodes.deallocate()
        keyBytes.deallocate()
        targetList.deallocate()
        found.deallocate()
    }

    /// The raw JSON value of target `k` in the last line, or nil when the flow lacks it.
    @inline(__always)
    public func range(_ k: Int) -> Range<Int>? {
        let s = found[2 * k]
        return s < 0 ? nil : s..<found[2 * k + 1]
    }

    /// Finds every target in `line` (a canonical `{"flow":…}` line from the encoder).
    public func extract(_ line: UnsafeBufferPointer<UInt8>) {
        for k in 0..<(2 * count) { found[k] = -1 }
        guard let p = line.baseAddress, !line.isEmpty else { return }
        var scan = TrustedScan(p: p, n: line.count, i: 0)
        walk(0, &scan)
    }

    private func walk(_ at: Int, _ s: inout TrustedScan) {
        guard s.enterObject() else { return }
        let node = nodes[at]
        var first = true
        while let (ks, ke) = s.nextMember() {
            let start = s.i
            var child = -1
            let keyCount = ke - ks
            for c in node.firstChild..<(node.firstChild + node.childCount) where nodes[c].keyCount == keyCount {
                if memcmp(keyBytes.baseAddress! + nodes[c].keyStart, s.p + ks, keyCount) == 0 { child = c; break }
            }
            if node.isL4, first {
                // The l4 oneof: its only member's key names the protocol, its body has the ports.
                if node.l4Protocol >= 0 { record(node.l4Protocol, ks - 1, ke + 1) }
                var member = s
                ports(node, &member)
                if child >= 0, nodes[child].childCount > 0 { walk(child, &s) } else { s = member }
            } else if child >= 0, nodes[child].childCount > 0 || nodes[child].isL4, s.i < s.n, s.p[s.i] == 0x7B {
                walk(child, &s)
            } else {
                s.skip()
            }
            first = false
            if child >= 0 {
                let c = nodes[child]
                for t in c.firstTarget..<(c.firstTarget + c.targetCount) { record(targetList[t], start, s.i) }
            }
        }
    }

    @inline(__always)
    private func record(_ target: Int, _ start: Int, _ end: Int) {
        found[2 * target] = start
        found[2 * target + 1] = end
    }

    /// Records `source_port` / `destination_port` inside an `l4` member object.
    private func ports(_ node: FlatNode, _ s: inout TrustedScan) {
        guard s.enterObject() else { return }
        while let (ks, ke) = s.nextMember() {
            let start = s.i
            s.skip()
            if node.l4SourcePort >= 0, ke - ks == 11, memcmp(s.p + ks, "source_port", 11) == 0 {
                record(node.l4SourcePort, start, s.i)
            }
            if node.l4DestinationPort >= 0, ke - ks == 16, memcmp(s.p + ks, "destination_port", 16) == 0 {
                record(node.l4DestinationPort, start, s.i)
            }
        }
    }

    /// Appends the cell text of a raw JSON value: strings unescaped, numbers and booleans as
    /// written (a quoted 64-bit integer loses its quotes), arrays as their elements' text
    /// joined with `;`, objects as compact JSON, null as nothing.
    public static func appendText(_ raw: UnsafeBufferPointer<UInt8>, into out: ByteBuffer) {
        guard let first = raw.first, let base = raw.baseAddress else { return }
        switch first {
        case 0x22:
            // Most strings hold no escape: copy them in one go.
            if memchr(base + 1, 0x5C, raw.count - 2) == nil {
                out.append(base + 1, raw.count - 2)
            } else {
                JSONCursor.unescape(base, 1, raw.count - 1, into: out)
            }
        case 0x5B:
            var s = TrustedScan(p: base, n: raw.count, i: 1)
            var firstElement = true
            while true {
                s.space()
                guard s.i < s.n, s.p[s.i] != 0x5D else { return }
                if s.p[s.i] == 0x2C { s.i += 1; continue }
                if !firstElement { out.append(0x3B) }
                firstElement = false
                let start = s.i
                s.skip()
                appendText(UnsafeBufferPointer(rebasing: raw[start..<s.i]), into: out)
            }
        case 0x6E:
            return
        default:
            out.append(raw)
        }
    }
}
