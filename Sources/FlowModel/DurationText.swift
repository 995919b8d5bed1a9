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
        if let t = FlowTime.parse(text) { return t }
        if let d = parse(text) {
            let (t, overflow) = now.subtractingReportingOverflow(d)
            return overflow ? nil : t
        }
        return nil
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
