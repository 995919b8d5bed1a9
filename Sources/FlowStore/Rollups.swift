import FlowModel

/// The rollups of a partition (tables v_, t_ and d_ of migrations/0002_rollups.sql).
///
/// Commits sum their rows in memory (`RollupBatch`). The same grouping is spelled here as
/// `INSERT … SELECT … GROUP BY`: it backfills a partition stored before rollups existed, and
/// its conditions are the brute-force reference reports use with `--raw` and filters.
public enum Rollups {
    public static let nanosPerMinute: Int64 = 60_000_000_000
    public static let nanosPerHour: Int64 = 3_600_000_000_000

    /// The default-deny candidates: policy-verdict events (type 5), not replies, verdict AUDIT
    /// (4), or FORWARDED (1) / REDIRECTED (5) by the allow-all match (4).
    public static let defaultDenyCondition =
        "event_type = 5 AND coalesce(is_reply, 0) = 0 AND (verdict = 4 OR (verdict IN (1, 5) AND match_type = 4))"

    /// The default-deny grouping columns, subject first: egress policy selects the source,
    /// ingress policy the destination.
    public static let defaultDenyKey = """
        direction,
        CASE WHEN direction = 2 THEN coalesce(src_ep, 0) ELSE coalesce(dst_ep, 0) END,
        CASE WHEN direction = 2 THEN coalesce(dst_ep, 0) ELSE coalesce(src_ep, 0) END,
        CASE WHEN direction = 2 THEN coalesce(dst_ip, 0) ELSE coalesce(src_ip, 0) END,
        CASE WHEN direction = 2 THEN coalesce(dst_names, 0) ELSE coalesce(src_names, 0) END,
        l4_protocol, dst_port, verdict, match_type
        """

    /// Statements that add the rows `time BETWEEN ?1 AND ?2 AND id >= ?3 AND id < ?4` of
    /// partition `day` to its rollups.
    static func statements(_ day: Int64) -> [String] {
        let f = "\"\(FlowStore.flowTable(day))\"", stamp = FlowTime.dayStamp(day)
        let rows = "FROM \(f) WHERE time BETWEEN ?1 AND ?2 AND id >= ?3 AND id < ?4"
        return [
            """
            INSERT INTO "v_\(stamp)" (minute, verdict, drop_reason, flows)
            SELECT time / \(nanosPerMinute), verdict, drop_reason, count(*) \(rows) GROUP BY 1, 2, 3
            ON CONFLICT DO UPDATE SET flows = flows + excluded.flows
            """,
            """
            INSERT INTO "t_\(stamp)" (hour, src_ep, dst_ep, flows)
            SELECT time / \(nanosPerHour), coalesce(src_ep, 0), coalesce(dst_ep, 0), count(*) \(rows) GROUP BY 1, 2, 3
            ON CONFLICT DO UPDATE SET flows = flows + excluded.flows
            """,
            """
            INSERT INTO "d_\(stamp)" (minute, direction, subject, peer, peer_ip, peer_names, protocol, port,
                                      verdict, match_type, flows, first_time, last_time)
            SELECT time / \(nanosPerMinute), \(defaultDenyKey), count(*), min(time), max(time)
            \(rows) AND \(defaultDenyCondition) GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
            ON CONFLICT DO UPDATE SET flows = flows + excluded.flows,
              first_time = min(first_time, excluded.first_time), last_time = max(last_time, excluded.last_time)
            """,
        ]
    }

    /// Adds rows to the partition's rollups by SQL (the backfill; commits sum theirs in memory,
    /// see `RollupBatch`).
    static func add(_ store: FlowStore, _ rows: CommittedRows) throws {
        for sql in statements(rows.day) {
            let s = try store.db.prepare(sql)
            try s.bind([.int(rows.minTime), .int(rows.maxTime), .int(rows.ids.lowerBound), .int(rows.ids.upperBound)])
            try s.run()
        }
    }

    /// Creates and fills the rollups of partitions stored before they existed.
    static func backfill(_ store: FlowStore) throws {
        for day in store.days {
            let name = "d_\(FlowTime.dayStamp(day))"
            guard try store.db.scalar("SELECT count(*) FROM sqlite_master WHERE name = ?", [.text(name)]) == 0 else { continue }
            try store.db.transaction {
                // Statements 7 and later of partition_ddl are the rollup tables (migration 0002).
                for sql in try store.db.rows("SELECT sql FROM partition_ddl WHERE seq >= 7 ORDER BY seq").compactMap({ $0[0].text }) {
                    try store.db.execute(sql.replacing("{day}", with: FlowTime.dayStamp(day)))
                }
                try add(store, CommittedRows(day: day, ids: Int64.min..<Int64.max, minTime: Int64.min, maxTime: Int64.max))
            }
        }
    }
}
