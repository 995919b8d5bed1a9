import FlowModel
import HubbleProtos

/// Flows laid out as `hubble observe` prints them (`hubble/pkg/printer/printer.go`, Cilium
/// v1.19): compact, dict and table, with Hubble's time formats, colours and escaping.
public struct HubbleFlowText {
    public enum Layout: Sendable { case compact, dict, table }

    public var layout: Layout
    public var timeFormat: HubbleTimeFormat = .stampMilli
    public var printNodeName = false
    /// ANSI colours as Hubble's (fatih/color); never in tables, as in Hubble.
    public var color = false
    /// Lines written so far (dict separates records; table prints its header once).
    private var count = 0
    private var rows: [[String]] = []

    public init(layout: Layout) { self.layout = layout }

    /// The text for one GetFlowsResponse (a flow or a lost-event record); for tables, nothing
    /// until `finish()`.
    public mutating func text(_ response: Observer_GetFlowsResponse) -> String {
        defer { count += 1 }
        switch response.responseTypes {
        case .flow(let f)?: return flowText(f)
        case .lostEvents(let e)?: return lostText(e, response)
        default: return ""
        }
    }

    /// What is left to print (a table's rows, aligned).
    public mutating func finish() -> String {
        guard layout == .table, !rows.isEmpty else { return "" }
        let header = ["TIMESTAMP"] + (printNodeName ? ["NODE"] : []) + ["SOURCE", "DESTINATION", "TYPE", "VERDICT", "SUMMARY"]
        let out = Self.tabulate([header] + rows)
        rows = []
        return out
    }

    mutating func flowText(_ f: Flow_Flow) -> String {
        let painter = Painter(enabled: color && layout != .table)
        let (src, dst) = hostNames(f, painter)
        let time = timeFormat.format(f.hasTime ? f.time : nil)
        switch layout {
        case .table:
            rows.append([time] + (printNodeName ? [escape(f.nodeName)] : []) + [src, dst, Self.flowType(f), verdict(f, painter), summary(f, painter)])
            return ""
        case .dict:
            var s = count > 0 ? "------------\n" : ""
            s += "  TIMESTAMP: \(time)\n"
            if printNodeName { s += "       NODE: \(escape(f.nodeName))\n" }
            s += "     SOURCE: \(src)\nDESTINATION: \(dst)\n       TYPE: \(Self.flowType(f))\n    VERDICT: \(verdict(f, painter))\n    SUMMARY: \(summary(f, painter))\n"
            return s
        case .compact:
            var (s, d) = (src, dst)
            var (si, di) = (identity(f.source.identity, painter), identity(f.destination.identity, painter))
            var arrow = "->"
            if !f.hasIsReply {
                arrow = "<>"
            } else if f.isReply.value {
                (s, d) = (d, s)
                (si, di) = (di, si)
                arrow = "<-"
            }
            let node = printNodeName ? " [\(escape(f.nodeName))]" : ""
            return "\(time)\(node): \(s) \(si) \(arrow) \(d) \(di) \(Self.flowType(f)) \(verdict(f, painter)) (\(summary(f, painter)))\n"
        }
    }

    /// `WriteLostEvent`: one line in compact, a record in dict, a row in tables.
    mutating func lostText(_ e: Flow_LostEvent, _ r: Observer_GetFlowsResponse) -> String {
        let time = timeFormat.format(r.hasTime ? r.time : nil)
        let source = Self.name(FlowEnums.lostEventSource, e.source.rawValue)
        let node = r.nodeName.isEmpty ? "-" : escape(r.nodeName)
        var range = ""
        if e.hasFirst, e.hasLast { range = " (first: \(timeFormat.format(e.first)), last: \(timeFormat.format(e.last)))" }
        let cpu = e.hasCpu ? e.cpu.value : 0
        switch layout {
        case .table:
            rows.append([time] + (printNodeName ? [node] : []) + [source, "-", "EVENTS LOST", "-", "CPU(\(cpu)) - \(e.numEventsLost)\(range)"])
            return ""
        case .dict:
            var s = count > 0 ? "------------\n" : ""
            s += "  TIMESTAMP: \(time)\n"
            if printNodeName { s += "       NODE: \(node)\n" }
            s += "     SOURCE: \(source)\n       TYPE: EVENTS LOST\n    VERDICT: -\n    SUMMARY: CPU(\(cpu)) - \(e.numEventsLost)\(range)\n"
            return s
        case .compact:
            return "\(time) EVENTS LOST: \(source) CPU(\(cpu)) \(e.numEventsLost)\(range)\n"
        }
    }

