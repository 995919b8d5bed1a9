/// One decoded flow: its column values, dictionary values and canonical residual JSON.
///
/// Reused from line to line (`reset()`), so decoding allocates nothing once buffers are warm.
public final class DecodedFlow {
    /// UTC nanoseconds.
    public var time: Int64 = 0
    /// Integer column values, indexed by `Column.rawValue` (0 when absent).
    public let ints = UnsafeMutablePointer<Int64>.allocate(capacity: Column.allCases.count)
    /// Bit `Column.rawValue` is set when that column has a value.
    public var present: UInt64 = 0
    /// The flow as canonical protojson, with extracted fields replaced by the placeholder `0`.
    public let residual = ByteBuffer(capacity: 4096)
    /// Text or canonical JSON of dictionary columns, at `sideRanges[column]`.
    public let side = ByteBuffer(capacity: 4096)
    let sideRanges = UnsafeMutablePointer<Range<Int>>.allocate(capacity: Column.allCases.count)
    /// `ByteHash` of a dictionary column's value when the decoder already knows it, else 0.
    public let sideHashes = UnsafeMutablePointer<UInt64>.allocate(capacity: Column.allCases.count)

    /// Enum names this build does not know (a newer Cilium's), with the field they were in:
    /// `drop_reason_desc` for a Flow field, `Message.field` below it. Almost always empty.
    public var unknownEnums: [(field: String, name: String)] = []
    /// `ByteHash` of the flow's `uuid` value (as written, quotes included), 0 when it has none.
    public var uuidHash: UInt64 = 0

    public init() {
        ints.initialize(repeating: 0, count: Column.allCases.count)
        sideRanges.initialize(repeating: 0..<0, count: Column.allCases.count)
        sideHashes.initialize(repeating: 0, count: Column.allCases.count)
    }

    deinit {
        ints.deallocate()
        sideRanges.deallocate()
        sideHashes.deallocate()
    }

    public func reset() {
        time = 0
        present = 0
        uuidHash = 0
        ints.update(repeating: 0, count: Column.allCases.count)
        sideHashes.update(repeating: 0, count: Column.allCases.count)
        residual.removeAll()
        side.removeAll()
        if !unknownEnums.isEmpty { unknownEnums.removeAll() }
    }

    @inline(__always)
    public func has(_ c: Column) -> Bool { present & (1 << UInt64(c.rawValue)) != 0 }

    @inline(__always)
    public func set(_ c: Column, _ v: Int64) { set(c.rawValue, v) }

    @inline(__always)
    func set(_ c: Int, _ v: Int64) {
        ints[c] = v
        present |= 1 << UInt64(c)
    }

    @inline(__always)
    func setSide(_ c: Column, _ r: Range<Int>) { setSide(c.rawValue, r) }

    @inline(__always)
    func setSide(_ c: Int, _ r: Range<Int>) {
        sideRanges[c] = r
        present |= 1 << UInt64(c)
    }

    /// The `ByteHash` of a dictionary column's value.
    @inline(__always)
    public func sideHash(_ c: Column) -> UInt64 {
        let h = sideHashes[c.rawValue]
        return h != 0 ? h : ByteHash.of(sideBytes(c))
    }

    /// The dictionary value bytes of a column (valid until the next reset).
    public func sideBytes(_ c: Column) -> UnsafeBufferPointer<UInt8> {
        let r = sideRanges[c.rawValue]
        return UnsafeBufferPointer(start: side.base + r.lowerBound, count: r.count)
    }
}

/// What kind of record a line held.
public enum LineKind: Sendable, Equatable {
    case blank
    case flow
    case lostEvents
    case agentEvent
    case debugEvent
    case nodeStatus
}
