-- flowtrail schema, version 1.
--
-- Flows live in one table per UTC day ("partitions"), so retention drops whole tables.
-- A partition is a pair: f_YYYYMMDD holds one small row per flow (integers and dictionary
-- ids, indexed for the lookups users make) and b_YYYYMMDD holds the flows' residual JSON in
-- zstd-compressed blocks of up to 1024 flows; f_*.block = block id * 65536 + index in block.
--
-- Why the flow table looks the way it does (measured on 1M generated flows, see
-- docs/BENCHMARKS.md): each B-tree a row enters costs about 2 us at ingest, so
--  * the table is clustered by (time, id) WITHOUT ROWID: it is the time index, and every
--    secondary index ends in (time, id), so "src_ep = ? AND time BETWEEN" is a range scan;
--  * verdict and match_type indexes are partial: FORWARDED (about 90% of flows) and match type
--    0 (every flow that is not a policy-verdict event) are not worth an index entry, since a
--    query for them reads most of the partition anyway. Queries add the partial index's
--    condition (verdict <> 1, match_type <> 0) so SQLite can use them.
-- Partition DDL is kept here as templates ({day} is replaced by YYYYMMDD) so that all SQL
-- schema stays in migrations/.

CREATE TABLE partitions (
  day INTEGER PRIMARY KEY,          -- days since 1970-01-01 (UTC)
  flows INTEGER NOT NULL DEFAULT 0,
  min_time INTEGER,                 -- UTC nanoseconds
  max_time INTEGER
);

-- Values stored once and referenced by id from flow rows: endpoints (canonical JSON with
-- labels and workloads), node names, IPs, HTTP methods, DNS queries, name lists, node label
-- lists, policy reference lists. kind = DictionaryKind in Sources/FlowModel/Column.swift.
CREATE TABLE dict (
  id INTEGER PRIMARY KEY,
  kind INTEGER NOT NULL,
  value TEXT NOT NULL
);
CREATE UNIQUE INDEX dict_kind_value ON dict(kind, value);

-- Read position of each ingested source, committed in the same transaction as its rows:
-- this is what makes a restart after a crash store every flow exactly once.
CREATE TABLE sources (
  path TEXT PRIMARY KEY,
  dev INTEGER NOT NULL,
  inode INTEGER NOT NULL,
  offset INTEGER NOT NULL,          -- bytes consumed (of the decompressed stream for .gz)
  lines INTEGER NOT NULL DEFAULT 0,
  size INTEGER NOT NULL DEFAULT 0,  -- file size seen at the last commit, for lag
  updated INTEGER NOT NULL          -- UTC nanoseconds of the last commit
);

-- Running totals: rejected lines and non-flow records by kind.
CREATE TABLE counters (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);

-- lost_events records: holes in the history, kept verbatim.
CREATE TABLE lost_events (
  id INTEGER PRIMARY KEY,
  time INTEGER,
  node_name TEXT,
  json TEXT NOT NULL
);

CREATE TABLE partition_ddl (
  seq INTEGER PRIMARY KEY,
  sql TEXT NOT NULL
);

INSERT INTO partition_ddl (seq, sql) VALUES
(1, 'CREATE TABLE "f_{day}" (
  time INTEGER NOT NULL,
  id INTEGER NOT NULL,
  verdict INTEGER NOT NULL DEFAULT 0,
  drop_reason INTEGER NOT NULL DEFAULT 0,
  match_type INTEGER NOT NULL DEFAULT 0,
  direction INTEGER NOT NULL DEFAULT 0,
  flow_type INTEGER NOT NULL DEFAULT 0,
  event_type INTEGER NOT NULL DEFAULT 0,
  event_sub_type INTEGER NOT NULL DEFAULT 0,
  is_reply INTEGER,
  trace_point INTEGER NOT NULL DEFAULT 0,
  l4_protocol INTEGER NOT NULL DEFAULT 0,
  src_port INTEGER NOT NULL DEFAULT 0,
  dst_port INTEGER NOT NULL DEFAULT 0,
  l7_type INTEGER NOT NULL DEFAULT 0,
  http_code INTEGER NOT NULL DEFAULT 0,
  dns_rcode INTEGER NOT NULL DEFAULT 0,
  node_id INTEGER,
  src_ep INTEGER,
  dst_ep INTEGER,
  src_ip INTEGER,
  dst_ip INTEGER,
  http_method INTEGER,
  dns_query INTEGER,
  src_names INTEGER,
  dst_names INTEGER,
  node_labels INTEGER,
  egress_allowed_by INTEGER,
  ingress_allowed_by INTEGER,
  egress_denied_by INTEGER,
  ingress_denied_by INTEGER,
  block INTEGER NOT NULL,
  PRIMARY KEY (time, id)
) WITHOUT ROWID'),
(2, 'CREATE TABLE "b_{day}" (id INTEGER PRIMARY KEY, data BLOB NOT NULL)'),
(3, 'CREATE INDEX "f_{day}_src" ON "f_{day}"(src_ep)'),
(4, 'CREATE INDEX "f_{day}_dst" ON "f_{day}"(dst_ep)'),
(5, 'CREATE INDEX "f_{day}_verdict" ON "f_{day}"(verdict) WHERE verdict <> 1'),
(6, 'CREATE INDEX "f_{day}_match" ON "f_{day}"(match_type) WHERE match_type <> 0');
