/// Prints one `FlowSpec` as a `hubble observe -o json` line, field by field in flow.proto declaration order.
///
/// protojson emits fields in the order they are declared in the .proto file (not by field
/// number), omits zero values, prints enums by name and 64-bit integers as strings; this
/// writer follows the same rules so its lines are byte-for-byte the shape Hubble prints.
enum GenLineWriter {
    /// bpf source files drops are reported from, indexed by `FlowSpec.dropFile`.
    static let dropFiles: [StaticString] = ["\"bpf_lxc.c\"", "\"bpf_host.c\"", "\"nodeport.h\"", "\"bpf_overlay.c\""]

    static func write(_ s: FlowSpec, model: ClusterModel, time: [UInt8],
                      rng: inout Xoshiro256StarStar, summary: inout [UInt8], out: inout [UInt8]) {
        let node = model.nodes[Int(s.node)]
        out.put("{\"flow\":{\"time\":\"")
        out.put(time)
        out.put("\",\"uuid\":\"")
        out.putUUID(&rng)
        out.put("\",\"emitter\":{\"name\":\"Hubble\",\"version\":\"1.19.1+g0123abcd\"},\"verdict\":")
        out.put(s.verdict.name)
        if s.dropReason != .none {
            // The deprecated numeric drop_reason is still filled alongside drop_reason_desc.
            out.put(",\"drop_reason\":")
            out.putDecimal(Int(s.dropReason.rawValue))
        }
        if let macs = model.macs(s.ethernet) {
            out.put(",\"ethernet\":{\"source\":")
            out.put(macs.source)
            out.put(",\"destination\":")
            out.put(macs.destination)
            out.put("}")
        }
        writeIP(s, model: model, out: &out)
        writeL4(s, out: &out)
        out.put(",\"source\":")
        out.put(model.endpointJSON(s.source, node: s.node))
        out.put(",\"destination\":")
        out.put(model.endpointJSON(s.destination, node: s.node))
        out.put(s.isL7 ? ",\"Type\":\"L7\",\"node_name\":" : ",\"Type\":\"L3_L4\",\"node_name\":")
        out.put(node.nameJSON)
        out.put(",\"node_labels\":")
        out.put(node.labelsJSON)
        if s.sourceNames >= 0 {
            out.put(",\"source_names\":")
            out.put(model.externals[Int(s.sourceNames)].namesJSON)
        }
        if s.destinationNames >= 0 {
            out.put(",\"destination_names\":")
            out.put(model.externals[Int(s.destinationNames)].namesJSON)
        }
        L7Writer.write(s, model: model, rng: &rng, summary: &summary, out: &out)
        if s.isReply == 1 { out.put(",\"reply\":true") }
        out.put(",\"event_type\":{\"type\":")
        out.putDecimal(s.eventType)
        if s.eventSubType != 0 {
            out.put(",\"sub_type\":")
            out.putDecimal(s.eventSubType)
        }
        out.put("}")
        if s.direction != .unknown {
            out.put(",\"traffic_direction\":")
            out.put(s.direction.name)
        }
        if s.policyMatchType != 0 {
            out.put(",\"policy_match_type\":")
            out.putDecimal(Int(s.policyMatchType))
        }
        if s.tracePoint != .none {
            out.put(",\"trace_observation_point\":")
            out.put(s.tracePoint.name)
        }
        if s.traceReason != .unknown {
            out.put(",\"trace_reason\":")
            out.put(s.traceReason.name)
        }
        if s.dropFile >= 0 {
            out.put(",\"file\":{\"name\":")
            out.put(dropFiles[Int(s.dropFile)])
            out.put(",\"line\":")
            out.putDecimal(s.dropLine)
            out.put("}")
        }
        if s.dropReason != .none {
            out.put(",\"drop_reason_desc\":")
            out.put(s.dropReason.name)
        }
        if s.isReply >= 0 { out.put(s.isReply == 1 ? ",\"is_reply\":true" : ",\"is_reply\":false") }
        if let iface = model.interfaceJSON(s.interface) {
            out.put(",\"interface\":")
            out.put(iface)
        }
        if s.proxyPort != 0 {
            out.put(",\"proxy_port\":")
            out.putDecimal(s.proxyPort)
        }
        out.put(",\"Summary\":\"")
        SummaryWriter.write(s, l7Summary: summary, out: &out)
        out.put("\"")
        writePolicies(s, model: model, out: &out)
        out.put("},\"node_name\":")
        out.put(node.nameJSON)
        out.put(",\"time\":\"")
        out.put(time)
        out.put("\"}")
    }

