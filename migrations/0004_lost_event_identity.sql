-- flowtrail schema, version 4: a lost_events record is kept once however often it arrives
-- (a shipper's retry, a file read again after a failed resume check), as flows are (0003).
-- h: 64-bit hash of the record's time, node and JSON (FlowWriter). Records stored before this
-- version have h NULL and are not matched.
ALTER TABLE lost_events ADD COLUMN h INTEGER;
CREATE UNIQUE INDEX lost_events_h ON lost_events(h);
