import Foundation
import FlowModel
import FlowPolicy
import FlowQuery
import FlowStore

/// What a flow row contributes to a simulation, as dictionary ids: everything its outcome and
/// its connection depend on. Millions of rows reduce to a few thousand keys.
struct ScanKey: Hashable, Sendable {
    var recorded: RecordedOutcome
    var direction: Int64
    var subject: Int64
    var peer: Int64
    /// The peer's IP id, for world peers only (CIDR rules read it; pods and nodes never match one).
    var peerIP: Int64
    /// `destination_names` id, for world peers of EGRESS only (toFQDNs).
    var names: Int64
    var protocolNumber: Int64
    /// Destination port, or the ICMP type (0 when no policy has `icmps`: then it cannot matter).
    var port: Int64
    /// 0: no L7 request; -1: an HTTP request; else the DNS query's id.
    var l7: Int64
}

struct ScanGroup: Sendable {
    var flows: Int64 = 0
    var first = Int64.max
    var last = Int64.min
    var example: (day: Int64, time: Int64, source: Int64, destination: Int64) = (0, 0, 0, 0)

    mutating func add(time: Int64, day: Int64, source: Int64, destination: Int64, flows n: Int64 = 1) {
        flows += n
        if time < first {
            first = time
            example = (day, time, source, destination)
        }
        last = max(last, time)
    }

    mutating func merge(_ o: ScanGroup) {
        flows += o.flows
        if o.first < first {
            first = o.first
            example = o.example
        }
        last = max(last, o.last)
    }
}

/// One worker's scan of time chunks: classification (spec §8) in the loop, the residual JSON
/// read only for the few rows whose outcome depends on a field kept there.
final class SimulationScanner {
    let store: FlowStore
    let reader: FlowReader
    let needsICMPType: Bool
    var groups: [ScanKey: ScanGroup] = [:]
    var skipped: [SkipReason: Int64] = [:]
    /// Rollup rows left for a scan of raw rows (they need the residual JSON).
    var residualRows = 0
    /// Per endpoint id: whether it is a pod (a subject) and whether it is world.
    private var endpoints: [Int64: (pod: Bool, world: Bool)] = [:]

    init(store: FlowStore, needsICMPType: Bool) {
        self.store = store
        reader = FlowReader(store: store)
        self.needsICMPType = needsICMPType
        groups.reserveCapacity(1 << 15)
    }

    static let columns = """
        f.time, f.event_type, f.flow_type, f.verdict, f.drop_reason, f.is_reply, f.direction, f.trace_point,
        f.src_ep, f.dst_ep, f.src_ip, f.dst_ip, f.dst_names, f.l4_protocol, f.dst_port, f.l7_type,
        (f.http_method IS NOT NULL OR f.http_code <> 0), f.dns_query, f.block
        """

    func endpoint(_ id: Int64) throws -> (pod: Bool, world: Bool) {
        if let e = endpoints[id] { return e }
        let labels = EndpointLabels(endpoint: id == 0 ? nil : try? JSONValue.parse(String(decoding: try reader.dictionaryValue(id), as: UTF8.self)))
        let e = (labels.namespace != nil, labels.isWorld)
        endpoints[id] = e
        return e
    }

    /// One row's fields (or one p_ rollup row's), as the scan and the rollup give them.
    struct Fields {
        var eventType, flowType, verdict, dropReason: Int64
        /// nil: the flow has no `is_reply`.
        var isReply: Int64?
        var direction, tracePoint, source, destination: Int64
        /// The peer's IP and (egress) names ids: from the row by direction, or the rollup's.
        var peerIP, peerNames, proto, port, l7Type: Int64
        var http: Bool
        var dnsQuery: Int64
    }

    /// Whether a row with these fields needs its residual JSON (spec §8 reads `reply`, the
    /// numeric `drop_reason`; `icmps` rules read the ICMP type).
    func needsResidual(_ f: Fields) -> (oldReply: Bool, numericDrop: Bool, icmpType: Bool) {
        let eventType = FlowClassification.eventType(f.eventType, flowType: f.flowType)
        let policyEvent = eventType == 1 || eventType == 4 || eventType == 5 || eventType == 129
        guard policyEvent, f.isReply != 1 else { return (false, false, false) }
        let oldReply = eventType == 4 && f.isReply == nil && FlowClassification.tracePointsAfterPolicy.contains(f.tracePoint)
        let numericDrop = f.verdict == 2 && eventType != 129 && f.dropReason == 0
        let icmp = needsICMPType && (f.proto == L4Protocol.icmpv4 || f.proto == L4Protocol.icmpv6)
        let skipOnly = (eventType == 4 && !FlowClassification.tracePointsAfterPolicy.contains(f.tracePoint))
            || (eventType == 129 && f.l7Type != 1)
        return skipOnly ? (false, false, false) : (oldReply, numericDrop, icmp)
    }

