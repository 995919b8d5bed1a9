import FlowModel

/// What the recording says happened to a flow (spec §8 "Recorded").
public enum RecordedOutcome: String, Hashable, Sendable {
    case allowed, denied, audit
}

/// Why a flow is not evaluated (spec §8 table); `rawValue` is the key in `flows_skipped`.
public enum SkipReason: String, CaseIterable, Sendable {
    case notPolicyEvent = "not_a_policy_event"
    case notPolicyOutcome = "verdict_not_a_policy_outcome"
    case nonPolicyDrop = "dropped_for_a_non_policy_reason"
    case reply = "reply"
    case unknownDirection = "unknown_direction"
    case traceBeforePolicy = "trace_not_after_policy_check"
    case l7NotRequest = "l7_not_a_request"
    case l7NotSimulated = "l7_protocol_not_simulated"
    case subjectNotPod = "subject_not_a_pod"
}

/// Spec §8 rules 1–6 on the fields a flow row holds (rule 7 needs the subject's labels).
public enum FlowClassification {
    /// Hubble event types (hubble-ref): drop, trace, policy verdict, L7.
    public static let drop: Int64 = 1, trace: Int64 = 4, policyVerdict: Int64 = 5, l7: Int64 = 129
    /// POLICY_DENIED (no rule allowed it) and POLICY_DENY (a deny rule).
    public static let policyDropReasons: Set<Int64> = [133, 181]
    /// Trace points seen after the policy check: TO_PROXY, TO_HOST, TO_STACK, TO_OVERLAY,
    /// TO_NETWORK, TO_CRYPTO, TO_ENDPOINT.
    public static let tracePointsAfterPolicy: Set<Int64> = [1, 2, 3, 4, 11, 13, 101]

    /// The event type, with `Type: L7` standing for 129 when `event_type` is absent.
    public static func eventType(_ eventType: Int64, flowType: Int64) -> Int64 {
        eventType == 0 && flowType == 2 ? l7 : eventType
    }

    /// The recorded outcome, or why the flow is skipped. `l7Kind` is "http", "dns", another
    /// name, or "" (only read for L7 events).
    public static func classify(eventType: Int64, verdict: Int64, dropReason: Int64, isReply: Bool, direction: Int64,
                                tracePoint: Int64, l7Type: Int64, l7Kind: String) -> Result<RecordedOutcome, SkipReasonError> {
        guard [drop, trace, policyVerdict, l7].contains(eventType) else { return .failure(.init(.notPolicyEvent)) }
        let recorded: RecordedOutcome
        switch verdict {
        case 1, 5: recorded = .allowed
        case 4: recorded = .audit
        case 2:
            guard eventType == l7 || policyDropReasons.contains(dropReason) else { return .failure(.init(.nonPolicyDrop)) }
            recorded = .denied
        default: return .failure(.init(.notPolicyOutcome))
        }
        if isReply { return .failure(.init(.reply)) }
        guard direction == 1 || direction == 2 else { return .failure(.init(.unknownDirection)) }
        if eventType == trace, !tracePointsAfterPolicy.contains(tracePoint) { return .failure(.init(.traceBeforePolicy)) }
        if eventType == l7 {
            guard l7Type == 1 else { return .failure(.init(.l7NotRequest)) }
            guard l7Kind == "http" || l7Kind == "dns" else { return .failure(.init(.l7NotSimulated)) }
        }
        return .success(recorded)
    }
}

/// A skip reason as an Error, for `Result`.
public struct SkipReasonError: Error, Sendable {
    public let reason: SkipReason
    init(_ reason: SkipReason) { self.reason = reason }
}

/// The change between recorded and simulated outcomes (spec §9).
public enum OutcomeChange: String, CaseIterable, Sendable {
    case allowedToDenied = "allowed_to_denied"
    case deniedToAllowed = "denied_to_allowed"
    case auditToDenied = "audit_to_denied"
    case auditToAllowed = "audit_to_allowed"
    case unchanged

    public init(recorded: RecordedOutcome, simulatedAllowed: Bool) {
        switch (recorded, simulatedAllowed) {
        case (.allowed, false): self = .allowedToDenied
        case (.denied, true): self = .deniedToAllowed
        case (.audit, false): self = .auditToDenied
        case (.audit, true): self = .auditToAllowed
        default: self = .unchanged
        }
    }
}
