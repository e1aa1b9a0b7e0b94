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
package struct ExceptionNote: Equatable {
    package var policyID: String
    package var message: String
    package var approvalRouteID: String?

    package var json: JSONValue {
        ["policy_id": .string(policyID), "message": .string(message), "approval_route_id": JSONValue(approvalRouteID)]
    }

    package init(policyID: String, message: String, approvalRouteID: String?) {
        self.policyID = policyID
        self.message = message
        self.approvalRouteID = approvalRouteID
    }

    package init?(json: JSONValue?) {
        guard let json, let policyID = json["policy_id"]?.stringValue else { return nil }
        self.init(
            policyID: policyID, message: json["message"]?.stringValue ?? "",
            approvalRouteID: json["approval_route_id"]?.stringValue)
    }
}

/// A decision row as stored.
package struct StoredDecision: Equatable {
    package var decisionID: String
    package var agentID: String
    package var actor: String
    package var intent: String
    package var automationMode: AutomationMode
    package var instance: String?
    package var version: String?
    package var metadata: JSONValue?
    package var status: DecisionStatus
    package var approvalStatus: ApprovalStatus
    package var approvalRequired: Bool
    package var approvalID: String?
    package var createdAt: String
    package var closedAt: String?
    package var closeAction: String?
    package var closeReason: String?
    package var kind: String
    package var title: String?
    package var category: String?
    package var tags: [String]?
    package var supersedes: String?
    package var supersededBy: String?
    package var eventCount: Int
    package var headHash: String
    package var lastException: ExceptionNote?

    package init(
        decisionID: String, agentID: String, actor: String, intent: String, automationMode: AutomationMode, instance: String? = nil, version: String? = nil, metadata: JSONValue? = nil, status: DecisionStatus, approvalStatus: ApprovalStatus, approvalRequired: Bool, approvalID: String? = nil, createdAt: String, closedAt: String? = nil, closeAction: String? = nil, closeReason: String? = nil, kind: String = "envelope", title: String? = nil, category: String? = nil, tags: [String]? = nil, supersedes: String? = nil, supersededBy: String? = nil, eventCount: Int = 0, headHash: String, lastException: ExceptionNote? = nil
    ) {
        self.decisionID = decisionID
        self.agentID = agentID
        self.actor = actor
        self.intent = intent
        self.automationMode = automationMode
        self.instance = instance
        self.version = version
        self.metadata = metadata
        self.status = status
        self.approvalStatus = approvalStatus
        self.approvalRequired = approvalRequired
        self.approvalID = approvalID
        self.createdAt = createdAt
        self.closedAt = closedAt
        self.closeAction = closeAction
        self.closeReason = closeReason
        self.kind = kind
        self.title = title
        self.category = category
        self.tags = tags
        self.supersedes = supersedes
        self.supersededBy = supersededBy
        self.eventCount = eventCount
        self.headHash = headHash
        self.lastException = lastException
    }
}

/// An approval row as stored (TraceMem spec §6.6).
package struct StoredApproval: Equatable {
    package var approvalID: String
    package var decisionID: String
    package var agentID: String
    package var intent: String
    package var status: ApprovalStatus
    package var title: String
    package var message: String?
    package var kind: String?
    package var reason: String?
    package var approvalRouteID: String?
    package var requireRationale: Bool
    package var requestedAt: String
    package var expiresAt: String
    package var resolvedAt: String?
    package var resolvedBy: String?
    package var rationale: String?

    package init(
        approvalID: String, decisionID: String, agentID: String, intent: String, status: ApprovalStatus, title: String, message: String? = nil, kind: String? = nil, reason: String? = nil, approvalRouteID: String? = nil, requireRationale: Bool, requestedAt: String, expiresAt: String, resolvedAt: String? = nil, resolvedBy: String? = nil, rationale: String? = nil
    ) {
        self.approvalID = approvalID
        self.decisionID = decisionID
        self.agentID = agentID
        self.intent = intent
        self.status = status
        self.title = title
        self.message = message
        self.kind = kind
        self.reason = reason
        self.approvalRouteID = approvalRouteID
        self.requireRationale = requireRationale
        self.requestedAt = requestedAt
        self.expiresAt = expiresAt
        self.resolvedAt = resolvedAt
        self.resolvedBy = resolvedBy
        self.rationale = rationale
    }

    /// The approval object of the wire format.
    package var json: JSONObject {
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

/// Where an event sits in (decision id, seq) order: a page's continuation.
package struct EventPosition: Sendable, Equatable {
    package var decisionID: String
    package var seq: Int

    package init(decisionID: String, seq: Int) {
        self.decisionID = decisionID
        self.seq = seq
    }
}

/// A stored `evaluate` event with the decision it belongs to.
package struct EvaluationEvent: Sendable, Equatable {
    package var position: EventPosition
    package var agentID: String
    package var intent: String
    /// JCS text of the event without its hash.
    package var body: String

    package init(position: EventPosition, agentID: String, intent: String, body: String) {
        (self.position, self.agentID, self.intent, self.body) = (position, agentID, intent, body)
    }
}

/// One stored trace event.
package struct StoredEvent: Equatable {
    package var decisionID: String
    package var seq: Int
    package var eventID: String
    package var type: String
    package var prevHash: String
    package var hash: String
    /// JCS text of the event without its hash.
    package var body: String

    package init(
        decisionID: String, seq: Int, eventID: String, type: String, prevHash: String, hash: String, body: String
    ) {
        self.decisionID = decisionID
        self.seq = seq
        self.eventID = eventID
        self.type = type
        self.prevHash = prevHash
        self.hash = hash
        self.body = body
    }
}

/// The 64 zeros that stand before the first event of every chain.
public let genesisPrevHash = String(repeating: "0", count: 64)
