import FlowModel

/// Reads stored flows back as the lines `hubble observe -o json` prints: the residual and the
/// dictionary columns, put together by `FlowEncoder` exactly as the SQLite reader does.
struct ClickHouseLine {
    /// The dictionary columns, in the order `select` lists them.
    static let dictionaryColumns = Column.allCases.filter { $0.dictionary != nil }
    /// `time, residual, <dictionary columns>`.
    static let select = "time, residual, " + dictionaryColumns.map(ClickHouseLayout.name).joined(separator: ", ")

    let line = FlowModel.ByteBuffer(capacity: 16384)
    private var values = [UnsafeBufferPointer<UInt8>?](repeating: nil, count: Column.allCases.count)

    /// Reads one row of `select` and rebuilds its line (valid until the next row).
    mutating func read(_ r: inout RowBinaryReader) throws -> (time: Int64, line: UnsafeBufferPointer<UInt8>) {
        let time = try r.int64()
        let residual = try r.bytesOfString()
        for c in Self.dictionaryColumns {
            values[c.rawValue] = try r.uint8() == 1 ? nil : try r.bytesOfString()
        }
        line.removeAll()
        let v = values
        FlowEncoder.writeLine(residual: residual, time: time, extracted: { v[$0.rawValue] }, into: line)
        return (time, line.bytes)
    }
}
