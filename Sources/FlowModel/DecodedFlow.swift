/// One decoded flow: its column values, dictionary values and canonical residual JSON.
///
/// Reused from line to line (`reset()`), so decoding allocates nothing once buffers are warm.
public final class DecodedFlow {
    /// UTC nanoseconds.
    public var time: Int64 = 0
    /// Integer column values, indexed by `Column.rawValue` (0 when absent).
    public var ints = [Int64](repeating: 0, count: Column.allCases.count)
    /// Bit `Column.rawValue` is set when that column has a value.
    public var present: UInt64 = 0
    /// The flow as canonical protojson, with extracted fields replaced by the placeholder `0`.
    public let residual = ByteBuffer(capacity: 4096)
    /// Text or canonical JSON of dictionary columns, at `sideRanges[column]`.
    public let side = ByteBuffer(capacity: 4096)
    public var sideRanges = [Range<Int>](repeating: 0..<0, count: Column.allCases.count)

    public init() {}

    public func reset() {
        time = 0
        present = 0
        for k in ints.indices { ints[k] = 0 }
        residual.removeAll()
        side.removeAll()
    }

    @inline(__always)
    public func has(_ c: Column) -> Bool { present & (1 << UInt64(c.rawValue)) != 0 }

    @inline(__always)
    public func set(_ c: Column, _ v: Int64) {
        ints[c.rawValue] = v
        present |= 1 << UInt64(c.rawValue)
    }

    @inline(__always)
    func setSide(_ c: Column, _ r: Range<Int>) {
        sideRanges[c.rawValue] = r
        present |= 1 << UInt64(c.rawValue)
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
