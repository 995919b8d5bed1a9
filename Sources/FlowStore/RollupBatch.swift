import FlowModel

/// A commit's contribution to the rollups, added up in memory from the rows being written
/// and upserted in the same transaction. (Grouping the just-inserted rows again in SQL read
/// every row three more times and cost a third of the ingest rate.) The grouping is the one
/// `Rollups.statements` spells in SQL; the report tests compare the two.
struct RollupBatch {
    struct VerdictKey: Hashable { let minute, verdict, dropReason: Int64 }
    struct TalkerKey: Hashable { let hour, source, destination: Int64 }
    struct DenyKey: Hashable {
        let minute, direction, subject, peer, peerIP, peerNames, proto, port, verdict, matchType: Int64
    }
    /// Flows, first and last time of a rollup row.
    struct DenyValue {
        var flows: Int64, first: Int64, last: Int64

        mutating func add(_ time: Int64) {
            flows += 1
            first = min(first, time)
            last = max(last, time)
        }
    }
    /// The p_ rollup's key (`Rollups.simulationKey`).
    struct PolicyKey: Hashable {
        let hour, eventType, flowType, verdict, dropReason, isReply, direction, tracePoint: Int64
        let source, destination, peerIP, peerNames, proto, port, l7Type, http, dnsQuery: Int64
    }

    var verdicts: [VerdictKey: Int64] = [:]
    var talkers: [TalkerKey: Int64] = [:]
    var denies: [DenyKey: DenyValue] = [:]
    var policies: [PolicyKey: DenyValue] = [:]

    /// Adds one flow row (`Column` order, `null` for absent nullable columns).
    mutating func add(_ row: UnsafeBufferPointer<Int64>, null: Int64) {
        @inline(__always) func v(_ c: Column) -> Int64 { let x = row[c.rawValue]; return x == null ? 0 : x }
        let time = row[Column.time.rawValue]
        let minute = floorDiv(time, Rollups.nanosPerMinute)
        verdicts[VerdictKey(minute: minute, verdict: v(.verdict), dropReason: v(.dropReason)), default: 0] += 1
        talkers[TalkerKey(hour: floorDiv(time, Rollups.nanosPerHour), source: v(.source), destination: v(.destination)), default: 0] += 1
        addPolicy(row, null: null, time: time)
        // Rollups.defaultDenyCondition
        let verdict = v(.verdict), match = v(.matchType)
        guard v(.eventType) == 5, v(.isReply) == 0, verdict == 4 || ((verdict == 1 || verdict == 5) && match == 4) else { return }
        let egress = v(.direction) == 2
        let key = DenyKey(minute: minute, direction: v(.direction),
                          subject: egress ? v(.source) : v(.destination), peer: egress ? v(.destination) : v(.source),
                          peerIP: egress ? v(.destinationIP) : v(.sourceIP), peerNames: egress ? v(.destinationNames) : v(.sourceNames),
                          proto: v(.l4Protocol), port: v(.destinationPort), verdict: verdict, matchType: match)
        denies[key, default: DenyValue(flows: 0, first: time, last: time)].add(time)
    }

