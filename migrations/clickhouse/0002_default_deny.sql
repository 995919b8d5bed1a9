-- flowtrail's ClickHouse schema, version 2: what default-deny would block, kept at insert.
-- The default-deny report over a long range read the endpoints' wide JSON columns of every row
-- (3.5 s over 5M flows; docs/BENCHMARKS.md). This aggregate holds, per minute and per the
-- report's key (ClickHouseReports.defaultDenyKey), the states the report folds: uniqExact over
-- the flow identity (time, h), so a batch sent twice after a crash still counts each flow once,
-- as FINAL does on the flow table; the first and last time; the first flow's uuid.
-- {flows} and {default_deny} are the tables holding rows (the `_local` ones on a cluster's
-- shards, where flowtrail then adds a Distributed `default_deny` over them).

CREATE TABLE IF NOT EXISTS {default_deny} (
    minute Int64,
    direction Int64, subject String, peer String, peer_ip String, peer_names String,
    l4_protocol Int64, dst_port Int64, verdict Int64, match_type Int64,
    flows AggregateFunction(uniqExact, Int64, Int64),
    first_time AggregateFunction(min, Int64),
    last_time AggregateFunction(max, Int64),
    example AggregateFunction(argMin, String, Int64)
) ENGINE = AggregatingMergeTree()
PARTITION BY toYYYYMMDD(toDateTime(minute * 60))
ORDER BY (minute, direction, subject, peer, peer_ip, peer_names, l4_protocol, dst_port, verdict, match_type);

-- Every block inserted into the flow table adds its default-deny flows here.
CREATE MATERIALIZED VIEW IF NOT EXISTS {default_deny}_view TO {default_deny} AS
SELECT
    intDiv(time, 60000000000) - if(time < 0 AND time % 60000000000 != 0, 1, 0) AS minute,
    direction,
    if(direction = 2, ifNull(src_ep, ''), ifNull(dst_ep, '')) AS subject,
    if(direction = 2, ifNull(dst_ep, ''), ifNull(src_ep, '')) AS peer,
    if(direction = 2, ifNull(dst_ip, ''), ifNull(src_ip, '')) AS peer_ip,
    if(direction = 2, ifNull(dst_names, ''), ifNull(src_names, '')) AS peer_names,
    l4_protocol, dst_port, verdict, match_type,
    uniqExactState(time, h) AS flows, minState(time) AS first_time, maxState(time) AS last_time,
    argMinState(uuid, time) AS example
FROM {flows}
WHERE event_type = 5 AND ifNull(is_reply, 0) = 0 AND (verdict = 4 OR (verdict IN (1, 5) AND match_type = 4))
GROUP BY minute, direction, subject, peer, peer_ip, peer_names, l4_protocol, dst_port, verdict, match_type;

-- Flows stored before this version (states merge: rows the view also adds count once).
INSERT INTO {default_deny}
SELECT
    intDiv(time, 60000000000) - if(time < 0 AND time % 60000000000 != 0, 1, 0) AS minute,
    direction,
    if(direction = 2, ifNull(src_ep, ''), ifNull(dst_ep, '')) AS subject,
    if(direction = 2, ifNull(dst_ep, ''), ifNull(src_ep, '')) AS peer,
    if(direction = 2, ifNull(dst_ip, ''), ifNull(src_ip, '')) AS peer_ip,
    if(direction = 2, ifNull(dst_names, ''), ifNull(src_names, '')) AS peer_names,
    l4_protocol, dst_port, verdict, match_type,
    uniqExactState(time, h), minState(time), maxState(time), argMinState(uuid, time)
FROM {flows}
WHERE event_type = 5 AND ifNull(is_reply, 0) = 0 AND (verdict = 4 OR (verdict IN (1, 5) AND match_type = 4))
GROUP BY minute, direction, subject, peer, peer_ip, peer_names, l4_protocol, dst_port, verdict, match_type;
