import SwiftProtobuf

/// UTC nanoseconds ⇄ `google.protobuf.Timestamp`.
extension Google_Protobuf_Timestamp {
    init(nanoseconds t: Int64) {
        self.init()
        let (s, n) = t.quotientAndRemainder(dividingBy: 1_000_000_000)
        seconds = n < 0 ? s - 1 : s
        nanos = Int32(n < 0 ? n + 1_000_000_000 : n)
    }

    /// Saturates instead of overflowing for times past year 2262.
    var nanoseconds: Int64 {
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        let (sum, overflow2) = product.addingReportingOverflow(Int64(nanos))
        return overflow2 ? .max : sum
    }
}
