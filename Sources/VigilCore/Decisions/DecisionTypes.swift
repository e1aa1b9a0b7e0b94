/// The lifecycle status of a decision (TraceMem spec §6.2).
public enum DecisionStatus: String, Sendable, Equatable, CaseIterable {
    case open
    case needsApproval = "needs_approval"
    case approved, rejected, committed, aborted

    /// `committed` and `aborted` end a decision.
    public var isTerminal: Bool { self == .committed || self == .aborted }

    /// Parses a status filter, accepting `denied` for `rejected`.
    public init?(filter raw: String) {
        self.init(rawValue: raw == "denied" ? "rejected" : raw)
    }
}

/// The status of a decision's latest approval, or `none`.
public enum ApprovalStatus: String, Sendable, Equatable, CaseIterable {
    case none, pending, approved, rejected, expired

    /// Parses an approval filter, accepting `denied` for `rejected`.
    public init?(filter raw: String) {
        self.init(rawValue: raw == "denied" ? "rejected" : raw)
    }
}

/// How much an agent may do on its own (TraceMem spec §6.5).
public enum AutomationMode: String, Sendable, Equatable, CaseIterable {
    case propose, approve, override, autonomous

    /// Parses a requested mode: canonical values, plus the SDK aliases `execute` → autonomous and
    /// `validate` → propose. Matching is exact and case-sensitive.
    /// - Returns: the canonical mode and the alias used, or `nil` for any other value.
    public static func parse(_ raw: String) -> (mode: AutomationMode, alias: String?)? {
        if let mode = AutomationMode(rawValue: raw) { return (mode, nil) }
        switch raw {
        case "execute": return (.autonomous, raw)
        case "validate": return (.propose, raw)
        default: return nil
        }
    }
}

/// How `decision_close` ends a decision.
public enum CloseAction: String, Sendable, Equatable, CaseIterable {
    case commit, abort, rollback
}

/// The categories of `decision_record`.
public enum RecordCategory: String, Sendable, Equatable, CaseIterable {
    case architecture, dependency, schema
    case apiDesign = "api_design"
    case infra, tradeoff, convention, other
}

/// How an approval resolution is asked for.
public enum ApprovalResolution: String, Sendable, Equatable {
    case approve, reject

    /// Accepts `approve`/`approved` and `reject`/`rejected`/`deny`/`denied`.
    public init?(input raw: String) {
        switch raw {
        case "approve", "approved": self = .approve
        case "reject", "rejected", "deny", "denied": self = .reject
        default: return nil
        }
    }
}

/// The types of trace events (TraceMem spec §11.1).
public enum TraceEventType: String, Sendable, Equatable, CaseIterable {
    case created, read, evaluate, write, context
    case approvalRequested = "approval_requested"
    case approvalResolved = "approval_resolved"
    case closed
}

/// Who is calling the engine.
public enum Caller: Sendable, Equatable {
    /// An agent, scoped to its own decisions and granted products.
    case agent(Principal)
    /// An operator, by id: sees every agent's decisions and may resolve approvals.
    case `operator`(String)

    /// The caller an authenticated key stands for.
    public init(_ principal: Principal, role: PrincipalKind) {
        self = role == .operator ? .operator(principal.principalID) : .agent(principal)
    }

    public var id: String {
        switch self {
        case .agent(let principal): return principal.principalID
        case .operator(let id): return id
        }
    }
}

/// The latest `requires_exception` outcome of a decision: what a blocked write reports and what an approval request
/// carries as its reason.
struct ExceptionNote: Equatable {
    var policyID: String
    var message: String
    var approvalRouteID: String?

    var json: JSONValue {
        ["policy_id": .string(policyID), "message": .string(message), "approval_route_id": JSONValue(approvalRouteID)]
    }

    init(policyID: String, message: String, approvalRouteID: String?) {
        self.policyID = policyID
        self.message = message
        self.approvalRouteID = approvalRouteID
    }

    init?(json: JSONValue?) {
        guard let json, let policyID = json["policy_id"]?.stringValue else { return nil }
        self.init(
            policyID: policyID, message: json["message"]?.stringValue ?? "",
            approvalRouteID: json["approval_route_id"]?.stringValue)
    }
}

/// A decision row as stored.
struct StoredDecision: Equatable {
    var decisionID: String
    var agentID: String
    var actor: String
    var intent: String
    var automationMode: AutomationMode
    var instance: String?
    var version: String?
    var metadata: JSONValue?
    var status: DecisionStatus
    var approvalStatus: ApprovalStatus
    var approvalRequired: Bool
    var approvalID: String?
    var createdAt: String
    var closedAt: String?
    var closeAction: String?
    var closeReason: String?
    var kind: String
    var title: String?
    var category: String?
    var tags: [String]?
    var supersedes: String?
    var supersededBy: String?
    var eventCount: Int
    var headHash: String
    var lastException: ExceptionNote?
}

/// An approval row as stored (TraceMem spec §6.6).
struct StoredApproval: Equatable {
    var approvalID: String
    var decisionID: String
    var agentID: String
    var intent: String
    var status: ApprovalStatus
    var title: String
    var message: String?
    var kind: String?
    var reason: String?
    var approvalRouteID: String?
    var requireRationale: Bool
    var requestedAt: String
    var expiresAt: String
    var resolvedAt: String?
    var resolvedBy: String?
    var rationale: String?

    /// The approval object of the wire format.
    var json: JSONObject {
        [
            "approval_id": .string(approvalID), "decision_id": .string(decisionID), "agent_id": .string(agentID),
            "intent": .string(intent), "status": .string(status.rawValue), "title": .string(title),
            "message": JSONValue(message), "kind": JSONValue(kind), "reason": JSONValue(reason),
            "approval_route_id": JSONValue(approvalRouteID), "require_rationale": .bool(requireRationale),
            "requested_at": .string(requestedAt), "expires_at": .string(expiresAt),
            "resolved_at": JSONValue(resolvedAt), "resolved_by": JSONValue(resolvedBy),
            "rationale": JSONValue(rationale),
            "delivery": ["status": "delivered", "note": "Delivered to vigil operator queue"],
        ]
    }
}

/// One stored trace event.
struct StoredEvent: Equatable {
    var decisionID: String
    var seq: Int
    var eventID: String
    var type: String
    var prevHash: String
    var hash: String
    /// JCS text of the event without its hash.
    var body: String
}

/// The 64 zeros that stand before the first event of every chain.
public let genesisPrevHash = String(repeating: "0", count: 64)