    /// Classifies and counts `flows` flows with these fields (residual facts already read).
    func process(_ f: Fields, flows: Int64, first: Int64, last: Int64, day: Int64) throws {
        let eventType = FlowClassification.eventType(f.eventType, flowType: f.flowType)
        let l7Kind = eventType == 129 ? (f.http ? "http" : f.dnsQuery != 0 ? "dns" : "other") : ""
        let recorded: RecordedOutcome
        switch FlowClassification.classify(eventType: eventType, verdict: f.verdict, dropReason: f.dropReason, isReply: f.isReply == 1,
                                           direction: f.direction, tracePoint: f.tracePoint, l7Type: f.l7Type, l7Kind: l7Kind) {
        case .failure(let e):
            skipped[e.reason, default: 0] += flows
            return
        case .success(let r): recorded = r
        }
        let ingress = f.direction == 1
        let (subject, peer) = ingress ? (f.destination, f.source) : (f.source, f.destination)
        guard try endpoint(subject).pod else {
            skipped[.subjectNotPod, default: 0] += flows
            return
        }
        let world = try endpoint(peer).world
        let icmp = f.proto == L4Protocol.icmpv4 || f.proto == L4Protocol.icmpv6
        let key = ScanKey(recorded: recorded, direction: f.direction, subject: subject, peer: peer,
                          peerIP: world ? f.peerIP : 0, names: world && !ingress ? f.peerNames : 0,
                          protocolNumber: f.proto, port: icmp && !needsICMPType ? 0 : f.port,
                          l7: eventType == 129 ? (l7Kind == "http" ? -1 : f.dnsQuery) : 0)
        var g = groups[key] ?? ScanGroup()
        g.add(time: first, day: day, source: f.source, destination: f.destination, flows: flows)
        g.last = max(g.last, last)
        groups[key] = g
    }

    /// Scans `[from, to)` of partition `day`, flows narrowed by `filter` (SQL on alias f).
    func scan(day: Int64, from: Int64, to: Int64, filter: String, params: [SQLValue]) throws {
        let s = try store.db.prepare("""
            SELECT \(Self.columns) FROM "\(FlowStore.flowTable(day))" AS f
            WHERE f.time >= ?1 AND f.time < ?2 AND (\(filter))
            """)
        try s.bind([.int(from), .int(to)] + params)
        while try s.step() {
            let time = s.int(0), direction = s.int(6)
            var f = Fields(eventType: s.int(1), flowType: s.int(2), verdict: s.int(3), dropReason: s.int(4),
                           isReply: s.isNull(5) ? nil : s.int(5), direction: direction, tracePoint: s.int(7),
                           source: s.int(8), destination: s.int(9), peerIP: s.int(direction == 1 ? 10 : 11),
                           peerNames: direction == 2 ? s.int(12) : 0, proto: s.int(13), port: s.int(14), l7Type: s.int(15),
                           http: s.int(16) != 0, dnsQuery: s.int(17))
            let need = needsResidual(f)
            if need.oldReply || need.numericDrop || need.icmpType {
                // Facts kept only in the residual JSON, read where the outcome depends on them.
                let residual = try reader.residual(day: day, ref: s.int(18))
                if need.oldReply { f.isReply = (ResidualScan.bool(residual, "reply") ?? false) ? 1 : 0 }
                if need.numericDrop { f.dropReason = ResidualScan.int(residual, "drop_reason") ?? 0 }
                if need.icmpType { f.port = ResidualScan.icmpType(residual) }
            }
            try process(f, flows: 1, first: time, last: time, day: day)
        }
    }

    /// Adds the p_ rollup rows of whole hours `[fromHour, toHour)` of `day`, except those that
    /// need the residual JSON (`Rollups.simulationNeedsResidual`: the caller scans those rows).
    func rollup(day: Int64, fromHour: Int64, toHour: Int64) throws {
        let s = try store.db.prepare("""
            SELECT event_type, flow_type, verdict, drop_reason, is_reply, direction, trace_point, src_ep, dst_ep,
                   peer_ip, peer_names, protocol, port, l7_type, http, dns_query, flows, first_time, last_time
            FROM "p_\(FlowTime.dayStamp(day))" WHERE hour >= ?1 AND hour < ?2
            """)
        try s.bind([.int(fromHour), .int(toHour)])
        while try s.step() {
            let reply = s.int(4)
            let f = Fields(eventType: s.int(0), flowType: s.int(1), verdict: s.int(2), dropReason: s.int(3),
                           isReply: reply == -1 ? nil : reply, direction: s.int(5), tracePoint: s.int(6),
                           source: s.int(7), destination: s.int(8), peerIP: s.int(9), peerNames: s.int(10), proto: s.int(11),
                           port: s.int(12), l7Type: s.int(13), http: s.int(14) != 0, dnsQuery: s.int(15))
            let need = needsResidual(f)
            if need.oldReply || need.numericDrop || need.icmpType {
                residualRows += 1
                continue
            }
            try process(f, flows: s.int(16), first: s.int(17), last: s.int(18), day: day)
        }
    }

