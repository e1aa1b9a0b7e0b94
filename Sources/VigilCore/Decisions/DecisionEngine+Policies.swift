import Foundation

extension DecisionEngine {
    /// `decision_evaluate` (spec §7.4).
    public func evaluate(_ arguments: JSONObject, agent: Principal) throws -> JSONObject {
        let a = ToolArguments(arguments, aliases: ["policy": "policy_id"])
        try a.require(["decision_id", "policy_id"])
        guard a.value("inputs") != nil || a.isPresent("inputs_ref") else {
            throw DecisionError.missingArgument("inputs or inputs_ref is required")
        }
        let id = try a.requiredString("decision_id")
        let policyID = try a.requiredString("policy_id", maxLength: 128)
        let inputs = try a.object("inputs")
        let inputsRef = try a.string("inputs_ref", trimmed: true)
        if inputs != nil, inputsRef != nil {
            throw DecisionError.invalidArgument("provide either inputs or inputs_ref, not both")
        }
        return try transaction { tx, now in
            var decision = try loadDecision(tx, id, caller: .agent(agent), now: now)
            if decision.status.isTerminal { throw DecisionError.decisionClosed(id, decision.status) }
            let policy = try grantedPolicy(policyID, agent: agent)
            let rawInputs: JSONValue
            if let inputs {
                rawInputs = .object(inputs)
            } else {
                let ref = inputsRef!
                let eventID = ref.hasPrefix("ref:read:") ? String(ref.dropFirst("ref:read:".count)) : ref
                guard let owner = try tx.eventOwner(eventID), owner.decisionID == id else {
                    throw DecisionError.eventNotFound(ref)
                }
                guard owner.type == TraceEventType.read.rawValue, let evidence = try tx.evidence(eventID: eventID) else {
                    throw DecisionError.invalidArgument("inputs_ref must reference a read event of this decision")
                }
                rawInputs = evidence
            }
            let result = try recordEvaluation(
                tx, &decision, policy: policy, inputs: rawInputs, storeInputs: inputs != nil, inputsRef: inputsRef,
                trigger: nil, actor: agent.principalID, now: now)
            try tx.updateDecision(decision)
            var out = result.json
            out["event_id"] = result.event["event_id"]!
            return out
        }
    }

    /// One evaluation and its `evaluate` event; `requires_exception` marks the decision as needing approval.
    func recordEvaluation(
        _ tx: any StoreTransaction, _ decision: inout StoredDecision, policy: Policy, inputs: JSONValue, storeInputs: Bool,
        inputsRef: String?, trigger: String?, actor: String, now: Date
    ) throws -> (decision: PolicyDecision, event: JSONObject, json: JSONObject) {
        let outcome = policy.evaluate(inputs)
        let sanitized = storeInputs ? sanitizer.sanitize(inputs, at: "/inputs") : nil
        let rationale: JSONValue = ["message": .string(outcome.message), "rule_id": .string(outcome.ruleID)]
        let event = try appendEvent(
            tx, &decision, .evaluate, actor: actor, at: Timestamp.format(now),
            fields: [
                "policy_id": .string(policy.policyID), "policy_version": .string(policy.version),
                "policy_hash": .string(policy.hash), "outcome": .string(outcome.outcome.rawValue),
                "rationale": rationale, "inputs": sanitized?.value ?? .null, "inputs_ref": JSONValue(inputsRef),
                "inputs_digest": .string(Encoding.sha256Hex(inputs.canonicalBytes)),
                "implicit": .bool(trigger != nil), "trigger": JSONValue(trigger),
            ],
            redacted: sanitized?.redactedKeys ?? [], truncated: sanitized?.truncatedPaths ?? [])
        if outcome.outcome == .requiresException {
            decision.approvalRequired = true
            decision.lastException = ExceptionNote(
                policyID: policy.policyID, message: outcome.message, approvalRouteID: outcome.approvalRouteID)
        }
        let json: JSONObject = [
            "policy_id": .string(policy.policyID), "outcome": .string(outcome.outcome.rawValue),
            "rationale": rationale, "allowed": .bool(outcome.outcome == .allow),
            "requires_approval": .bool(outcome.outcome == .requiresException),
            "policy_version": .string(policy.version), "policy_hash": .string(policy.hash),
        ]
        return (outcome, event, json)
    }
}
