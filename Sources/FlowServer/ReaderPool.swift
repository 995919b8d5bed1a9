import FlowClickHouse
import FlowQuery
import FlowStore
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// One reader of the store: a read-only SQLite connection with its query engine (and its SQL
/// functions), or a share of the ClickHouse store.
final class Reader: @unchecked Sendable {
    /// What the routes read.
    let reads: any StoreReads
    /// The SQLite connection; nil on ClickHouse.
    let sqlite: SQLiteReads?
    private var dataVersion: Int64 = -1

    init(path: String) throws {
        let store = try FlowStore(path: path, readOnly: true)
        let engine = try QueryEngine(store: store)
        // A page of up to 100 flows can touch 100 blocks; keep the hot ones across requests.
        engine.reader.cacheSize = 64
        sqlite = SQLiteReads(store: store, engine: engine)
        reads = sqlite!
    }

    init(clickhouse: ClickHouseReads) {
        sqlite = nil
        reads = clickhouse
    }

    /// Picks up partitions that other connections created since this one last looked
    /// (`data_version` changes whenever another connection commits).
    func refresh() throws {
        guard let store = sqlite?.store else { return }
        let v = try store.db.scalar("PRAGMA data_version") ?? 0
        if v != dataVersion {
            try store.reloadPartitions()
            dataVersion = v
        }
    }

    /// Interrupts the running SQL at once (SQLite; a ClickHouse query runs to its end).
    func stop() { sqlite?.store.db.stop() }

    /// When SQLite interrupts the running statement (monotonic seconds), nil for never.
    var deadline: Double? {
        get { sqlite?.store.db.deadline }
        set { sqlite?.store.db.deadline = newValue }
    }
}

/// A fixed set of read connections. In WAL mode readers never wait for the writer; each
/// request borrows one reader and runs its SQL on a thread of the pool's own, so the event
/// loops never block on SQLite.
actor ReaderPool {
    private var free: [Reader]
    private var waiting: [(since: ContinuousClock.Instant, resume: CheckedContinuation<Reader?, Never>)] = []
    /// Whether a task is expiring waiters (one for all of them: a timer per waiting request
    /// cost more than the requests under load).
    private var sweeping = false
    let threads: NIOThreadPool
    /// Seconds a query may run before it is interrupted.
    let timeout: Double
    /// Seconds a request may wait for a reader before it is answered 503.
    let wait: Double
    /// Readers in the pool.
    nonisolated let size: Int

    init(path: String, size: Int, timeout: Double, wait: Double = 5) throws {
        try self.init(readers: (0..<size).map { _ in try Reader(path: path) }, timeout: timeout, wait: wait)
    }

    /// `size` readers sharing one ClickHouse store (its client runs their queries at once).
    init(clickhouse: ClickHouseStore, size: Int, timeout: Double, wait: Double = 5) {
        let reads = ClickHouseReads(store: clickhouse)
        self.init(readers: (0..<size).map { _ in Reader(clickhouse: reads) }, timeout: timeout, wait: wait)
    }

    private init(readers: [Reader], timeout: Double, wait: Double) {
        let size = readers.count
        free = readers
        threads = NIOThreadPool(numberOfThreads: size)
        threads.start()
        self.timeout = timeout
        self.wait = wait
        self.size = size
    }

    /// A free reader, or nil once `wait` seconds pass without one.
    private func acquire() async -> Reader? {
        if let r = free.popLast() { return r }
        if !sweeping {
            sweeping = true
            Task { [weak self] in await self?.sweep() }
        }
        return await withCheckedContinuation { waiting.append((ContinuousClock.now, $0)) }
    }

    /// Answers nil to the waiters that waited `wait`, ten times a second while any wait.
    private func sweep() async {
        let limit = Duration.nanoseconds(Int64(wait * 1e9))
        while !waiting.isEmpty {
            try? await Task.sleep(for: .milliseconds(100))
            let now = ContinuousClock.now
            // Waiters are in arrival order: the expired ones are a prefix.
            while let first = waiting.first, now - first.since >= limit {
                waiting.removeFirst().resume.resume(returning: nil)
            }
        }
        sweeping = false
    }

    private func release(_ r: Reader) {
        if waiting.isEmpty { free.append(r) } else { waiting.removeFirst().resume.resume(returning: r) }
    }

    /// Runs `body` with a reader on a pool thread, under the query timeout. A query past the
    /// timeout is interrupted and answered 503; so is a request that waited `wait` seconds for
    /// a reader (with Retry-After). When the client of the current request goes
    /// (`ConnectionWatch.current`), its SQL is interrupted and the reader freed at once.
    func run<T: Sendable>(_ body: @escaping @Sendable (Reader) throws -> T) async throws -> T {
        let watch = ConnectionWatch.current
        guard let reader = await acquire() else {
            throw APIError.busy("every reader stayed busy for \(Self.describe(wait)); try again")
        }
        defer { release(reader) }
        // Cleared before the watch can stop it: a client leaving in between must not be missed.
        reader.sqlite?.store.db.clearStop()
        if watch?.isGone == true { throw CancellationError() }
        let timeout = self.timeout
        // Removed (below, first) before the reader is released: it must not stop the next request.
        let token = watch?.onGone { reader.stop() }
        defer { watch?.remove(token) }
        return try await threads.runIfActive {
            Self.lowerThreadPriority()
            try reader.refresh()
            reader.deadline = Clock.monotonic() + timeout
            defer { reader.deadline = nil }
            do {
                return try body(reader)
            } catch let e as StoreError where e.interrupted {
                // The deadline's progress handler stopped SQLite; the connection is fine.
                throw APIError(.serviceUnavailable, "query_timeout",
                               "the query ran longer than the \(Self.describe(timeout)) limit and was stopped")
            }
        }
    }

    /// Query threads run at a lower priority (nice 10) than the event loops: when SQL keeps
    /// every core busy, the loops still accept connections and answer probes at once.
    nonisolated static func lowerThreadPriority() {
        guard !niced else { return }
        niced = true
        // Linux keeps the nice value per thread; `who` 0 is the calling thread (setpriority(2)).
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
    }

    /// A timeout for a message: `250ms`, `10s`.
    nonisolated static func describe(_ seconds: Double) -> String {
        seconds < 1 ? "\(Int((seconds * 1000).rounded()))ms" : "\(Int(seconds.rounded()))s"
    }
}

/// Whether this thread's priority was lowered (`ReaderPool.lowerThreadPriority`).
nonisolated(unsafe) private var nicedStorage = ThreadNice()

/// Per-thread flag, through pthread-specific data (a Swift global is shared by all threads).
private final class ThreadNice {
    private var key = pthread_key_t()
    init() { pthread_key_create(&key, nil) }
    var isSet: Bool {
        get { pthread_getspecific(key) != nil }
        set { pthread_setspecific(key, newValue ? UnsafeRawPointer(bitPattern: 1) : nil) }
    }
}

private var niced: Bool {
    get { nicedStorage.isSet }
    set { nicedStorage.isSet = newValue }
}
