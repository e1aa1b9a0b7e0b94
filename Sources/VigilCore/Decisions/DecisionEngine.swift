import Foundation
import Logging

/// The decision engine: every semantic rule of TraceMem (spec `tracemem-mcp.md` §6–§12) on vigil's store.
///
/// Tools take the arguments object of a tool call and return the result object of the wire format, so the MCP
/// endpoint, the SDK, the CLI and the dashboard share one implementation of validation, state and error strings.
/// Each call runs in one store write transaction, which serializes appends to a decision across processes.
public final class DecisionEngine: Sendable {
    package let store: any Store
    public let config: VigilConfig
    public let signer: ReceiptSigner
    package let clock: any WallClock
    let sanitizer = Sanitizer()
    let logger: Logger
    let notifier: any ApprovalNotifier

    /// The 15 agent tools (spec §7).
    public static let agentTools = [
        "decision_create", "decision_get", "decision_read", "decision_evaluate", "decision_add_context",
        "decision_request_approval", "decision_write", "decision_trace", "decision_close", "decision_receipt",
        "decision_search", "decision_record", "products_list", "product_get", "capabilities_get",
    ]
    /// The operator tools (spec §8).
    public static let operatorTools = [
        "operator_decisions_list", "operator_approvals_list", "operator_approval_resolve", "operator_agents_list",
        "operator_decision_memories", "operator_memories_list", "operator_memory_reveal", "operator_memory_history", "operator_activity",
        "operator_policies_replay",
    ]
    /// Agent tools an operator key may also call.
    public static let sharedReadTools = ["decision_get", "decision_trace", "decision_receipt"]

    /// Opens the engine on `store`: loads (or creates) the receipt key in the store's local directory, publishes its public key
    /// in the store and creates the configured product tables.
    package init(
        store: any Store, config: VigilConfig, clock: any WallClock = SystemClock(), signer: ReceiptSigner? = nil,
        notifier: (any ApprovalNotifier)? = nil, logger: Logger = Logger(label: "vigil.decisions")
    ) throws {
        self.store = store
        self.notifier = notifier ?? WebhookNotifier(logger: logger)
        self.config = config
        self.clock = clock
        self.logger = logger
        let resolvedSigner = try signer ?? ReceiptSigner.loadOrCreate(
            inDirectory: store.localDirectory)
        self.signer = resolvedSigner
        let created = Timestamp.format(clock.now())
        try store.write { tx in
            try tx.registerReceiptKey(keyID: resolvedSigner.keyID, publicKey: resolvedSigner.publicKey, createdAt: created)
            try tx.ensureProductTables(config.tables.keys.sorted().map { config.tables[$0]! })
        }
    }

    // MARK: Dispatch

    /// Calls a tool by name, enforcing roles (spec §4.4).
    public func call(tool name: String, arguments: JSONObject, caller: Caller) throws -> JSONObject {
        let isAgentTool = Self.agentTools.contains(name)
        let isOperatorTool = Self.operatorTools.contains(name)
        guard isAgentTool || isOperatorTool else { throw DecisionError.toolNotFound(name) }
        switch caller {
        case .agent(let agent):
            guard isAgentTool else { throw DecisionError.operatorRoleRequired }
            return try agentTool(name, arguments, caller: .agent(agent), agent: agent)
        case .operator(let operatorID):
            if isOperatorTool { return try operatorTool(name, arguments, operatorID: operatorID) }
            guard Self.sharedReadTools.contains(name) else { throw DecisionError.operatorCannotCallAgentTools }
            return try agentTool(name, arguments, caller: caller, agent: nil)
        }
    }

