import Foundation

extension DecisionEngine {
    /// `decision_create` (spec §7.1).
    public func createDecision(_ arguments: JSONObject, agent: Principal) throws -> JSONObject {
        let a = ToolArguments(arguments)
        try a.require(["intent", "automation_mode"])
        let intent = try a.requiredString("intent", maxLength: 256)
        try Self.checkNoControlCharacters(intent, "intent")
        guard let requestedMode = try a.string("automation_mode"),
            let (mode, alias) = AutomationMode.parse(requestedMode)
        else { throw DecisionError.invalidArgument("invalid automation_mode") }
        let actor = try a.string("actor", maxLength: 256)
        let instance = try a.string("instance", maxLength: 256)
        let version = try a.string("version", maxLength: 256)
        let metadata = try a.object("metadata")
        if mode == .override, !agent.allowOverride { throw DecisionError.overrideNotAllowed }
        let sanitized = metadata.map { sanitizer.sanitize(.object($0), at: "/metadata") }
        return try transaction { tx, now in
            let created = Timestamp.format(now)
            var decision = StoredDecision(
                decisionID: Identifiers.decisionID(at: now), agentID: agent.principalID,
                actor: actor ?? agent.principalID, intent: intent, automationMode: mode, instance: instance,
                version: version, metadata: sanitized?.value, status: .open, approvalStatus: .none,
                approvalRequired: mode == .propose || mode == .approve, approvalID: nil, createdAt: created,
                closedAt: nil, closeAction: nil, closeReason: nil, kind: "envelope", title: nil, category: nil,
                tags: nil, supersedes: nil, supersededBy: nil, eventCount: 0, headHash: genesisPrevHash,
                lastException: nil)
            try tx.insertDecision(decision)
            try appendEvent(
                tx, &decision, .created, actor: decision.actor, at: created,
                fields: [
                    "intent": .string(intent), "automation_mode": .string(mode.rawValue),
                    "automation_mode_requested": JSONValue(alias), "actor": .string(decision.actor),
                    "instance": JSONValue(instance), "version": JSONValue(version),
                    "metadata": sanitized?.value ?? .null, "supersedes": .null,
                ],
                redacted: sanitized?.redactedKeys ?? [], truncated: sanitized?.truncatedPaths ?? [])
            try index(tx, decision, [intent])
            try tx.updateDecision(decision)
            return [
                "decision_id": .string(decision.decisionID), "status": "open",
                "automation_mode": .string(mode.rawValue), "created_at": .string(created),
            ]
        }
    }

    /// `decision_get` (spec §7.2).
    public func getDecision(_ arguments: JSONObject, caller: Caller) throws -> JSONObject {
        let a = ToolArguments(arguments)
        try a.require(["decision_id"])
        let id = try a.requiredString("decision_id")
        return try transaction { tx, now in decisionJSON(try loadDecision(tx, id, caller: caller, now: now)) }
    }

    /// `decision_add_context` (spec §7.5). Context is immutable once added.
    public func addContext(_ arguments: JSONObject, agent: Principal) throws -> JSONObject {
        let a = ToolArguments(arguments, aliases: ["payload": "context"])
        try a.require(["decision_id"])
        guard let contextValue = a.value("context"), contextValue != .object([:]) else {
            throw DecisionError.missingArgument("context is required")
        }
        let id = try a.requiredString("decision_id")
        guard case .object = contextValue else { throw DecisionError.invalidArgument("context must be an object") }
        let summary = try a.string("summary", maxLength: 4000)
        let sanitized = sanitizer.sanitize(contextValue, at: "/context")
        return try transaction { tx, now in
            var decision = try loadDecision(tx, id, caller: .agent(agent), now: now)
            if decision.status.isTerminal { throw DecisionError.decisionClosed(id, decision.status) }
            let time = Timestamp.format(now)
            let event = try appendEvent(
                tx, &decision, .context, actor: agent.principalID, at: time,
                fields: ["context": sanitized.value, "summary": JSONValue(summary)],
                redacted: sanitized.redactedKeys, truncated: sanitized.truncatedPaths)
            try index(tx, decision, [summary ?? ""] + Self.searchableText(sanitized.value))
            try tx.updateDecisionHead(decision)
            return ["event_id": event["event_id"]!, "timestamp": .string(time)]
        }
    }

