import FlowModel
import SwiftProtobuf

/// `hubble observe --time-format` (`hubble/pkg/time/time.go` FormatNameToLayout): the Go
/// layouts Hubble prints flow times with, in UTC.
public enum HubbleTimeFormat: String, CaseIterable, Sendable {
    case stampMilli = "StampMilli", rfc3339 = "RFC3339", rfc3339Milli = "RFC3339Milli"
    case rfc3339Micro = "RFC3339Micro", rfc3339Nano = "RFC3339Nano", rfc1123Z = "RFC1123Z"
    case yearMonthDay = "YearMonthDay", yearMonthDayHour = "YearMonthDayHour"
    case yearMonthDayHourMinute = "YearMonthDayHourMinute"

    /// Any case, as Hubble reads it; an unknown name is StampMilli, as in Hubble.
    public init(name: String) {
        self = Self.allCases.first { $0.rawValue.lowercased() == name.lowercased() } ?? .stampMilli
    }

    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    static let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]

    /// The time in this layout; "N/A" without one (Go's `fmtTimestamp` for an invalid one).
    public func format(_ ts: Google_Protobuf_Timestamp?) -> String {
        guard let ts, ts.seconds >= -62_135_596_800, ts.seconds <= 253_402_300_799, ts.nanos >= 0, ts.nanos < 1_000_000_000 else {
            return "N/A"
        }
        let days = Int(ts.seconds.quotientAndRemainder(dividingBy: 86_400).quotient) - (ts.seconds % 86_400 < 0 ? 1 : 0)
        let secondOfDay = Int(ts.seconds - Int64(days) * 86_400)
        let (y64, m64, d64) = FlowTime.civil(fromDays: Int64(days))
        let (y, m, d) = (Int(y64), Int(m64), Int(d64))
        let hh = secondOfDay / 3600, mm = secondOfDay / 60 % 60, ss = secondOfDay % 60
        func p2(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        func fraction(_ digits: Int, trim: Bool) -> String {
            var s = String(Int(ts.nanos))
            s = String(repeating: "0", count: 9 - s.count) + s
            s = String(s.prefix(digits))
            if trim { while s.last == "0" { s.removeLast() } }
            return s.isEmpty ? "" : "." + s
        }
        let date = "\(y)-\(p2(m))-\(p2(d))"
        let clock = "\(p2(hh)):\(p2(mm)):\(p2(ss))"
        switch self {
        case .stampMilli: return "\(Self.months[m - 1]) \(d < 10 ? " \(d)" : "\(d)") \(clock)\(fraction(3, trim: false))"
        case .rfc3339: return "\(date)T\(clock)Z"
        case .rfc3339Milli: return "\(date)T\(clock)\(fraction(3, trim: true))Z"
        case .rfc3339Micro: return "\(date)T\(clock)\(fraction(6, trim: true))Z"
        case .rfc3339Nano: return "\(date)T\(clock)\(fraction(9, trim: true))Z"
        case .rfc1123Z:
            let weekday = Self.weekdays[((days % 7) + 7) % 7]
            return "\(weekday), \(p2(d)) \(Self.months[m - 1]) \(y) \(clock) +0000"
        case .yearMonthDay: return date
        case .yearMonthDayHour: return "\(date)T\(p2(hh))Z"
        case .yearMonthDayHourMinute: return "\(date)T\(p2(hh)):\(p2(mm))Z"
        }
    }
}