    /// Rollups.simulationKey, from a row.
    mutating func addPolicy(_ row: UnsafeBufferPointer<Int64>, null: Int64, time: Int64) {
        @inline(__always) func v(_ c: Column) -> Int64 { let x = row[c.rawValue]; return x == null ? 0 : x }
        let eventType = v(.eventType), flowType = v(.flowType), tracePoint = v(.traceObservationPoint)
        let reply = row[Column.isReply.rawValue] == null ? -1 : row[Column.isReply.rawValue]
        let policyEvent = eventType == 1 || eventType == 4 || eventType == 5 || eventType == 129 || (eventType == 0 && flowType == 2)
        let afterPolicy: Bool
        switch tracePoint {
        case 1, 2, 3, 4, 11, 13, 101: afterPolicy = true
        default: afterPolicy = false
        }
        let l7 = eventType == 129 || (eventType == 0 && flowType == 2)
        let skipOnly = reply == 1 || !policyEvent || (eventType == 4 && !afterPolicy) || (l7 && v(.l7Type) != 1)
        let direction = v(.direction), egress = direction == 2
        let http: Int64 = row[Column.httpMethod.rawValue] != null || v(.httpCode) != 0 ? 1 : 0
        let key = PolicyKey(
            hour: floorDiv(time, Rollups.nanosPerHour), eventType: eventType, flowType: flowType, verdict: v(.verdict),
            dropReason: v(.dropReason), isReply: reply, direction: direction, tracePoint: tracePoint,
            source: skipOnly ? 0 : v(.source), destination: skipOnly ? 0 : v(.destination),
            peerIP: skipOnly ? 0 : egress ? v(.destinationIP) : v(.sourceIP),
            peerNames: skipOnly || !egress ? 0 : v(.destinationNames),
            proto: skipOnly ? 0 : v(.l4Protocol), port: skipOnly ? 0 : v(.destinationPort), l7Type: v(.l7Type),
            http: skipOnly ? 0 : http, dnsQuery: skipOnly ? 0 : v(.dnsQuery))
        policies[key, default: DenyValue(flows: 0, first: time, last: time)].add(time)
    }

    /// SQLite's integer division truncates toward zero; so does this, to match the SQL form.
    @inline(__always) func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a / b }

    /// Upserts the sums into partition `day`'s rollup tables.
    func write(_ store: FlowStore, day: Int64) throws {
        let stamp = FlowTime.dayStamp(day)
        let v = try store.db.prepare("""
            INSERT INTO "v_\(stamp)" (minute, verdict, drop_reason, flows) VALUES (?, ?, ?, ?)
            ON CONFLICT DO UPDATE SET flows = flows + excluded.flows
            """)
        for (k, n) in verdicts {
            try v.bind([.int(k.minute), .int(k.verdict), .int(k.dropReason), .int(n)])
            try v.run()
        }
        let t = try store.db.prepare("""
            INSERT INTO "t_\(stamp)" (hour, src_ep, dst_ep, flows) VALUES (?, ?, ?, ?)
            ON CONFLICT DO UPDATE SET flows = flows + excluded.flows
            """)
        for (k, n) in talkers {
            t.bind(1, k.hour)
            t.bind(2, k.source)
            t.bind(3, k.destination)
            t.bind(4, n)
            try t.run()
        }
        let d = try store.db.prepare("""
            INSERT INTO "d_\(stamp)" (minute, direction, subject, peer, peer_ip, peer_names, protocol, port,
                                      verdict, match_type, flows, first_time, last_time)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT DO UPDATE SET flows = flows + excluded.flows,
              first_time = min(first_time, excluded.first_time), last_time = max(last_time, excluded.last_time)
            """)
        for (k, x) in denies {
            try d.bind([.int(k.minute), .int(k.direction), .int(k.subject), .int(k.peer), .int(k.peerIP), .int(k.peerNames),
                        .int(k.proto), .int(k.port), .int(k.verdict), .int(k.matchType), .int(x.flows), .int(x.first), .int(x.last)])
            try d.run()
        }
        let p = try store.db.prepare("""
            INSERT INTO "p_\(stamp)" (hour, event_type, flow_type, verdict, drop_reason, is_reply, direction, trace_point,
                                      src_ep, dst_ep, peer_ip, peer_names, protocol, port, l7_type, http, dns_query,
                                      flows, first_time, last_time)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT DO UPDATE SET flows = flows + excluded.flows,
              first_time = min(first_time, excluded.first_time), last_time = max(last_time, excluded.last_time)
            """)
        for (k, x) in policies {
            for (i, value) in [k.hour, k.eventType, k.flowType, k.verdict, k.dropReason, k.isReply, k.direction, k.tracePoint,
                               k.source, k.destination, k.peerIP, k.peerNames, k.proto, k.port, k.l7Type, k.http, k.dnsQuery,
                               x.flows, x.first, x.last].enumerated() {
                p.bind(Int32(i + 1), value)
            }
            try p.run()
        }
    }
}