    /// `decision_read` (spec §7.3): an equality query over a read product; the records go to the agent and to the
    /// decision's evidence store, never into the trace.
    public func read(_ arguments: JSONObject, agent: Principal) throws -> JSONObject {
        let a = ToolArguments(arguments, aliases: ["product_id": "product"])
        try a.require(["decision_id", "product", "purpose"])
        let id = try a.requiredString("decision_id")
        let productID = try a.requiredString("product", maxLength: 128)
        let purpose = try a.requiredString("purpose", maxLength: 128)
        let query = try a.object("query") ?? [:]
        var allowMultiple = try a.bool("allow_multiple")
        if allowMultiple == nil, let mode = try a.string("result_mode") {
            switch mode {
            case "single": allowMultiple = false
            case "multiple": allowMultiple = true
            default: throw DecisionError.invalidArgument("invalid result_mode '\(mode)'")
            }
        }
        let multiple = allowMultiple ?? false
        return try transaction { tx, now in
            var decision = try loadDecision(tx, id, caller: .agent(agent), now: now)
            if decision.status.isTerminal { throw DecisionError.decisionClosed(id, decision.status) }
            let product = try grantedProduct(productID, agent: agent)
            guard product.operation == .read else {
                throw DecisionError.operationNotSupported(
                    product: productID, requested: "read", productOperation: product.operation.rawValue)
            }
            guard product.allowedPurposes.contains(purpose) else { throw DecisionError.purposeNotAllowed(purpose) }
            var conditions: [(ColumnDefinition, JSONValue)] = []
            for name in query.keys.sorted() {
                guard product.fields.contains(name), let column = product.table.column(name) else {
                    throw DecisionError.invalidArgument("field \(name) not found in schema")
                }
                let value = query[name]!
                switch value {
                case .array, .object: throw DecisionError.invalidArgument("query value for field \(name) must be a scalar")
                case .null: break
                default: try RowValidation.checkType(value, column)
                }
                conditions.append((column, value))
            }
            let limit = multiple ? product.maxResults : 1
            var records = try tx.readProductRows(product, query: conditions, limit: limit + 1)
            let truncated = records.count > limit
            if truncated { records.removeLast(records.count - limit) }
            let time = Timestamp.format(now)
            let sanitizedQuery = sanitizer.sanitize(.object(query), at: "/query")
            let summary: JSONValue = [
                "rows": .int(Int64(records.count)), "fields": JSONValue(product.fields), "truncated": .bool(truncated),
            ]
            let readEventID = Identifiers.eventID(at: now)
            try appendEvent(
                tx, &decision, .read, actor: agent.principalID, at: time,
                fields: [
                    "product": .string(productID), "purpose": .string(purpose), "query": sanitizedQuery.value,
                    "allow_multiple": .bool(multiple), "data_ref": .string("ref:read:" + readEventID),
                    "summary": summary, "product_version": .string(product.version),
                    "product_hash": .string(product.hash),
                ],
                redacted: sanitizedQuery.redactedKeys, truncated: sanitizedQuery.truncatedPaths, eventID: readEventID)
            let evidence: JSONValue =
                (!multiple && records.count == 1)
                ? .object(records[0]) : ["records": .array(records.map { .object($0) }), "rows": .int(Int64(records.count))]
            try tx.insertEvidence(eventID: readEventID, decisionID: id, evidence: evidence)
            try tx.updateDecision(decision)
            return [
                "event_id": .string(readEventID), "product": .string(productID),
                "data_ref": .string("ref:read:" + readEventID), "records": .array(records.map { .object($0) }),
                "summary": summary,
            ]
        }
    }

    /// The product `id` if it exists and is granted to `agent`; otherwise "not found".
    func grantedProduct(_ id: String, agent: Principal) throws(DecisionError) -> DataProduct {
        guard let product = config.product(id), agent.isGranted(product: id) else {
            throw DecisionError.productNotFound(id)
        }
        return product
    }

    /// The policy `id` if it exists and is granted to `agent`; otherwise "not found".
    func grantedPolicy(_ id: String, agent: Principal) throws(DecisionError) -> Policy {
        guard let policy = config.policy(id), agent.isGranted(policy: id) else { throw DecisionError.policyNotFound(id) }
        return policy
    }
}
