-- flowtrail schema, version 3: a flow stored once however often it arrives, sources known by
-- their content, enum names from a newer Cilium kept.
--
-- h: the flow's identity, a 64-bit hash of its uuid (Hubble gives every flow one) or, for
-- flows without one, of its whole content. Ingest skips a flow whose (time, h) is already
-- stored. The lookup is a range scan of the primary key on `time` (flows sharing a nanosecond
-- are few), so no index is added: an index on a random hash would spread every batch over all
-- of its leaves, the write amplification the endpoint indexes already cost (ARCHITECTURE.md).
-- Partitions created before this version get the column from FlowStore (ALTER TABLE, in this
-- migration's transaction); their older rows have h NULL and are not matched.
UPDATE partition_ddl SET sql = replace(sql, '  block INTEGER NOT NULL,', '  block INTEGER NOT NULL,
  h INTEGER,') WHERE seq = 1;

-- Read positions, keyed by the file's content instead of its path: a rotated (renamed) file,
-- a copy, or a .gz of a file already read resumes where reading stopped. A file is the one
-- recorded when the hash of its first line (fingerprint) and the hash of the up to 256 bytes
-- before the recorded offset (tail_hash) both match (docs/ARCHITECTURE.md, "Sources").
-- Rows of version 1's `sources` table are converted by FlowStore in this transaction.
ALTER TABLE sources RENAME TO sources_v1;
CREATE TABLE sources (
  fingerprint INTEGER PRIMARY KEY,  -- ByteHash of the first line (without its newline)
  path TEXT NOT NULL,               -- where it was last read (absolute)
  dev INTEGER NOT NULL,
  inode INTEGER NOT NULL,
  offset INTEGER NOT NULL,          -- bytes consumed (of the decompressed stream for .gz)
  lines INTEGER NOT NULL DEFAULT 0,
  size INTEGER NOT NULL DEFAULT 0,  -- file size seen at the last commit, for lag
  tail_hash INTEGER NOT NULL,       -- ByteHash of the up to 256 bytes before offset
  updated INTEGER NOT NULL          -- UTC nanoseconds of the last commit
);
CREATE INDEX sources_path ON sources(path, updated);

-- Enum value names this build does not know (a newer Cilium's), per field: stats shows them,
-- reports name their codes (Sources/FlowModel/UnknownEnumValue.swift) with them.
CREATE TABLE unknown_enum_values (
  field TEXT NOT NULL,              -- drop_reason_desc, or Message.field below the Flow
  name TEXT NOT NULL,
  code INTEGER NOT NULL,            -- the integer stored in the field's column
  flows INTEGER NOT NULL,
  first_time INTEGER NOT NULL,      -- UTC nanoseconds of the first and last flow with it
  last_time INTEGER NOT NULL,
  PRIMARY KEY (field, name)
);
