/// The kinds of line the generator produces and how often, per thousand lines.
///
/// The mix is what a busy cluster's Hubble ring shows: mostly forwarded traces, a steady share
/// of L7 DNS/HTTP from the proxies, policy verdicts for new connections, and a few percent drops.
enum Scenario: CaseIterable {
    case tracePodToPod, traceWorld, traceAPIServer, traceHost, traceHealth, traceUDP, traceIPv6, traceProxy
    case policyVerdict, drop, dns, http

    var perMille: Int {
        switch self {
        case .tracePodToPod: return 240
        case .traceWorld: return 100
        case .traceAPIServer: return 45
        case .traceHost: return 70
        case .traceHealth: return 20
        case .traceUDP: return 25
        case .traceIPv6: return 25
        case .traceProxy: return 25
        case .policyVerdict: return 140
        case .drop: return 50
        case .dns: return 140
        case .http: return 120
        }
    }

    /// One entry per thousandth, so picking a scenario is a single draw and an array read.
    static let table: [Scenario] = {
        var table: [Scenario] = []
        for scenario in allCases { table += Array(repeating: scenario, count: scenario.perMille) }
        precondition(table.count == 1000, "scenario weights must sum to 1000")
        return table
    }()

    /// Fills `s` for this scenario.
    @inline(__always)
    func fill(_ s: inout FlowSpec, _ m: ClusterModel, _ rng: inout Xoshiro256StarStar) {
        switch self {
        case .tracePodToPod: TraceScenarios.podToPod(&s, m, &rng, ipv6: false)
        case .traceWorld: TraceScenarios.podToWorld(&s, m, &rng)
        case .traceAPIServer: TraceScenarios.podToAPIServer(&s, m, &rng)
        case .traceHost: TraceScenarios.hostToPod(&s, m, &rng)
        case .traceHealth: TraceScenarios.healthICMP(&s, m, &rng)
        case .traceUDP: TraceScenarios.udp(&s, m, &rng)
        case .traceIPv6: TraceScenarios.podToPod(&s, m, &rng, ipv6: true)
        case .traceProxy: TraceScenarios.toProxy(&s, m, &rng)
        case .policyVerdict: PolicyVerdictScenarios.any(&s, m, &rng)
        case .drop: DropScenarios.any(&s, m, &rng)
        case .dns: L7Scenarios.dns(&s, m, &rng)
        case .http: L7Scenarios.http(&s, m, &rng)
        }
    }
}
