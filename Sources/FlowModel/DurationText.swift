/// Durations written as `90m`, `2d`, `1h30m`, `500ms`, `1w`, and time bounds given as RFC 3339
/// or as a duration before now, as `hubble observe --since` accepts them.
public enum DurationText {
    /// Parses a duration to nanoseconds; nil when it is not one.
    public static func parse(_ text: String) -> Int64? {
        let units: [(String, Int64)] = [
            ("ns", 1), ("us", 1_000), ("µs", 1_000), ("ms", 1_000_000), ("s", 1_000_000_000),
            ("m", 60_000_000_000), ("h", 3_600_000_000_000), ("d", 86_400_000_000_000), ("w", 604_800_000_000_000),
        ]
        var rest = Substring(text.trimmingSpaces())
        guard !rest.isEmpty else { return nil }
        var total: Int64 = 0
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !digits.isEmpty, let value = Double(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            let unitText = rest.prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) }
            // Longest unit name first so "ms" is not read as "m" then "s".
            guard let unit = units.filter({ $0.0 == String(unitText) }).first else { return nil }
            rest = rest.dropFirst(unitText.count)
            let nanos = value * Double(unit.1)
            guard nanos.isFinite, nanos < 9.2e18 else { return nil }
            let (sum, overflow) = total.addingReportingOverflow(Int64(nanos))
            guard !overflow else { return nil }
            total = sum
        }
        return total
    }

    /// A time bound: RFC 3339, or a duration meaning that long before `now` (UTC ns); nil when
    /// it is neither, or lies outside the years 1678–2262 that int64 nanoseconds can hold.
    public static func timeBound(_ text: String, now: Int64) -> Int64? {
        if let t = FlowTime.parse(text) ?? hubbleTime(text.trimmingSpaces()) { return t }
        if let d = parse(text) {
            let (t, overflow) = now.subtractingReportingOverflow(d)
            return overflow ? nil : t
        }
        return nil
    }
}

extension DurationText {
    /// The other absolute forms `hubble observe --since/--until` takes (its time layouts: UTC
    /// `2006-01-02`, `2006-01-02T15`, `2006-01-02T15:04`, `2006-01-02T15:04:05`, and RFC 1123
    /// with a numeric zone, `Mon, 02 Jan 2006 15:04:05 -0700`); nil for anything else.
    public static func hubbleTime(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        let digit = { (i: Int) -> Bool in i < b.count && b[i] >= 0x30 && b[i] <= 0x39 }
        func digits(_ range: Range<Int>) -> Bool { range.allSatisfy(digit) }
        // 2006-01-02[T15[:04[:05]]], completed to RFC 3339 in UTC.
        if b.count >= 10, digits(0..<4), b[4] == 0x2D, digits(5..<7), b[7] == 0x2D, digits(8..<10) {
            let date = String(text.prefix(10))
            switch b.count {
            case 10: return FlowTime.parse(date + "T00:00:00Z")
            case 13 where b[10] == 0x54 && digits(11..<13): return FlowTime.parse(text + ":00:00Z")
            case 16 where b[10] == 0x54 && digits(11..<13) && b[13] == 0x3A && digits(14..<16): return FlowTime.parse(text + ":00Z")
            case 19 where b[10] == 0x54 && digits(11..<13) && b[13] == 0x3A && digits(14..<16) && b[16] == 0x3A && digits(17..<19):
                return FlowTime.parse(text + "Z")
            default: return nil
            }
        }
        // Mon, 02 Jan 2006 15:04:05 -0700
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[0].hasSuffix(","), parts[1].count == 2, parts[3].count == 4, parts[4].count == 8,
              parts[5].count == 5, parts[5].first == "+" || parts[5].first == "-" else { return nil }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard let m = months.firstIndex(of: String(parts[2])) else { return nil }
        let zone = parts[5]
        let month = m + 1 < 10 ? "0\(m + 1)" : "\(m + 1)"
        return FlowTime.parse("\(parts[3])-\(month)-\(parts[1])T\(parts[4])\(zone.prefix(3)):\(zone.suffix(2))")
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