    private func agentTool(_ name: String, _ arguments: JSONObject, caller: Caller, agent: Principal?) throws -> JSONObject {
        switch name {
        case "decision_get": return try getDecision(arguments, caller: caller)
        case "decision_trace": return try trace(arguments, caller: caller)
        case "decision_receipt": return try receipt(arguments, caller: caller)
        default: break
        }
        guard let agent else { throw DecisionError.operatorCannotCallAgentTools }
        switch name {
        case "decision_create": return try createDecision(arguments, agent: agent)
        case "decision_read": return try read(arguments, agent: agent)
        case "decision_evaluate": return try evaluate(arguments, agent: agent)
        case "decision_add_context": return try addContext(arguments, agent: agent)
        case "decision_request_approval": return try requestApproval(arguments, agent: agent)
        case "decision_write": return try write(arguments, agent: agent)
        case "decision_close": return try close(arguments, agent: agent)
        case "decision_search": return try search(arguments, agent: agent)
        case "decision_record": return try record(arguments, agent: agent)
        case "products_list": return try listProducts(arguments, agent: agent)
        case "product_get": return try getProduct(arguments, agent: agent)
        case "capabilities_get": return capabilities(agent: agent)
        default: throw DecisionError.toolNotFound(name)
        }
    }

    private func operatorTool(_ name: String, _ arguments: JSONObject, operatorID: String) throws -> JSONObject {
        switch name {
        case "operator_decisions_list": return try listDecisions(arguments)
        case "operator_approvals_list": return try listApprovals(arguments)
        case "operator_agents_list": return try listAgents()
        case "operator_decision_memories": return try decisionMemories(arguments)
        case "operator_memories_list": return try listMemories(arguments)
        case "operator_memory_reveal": return try revealMemory(arguments, operatorID: operatorID)
        case "operator_memory_history": return try memoryHistory(arguments)
        case "operator_activity": return try activity()
        case "operator_policies_replay": return try replayPolicies(arguments)
        default: return try resolveApproval(arguments, operatorID: operatorID, fromKey: true)
        }
    }

    // MARK: Shared steps

    /// Runs `body` in a write transaction with the current time.
    func transaction<T>(_ body: (any StoreTransaction, Date) throws -> T) throws -> T {
        let now = clock.now()
        return try store.write { tx in try body(tx, now) }
    }

    /// Loads a decision the caller may see, applying approval expiry first (spec §6.6). Another agent's decision
    /// is reported exactly like an unknown one.
    func loadDecision(_ tx: any StoreTransaction, _ id: String, caller: Caller, now: Date) throws -> StoredDecision {
        guard var decision = try tx.decision(id) else { throw DecisionError.decisionNotFound(id) }
        if case .agent(let agent) = caller, decision.agentID != agent.principalID {
            throw DecisionError.decisionNotFound(id)
        }
        try applyExpiry(tx, &decision, now: now)
        return decision
    }

    /// Expires the decision's pending approval if its deadline has passed, and records it.
    ///
    /// The outcome and the event never depend on when this runs: `resolved_at` and the event's timestamp are the
    /// deadline itself.
    /// - Returns: whether this call expired the approval (`false`: not due, or another server got there first).
    @discardableResult
    func applyExpiry(_ tx: any StoreTransaction, _ decision: inout StoredDecision, now: Date) throws -> Bool {
        guard decision.status == .needsApproval, let approvalID = decision.approvalID,
            var approval = try tx.approval(approvalID), approval.status == .pending,
            let deadline = Timestamp.parse(approval.expiresAt), now >= deadline
        else { return false }
        approval.status = .expired
        approval.resolvedBy = "system:expiry"
        approval.rationale = "expired"
        approval.resolvedAt = approval.expiresAt
        guard try tx.resolveApproval(approval) else { return false }
        decision.status = .rejected
        decision.approvalStatus = .expired
        try appendEvent(
            tx, &decision, .approvalResolved, actor: "system:expiry", at: approval.expiresAt,
            fields: [
                "approval_id": .string(approvalID), "status": "expired", "resolved_by": "system:expiry",
                "rationale": "expired", "resolved_at": .string(approval.expiresAt),
            ])
        try tx.updateDecision(decision)
        return true
    }

    /// Expires every overdue approval in the store (the sweep, and the first step of the operator lists). Safe on
    /// every server at once: each decision is locked before it is looked at again, so one server expires it.
    /// - Returns: how many approvals this call expired.
    @discardableResult
    func expireDue(_ tx: any StoreTransaction, now: Date) throws -> Int {
        var expired = 0
        for id in try tx.decisionsWithExpiredApprovals(now: Timestamp.format(now)) {
            if var decision = try tx.decision(id), try applyExpiry(tx, &decision, now: now) { expired += 1 }
        }
        return expired
    }

