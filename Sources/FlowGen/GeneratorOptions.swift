/// Settings for a `FlowGenerator`: the seed that fixes the whole stream, where simulated time starts and how fast it runs.
public struct GeneratorOptions: Sendable {
    /// Same seed, same cluster and same lines, byte for byte.
    public var seed: UInt64 = 1
    /// Simulated time of the first flow, UTC nanoseconds (default 2026-01-01T00:00:00Z).
    public var start: Int64 = 1_767_225_600_000_000_000
    /// Flows per second of simulated time; line `i` is stamped near `start + i / rate` (a non-positive rate counts as 1).
    public var rate: Double = 1000

    public init(seed: UInt64 = 1, start: Int64 = 1_767_225_600_000_000_000, rate: Double = 1000) {
        self.seed = seed
        self.start = start
        self.rate = rate
    }
}
