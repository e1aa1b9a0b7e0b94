import VigilCore

/// `tools/list` content: one JSON Schema per tool, with canonical names and enum values only (TraceMem spec §3.4).
enum ToolSchemas {
    private static func string(_ description: String? = nil, enumValues: [String]? = nil) -> JSONValue {
        var o: JSONObject = ["type": "string"]
        if let enumValues { o["enum"] = JSONValue(enumValues) }
        if let description { o["description"] = .string(description) }
        return .object(o)
    }
    private static let object: JSONValue = ["type": "object"]
    private static let boolean: JSONValue = ["type": "boolean"]
    private static let integer: JSONValue = ["type": "integer"]
    private static let strings: JSONValue = ["type": "array", "items": ["type": "string"]]

    private static func tool(_ name: String, _ description: String, _ properties: JSONObject, required: [String]) -> JSONValue {
        [
            "name": .string(name), "description": .string(description),
            "inputSchema": [
                "type": "object", "properties": .object(properties), "required": JSONValue(required),
                "additionalProperties": true,
            ],
        ]
    }

    static let agentTools: [JSONValue] = [
        tool("decision_create", "Open a decision envelope for an intent and automation mode.", [
            "intent": string(), "automation_mode": string(enumValues: ["propose", "approve", "override", "autonomous"]),
            "actor": string(), "instance": string(), "version": string(), "metadata": object,
        ], required: ["intent", "automation_mode"]),
        tool("decision_get", "Read a decision's status and approval state.", ["decision_id": string()], required: ["decision_id"]),
        tool("decision_read", "Read records from a data product for a purpose.", [
            "decision_id": string(), "product": string(), "purpose": string(), "query": object, "allow_multiple": boolean,
        ], required: ["decision_id", "product", "purpose"]),
        tool("decision_evaluate", "Evaluate a policy on inputs or on a read's evidence.", [
            "decision_id": string(), "policy_id": string(), "inputs": object, "inputs_ref": string(),
        ], required: ["decision_id", "policy_id"]),
        tool("decision_add_context", "Attach immutable context to a decision.", [
            "decision_id": string(), "context": object, "summary": string(),
        ], required: ["decision_id", "context"]),
        tool("decision_request_approval", "Ask a human operator to approve the decision.", [
            "decision_id": string(), "title": string(), "message": string(), "approval_route_id": string(),
            "require_rationale": boolean, "expires_in_seconds": integer, "kind": string(),
        ], required: ["decision_id"]),
        tool("decision_write", "Buffer a write to a data product, applied when the decision commits.", [
            "decision_id": string(), "product": string(), "purpose": string(),
            "operation": string(enumValues: ["insert", "update", "delete"]), "mutation": object,
            "keys": ["type": ["object", "array"]], "idempotency_key": string(),
        ], required: ["decision_id", "product", "purpose"]),
        tool("decision_trace", "Return the decision's hash-chained trace.", [
            "decision_id": string(), "types": strings,
        ], required: ["decision_id"]),
        tool("decision_close", "Close the decision with commit, abort or rollback.", [
            "decision_id": string(), "action": string(enumValues: ["commit", "abort", "rollback"]), "reason": string(),
            "summary": object,
        ], required: ["decision_id", "action"]),
        tool("decision_receipt", "Return the decision's signed receipt.", ["decision_id": string()], required: ["decision_id"]),
        tool("decision_search", "Search your own decisions and records.", [
            "query": string(), "category": string(enumValues: RecordCategory.allCases.map(\.rawValue)), "tags": strings,
            "status": string(enumValues: DecisionStatus.allCases.map(\.rawValue)), "limit": integer, "offset": integer,
        ], required: []),
        tool("decision_record", "Record a decision and its rationale in one call.", [
            "title": string(), "category": string(enumValues: RecordCategory.allCases.map(\.rawValue)), "context": string(),
            "decision": string(), "rationale": string(),
            "alternatives_considered": ["type": "array", "items": ["type": "object"]], "tags": strings,
            "constraints": string(), "consequences": string(), "supersedes": string(),
        ], required: ["title", "category", "context", "decision", "rationale"]),
        tool("products_list", "List the data products you may use.", ["purpose": string()], required: []),
        tool("product_get", "Describe one data product.", ["product": string()], required: ["product"]),
        tool("capabilities_get", "Describe what this key may do and how receipts are signed.", [:], required: []),
    ]

    static let operatorTools: [JSONValue] = [
        tool("operator_decisions_list", "List every agent's decisions, with filters.", [
            "status": ["type": ["string", "array"]], "agent": string(), "intent_prefix": string(), "text": string(),
            "limit": integer, "offset": integer,
        ], required: []),
        tool("operator_approvals_list", "List approval requests, pending by default.", [
            "status": ["type": ["string", "array"]], "agent": string(), "limit": integer, "offset": integer,
        ], required: []),
        tool("operator_approval_resolve", "Approve or reject a pending approval.", [
            "approval_id": string(), "resolution": string(enumValues: ["approve", "reject"]), "rationale": string(),
            "operator_id": string(),
        ], required: ["approval_id", "resolution"]),
        tool("operator_agents_list", "List every agent and operator with its open, pending and total decisions.", [:], required: []),
        tool("operator_decision_memories", "List the memories linked to a decision (read or produced by it).", [
            "decision_id": string(),
        ], required: ["decision_id"]),
        tool("operator_memories_list", "List memories newest first, inactive ones included, with each one's status (the dashboard's memory browser).", [
            "text": string(), "types": ["type": "array", "items": string(enumValues: MemoryType.allCases.map(\.rawValue))],
            "max_sensitivity": string(enumValues: Sensitivity.allCases.map(\.rawValue)),
            "min_salience": ["type": "number", "minimum": 0, "maximum": 1], "limit": integer,
        ], required: []),
        tool("operator_memory_reveal", "Show a HIGH or HYPER memory's payload in full; who, when and why go to its audit log first.", [
            "memory_id": string(), "rationale": string(),
        ], required: ["memory_id", "rationale"]),
        tool("operator_memory_history", "A memory's revision lineage, its revisions' payloads (HIGH and HYPER masked) and its salience over time.", [
            "memory_id": string(),
        ], required: ["memory_id"]),
        tool("operator_policies_replay", "Policy what-if: replay stored evaluations under another configuration's policies; nothing is written.", [
            "config_toml": string("The whole configuration file's text."), "since": string("RFC 3339 time."), "policy_id": string(),
        ], required: ["config_toml"]),
        tool("operator_activity", "Decisions per minute and requests waiting over the last hour; each agent's approval wait (p50/p95).", [:], required: []),
    ]

    /// Every tool's name, agent's and operator's.
    static let names: Set<String> = Set((agentTools + operatorTools).compactMap { $0["name"]?.stringValue })

    /// What a key of this role sees.
    static func tools(for role: PrincipalKind) -> [JSONValue] {
        switch role {
        case .agent: return agentTools
        case .operator:
            return operatorTools + agentTools.filter { DecisionEngine.sharedReadTools.contains($0["name"]?.stringValue ?? "") }
        }
    }
}