    /// Applies approval expiry across the store; returns how many approvals expired.
    @discardableResult
    public func sweepExpiredApprovals() throws -> Int {
        try transaction { tx, now in try expireDue(tx, now: now) }
    }

    /// Appends one event to the decision's chain and advances its head. The caller saves the decision row.
    ///
    /// - Returns: the event as `decision_trace` returns it (with its hash).
    @discardableResult
    func appendEvent(
        _ tx: any StoreTransaction, _ decision: inout StoredDecision, _ type: TraceEventType, actor: String, at time: String,
        fields: JSONObject, redacted: [String] = [], truncated: [String] = [], eventID presetID: String? = nil
    ) throws -> JSONObject {
        var event = fields
        let eventID = presetID ?? Identifiers.eventID(at: clock.now())
        let seq = decision.eventCount + 1
        event["event_id"] = .string(eventID)
        event["decision_id"] = .string(decision.decisionID)
        event["seq"] = .int(Int64(seq))
        event["type"] = .string(type.rawValue)
        event["timestamp"] = .string(time)
        event["actor"] = .string(actor)
        event["prev_hash"] = .string(decision.headHash)
        event["redacted_keys"] = JSONValue(redacted)
        event["truncated_paths"] = JSONValue(truncated)
        let body = JSONValue.object(event).canonicalText
        let hash = Encoding.sha256Hex(body)
        try tx.appendEvent(
            StoredEvent(
                decisionID: decision.decisionID, seq: seq, eventID: eventID, type: type.rawValue,
                prevHash: decision.headHash, hash: hash, body: body),
            type: type.rawValue, timestamp: time, actor: actor)
        decision.eventCount = seq
        decision.headHash = hash
        event["hash"] = .string(hash)
        return event
    }

    /// Adds words to the decision's full-text entry.
    func index(_ tx: any StoreTransaction, _ decision: StoredDecision, _ pieces: [String]) throws {
        let text = pieces.filter { !$0.isEmpty }.joined(separator: " ")
        guard !text.isEmpty else { return }
        try tx.appendSearchText(decision.decisionID, text)
    }

    /// Scalar leaves of a JSON value as words for the search index.
    static func searchableText(_ value: JSONValue) -> [String] {
        switch value {
        case .string(let s): return [s]
        case .int, .double, .bool: return [value.canonicalText]
        case .array(let items): return items.flatMap(searchableText)
        case .object(let object): return JCS.sortedKeys(object).flatMap { searchableText(object[$0]!) }
        case .null: return []
        }
    }

    /// The `decision_get` result object.
    func decisionJSON(_ d: StoredDecision) -> JSONObject {
        var out: JSONObject = [
            "decision_id": .string(d.decisionID), "agent_id": .string(d.agentID), "actor": .string(d.actor),
            "intent": .string(d.intent), "status": .string(d.status.rawValue),
            "approval_status": .string(d.approvalStatus.rawValue), "approval_required": .bool(d.approvalRequired),
            "approval_id": JSONValue(d.approvalID), "automation_mode": .string(d.automationMode.rawValue),
            "event_count": .int(Int64(d.eventCount)), "created_at": .string(d.createdAt),
        ]
        if let v = d.closedAt { out["closed_at"] = .string(v) }
        if let v = d.instance { out["instance"] = .string(v) }
        if let v = d.version { out["version"] = .string(v) }
        if let v = d.metadata { out["metadata"] = v }
        if let v = d.title { out["title"] = .string(v) }
        if let v = d.category { out["category"] = .string(v) }
        if let v = d.tags { out["tags"] = JSONValue(v) }
        if let v = d.supersedes { out["supersedes"] = .string(v) }
        if let v = d.supersededBy { out["superseded_by"] = .string(v) }
        if let v = d.closeAction { out["close_action"] = .string(v) }
        if let v = d.closeReason { out["close_reason"] = .string(v) }
        return out
    }

    /// Rejects control characters in a short identifier-like string.
    static func checkNoControlCharacters(_ value: String, _ name: String) throws(DecisionError) {
        if value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw DecisionError.invalidArgument("\(name) must not contain control characters")
        }
    }
}
