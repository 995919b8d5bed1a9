-- flowtrail's ClickHouse schema, version 1 (ClickHouse 18.16 and later).
-- {flows} and {lost_events} are the tables that hold rows: `flows` and `lost_events` on one
-- server, `flows_local` and `lost_events_local` on every shard of a cluster (then `flows` and
-- `lost_events` are Distributed tables over them, created by flowtrail after this file).
-- Statements are separated by a semicolon at the end of a line.

-- One row per flow. The columns are the SQLite catalog's (FlowModel's Column and
-- ClickHouseLayout): integers as Int64 (0 when absent), dictionary values as text or canonical
-- JSON (NULL when absent), the parts of each endpoint that filters read as columns of their
-- own, and `residual`: the rest of the flow, as the SQLite store keeps it (FlowEncoder puts the
-- columns back to print the line). ClickHouse compresses the repetition itself, so no
-- dictionaries.
-- Exactly once: the sort key is the flow's identity (time and FlowIdentity's hash `h`), and a
-- ReplacingMergeTree keeps one row per key; reads use FINAL, which collapses copies not yet
-- merged (a batch sent again after a crash). Partitions are days: retention drops them.
CREATE TABLE IF NOT EXISTS {flows} (
    time Int64,
    h Int64,
    uuid String,
    verdict Int64, drop_reason Int64, match_type Int64, direction Int64, flow_type Int64,
    event_type Int64, event_sub_type Int64, is_reply Nullable(UInt8), trace_point Int64,
    l4_protocol Int64, src_port Int64, dst_port Int64, l7_type Int64, http_code Int64, dns_rcode Int64,
    node_name Nullable(String),
    src_ep Nullable(String), dst_ep Nullable(String),
    src_ip Nullable(String), dst_ip Nullable(String),
    http_method Nullable(String), dns_query Nullable(String),
    src_names Nullable(String), dst_names Nullable(String), node_labels Nullable(String),
    egress_allowed_by Nullable(String), ingress_allowed_by Nullable(String),
    egress_denied_by Nullable(String), ingress_denied_by Nullable(String),
    src_namespace String, src_pod String, src_cluster String, src_labels Array(String), src_identity Int64, src_id Int64,
    dst_namespace String, dst_pod String, dst_cluster String, dst_labels Array(String), dst_identity Int64, dst_id Int64,
    residual String
) ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMMDD(toDateTime(intDiv(time, 1000000000)))
ORDER BY (time, h);

-- Hubble's lost-events records (holes in the history), kept whole; `h` hashes the record.
-- A record that came without a time has `timed` 0 (and time 0): it is in no range but the whole
-- history, as in SQLite.
CREATE TABLE IF NOT EXISTS {lost_events} (
    time Int64,
    timed UInt8,
    h Int64,
    node_name String,
    events Int64,
    json String
) ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMMDD(toDateTime(intDiv(time, 1000000000)))
ORDER BY (time, h);

-- How far each source file was read: one row per commit, the newest (`updated`) wins. Kept on
-- the server the ingester writes through, never sharded.
CREATE TABLE IF NOT EXISTS positions (
    fingerprint Int64,
    path String,
    dev Int64,
    inode Int64,
    offset Int64,
    lines Int64,
    size Int64,
    tail_hash Int64,
    updated Int64
) ENGINE = ReplacingMergeTree(updated)
ORDER BY fingerprint;
