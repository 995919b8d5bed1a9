/// Names the Hubble CLI and Cilium's monitor give to numbers, for `--type`, `--identity` and the
/// compact output. Sources are Cilium v1.19: `pkg/monitor/api/types.go` and
/// `pkg/identity/numericidentity.go`.
public enum HubbleNames {
    /// Monitor message types (`MessageTypeNames`): `--type NAME[:SUBTYPE]` and the event type
    /// Hubble prints.
    public static let messageTypes: [(name: String, number: Int32)] = [
        ("drop", 1), ("debug", 2), ("capture", 3), ("trace", 4), ("policy-verdict", 5),
        ("trace-sock", 7), ("l7", 129), ("agent", 130),
    ]

    /// The monitor's trace observation points (`TraceObservationPoints`, `bpf/lib/trace.h`):
    /// the sub-types of `--type trace:…`. These are the monitor's numbers (to-endpoint is 0),
    /// not flow.proto's TraceObservationPoint enum (where TO_ENDPOINT is 101).
    public static let traceSubTypes: [(name: String, number: Int32)] = [
        ("to-endpoint", 0), ("to-proxy", 1), ("to-host", 2), ("to-stack", 3), ("to-overlay", 4),
        ("from-endpoint", 5), ("from-proxy", 6), ("from-host", 7), ("from-stack", 8),
        ("from-overlay", 9), ("from-network", 10), ("to-network", 11), ("from-crypto", 12),
        ("to-crypto", 13),
    ]

    /// Agent notification sub-types of `--type agent:…` (`hubble/cmd/observe/flows_filter.go`).
    public static let agentSubTypes: [(name: String, number: Int32)] = [
        ("unspecified", 0), ("message", 1), ("agent-started", 2), ("policy-updated", 3),
        ("policy-deleted", 4), ("endpoint-regenerate-success", 5), ("endpoint-regenerate-failure", 6),
        ("endpoint-created", 7), ("endpoint-deleted", 8), ("ipcache-upserted", 9), ("ipcache-deleted", 10),
    ]

    /// Reserved security identities by name (`reservedIdentities`, `GetReservedID`), as
    /// `--identity host` takes them.
    public static let reservedIdentities: [(name: String, number: UInt32)] = [
        ("host", 1), ("world", 2), ("unmanaged", 3), ("health", 4), ("init", 5), ("remote-node", 6),
        ("kube-apiserver", 7), ("ingress", 8), ("world-ipv4", 9), ("world-ipv6", 10), ("encrypted-overlay", 11),
    ]

    /// How an identity prints (`reservedIdentityNames`: 0 is "unknown"; 11 has no name there).
    public static func displayName(_ identity: UInt32) -> String? {
        identity == 0 ? "unknown" : identity <= 10 ? name(reservedIdentities, identity) : nil
    }

    static func number<N>(_ table: [(name: String, number: N)], _ name: String) -> N? {
        table.first { $0.name == name }?.number
    }

    static func name<N: Equatable>(_ table: [(name: String, number: N)], _ number: N) -> String? {
        table.first { $0.number == number }?.name
    }
}
