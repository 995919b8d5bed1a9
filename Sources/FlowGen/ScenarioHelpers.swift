/// Small draws shared by the scenarios: pods of a workload, ephemeral ports, TCP flag mixes, edges of a kind.
extension ClusterModel {
    /// A random pod of a workload.
    @inline(__always)
    func pod(of workload: Int, _ rng: inout Xoshiro256StarStar) -> Int32 {
        let list = workloads[workload].pods
        return list[rng.below(list.count)]
    }

    /// The node a pod runs on.
    @inline(__always)
    func node(of pod: Int32) -> Int32 {
        pods[Int(pod)].node
    }

    /// An edge whose target matches `kind`, chosen through the skewed talker → dependency choice
    /// so busy clients dominate; falls back to a uniform pick from `pool`.
    @inline(__always)
    func edge(where matches: (Edge) -> Bool, pool: [Int32], _ rng: inout Xoshiro256StarStar) -> Edge {
        for _ in 0..<6 {
            let talker = talkerPicker.pick(&rng)
            let list = edgesBySource[talker]
            if list.isEmpty { continue }
            let e = edges[Int(list[edgePickers[talker].pick(&rng)])]
            if matches(e) { return e }
        }
        return edges[Int(pool[rng.below(pool.count)])]
    }
}

/// Packet-level draws.
enum Draw {
    /// A Linux ephemeral source port.
    @inline(__always)
    static func ephemeralPort(_ rng: inout Xoshiro256StarStar) -> Int {
        rng.range(32768, 60999)
    }

    /// Flags of a packet in the client→server direction, with the matching trace reason.
    @inline(__always)
    static func forwardFlags(_ rng: inout Xoshiro256StarStar) -> (UInt16, GenTraceReason) {
        let r = rng.below(100)
        if r < 18 { return (TCPFlag.syn, .new) }
        if r < 48 { return (TCPFlag.ack, .established) }
        if r < 88 { return (TCPFlag.ack | TCPFlag.psh, .established) }
        if r < 96 { return (TCPFlag.ack | TCPFlag.fin, .established) }
        return (TCPFlag.rst, .established)
    }

    /// Flags of a packet in the server→client (reply) direction.
    @inline(__always)
    static func replyFlags(_ rng: inout Xoshiro256StarStar) -> UInt16 {
        let r = rng.below(100)
        if r < 18 { return TCPFlag.syn | TCPFlag.ack }
        if r < 53 { return TCPFlag.ack }
        if r < 93 { return TCPFlag.ack | TCPFlag.psh }
        return TCPFlag.ack | TCPFlag.fin
    }
}
