-- flowtrail schema, version 5: an hourly rollup for policy simulation (docs/SIMULATE.md).
--
-- p_{day}: flows by what `flowtrail simulate` reads of them: the event, verdict, drop reason,
--          reply flag (-1: absent), direction, trace point, both endpoints, the peer's IP and
--          (egress) DNS names, protocol, destination port, L7 type, whether the L7 record is
--          HTTP, and the DNS query. Flows that are never evaluated (replies, non-policy events,
--          traces seen before the policy check, L7 responses) keep only the fields that say why, so their
--          ephemeral ports and endpoints do not multiply rows. 5M generated flows make about
--          30k rows. Simulations read it for whole hours and raw flows only at the edges.
INSERT INTO partition_ddl (seq, sql) VALUES
(10, 'CREATE TABLE "p_{day}" (
  hour INTEGER NOT NULL, event_type INTEGER NOT NULL, flow_type INTEGER NOT NULL, verdict INTEGER NOT NULL,
  drop_reason INTEGER NOT NULL, is_reply INTEGER NOT NULL, direction INTEGER NOT NULL, trace_point INTEGER NOT NULL,
  src_ep INTEGER NOT NULL, dst_ep INTEGER NOT NULL, peer_ip INTEGER NOT NULL, peer_names INTEGER NOT NULL,
  protocol INTEGER NOT NULL, port INTEGER NOT NULL, l7_type INTEGER NOT NULL, http INTEGER NOT NULL,
  dns_query INTEGER NOT NULL, flows INTEGER NOT NULL, first_time INTEGER NOT NULL, last_time INTEGER NOT NULL,
  PRIMARY KEY (hour, event_type, flow_type, verdict, drop_reason, is_reply, direction, trace_point, src_ep, dst_ep,
               peer_ip, peer_names, protocol, port, l7_type, http, dns_query)
) WITHOUT ROWID');
