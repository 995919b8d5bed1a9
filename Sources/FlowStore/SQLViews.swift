import FlowModel

/// Views for other SQLite tools (the sqlite3 shell, Datasette, pandas' read_sql, DuckDB's
/// sqlite scanner, Grafana's SQLite source): the day tables, dictionary ids and compressed
/// blocks are right for speed but opaque to them. `flows` and `connections_default_deny` read
/// across every partition with readable columns and only SQLite's own functions; `enum_*`
/// tables name the enum numbers. FlowStore recreates the views whenever partitions come or go
/// (in the same transaction), so they always cover exactly the stored days (docs/SQL.md).
enum SQLViews {
    /// The enum tables: name, and the enum whose values it lists (FlowEnums, the one catalog).
    static let enumTables: [(table: String, values: [(name: String, number: Int64)])] = [
        ("enum_verdict", FlowEnums.verdict.values),
        ("enum_drop_reason", FlowEnums.dropReason.values),
        ("enum_traffic_direction", FlowEnums.trafficDirection.values),
        ("enum_flow_type", FlowEnums.flowType.values),
        ("enum_l7_type", FlowEnums.l7FlowType.values),
        ("enum_trace_observation_point", FlowEnums.traceObservationPoint.values),
        ("enum_ip_protocol", [("ICMPv4", L4Protocol.icmpv4), ("IGMP", L4Protocol.igmp), ("TCP", L4Protocol.tcp),
                              ("UDP", L4Protocol.udp), ("ICMPv6", L4Protocol.icmpv6), ("VRRP", L4Protocol.vrrp),
                              ("SCTP", L4Protocol.sctp)]),
    ]

    /// Creates (or fills again) the enum tables. Run by migration 4 and on every open for
    /// writing, so a build that knows more enum values adds them.
    static func writeEnumTables(_ db: SQLiteConnection) throws {
        for (table, values) in enumTables {
            try db.execute("CREATE TABLE IF NOT EXISTS \"\(table)\" (number INTEGER PRIMARY KEY, name TEXT NOT NULL)")
            let s = try db.prepare("INSERT OR REPLACE INTO \"\(table)\" (number, name) VALUES (?, ?)")
            for v in values {
                try s.bind([.int(v.number), .text(v.name)])
                try s.run()
            }
        }
    }

    /// Replaces the views to cover `days` (inside the caller's transaction).
    static func rebuild(_ db: SQLiteConnection, days: [Int64]) throws {
        try db.execute("DROP VIEW IF EXISTS flows; DROP VIEW IF EXISTS connections_default_deny")
        try db.execute("CREATE VIEW flows AS " + union(days.map(flowsSelect), empty: flowsSelect(nil)))
        try db.execute("CREATE VIEW connections_default_deny AS " + union(days.map(denySelect), empty: denySelect(nil)))
    }

    /// `UNION ALL` of the per-day selects; with no day, a select of the same columns and no rows.
    static func union(_ parts: [String], empty: String) -> String {
        parts.isEmpty ? empty + " WHERE 0" : parts.joined(separator: "\nUNION ALL\n")
    }

    /// RFC 3339 UTC text with nanoseconds, from UTC nanoseconds, with SQLite's functions only.
    static func timeText(_ column: String) -> String {
        "strftime('%Y-%m-%dT%H:%M:%S', \(column) / 1000000000, 'unixepoch') || '.' || printf('%09d', \(column) % 1000000000) || 'Z'"
    }

    /// An enum's name, or the name a newer Cilium sent (unknown_enum_values), or the number.
    static func enumName(_ table: String, _ column: String) -> String {
        "coalesce((SELECT name FROM \"\(table)\" WHERE number = \(column)), "
            + "(SELECT name FROM unknown_enum_values WHERE code = \(column) LIMIT 1), CAST(\(column) AS TEXT))"
    }

    /// A dictionary value by id (NULL when the flow has none).
    static func dict(_ column: String) -> String { "(SELECT value FROM dict WHERE id = \(column))" }

