/// xoshiro256** seeded through SplitMix64: a tiny PRNG whose stream depends only on the seed.
///
/// It deliberately does not conform to `RandomNumberGenerator`: the standard library's
/// `random(in:using:)` and `shuffled(using:)` may change their algorithms between releases,
/// which would silently change generated data. All draws go through the methods below.
public struct Xoshiro256StarStar: Sendable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    public init(seed: UInt64) {
        // SplitMix64 spreads any seed (even 0) over the 256-bit state, as the xoshiro authors recommend.
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(); s1 = splitMix(); s2 = splitMix(); s3 = splitMix()
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// Uniform in `0..<n` (n > 0) by multiply-high; the bias is below 2^-40 for our small n.
    @inline(__always)
    public mutating func below(_ n: Int) -> Int {
        Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(n)).high)
    }

    /// Uniform in `lo...hi`.
    @inline(__always)
    mutating func range(_ lo: Int, _ hi: Int) -> Int {
        lo + below(hi - lo + 1)
    }

    /// True with probability `percent`/100.
    @inline(__always)
    mutating func percent(_ percent: Int) -> Bool {
        below(100) < percent
    }

    /// True with probability `permille`/1000.
    @inline(__always)
    mutating func permille(_ permille: Int) -> Bool {
        below(1000) < permille
    }

    /// Uniform in [0, 1).
    @inline(__always)
    mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// One element of a non-empty array.
    @inline(__always)
    mutating func pick<T>(_ items: [T]) -> T {
        items[below(items.count)]
    }

    /// A seeded Fisher–Yates shuffle (see the type comment for why not `shuffled(using:)`).
    mutating func shuffle<T>(_ items: inout [T]) {
        var i = items.count - 1
        while i > 0 {
            let j = below(i + 1)
            items.swapAt(i, j)
            i -= 1
        }
    }
}
