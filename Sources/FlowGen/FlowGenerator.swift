import FlowModel

/// Deterministic, realistic Hubble flow lines (`hubble observe -o json` shape) for tests, demos and benchmarks.
///
/// The same `GeneratorOptions` always produce the same byte stream. Line `i` is stamped
/// `start + i/rate` plus a jitter of at most half an interval (capped at 50 ms), so times stay
/// close to the schedule without being strictly increasing — like a merged multi-node stream.
public struct FlowGenerator: Sendable {
    private let model: ClusterModel
    private var rng: Xoshiro256StarStar
    private var index: Int64 = 0
    private let start: Int64
    private let nanosPerLine: Double
    private let jitter: Int
    /// Reused buffers: the formatted time (printed twice per line) and the L7 summary.
    private var timeText: [UInt8] = []
    private var summary: [UInt8] = []

    public init(_ options: GeneratorOptions) {
        model = ClusterBuilder.build(seed: options.seed)
        rng = Xoshiro256StarStar(seed: options.seed)
        start = options.start
        let rate = options.rate > 0 ? options.rate : 1
        nanosPerLine = 1e9 / rate
        jitter = Int(min(nanosPerLine / 2, 50_000_000))
        timeText.reserveCapacity(32)
        summary.reserveCapacity(256)
    }

    /// Appends one JSON line, without the trailing newline.
    public mutating func appendLine(to out: inout [UInt8]) {
        var t = start + Int64((Double(index) * nanosPerLine).rounded())
        if jitter > 0 { t += Int64(rng.below(2 * jitter + 1) - jitter) }
        index += 1
        timeText.removeAll(keepingCapacity: true)
        FlowTime.append(t, to: &timeText)

        var spec = FlowSpec()
        Scenario.table[rng.below(1000)].fill(&spec, model, &rng)
        GenLineWriter.write(spec, model: model, time: timeText, rng: &rng, summary: &summary, out: &out)
    }

    /// The next line as a String (convenient in tests; `appendLine` is the fast path).
    public mutating func nextLine() -> String {
        var out: [UInt8] = []
        out.reserveCapacity(3072)
        appendLine(to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