    /// One day's flows with readable columns (`day` nil: the columns only).
    static func flowsSelect(_ day: Int64?) -> String {
        // Without a partition, a row of the same columns (the view must still read as empty).
        let f = day.map { "\"\(FlowStore.flowTable($0))\"" }
            ?? "(SELECT " + (Column.allCases.map(\.sqlName) + ["id", "block", "h"]).map { "NULL AS \($0)" }.joined(separator: ", ") + ")"
        let src = dict("f.src_ep"), dst = dict("f.dst_ep")
        func endpoint(_ e: String, _ prefix: String) -> String {
            """
            json_extract(\(e), '$.namespace') AS \(prefix)_namespace,
              json_extract(\(e), '$.pod_name') AS \(prefix)_pod,
              json_extract(\(e), '$.workloads[0].name') AS \(prefix)_workload,
              json_extract(\(e), '$.identity') AS \(prefix)_identity,
              json_extract(\(e), '$.labels') AS \(prefix)_labels
            """
        }
        return """
            SELECT \(timeText("f.time")) AS time, f.time AS time_ns,
              \(enumName("enum_verdict", "f.verdict")) AS verdict,
              CASE WHEN f.drop_reason = 0 THEN NULL ELSE \(enumName("enum_drop_reason", "f.drop_reason")) END AS drop_reason,
              \(enumName("enum_traffic_direction", "f.direction")) AS traffic_direction,
              \(enumName("enum_flow_type", "f.flow_type")) AS type,
              f.event_type AS event_type, f.match_type AS policy_match_type, f.is_reply AS is_reply,
              \(endpoint(src, "source")),
              \(endpoint(dst, "destination")),
              \(dict("f.src_ip")) AS source_ip, \(dict("f.dst_ip")) AS destination_ip,
              (SELECT name FROM enum_ip_protocol WHERE number = f.l4_protocol) AS protocol,
              nullif(f.src_port, 0) AS source_port, nullif(f.dst_port, 0) AS destination_port,
              \(dict("f.src_names")) AS source_names, \(dict("f.dst_names")) AS destination_names,
              \(dict("f.node_id")) AS node_name,
              CASE f.l7_type WHEN 0 THEN NULL ELSE \(enumName("enum_l7_type", "f.l7_type")) END AS l7_type,
              \(dict("f.http_method")) AS http_method, nullif(f.http_code, 0) AS http_code,
              \(dict("f.dns_query")) AS dns_query, f.dns_rcode AS dns_rcode,
              CASE WHEN f.http_method IS NOT NULL OR f.http_code <> 0
                     THEN trim(coalesce(\(dict("f.http_method")), '') || ' ' || coalesce(nullif(f.http_code, 0), ''))
                   WHEN f.dns_query IS NOT NULL THEN 'DNS ' || \(dict("f.dns_query")) || ' rcode ' || f.dns_rcode
              END AS l7_summary,
              \(enumName("enum_trace_observation_point", "f.trace_point")) AS trace_observation_point
            FROM \(f) AS f
            """
    }

    /// One day's default-deny rollup rows (migrations/0002) with readable columns.
    static func denySelect(_ day: Int64?) -> String {
        let d = day.map { "\"d_\(FlowTime.dayStamp($0))\"" } ?? "(SELECT " + ["minute", "direction", "subject", "peer", "peer_ip", "peer_names",
            "protocol", "port", "verdict", "match_type", "flows", "first_time", "last_time"].map { "NULL AS \($0)" }.joined(separator: ", ") + ")"
        let subject = dict("d.subject"), peer = dict("d.peer")
        return """
            SELECT \(timeText("d.minute * 60000000000")) AS minute,
              \(enumName("enum_traffic_direction", "d.direction")) AS direction,
              json_extract(\(subject), '$.namespace') AS subject_namespace,
              coalesce(json_extract(\(subject), '$.workloads[0].name'), json_extract(\(subject), '$.pod_name')) AS subject_workload,
              json_extract(\(peer), '$.namespace') AS peer_namespace,
              coalesce(json_extract(\(peer), '$.workloads[0].name'), json_extract(\(peer), '$.pod_name')) AS peer_workload,
              json_extract(\(peer), '$.identity') AS peer_identity,
              \(dict("nullif(d.peer_ip, 0)")) AS peer_ip, \(dict("nullif(d.peer_names, 0)")) AS peer_names,
              (SELECT name FROM enum_ip_protocol WHERE number = d.protocol) AS protocol, d.port AS port,
              \(enumName("enum_verdict", "d.verdict")) AS verdict, d.match_type AS policy_match_type, d.flows AS flows,
              \(timeText("d.first_time")) AS first_seen, \(timeText("d.last_time")) AS last_seen
            FROM \(d) AS d
            """
    }
}
