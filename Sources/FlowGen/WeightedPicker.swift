/// Picks an index with probability proportional to a fixed weight, in O(log n) with one random draw.
struct WeightedPicker: Sendable {
    /// Cumulative weights scaled to 2^32, so a draw is an integer compare, not floating point.
    private let cumulative: [UInt64]

    init(weights: [Double]) {
        let total = weights.reduce(0, +)
        var running = 0.0
        var table: [UInt64] = []
        table.reserveCapacity(weights.count)
        for w in weights {
            running += w
            table.append(UInt64((running / total * 4_294_967_296.0).rounded()))
        }
        // Rounding must not leave a gap at the top, nor give a zero-weight tail entry a chance.
        if let last = weights.lastIndex(where: { $0 > 0 }) {
            for i in last..<table.count { table[i] = 4_294_967_296 }
        }
        cumulative = table
    }

    @inline(__always)
    func pick(_ rng: inout Xoshiro256StarStar) -> Int {
        let r = rng.next() >> 32
        var lo = 0
        var hi = cumulative.count - 1
        while lo < hi {
            let mid = (lo + hi) >> 1
            if cumulative[mid] > r { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }
}
