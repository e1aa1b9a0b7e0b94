/// What `GET /metrics` reports about the store itself, read in one snapshot. Every server of a shared database
/// reads the same figures, so a dashboard aggregates them with `max`, not `sum`.
package struct StoreFigures: Sendable {
    package var decisionsByStatus: [(status: String, count: Int)]
    package var pendingApprovals: Int
    package var memories: [(type: String, sensitivity: Sensitivity, count: Int)]
    /// Approvals resolved after the watermark asked for, oldest resolution first.
    package var resolvedApprovals: [ApprovalSpan]
    package var usage: StoreUsage

    /// Reads the figures; `resolvedAfter` is the newest resolution time the caller has already counted.
    package static func read(from store: any Store, resolvedAfter: String, limit: Int = 10_000) throws -> StoreFigures {
        let (decisions, pending, memories, resolved) = try store.read { tx in
            (try tx.decisionCounts(), try tx.pendingApprovalCount(), try tx.memoryCounts(),
             try tx.approvalsResolved(after: resolvedAfter, limit: limit))
        }
        return StoreFigures(
            decisionsByStatus: decisions, pendingApprovals: pending, memories: memories, resolvedApprovals: resolved,
            usage: store.usage())
    }
}

extension DecisionError {
    /// The error's case name (`decisionNotFound`, `rateLimited`): a label of bounded cardinality for metrics.
    public var caseName: String {
        switch self {
        case .missingArgument: return "missingArgument"
        case .invalidArgument: return "invalidArgument"
        case .unauthorized: return "unauthorized"
        case .operatorRoleRequired: return "operatorRoleRequired"
        case .operatorCannotCallAgentTools: return "operatorCannotCallAgentTools"
        case .overrideNotAllowed: return "overrideNotAllowed"
        case .decisionNotFound: return "decisionNotFound"
        case .decisionClosed: return "decisionClosed"
        case .productNotFound: return "productNotFound"
        case .purposeNotAllowed: return "purposeNotAllowed"
        case .policyNotFound: return "policyNotFound"
        case .routeNotFound: return "routeNotFound"
        case .approvalNotFound: return "approvalNotFound"
        case .eventNotFound: return "eventNotFound"
        case .approvalAlreadyResolved: return "approvalAlreadyResolved"
        case .operationNotSupported: return "operationNotSupported"
        case .writesNotAllowedInProposeMode: return "writesNotAllowedInProposeMode"
        case .approvalRequiredBeforeWriting: return "approvalRequiredBeforeWriting"
        case .awaitingApproval: return "awaitingApproval"
        case .decisionRejected: return "decisionRejected"
        case .pendingApprovalExists: return "pendingApprovalExists"
        case .policyDenied: return "policyDenied"
        case .policyRequiresException: return "policyRequiresException"
        case .cannotCommitWhilePending: return "cannotCommitWhilePending"
        case .cannotCommitRejected: return "cannotCommitRejected"
        case .commitFailed: return "commitFailed"
        case .alreadySuperseded: return "alreadySuperseded"
        case .toolNotFound: return "toolNotFound"
        case .rateLimited: return "rateLimited"
        case .internalFailure: return "internalFailure"
        case .storeUnavailable: return "storeUnavailable"
        }
    }
}
