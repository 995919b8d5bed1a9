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

    /// Days per view: SQLite takes at most 500 terms in one compound SELECT
    /// (SQLITE_MAX_COMPOUND_SELECT), so more days are split into part views united by the view.
    static let daysPerView = 400

    /// Replaces the views to cover `days` (inside the caller's transaction).
    ///
    /// Each view applies its column expressions once, over a `UNION ALL` of the day tables'
    /// raw columns: the text grows by one short select per day, not by the whole expression
    /// list, so rebuilding and parsing the schema stay cheap with years of partitions (SQLite
    /// parses every view on each connection's first statement). SQLite flattens the union, so a
    /// `WHERE` on the view still reaches each day table.
    static func rebuild(_ db: SQLiteConnection, days: [Int64]) throws {
        let old = try db.rows("""
            SELECT name FROM sqlite_master WHERE type = 'view'
              AND (name IN ('flows', 'connections_default_deny') OR name GLOB 'flows_part_*' OR name GLOB 'connections_default_deny_part_*')
            """).compactMap { $0[0].text }
        for name in old { try db.execute("DROP VIEW IF EXISTS \"\(name)\"") }
        try create(db, "flows", tables: days.map(FlowStore.flowTable), columns: flowColumns, select: flowsSelect)
        try create(db, "connections_default_deny", tables: days.map { "d_" + FlowTime.dayStamp($0) },
                   columns: denyColumns, select: denySelect)
    }

    /// The raw columns the views read from a day's flow table and default-deny rollup.
    static let flowColumns = ["time", "verdict", "drop_reason", "direction", "flow_type", "event_type", "match_type",
                              "is_reply", "src_ep", "dst_ep", "src_ip", "dst_ip", "l4_protocol", "src_port", "dst_port",
                              "src_names", "dst_names", "node_id", "l7_type", "http_method", "http_code", "dns_query",
                              "dns_rcode", "trace_point"]
    static let denyColumns = ["minute", "direction", "subject", "peer", "peer_ip", "peer_names", "protocol", "port",
                              "verdict", "match_type", "flows", "first_time", "last_time"]

    private static func create(_ db: SQLiteConnection, _ name: String, tables: [String], columns: [String],
                               select: (String) -> String) throws {
        let list = columns.joined(separator: ", ")
        let arms: [String]
        if tables.isEmpty {
            // No partition yet: the same columns and no rows.
            arms = ["SELECT " + columns.map { "NULL AS \($0)" }.joined(separator: ", ") + " WHERE 0"]
        } else if tables.count <= daysPerView {
            arms = tables.map { "SELECT \(list) FROM \"\($0)\"" }
        } else {
            // Past 500 compound terms SQLite refuses the statement: internal part views of
            // at most `daysPerView` days each, united by the view.
            var parts: [String] = []
            for start in stride(from: 0, to: tables.count, by: daysPerView) {
                let part = "\(name)_part_\(parts.count + 1)"
                let chunk = tables[start..<min(tables.count, start + daysPerView)]
                try db.execute("CREATE VIEW \"\(part)\" AS " + chunk.map { "SELECT \(list) FROM \"\($0)\"" }.joined(separator: "\nUNION ALL "))
                parts.append(part)
            }
            arms = parts.map { "SELECT \(list) FROM \"\($0)\"" }
        }
        try db.execute("CREATE VIEW \"\(name)\" AS " + select("(" + arms.joined(separator: "\nUNION ALL ") + ")"))
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

    /// Readable columns over `source`, a subquery of the raw `flowColumns`.
    static func flowsSelect(_ source: String) -> String {
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
            FROM \(source) AS f
            """
    }

    /// The default-deny rollup rows (migrations/0002) with readable columns, over `source`,
    /// a subquery of the raw `denyColumns`.
    static func denySelect(_ source: String) -> String {
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
            FROM \(source) AS d
            """
    }
}
