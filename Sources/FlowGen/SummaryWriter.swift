/// Writes the deprecated-but-filled `Summary` text: L7 summaries come prebuilt from `L7Writer`, L3/L4 ones from the packet.
enum SummaryWriter {
    static func write(_ s: FlowSpec, l7Summary: [UInt8], out: inout [UInt8]) {
        if s.isL7 {
            out.put(l7Summary)
            return
        }
        switch s.l4 {
        case .tcp:
            // Hubble lists flags in the order SYN, ACK, RST, FIN, PSH (not the proto order).
            out.put("TCP Flags:")
            var first = true
            func flag(_ bit: UInt16, _ text: StaticString) {
                guard s.tcpFlags & bit != 0 else { return }
                out.put(first ? " " : ", ")
                out.put(text)
                first = false
            }
            flag(TCPFlag.syn, "SYN")
            flag(TCPFlag.ack, "ACK")
            flag(TCPFlag.rst, "RST")
            flag(TCPFlag.fin, "FIN")
            flag(TCPFlag.psh, "PSH")
        case .udp:
            out.put("UDP")
        case .icmpv4:
            switch s.icmpType {
            case 0: out.put("ICMPv4 EchoReply")
            case 8: out.put("ICMPv4 EchoRequest")
            case 3: out.put("ICMPv4 DestinationUnreachable(Port)")
            default: out.put("ICMPv4")
            }
        case .icmpv6:
            switch s.icmpType {
            case 128: out.put("ICMPv6 EchoRequest")
            case 129: out.put("ICMPv6 EchoReply")
            case 133: out.put("ICMPv6 RouterSolicitation")
            case 135: out.put("ICMPv6 NeighborSolicitation")
            default: out.put("ICMPv6")
            }
        }
    }
}