    /// Scans time ranges of days on `workers` threads (chunks from a shared queue, a read-only
    /// connection each; `condition` is extra SQL on alias f), plus the rollup hours in
    /// `rollups`; returns the merged groups and skip counts.
    static func run(store: FlowStore, ranges: [(day: Int64, from: Int64, to: Int64)], rollups: [(day: Int64, fromHour: Int64, toHour: Int64)],
                    filters: [Typed], condition: String?, needsICMPType: Bool,
                    workers: Int) throws -> (groups: [ScanKey: ScanGroup], skipped: [SkipReason: Int64], residualRows: Int) {
        var chunks: [(day: Int64, from: Int64, to: Int64)] = []
        for r in ranges where r.from < r.to {
            // The range's own first and last flow, so chunks split the flows, not empty hours.
            let bounds = try store.db.rows("SELECT min(time), max(time) FROM \"\(FlowStore.flowTable(r.day))\" WHERE time >= ? AND time < ?",
                                           [.int(r.from), .int(r.to)])
            guard let first = bounds.first?[0].int, let last = bounds.first?[1].int else { continue }
            let pieces = Int64(max(1, workers * 2))
            let step = max(1, (last + 1 - first) / pieces + 1)
            var start = first
            while start <= last {
                let end = min(last + 1, start + step)
                chunks.append((r.day, start, end))
                start = end
            }
        }
        let main = SimulationScanner(store: store, needsICMPType: needsICMPType)
        for r in rollups where r.fromHour < r.toHour { try main.rollup(day: r.day, fromHour: r.fromHour, toHour: r.toHour) }
        let scanners = try [main] + (1..<max(1, min(workers, chunks.count))).map { _ in
            SimulationScanner(store: try FlowStore(path: store.path, readOnly: true), needsICMPType: needsICMPType)
        }
        let next = NSLock()
        var cursor = 0, failure: Error?
        DispatchQueue.concurrentPerform(iterations: scanners.count) { w in
            let scanner = scanners[w]
            while true {
                next.lock()
                let k = cursor
                cursor += 1
                let stop = failure != nil
                next.unlock()
                guard k < chunks.count, !stop else { return }
                let c = chunks[k]
                do {
                    try scanner.registerFunctionsIfNeeded(filters)
                    var (filter, params) = QueryEngine.filterSQL(filters, day: c.day, offset: 2)
                    if let condition { filter = "(\(filter)) AND \(condition)" }
                    try scanner.scan(day: c.day, from: c.from, to: c.to, filter: filter, params: params)
                } catch {
                    next.lock()
                    if failure == nil { failure = error }
                    next.unlock()
                    return
                }
            }
        }
        if let failure { throw failure }
        var groups = scanners[0].groups, skipped = scanners[0].skipped
        for s in scanners.dropFirst() {
            for (k, g) in s.groups { groups[k, default: ScanGroup()].merge(g) }
            for (r, n) in s.skipped { skipped[r, default: 0] += n }
        }
        return (groups, skipped, main.residualRows)
    }

    private var engine: QueryEngine?

    /// A filter may call flowtrail's SQL functions: a worker's own connection needs them too.
    func registerFunctionsIfNeeded(_ filters: [Typed]) throws {
        guard !filters.isEmpty, engine == nil else { return }
        engine = try QueryEngine(store: store)
    }
}

/// Reads one scalar field of a flow's residual JSON (canonical, as flowtrail stores it) by
/// scanning for `"name":`: the residual holds few fields, and the names read here
/// (`reply`, `drop_reason`, the ICMP `type`) occur once in it.
enum ResidualScan {
    static func find(_ bytes: UnsafeBufferPointer<UInt8>, _ name: String) -> Int? {
        let needle = Array("\"\(name)\":".utf8)
        guard bytes.count >= needle.count else { return nil }
        var i = 0
        let last = bytes.count - needle.count
        outer: while i <= last {
            for k in 0..<needle.count where bytes[i + k] != needle[k] {
                i += 1
                continue outer
            }
            return i + needle.count
        }
        return nil
    }

    /// The `type` inside `"ICMPv4":{…}` or `"ICMPv6":{…}` (0, the proto3 default, when absent).
    static func icmpType(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64 {
        guard let start = find(bytes, "ICMPv4") ?? find(bytes, "ICMPv6") else { return 0 }
        var end = start
        while end < bytes.count, bytes[end] != UInt8(ascii: "}") { end += 1 }
        let object = UnsafeBufferPointer(rebasing: bytes[start..<end])
        return int(object, "type") ?? 0
    }

    static func bool(_ bytes: UnsafeBufferPointer<UInt8>, _ name: String) -> Bool? {
        guard let at = find(bytes, name), at < bytes.count else { return nil }
        return bytes[at] == UInt8(ascii: "t")
    }

    static func int(_ bytes: UnsafeBufferPointer<UInt8>, _ name: String) -> Int64? {
        guard var at = find(bytes, name) else { return nil }
        var n: Int64 = 0, digits = 0
        while at < bytes.count, bytes[at] >= 0x30, bytes[at] <= 0x39, digits < 12 {
            n = n * 10 + Int64(bytes[at] - 0x30)
            at += 1
            digits += 1
        }
        return digits > 0 ? n : nil
    }
}
