/// What makes two arriving flows the same flow, so ingest stores it once.
///
/// Hubble gives every flow a `uuid` (flow.proto: "uuid is a universally unique identifier for
/// this flow"), so two lines with the same uuid and time are one flow delivered twice (a log
/// shipper's retry, the same export piped in twice, overlapping exports of one node's ring),
/// even when a field mask left different fields out of each. A flow without a uuid (agents
/// before Cilium 1.10) is identified by its whole canonical content: the residual JSON and
/// every dictionary value, node name included. The flow's time is compared beside the hash.
public enum FlowIdentity {
    /// The identity hash of a decoded flow (64 bits, stored in the partition's `h` column).
    public static func hash(_ flow: DecodedFlow) -> Int64 {
        if flow.uuidHash != 0 { return Int64(bitPattern: flow.uuidHash ^ 0x5555_5555_5555_5555) }
        var h = ByteHash.of(flow.residual.bytes)
        for c in Column.allCases where c.dictionary != nil && flow.has(c) {
            h = (h ^ flow.sideHash(c) ^ UInt64(c.rawValue)) &* 0x9E37_79B9_7F4A_7C15
            h ^= h >> 31
        }
        return Int64(bitPattern: h)
    }
}
