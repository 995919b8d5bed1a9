-- Per-minute rollups, one set per day partition, written in the same transaction as the
-- flows they count and dropped with the partition by retention. Reports over long ranges
-- read these instead of rescanning raw flows (docs/REPORTS.md).
--
-- v_{day}: flows by verdict and drop reason: verdict counts, top drop reasons, histograms.
-- t_{day}: flows by hour, source and destination endpoint (dictionary ids): top talkers.
--          Hourly, not per minute: endpoint pairs are many (1.3M minute rows against 54k
--          hourly ones for 5M flows), and top talkers over whole hours is what one asks.
-- d_{day}: the flows default-deny would block (policy-verdict events, not replies, verdict
--          AUDIT, or FORWARDED/REDIRECTED allowed by the allow-all match type 4), by
--          connection: direction, the subject endpoint (the one whose policy applies),
--          the peer (endpoint, IP and DNS names), protocol and destination port.
INSERT INTO partition_ddl (seq, sql) VALUES
(7, 'CREATE TABLE "v_{day}" (
  minute INTEGER NOT NULL, verdict INTEGER NOT NULL, drop_reason INTEGER NOT NULL,
  flows INTEGER NOT NULL,
  PRIMARY KEY (minute, verdict, drop_reason)
) WITHOUT ROWID'),
(8, 'CREATE TABLE "t_{day}" (
  hour INTEGER NOT NULL, src_ep INTEGER NOT NULL, dst_ep INTEGER NOT NULL,
  flows INTEGER NOT NULL,
  PRIMARY KEY (hour, src_ep, dst_ep)
) WITHOUT ROWID'),
(9, 'CREATE TABLE "d_{day}" (
  minute INTEGER NOT NULL, direction INTEGER NOT NULL,
  subject INTEGER NOT NULL, peer INTEGER NOT NULL, peer_ip INTEGER NOT NULL, peer_names INTEGER NOT NULL,
  protocol INTEGER NOT NULL, port INTEGER NOT NULL, verdict INTEGER NOT NULL, match_type INTEGER NOT NULL,
  flows INTEGER NOT NULL, first_time INTEGER NOT NULL, last_time INTEGER NOT NULL,
  PRIMARY KEY (minute, direction, subject, peer, peer_ip, peer_names, protocol, port, verdict, match_type)
) WITHOUT ROWID');
