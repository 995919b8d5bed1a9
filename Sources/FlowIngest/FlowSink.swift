import FlowModel
import FlowStore

/// Where an ingest puts what it decodes: the SQLite store's `FlowWriter`, or another store
/// (FlowClickHouse's writer). The ingester and its sources know only this.
///
/// A sink batches what it is given and makes a batch durable in `commit()`, together with the
/// source positions set since the last commit, so a rerun after a crash resumes where the
/// last commit ended and every flow is counted once.
public protocol FlowSink: AnyObject {
    /// Adds a decoded flow to the batch; false when the sink knows it is already stored (a
    /// duplicate, counted as such).
    func add(_ flow: DecodedFlow) throws -> Bool
    /// Adds a lost-events record (`time`, `node` from its wrapper, when given).
    func addLostEvent(json: [UInt8], node: String?, time: Int64?)
    /// Counts a record that is not stored (rejected lines, agent events…), by kind.
    func count(_ name: String, _ delta: Int64)
    /// The position a source has reached, committed with the batch.
    func setPosition(_ p: SourcePosition)
    /// Flows in the batch not yet committed.
    var pendingFlows: Int { get }
    /// Whether there is nothing to commit.
    var isEmpty: Bool { get }
    /// Makes the batch and the positions durable.
    func commit() throws
    /// Waits until everything committed so far is written (a pipelined sink writes behind).
    func flush() throws
    /// Drops whole days of flows older than `cutoff` (UTC nanoseconds): retention.
    /// - Returns: the days dropped and the flows they held (as far as the sink can count them).
    func dropPartitions(before cutoff: Int64) throws -> (partitions: Int, flows: Int64)
}

/// Where sources' positions are read from when an ingest starts: the store they are
/// committed to.
public protocol SourcePositions: AnyObject {
    /// The position of the file whose first line hashes to `fingerprint`.
    func position(fingerprint: Int64) throws -> SourcePosition?
    /// The most recently updated position recorded under `path`.
    func latestPosition(path: String) throws -> SourcePosition?
    /// A position kept by a flowtrail before schema 3 (by path and inode), if any.
    func legacyPosition(path: String) throws -> SourcePosition?
}

extension FlowStore: SourcePositions {}

extension FlowSink {
    /// Counts one record of a kind.
    public func count(_ name: String) { count(name, 1) }
}

extension FlowWriter: FlowSink {
    public func dropPartitions(before cutoff: Int64) throws -> (partitions: Int, flows: Int64) {
        try flush()
        let dropped = try store.dropPartitions(before: cutoff)
        if dropped.partitions > 0 { forgetDroppedPartitions() }
        return dropped
    }
}
