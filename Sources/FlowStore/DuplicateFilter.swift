import FlowModel

/// Decides, on the decoding thread, whether an arriving flow is already stored or already on
/// its way to the store (`FlowIdentity`): a flow is stored once however often it arrives.
///
/// Most flows are newer than anything stored for their day, and then only the flows handed to
/// the writer in this process can be the same; those keys are kept in memory. A flow at or
/// before the day's stored maximum (a re-sent body, a re-read export, flows from nodes whose
/// clocks interleave) is looked up in the partition: `time = ? AND h = ?`, a primary-key range
/// scan, on a read connection of its own (the writer's may be busy on its thread). Keys in
/// memory are dropped at a checkpoint, once everything handed off is committed.
final class DuplicateFilter {
    struct Key: Hashable {
        let time: Int64
        let hash: Int64
    }

    private let path: String
    /// Keys handed to the writer since the last checkpoint.
    private var pending = Set<Key>()
    /// Per day: every stored flow later than this was handed off since the last checkpoint.
    private var storedMax: [Int64: Int64] = [:]
    private var pendingMax: [Int64: Int64] = [:]
    private var reader: SQLiteConnection?
    private var lookups: [Int64: Statement] = [:]
    /// Flows whose key a partition lookup was needed for (for benchmarks and tests).
    private(set) var lookupCount = 0
    /// Keys kept before a checkpoint: about 40 MB.
    var checkpointSize = 1 << 20

    init(path: String) { self.path = path }

    /// Whether the flow (`day`, `time`, identity `hash`) is stored or already handed off.
    func isDuplicate(day: Int64, time: Int64, hash: Int64) throws -> Bool {
        let key = Key(time: time, hash: hash)
        guard pending.insert(key).inserted else { return true }
        let max = try storedMax[day] ?? loadStoredMax(day)
        if time <= max, try isStored(day, key) { return true }
        if time > pendingMax[day] ?? .min { pendingMax[day] = time }
        return false
    }

    /// Whether enough keys are held that the caller should flush and call `checkpoint()`.
    var needsCheckpoint: Bool { pending.count >= checkpointSize }

    /// Keys of the last seconds of each day stay in memory at a checkpoint: flows from several
    /// nodes arrive a little out of order, and those would otherwise each need a lookup.
    static let keptNanos: Int64 = 5_000_000_000

    /// Forgets most keys in memory. Only call once every flow handed off is committed: later
    /// flows up to the new stored maximum are then looked up in the store instead.
    func checkpoint() {
        for (day, m) in pendingMax {
            let cutoff = m - Self.keptNanos
            if cutoff > storedMax[day] ?? .min { storedMax[day] = cutoff }
        }
        pending = pending.filter { $0.time > storedMax[FlowTime.day($0.time)] ?? .min }
        if pending.count > checkpointSize / 2 {
            // Too many flows in those seconds: keep none, look up everything up to the newest.
            for (day, m) in pendingMax where m > storedMax[day] ?? .min { storedMax[day] = m }
            pending.removeAll(keepingCapacity: true)
        }
        pendingMax.removeAll()
        for key in pending {
            let day = FlowTime.day(key.time)
            if key.time > pendingMax[day] ?? .min { pendingMax[day] = key.time }
        }
    }

    /// Forgets what is known of a day's partition (retention dropped it).
    func forget(day: Int64) {
        storedMax[day] = nil
        lookups[day] = nil
    }

    private func connection() throws -> SQLiteConnection {
        if let reader { return reader }
        let c = try SQLiteConnection(path: path, readOnly: true, create: false)
        reader = c
        return c
    }

    private func loadStoredMax(_ day: Int64) throws -> Int64 {
        let m = try connection().scalar("SELECT max_time FROM partitions WHERE day = ?", [.int(day)]) ?? .min
        storedMax[day] = m
        return m
    }

    private func isStored(_ day: Int64, _ key: Key) throws -> Bool {
        lookupCount += 1
        let s: Statement
        if let cached = lookups[day] {
            s = cached
        } else {
            s = try connection().prepare("SELECT 1 FROM \"\(FlowStore.flowTable(day))\" WHERE time = ? AND h = ? LIMIT 1")
            lookups[day] = s
        }
        s.bind(1, key.time)
        s.bind(2, key.hash)
        // Reset at once: a statement left stepped would hold its read snapshot open.
        defer { s.reset() }
        return try s.step()
    }
}