    @inline(__always)
    static func writeIP(_ s: FlowSpec, model: ClusterModel, out: inout [UInt8]) {
        let connection = s.sourcePort &+ s.destinationPort
        out.put(",\"IP\":{\"source\":")
        out.put(model.ipJSON(s.source, ipv6: s.ipv6, connection: connection))
        if s.snat {
            out.put(",\"source_xlated\":")
            out.put(model.nodes[Int(s.node)].ipJSON)
        }
        out.put(",\"destination\":")
        out.put(model.ipJSON(s.destination, ipv6: s.ipv6, connection: connection))
        out.put(s.ipv6 ? ",\"ipVersion\":\"IPv6\"}" : ",\"ipVersion\":\"IPv4\"}")
    }

    @inline(__always)
    static func writeL4(_ s: FlowSpec, out: inout [UInt8]) {
        switch s.l4 {
        case .tcp, .udp:
            out.put(s.l4 == .tcp ? ",\"l4\":{\"TCP\":{\"source_port\":" : ",\"l4\":{\"UDP\":{\"source_port\":")
            out.putDecimal(s.sourcePort)
            out.put(",\"destination_port\":")
            out.putDecimal(s.destinationPort)
            if s.l4 == .tcp && s.tcpFlags != 0 {
                // TCPFlags fields are declared FIN, SYN, RST, PSH, ACK; false ones are omitted.
                out.put(",\"flags\":{")
                var first = true
                func flag(_ bit: UInt16, _ text: StaticString) {
                    guard s.tcpFlags & bit != 0 else { return }
                    if !first { out.put(",") }
                    out.put(text)
                    first = false
                }
                flag(TCPFlag.fin, "\"FIN\":true")
                flag(TCPFlag.syn, "\"SYN\":true")
                flag(TCPFlag.rst, "\"RST\":true")
                flag(TCPFlag.psh, "\"PSH\":true")
                flag(TCPFlag.ack, "\"ACK\":true")
                out.put("}")
            }
            out.put("}}")
        case .icmpv4, .icmpv6:
            out.put(s.l4 == .icmpv4 ? ",\"l4\":{\"ICMPv4\":{" : ",\"l4\":{\"ICMPv6\":{")
            // Echo reply is type 0 code 0: both omitted, leaving `{}` as protojson prints it.
            if s.icmpType != 0 {
                out.put("\"type\":")
                out.putDecimal(s.icmpType)
            }
            if s.icmpCode != 0 {
                out.put(s.icmpType != 0 ? ",\"code\":" : "\"code\":")
                out.putDecimal(s.icmpCode)
            }
            out.put("}}")
        }
    }

    @inline(__always)
    static func writePolicies(_ s: FlowSpec, model: ClusterModel, out: inout [UInt8]) {
        if s.egressAllowedBy >= 0 {
            out.put(",\"egress_allowed_by\":")
            out.put(model.policies[Int(s.egressAllowedBy)].arrayJSON)
        }
        if s.ingressAllowedBy >= 0 {
            out.put(",\"ingress_allowed_by\":")
            out.put(model.policies[Int(s.ingressAllowedBy)].arrayJSON)
        }
        if s.egressDeniedBy >= 0 {
            out.put(",\"egress_denied_by\":")
            out.put(model.policies[Int(s.egressDeniedBy)].arrayJSON)
        }
        if s.ingressDeniedBy >= 0 {
            out.put(",\"ingress_denied_by\":")
            out.put(model.policies[Int(s.ingressDeniedBy)].arrayJSON)
        }
    }
}
