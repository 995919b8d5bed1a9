/// RFC 3339 timestamps as UTC nanoseconds since the Unix epoch, formatted the way protojson does.
///
/// protojson prints 0, 3, 6 or 9 fraction digits (the fewest that are exact), always with `Z`;
/// formatting with the same rule is what makes exported flows equal to Hubble's own output.
public enum FlowTime {
    /// Formats UTC nanoseconds as RFC 3339 with protojson's fraction rule.
    public static func format(_ nanos: Int64) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(30)
        append(nanos, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the formatted time (without quotes) to a byte buffer.
    public static func append(_ nanos: Int64, to out: inout [UInt8]) {
        var secs = nanos / 1_000_000_000
        var frac = nanos % 1_000_000_000
        if frac < 0 { frac += 1_000_000_000; secs -= 1 }
        var days = secs / 86_400
        var rem = secs % 86_400
        if rem < 0 { rem += 86_400; days -= 1 }
        let (y, m, d) = civil(fromDays: days)
        digits(y, 4, &out); out.append(UInt8(ascii: "-"))
        digits(m, 2, &out); out.append(UInt8(ascii: "-"))
        digits(d, 2, &out); out.append(UInt8(ascii: "T"))
        digits(rem / 3600, 2, &out); out.append(UInt8(ascii: ":"))
        digits(rem / 60 % 60, 2, &out); out.append(UInt8(ascii: ":"))
        digits(rem % 60, 2, &out)
        if frac != 0 {
            out.append(UInt8(ascii: "."))
            if frac % 1_000_000 == 0 {
                digits(frac / 1_000_000, 3, &out)
            } else if frac % 1000 == 0 {
                digits(frac / 1000, 6, &out)
            } else {
                digits(frac, 9, &out)
            }
        }
        out.append(UInt8(ascii: "Z"))
    }

    /// Parses an RFC 3339 time (`Z` or a numeric offset, 0–9 fraction digits) to UTC nanoseconds.
    public static func parse(_ text: String) -> Int64? {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBufferPointer { parse(UnsafeBufferPointer($0)) }
    }

    /// Parses RFC 3339 from raw bytes; nil when the bytes are not a valid time.
    public static func parse(_ b: UnsafeBufferPointer<UInt8>) -> Int64? {
        let n = b.count
        guard n >= 20 else { return nil }
        func num(_ at: Int, _ len: Int) -> Int64? {
            var v: Int64 = 0
            for i in at..<(at + len) {
                let c = b[i] &- 48
                guard c < 10 else { return nil }
                v = v * 10 + Int64(c)
            }
            return v
        }
        guard let year = num(0, 4), b[4] == 45, let month = num(5, 2), b[7] == 45, let day = num(8, 2),
              b[10] == 84 || b[10] == 116 || b[10] == 32,
              let hour = num(11, 2), b[13] == 58, let minute = num(14, 2), b[16] == 58, let second = num(17, 2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
              hour < 24, minute < 60, second < 61 else { return nil }
        var i = 19
        var frac: Int64 = 0
        if i < n, b[i] == 46 {
            i += 1
            var count = 0
            while i < n, b[i] &- 48 < 10 {
                guard count < 9 else { return nil }
                frac = frac * 10 + Int64(b[i] &- 48)
                count += 1; i += 1
            }
            guard count > 0 else { return nil }
            for _ in count..<9 { frac *= 10 }
        }
        guard i < n else { return nil }
        var offset: Int64 = 0
        if b[i] == 90 || b[i] == 122 {
            i += 1
        } else if b[i] == 43 || b[i] == 45 {
            guard i + 6 == n, let oh = num(i + 1, 2), b[i + 3] == 58, let om = num(i + 4, 2), oh < 24, om < 60
            else { return nil }
            offset = (oh * 3600 + om * 60) * (b[i] == 43 ? 1 : -1)
            i += 6
        } else {
            return nil
        }
        guard i == n else { return nil }
        let days = daysFromCivil(year, month, day)
        let secs = days * 86_400 + hour * 3600 + minute * 60 + min(second, 59) - offset
        let (r, overflow) = secs.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return nil }
        let (t, over) = r.addingReportingOverflow(frac)
        return over ? nil : t
    }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // Howard Hinnant's days-from-civil algorithm (proleptic Gregorian calendar).
    static func daysFromCivil(_ y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Days since 1970-01-01 → (year, month, day) (Howard Hinnant's civil_from_days).
    public static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? yoe + era * 400 + 1 : yoe + era * 400, m, d)
    }

    @inline(__always)
    static func digits(_ value: Int64, _ width: Int, _ out: inout [UInt8]) {
        var div: Int64 = 1
        for _ in 1..<width { div *= 10 }
        while div > 0 {
            out.append(UInt8(truncatingIfNeeded: 48 + (value / div) % 10))
            div /= 10
        }
    }

    /// The UTC day number (days since 1970-01-01) of a time; partitions are keyed by it.
    public static func day(_ nanos: Int64) -> Int64 {
        // Floor division without an intermediate that could overflow (nanos may be Int64.min).
        let perDay: Int64 = 86_400_000_000_000
        let q = nanos / perDay
        return nanos % perDay < 0 ? q - 1 : q
    }

    /// The day number of a `YYYYMMDD` stamp (ClickHouse's partition ids), nil when it is no date.
    public static func day(stamp: Int64) -> Int64? {
        let (y, m, d) = (stamp / 10000, stamp / 100 % 100, stamp % 100)
        guard (1...12).contains(m), d >= 1, d <= daysIn(month: m, year: y) else { return nil }
        return daysFromCivil(y, m, d)
    }

    /// `YYYYMMDD` for a day number, used in partition table names.
    public static func dayStamp(_ day: Int64) -> String {
        let (y, m, d) = civil(fromDays: day)
        var out: [UInt8] = []
        digits(y, 4, &out); digits(m, 2, &out); digits(d, 2, &out)
        return String(decoding: out, as: UTF8.self)
    }
}
