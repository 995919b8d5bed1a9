import FlowModel
import FlowQuery

/// Encodes decoded flows as rows of the ClickHouse flow table, in RowBinary, in the order of
/// `columns` (the columns of migrations/clickhouse/0001_flows.sql).
final class ClickHouseFlowRow {
    /// The INSERT's column list: `time, h, uuid`, every `Column` (`ClickHouseLayout.name`),
    /// the endpoint parts of source then destination, and `residual`.
    static let columns: [String] = ["time", "h", "uuid"]
        + Column.allCases.filter { $0 != .time }.map(ClickHouseLayout.name)
        + [Column.source, .destination].flatMap { side in
            ClickHouseLayout.EndpointPart.allCases.map { ClickHouseLayout.endpointColumn(side, $0) }
        }
        + ["residual"]

    /// RowBinary of an endpoint's parts, by the endpoint JSON's hash (a store sees hundreds of
    /// distinct endpoints, so each is parsed once).
    private var endpointParts: [UInt64: [UInt8]] = [:]
    private let scratch = FlowModel.ByteBuffer(capacity: 1024)

    /// Appends `flow` as one row to `out`.
    func append(_ flow: DecodedFlow, to out: FlowModel.ByteBuffer) {
        RowBinary.int64(flow.time, out)
        RowBinary.int64(FlowIdentity.hash(flow), out)
        RowBinary.string(Self.uuid(in: flow.residual.bytes), out)
        for c in Column.allCases where c != .time {
            switch ClickHouseLayout.form(c) {
            case .int:
                RowBinary.int64(flow.has(c) ? flow.ints[c.rawValue] : 0, out)
            case .nullableBool:
                if flow.has(c) {
                    out.append(0)
                    out.append(flow.ints[c.rawValue] != 0 ? 1 : 0)
                } else {
                    out.append(1)
                }
            case .nullableText:
                if flow.has(c) {
                    out.append(0)
                    RowBinary.string(flow.sideBytes(c), out)
                } else {
                    out.append(1)
                }
            }
        }
        for side in [Column.source, .destination] {
            let h = flow.has(side) ? flow.sideHash(side) : 0
            if let cached = endpointParts[h] { out.append(cached); continue }
            scratch.removeAll()
            Self.endpoint(flow.has(side) ? String(decoding: flow.sideBytes(side), as: UTF8.self) : "{}", scratch)
            let bytes = Array(scratch.bytes)
            endpointParts[h] = bytes
            out.append(bytes)
        }
        RowBinary.string(flow.residual.bytes, out)
    }

    /// The parts of an endpoint, in `EndpointPart.allCases` order.
    static func endpoint(_ json: String, _ out: FlowModel.ByteBuffer) {
        let v = (try? JSONValue.parse(json)) ?? .object([:])
        for part in ClickHouseLayout.EndpointPart.allCases {
            let value = v[part.rawValue]
            switch part {
            case .identity, .id:
                if case .number(_, let raw)? = value { RowBinary.int64(Int64(raw) ?? 0, out) } else { RowBinary.int64(0, out) }
            case .labels:
                if case .array(let items)? = value {
                    RowBinary.strings(items.compactMap { if case .string(let s) = $0 { s } else { nil } }, out)
                } else {
                    RowBinary.length(0, out)
                }
            case .namespace, .podName, .cluster:
                if case .string(let s)? = value { RowBinary.string(s, out) } else { RowBinary.length(0, out) }
            }
        }
    }

    /// The flow's `uuid` in its residual (canonical JSON: one `"uuid":"…"`, a UUID needs no escapes).
    static func uuid(in line: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        let key = Array("\"uuid\":\"".utf8)
        guard line.count > key.count else { return UnsafeBufferPointer(start: nil, count: 0) }
        var i = 0
        let last = line.count - key.count
        while i <= last {
            if line[i] == 0x22, line[i + 1] == 0x75, (0..<key.count).allSatisfy({ line[i + $0] == key[$0] }) {
                let start = i + key.count
                var end = start
                while end < line.count, line[end] != 0x22, line[end] != 0x5C { end += 1 }
                return UnsafeBufferPointer(rebasing: line[start..<end])
            }
            i += 1
        }
        return UnsafeBufferPointer(start: nil, count: 0)
    }
}