    /// An enum value's name from the field catalog, or its number.
    static func name(_ def: EnumDef, _ n: Int) -> String { def.name(Int64(n)) ?? "\(n)" }

    // MARK: parts (printer.go)

    func hostNames(_ f: Flow_Flow, _ painter: Painter) -> (String, String) {
        guard f.hasIp else {
            if f.hasEthernet { return (painter.host(escape(f.ethernet.source)), painter.host(escape(f.ethernet.destination))) }
            return ("", "")
        }
        var (srcNS, dstNS) = (f.source.namespace, f.destination.namespace)
        let (srcPod, dstPod) = (f.source.podName, f.destination.podName)
        var (srcSvc, dstSvc) = ("", "")
        if f.hasSourceService { srcNS = f.sourceService.namespace; srcSvc = f.sourceService.name }
        if f.hasDestinationService { dstNS = f.destinationService.namespace; dstSvc = f.destinationService.name }
        let (srcPort, dstPort) = Self.ports(f)
        return (painter.host(hostname(f.ip.source, srcPort, srcNS, srcPod, srcSvc, f.sourceNames, painter)),
                painter.host(hostname(f.ip.destination, dstPort, dstNS, dstPod, dstSvc, f.destinationNames, painter)))
    }

    func hostname(_ ip: String, _ port: String, _ ns: String, _ pod: String, _ svc: String, _ names: [String], _ painter: Painter) -> String {
        var host = ip
        // path.Join: no slash when the namespace is empty.
        if !pod.isEmpty { host = ns.isEmpty ? pod : "\(ns)/\(pod)" }
        else if !svc.isEmpty { host = ns.isEmpty ? svc : "\(ns)/\(svc)" }
        else if !names.isEmpty { host = names.joined(separator: ",") }
        host = escape(host)
        guard !port.isEmpty, port != "0" else { return host }
        // net.JoinHostPort brackets a host with a colon (IPv6).
        return (host.contains(":") ? "[\(host)]" : host) + ":" + painter.port(port)
    }

    static func ports(_ f: Flow_Flow) -> (String, String) {
        switch f.l4.protocol {
        case .tcp(let p)?: ("\(p.sourcePort)", "\(p.destinationPort)")
        case .udp(let p)?: ("\(p.sourcePort)", "\(p.destinationPort)")
        case .sctp(let p)?: ("\(p.sourcePort)", "\(p.destinationPort)")
        default: ("", "")
        }
    }

    func identity(_ id: UInt32, _ painter: Painter) -> String {
        if let name = HubbleNames.displayName(id) { return painter.identity("(\(name))") }
        return painter.identity("(ID:\(id))")
    }

    /// `GetFlowType`: the L7 record, else the event type's point, drop reason or match.
    public static func flowType(_ f: Flow_Flow) -> String {
        if f.hasL7 {
            var l7Type = name(FlowEnums.l7FlowType, f.l7.type.rawValue)
            let proto: String
            switch f.l7.record {
            case .http?: proto = "http"
            case .dns(let d)?: proto = "dns"; l7Type += " " + d.observationSource
            case .kafka?: proto = "kafka"
            default: proto = "l7"
            }
            return "\(proto)-\(l7Type.lowercased())"
        }
        let sub = f.eventType.subType
        switch f.eventType.type {
        case 4: return HubbleNames.name(HubbleNames.traceSubTypes, Int32(UInt8(truncatingIfNeeded: sub))) ?? "\(UInt8(truncatingIfNeeded: sub))"
        case 1: return DropReasonText.text(Int32(UInt8(truncatingIfNeeded: sub)))
        case 5:
            return "policy-verdict:\(matchName(f.policyMatchType)) \(name(FlowEnums.trafficDirection, f.trafficDirection.rawValue))"
        case 3: return name(FlowEnums.debugCapturePoint, f.debugCapturePoint.rawValue)
        case 7:
            switch f.sockXlatePoint.rawValue {
            case 2: return "post-xlate-fwd"
            case 4: return "post-xlate-rev"
            case 1: return "pre-xlate-fwd"
            case 3: return "pre-xlate-rev"
            default: return name(FlowEnums.socketTranslationPoint, f.sockXlatePoint.rawValue)
            }
        default: return "UNKNOWN"
        }
    }

