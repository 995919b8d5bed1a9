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

    /// Flows a policy simulation never evaluates whatever the policies (FlowPolicy's
    /// FlowClassification owns the rules; this is the part decidable from the row): replies,
    /// events that carry no policy outcome, traces seen before the policy check, L7 records
    /// that are not requests. Their p_
    /// rollup rows keep only the fields that say why they are skipped.
    public static let simulationSkipOnly = """
        (coalesce(is_reply, 0) = 1 OR NOT (event_type IN (1, 4, 5, 129) OR (event_type = 0 AND flow_type = 2))
         OR (event_type = 4 AND trace_point NOT IN (1, 2, 3, 4, 11, 13, 101))
         OR ((event_type = 129 OR (event_type = 0 AND flow_type = 2)) AND l7_type <> 1))
        """

    /// Rows the p_ rollup cannot decide alone: evaluated flows whose outcome may depend on a
    /// field kept in the residual JSON: the deprecated `reply` of a trace without `is_reply`,
    /// the numeric `drop_reason` of a drop without `drop_reason_desc`, and (`icmp`) the ICMP type.
    public static func simulationNeedsResidual(icmp: Bool) -> String {
        "(NOT \(simulationSkipOnly) AND ((event_type = 4 AND is_reply IS NULL)"
            + " OR (verdict = 2 AND drop_reason = 0 AND event_type <> 129 AND NOT (event_type = 0 AND flow_type = 2))"
            + (icmp ? " OR l4_protocol IN (1, 58)" : "") + "))"
    }

    /// The p_ rollup's grouping columns (migrations/0005), in table order after `hour`.
    public static let simulationKey = """
        event_type, flow_type, verdict, drop_reason, coalesce(is_reply, -1), direction, trace_point,
        CASE WHEN \(simulationSkipOnly) THEN 0 ELSE coalesce(src_ep, 0) END,
        CASE WHEN \(simulationSkipOnly) THEN 0 ELSE coalesce(dst_ep, 0) END,
        CASE WHEN \(simulationSkipOnly) THEN 0 WHEN direction = 2 THEN coalesce(dst_ip, 0) ELSE coalesce(src_ip, 0) END,
        CASE WHEN \(simulationSkipOnly) OR direction <> 2 THEN 0 ELSE coalesce(dst_names, 0) END,
        CASE WHEN \(simulationSkipOnly) THEN 0 ELSE l4_protocol END,
        CASE WHEN \(simulationSkipOnly) THEN 0 ELSE dst_port END,
        l7_type,
        CASE WHEN \(simulationSkipOnly) THEN 0 WHEN http_method IS NOT NULL OR http_code <> 0 THEN 1 ELSE 0 END,
        CASE WHEN \(simulationSkipOnly) THEN 0 ELSE coalesce(dns_query, 0) END
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
            """
            INSERT INTO "p_\(stamp)" (hour, event_type, flow_type, verdict, drop_reason, is_reply, direction, trace_point,
                                      src_ep, dst_ep, peer_ip, peer_names, protocol, port, l7_type, http, dns_query,
                                      flows, first_time, last_time)
            SELECT time / \(nanosPerHour), \(simulationKey), count(*), min(time), max(time)
            \(rows) GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17
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

    /// The rollup tables, with the partition_ddl statement that creates each and the position
    /// of its statement in `statements` (migrations 0002 and 0005).
    static let tables: [(prefix: String, ddl: Int64, statement: Int)] = [("v_", 7, 0), ("t_", 8, 1), ("d_", 9, 2), ("p_", 10, 3)]

    /// Creates and fills the rollups of partitions stored before they existed.
    static func backfill(_ store: FlowStore) throws {
        for day in store.days {
            let stamp = FlowTime.dayStamp(day)
            let missing = try tables.filter { t in
                try store.db.scalar("SELECT count(*) FROM sqlite_master WHERE name = ?", [.text(t.prefix + stamp)]) == 0
            }
            guard !missing.isEmpty else { continue }
            try store.db.transaction {
                let all = statements(day)
                for t in missing {
                    for sql in try store.db.rows("SELECT sql FROM partition_ddl WHERE seq = ?", [.int(t.ddl)]).compactMap({ $0[0].text }) {
                        try store.db.execute(sql.replacing("{day}", with: stamp))
                    }
                    let s = try store.db.prepare(all[t.statement])
                    try s.bind([.int(Int64.min), .int(Int64.max), .int(Int64.min), .int(Int64.max)])
                    try s.run()
                }
            }
        }
    }
}
