/// Every refusal of the decision engine, with the JSON-RPC code and the exact `data` string of TraceMem spec §5.4.
///
/// Clients key on ``data``, so its wording is part of the wire contract. Messages carry ids, never payload values.
public enum DecisionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A required argument is absent or empty (-32600); the associated text is the data string.
    case missingArgument(String)
    /// An argument is present but wrong (-32602); the associated text is the data string.
    case invalidArgument(String)
    case unauthorized
    case operatorRoleRequired
    case operatorCannotCallAgentTools
    case overrideNotAllowed
    case decisionNotFound(String)
    case decisionClosed(String, DecisionStatus)
    case productNotFound(String)
    case purposeNotAllowed(String)
    case policyNotFound(String)
    case routeNotFound(String)
    case approvalNotFound(String)
    case eventNotFound(String)
    case approvalAlreadyResolved(String, ApprovalStatus)
    case operationNotSupported(product: String, requested: String, productOperation: String)
    case writesNotAllowedInProposeMode
    case approvalRequiredBeforeWriting(String)
    case awaitingApproval(String, approvalID: String)
    case decisionRejected(String, ApprovalStatus)
    case pendingApprovalExists(String, approvalID: String)
    case policyDenied(policyID: String, message: String)
    case policyRequiresException(policyID: String, message: String)
    case cannotCommitWhilePending(String)
    case cannotCommitRejected(String, ApprovalStatus)
    case commitFailed(String, detail: String)
    case alreadySuperseded(String, by: String)
    case toolNotFound(String)
    /// Too many calls: the endpoint answers HTTP 429 with `Retry-After`.
    case rateLimited
    /// The store failed; the reference is also logged.
    case internalFailure(reference: String)
    /// The store cannot be reached (a PostgreSQL server that is down): nothing was done; HTTP 503 with `Retry-After`.
    case storeUnavailable(String)

    /// The JSON-RPC error code.
    public var code: Int {
        switch self {
        case .missingArgument: return -32600
        case .invalidArgument: return -32602
        case .toolNotFound: return -32601
        default: return -32603
        }
    }

    /// The HTTP status the MCP endpoint sends with this error.
    public var httpStatus: Int {
        switch self {
        case .unauthorized: return 401
        case .rateLimited: return 429
        case .storeUnavailable: return 503
        case .operatorRoleRequired, .operatorCannotCallAgentTools, .overrideNotAllowed: return 403
        default: return 200
        }
    }

    /// The `data` string.
    public var data: String {
        switch self {
        case .missingArgument(let text), .invalidArgument(let text): return text
        case .unauthorized: return "Unauthorized"
        case .operatorRoleRequired: return "Permission denied: operator role required"
        case .operatorCannotCallAgentTools: return "Permission denied: operator keys cannot call agent tools"
        case .overrideNotAllowed: return "Permission denied: automation_mode 'override' is not allowed for this agent"
        case .decisionNotFound(let id): return "Decision '\(id)' not found"
        case .decisionClosed(let id, let status): return "Decision '\(id)' is closed (status: \(status.rawValue))"
        case .productNotFound(let p): return "Data Product '\(p)' not found"
        case .purposeNotAllowed(let p): return "Purpose '\(p)' not in allowed_purposes"
        case .policyNotFound(let p): return "Policy '\(p)' not found"
        case .routeNotFound(let r): return "Approval route '\(r)' not found"
        case .approvalNotFound(let a): return "Approval '\(a)' not found"
        case .eventNotFound(let e): return "Event '\(e)' not found"
        case .approvalAlreadyResolved(let a, let status):
            return "Approval '\(a)' is already resolved (status: \(status.rawValue))"
        case .operationNotSupported(let product, let requested, let productOperation):
            return "Data Product '\(product)' does not support \(requested) (operation: \(productOperation))"
        case .writesNotAllowedInProposeMode: return "writes not allowed in propose mode"
        case .approvalRequiredBeforeWriting(let id): return "Decision '\(id)' requires an approved approval before writing"
        case .awaitingApproval(let id, let approvalID):
            return "Decision '\(id)' is awaiting approval (approval_id: \(approvalID))"
        case .decisionRejected(let id, let status):
            return "Decision '\(id)' was rejected (approval_status: \(status.rawValue))"
        case .pendingApprovalExists(let id, let approvalID):
            return "Decision '\(id)' already has a pending approval (approval_id: \(approvalID))"
        case .policyDenied(let policyID, let message): return "Policy '\(policyID)' denied: \(message)"
        case .policyRequiresException(let policyID, let message):
            return "Policy '\(policyID)' requires_exception: \(message); request approval with decision_request_approval"
        case .cannotCommitWhilePending(let id): return "Cannot commit Decision '\(id)' while approval is pending"
        case .cannotCommitRejected(let id, let status):
            return "Cannot commit Decision '\(id)': approval was \(status.rawValue)"
        case .commitFailed(let id, let detail): return "Commit failed for Decision '\(id)': \(detail); decision aborted"
        case .alreadySuperseded(let id, let by): return "Decision '\(id)' is already superseded by '\(by)'"
        case .toolNotFound(let name): return "Tool '\(name)' not found"
        case .rateLimited: return "Rate limit exceeded"
        case .internalFailure(let reference): return "Internal error (ref \(reference))"
        case .storeUnavailable(let detail): return "Store unavailable: \(detail)"
        }
    }

    /// The JSON-RPC `message`: the standard text for the code.
    public var message: String { Self.message(forCode: code) }

    /// JSON-RPC 2.0's standard message for an error code (-32700 included, which no tool raises).
    public static func message(forCode code: Int) -> String {
        switch code {
        case -32700: return "Parse error"
        case -32600: return "Invalid Request"
        case -32601: return "Method not found"
        case -32602: return "Invalid params"
        default: return "Internal error"
        }
    }

    public var description: String { data }
}