    /// `api.PolicyMatchType.String()`.
    static func matchName(_ m: UInt32) -> String {
        switch m {
        case 0: "none"
        case 1: "L3-Only"
        case 2: "L3-L4"
        case 3: "L4-Only"
        case 4: "all"
        case 5: "L3-Proto"
        case 6: "Proto-Only"
        default: "\(m)"
        }
    }

    /// `getVerdict`: policy verdict events say ALLOWED, DENIED, AUDITED.
    func verdict(_ f: Flow_Flow, _ painter: Painter) -> String {
        let v = f.verdict.rawValue
        let policyVerdict = f.eventType.type == 5
        let name = Self.name(FlowEnums.verdict, v)
        switch v {
        case 1, 5: return painter.green(policyVerdict ? "ALLOWED" : name)
        case 2, 3: return painter.red(policyVerdict ? "DENIED" : name)
        case 4: return painter.yellow(policyVerdict ? "AUDITED" : name)
        case 6, 7: return painter.yellow(name)
        default: return name
        }
    }

    /// `getSummary`: the IP trace id, the summary, and the auth type when not disabled.
    func summary(_ f: Flow_Flow, _ painter: Painter) -> String {
        var s = ""
        if f.hasIpTraceID, f.ipTraceID.traceID > 0 { s += "IP Trace ID: \(f.ipTraceID.traceID); " }
        s += escape(f.summary)
        switch f.authType.rawValue {
        case 0: break
        case 1: s += "; Auth: " + painter.green("SPIRE")
        case 2: s += "; Auth: " + painter.red("TEST_ALWAYS_FAIL")
        default: s += "; Auth: " + painter.green("\(f.authType.rawValue)")
        }
        return s
    }

    /// Hubble's terminal escaper: ESC and CR in flow data print as `^[` and `\r`.
    func escape(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: { $0 == "\u{1b}" || $0 == "\r" }) else { return s }
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "\u{1b}": out += "^["
            case "\r": out += "\\r"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// Go's tabwriter with Hubble's settings (minwidth 2, padding 3, spaces): every column but
    /// the last as wide as its widest cell plus 3.
    static func tabulate(_ rows: [[String]]) -> String {
        let columns = rows.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for r in rows {
            for (k, cell) in r.enumerated() where k < r.count - 1 { widths[k] = max(widths[k], cell.count) }
        }
        var out = ""
        for r in rows {
            for (k, cell) in r.enumerated() {
                out += cell
                if k < r.count - 1 { out += String(repeating: " ", count: max(2, widths[k] + 3) - cell.count) }
            }
            out += "\n"
        }
        return out
    }

    /// fatih/color's ANSI codes, as Hubble's colorer uses them.
    struct Painter {
        let enabled: Bool
        func paint(_ code: Int, _ s: String) -> String { enabled ? "\u{1b}[\(code)m\(s)\u{1b}[0m" : s }
        func red(_ s: String) -> String { paint(31, s) }
        func green(_ s: String) -> String { paint(32, s) }
        func yellow(_ s: String) -> String { paint(33, s) }
        func port(_ s: String) -> String { paint(33, s) }
        func identity(_ s: String) -> String { paint(35, s) }
        func host(_ s: String) -> String { paint(36, s) }
    }
}
