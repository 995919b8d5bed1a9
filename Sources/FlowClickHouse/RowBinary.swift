import FlowModel

/// ClickHouse's RowBinary format (https://clickhouse.com/docs/en/interfaces/formats#rowbinary):
/// integers little-endian, a String as a LEB128 length and its bytes, `Nullable(T)` as one byte
/// (1 = NULL) before T, `Array(T)` as a LEB128 count and the elements. The compact format
/// flowtrail inserts in (about 830k rows/s into 18.16: docs/clickhouse-18.16-notes.md).
enum RowBinary {
    @inline(__always)
    static func int64(_ v: Int64, _ out: FlowModel.ByteBuffer) {
        var le = v.littleEndian
        withUnsafeBytes(of: &le) { out.append($0.baseAddress!.assumingMemoryBound(to: UInt8.self), 8) }
    }

    @inline(__always)
    static func length(_ n: Int, _ out: FlowModel.ByteBuffer) {
        var v = UInt64(n)
        while v >= 0x80 {
            out.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    @inline(__always)
    static func string(_ bytes: UnsafeBufferPointer<UInt8>, _ out: FlowModel.ByteBuffer) {
        length(bytes.count, out)
        out.append(bytes)
    }

    static func string(_ text: String, _ out: FlowModel.ByteBuffer) {
        var text = text
        text.withUTF8 { string($0, out) }
    }

    static func strings(_ items: [String], _ out: FlowModel.ByteBuffer) {
        length(items.count, out)
        for s in items { string(s, out) }
    }
}

/// Reads RowBinary answers; `fail` on a short or malformed row.
struct RowBinaryReader {
    let bytes: UnsafeBufferPointer<UInt8>
    var offset = 0

    /// Thrown when the bytes end inside a row (the caller waits for more) or do not parse.
    struct Short: Error {}

    var atEnd: Bool { offset >= bytes.count }

    mutating func int64() throws -> Int64 {
        guard offset + 8 <= bytes.count else { throw Short() }
        var v: UInt64 = 0
        for k in 0..<8 { v |= UInt64(bytes[offset + k]) << (8 * UInt64(k)) }
        offset += 8
        return Int64(bitPattern: v)
    }

    mutating func uint8() throws -> UInt8 {
        guard offset < bytes.count else { throw Short() }
        offset += 1
        return bytes[offset - 1]
    }

    mutating func length() throws -> Int {
        var v: UInt64 = 0, shift: UInt64 = 0
        while true {
            let b = try uint8()
            v |= UInt64(b & 0x7F) << shift
            if b < 0x80 { break }
            shift += 7
            guard shift < 64 else { throw Short() }
        }
        guard v <= UInt64(Int.max) else { throw Short() }
        return Int(v)
    }

    mutating func bytesOfString() throws -> UnsafeBufferPointer<UInt8> {
        let n = try length()
        guard offset + n <= bytes.count else { throw Short() }
        defer { offset += n }
        return UnsafeBufferPointer(rebasing: bytes[offset..<offset + n])
    }

    mutating func string() throws -> String { String(decoding: try bytesOfString(), as: UTF8.self) }

    mutating func strings() throws -> [String] {
        let n = try length()
        return try (0..<n).map { _ in try string() }
    }
}

/// Splits a streamed RowBinary answer into whole rows: chunks are appended, `rows` parses
/// every complete row and keeps the rest for the next chunk.
final class RowBinaryStream {
    private var pending: [UInt8] = []

    /// Parses the complete rows in what has arrived, in order, with `row` (which reads exactly
    /// one row, or throws `Short` when the row is not all there yet).
    func feed(_ chunk: UnsafeRawBufferPointer, _ row: (inout RowBinaryReader) throws -> Bool) throws -> Bool {
        pending.append(contentsOf: chunk)
        var consumed = 0, more = true
        try pending.withUnsafeBufferPointer { all in
            var r = RowBinaryReader(bytes: all)
            while !r.atEnd {
                let start = r.offset
                do {
                    more = try row(&r)
                } catch is RowBinaryReader.Short {
                    r.offset = start
                    break
                }
                consumed = r.offset
                if !more { break }
            }
        }
        pending.removeFirst(consumed)
        return more
    }

    /// What was left unparsed at the end of the answer: ClickHouse appends an error's text to a
    /// streamed answer that fails midway (docs/clickhouse-18.16-notes.md, pitfall 6).
    var leftover: String? { pending.isEmpty ? nil : String(decoding: pending, as: UTF8.self) }
}
