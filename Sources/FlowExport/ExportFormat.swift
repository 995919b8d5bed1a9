import FlowModel

/// How exported flows are written.
public enum ExportFormat: String, Sendable, CaseIterable {
    /// RFC 4180 CSV: header row, CRLF, quoted where needed, UTF-8.
    case csv
    /// One JSON object a line: the whole flow (`hubble observe -o json` shape), or with
    /// explicit columns an object of just those fields.
    case ndjson

    /// `jsonl` is accepted as another name for `ndjson`.
    public init?(name: String) {
        switch name {
        case "csv": self = .csv
        case "ndjson", "jsonl": self = .ndjson
        default: return nil
        }
    }

    public var contentType: String {
        switch self {
        case .csv: "text/csv; charset=utf-8"
        case .ndjson: "application/x-ndjson"
        }
    }
}

/// Renders flow lines as export records into a byte buffer; the CLI and the HTTP route both
/// use it, so they write the same bytes.
public final class ExportRenderer {
    public let format: ExportFormat
    public let columns: ExportColumns
    /// Whole flow lines (ndjson without explicit columns).
    public let wholeLines: Bool
    /// Leave cells that a spreadsheet would run as a formula as they are.
    let raw: Bool
    private let extractor: FieldExtractor
    private let cell = ByteBuffer(capacity: 1024)

    public init(format: ExportFormat, columns: ExportColumns?, raw: Bool = false) {
        self.format = format
        self.columns = columns ?? .standard
        wholeLines = format == .ndjson && columns == nil
        self.raw = raw
        extractor = FieldExtractor(self.columns.targets)
    }

    /// The header row (CSV only).
    public func header(into out: ByteBuffer) {
        guard format == .csv else { return }
        for (k, name) in columns.names.enumerated() {
            if k > 0 { out.append(0x2C) }
            cell.removeAll()
            cell.append(string: name)
            appendCSV(cell.bytes, into: out)
        }
        out.append("\r\n")
    }

    /// One record for a canonical flow line.
    public func record(_ line: UnsafeBufferPointer<UInt8>, into out: ByteBuffer) {
        if wholeLines {
            out.append(line)
            out.append(0x0A)
            return
        }
        extractor.extract(line)
        switch format {
        case .csv:
            for k in columns.names.indices {
                if k > 0 { out.append(0x2C) }
                cell.removeAll()
                if let r = extractor.range(k) {
                    FieldExtractor.appendText(UnsafeBufferPointer(rebasing: line[r]), into: cell)
                } else {
                    cell.append(columns.absent[k].text)
                }
                appendCSV(cell.bytes, into: out)
            }
            out.append("\r\n")
        case .ndjson:
            out.append(0x7B)
            for (k, name) in columns.names.enumerated() {
                if k > 0 { out.append(0x2C) }
                JSONText.appendQuoted(name, to: out)
                out.append(0x3A)
                if let r = extractor.range(k) { out.append(UnsafeBufferPointer(rebasing: line[r])) } else { out.append(columns.absent[k].json) }
            }
            out.append("}\n")
        }
    }

    /// A CSV field: quoted when it holds a comma, quote, CR or LF; a leading `=`, `+`, `-`,
    /// `@`, tab or CR gets a `'` so spreadsheets show it instead of running it.
    func appendCSV(_ text: UnsafeBufferPointer<UInt8>, into out: ByteBuffer) {
        var guardFormula = false
        if !raw, let c = text.first { guardFormula = c == 0x3D || c == 0x2B || c == 0x2D || c == 0x40 || c == 0x09 || c == 0x0D }
        var quote = false
        for b in text where b == 0x2C || b == 0x22 || b == 0x0A || b == 0x0D {
            quote = true
            break
        }
        if quote { out.append(0x22) }
        if guardFormula { out.append(0x27) }
        if quote {
            for b in text {
                if b == 0x22 { out.append(0x22) }
                out.append(b)
            }
            out.append(0x22)
        } else {
            out.append(text)
        }
    }
}
