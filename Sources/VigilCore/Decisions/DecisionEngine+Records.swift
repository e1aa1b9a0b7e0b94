import Foundation

extension DecisionEngine {
    /// `decision_record` (spec §7.12): creates, fills and commits a decision in one call.
    public func record(_ arguments: JSONObject, agent: Principal) throws -> JSONObject {
        let a = ToolArguments(arguments)
        try a.require(["title", "category", "context", "decision", "rationale"])
        let title = try a.requiredString("title", maxLength: 200)
        let rawCategory = try a.requiredString("category")
        guard let category = RecordCategory(rawValue: rawCategory) else {
            throw DecisionError.invalidArgument("invalid category '\(rawCategory)'")
        }
        let context = try a.requiredString("context", maxLength: 10_000)
        let decisionText = try a.requiredString("decision", maxLength: 10_000)
        let rationale = try a.requiredString("rationale", maxLength: 10_000)
        let alternatives = try a.array("alternatives_considered", maxItems: 50)
        for item in alternatives ?? [] {
            guard case .object(let o) = item, o["option"]?.stringValue != nil else {
                throw DecisionError.invalidArgument(
                    "alternatives_considered must be an array of {option, rejected_because}")
            }
        }
        let tags = try a.strings("tags", maxItems: 20, maxLength: 64)
        if tags?.contains(where: \.isEmpty) == true {
            throw DecisionError.invalidArgument("tags items must be 1 to 64 characters")
        }
        let constraints = try a.string("constraints", maxLength: 10_000)
        let consequences = try a.string("consequences", maxLength: 10_000)
        let supersedes = try a.string("supersedes", maxLength: 128, trimmed: true)
        let body: JSONObject = [
            "title": .string(title), "category": .string(category.rawValue), "context": .string(context),
            "decision": .string(decisionText), "rationale": .string(rationale),
            "alternatives_considered": alternatives.map { .array($0) } ?? .array([]),
            "tags": JSONValue(tags ?? []), "constraints": JSONValue(constraints),
            "consequences": JSONValue(consequences), "supersedes": JSONValue(supersedes),
        ]
        return try transaction { tx, now in
            var old: StoredDecision?
            if let supersedes {
                let found = try loadDecision(tx, supersedes, caller: .agent(agent), now: now)
                if let by = found.supersededBy { throw DecisionError.alreadySuperseded(supersedes, by: by) }
                old = found
            }
            let time = Timestamp.format(now)
            var decision = StoredDecision(
                decisionID: Identifiers.decisionID(at: now), agentID: agent.principalID, actor: agent.principalID,
                intent: "decision.\(category.rawValue).record", automationMode: .autonomous, instance: nil,
                version: nil, metadata: nil, status: .open, approvalStatus: .none, approvalRequired: false,
                approvalID: nil, createdAt: time, closedAt: nil, closeAction: nil, closeReason: nil, kind: "record",
                title: title, category: category.rawValue, tags: tags ?? [], supersedes: supersedes,
                supersededBy: nil, eventCount: 0, headHash: genesisPrevHash, lastException: nil)
            try tx.insertDecision(decision)
            try appendEvent(
                tx, &decision, .created, actor: agent.principalID, at: time,
                fields: [
                    "intent": .string(decision.intent), "automation_mode": "autonomous",
                    "automation_mode_requested": .null, "actor": .string(agent.principalID), "instance": .null,
                    "version": .null, "metadata": .null, "supersedes": JSONValue(supersedes),
                ])
            try appendEvent(
                tx, &decision, .context, actor: agent.principalID, at: time,
                fields: ["context": .object(body), "summary": .string(title)])
            decision.status = .committed
            decision.closedAt = time
            decision.closeAction = "commit"
            try appendEvent(
                tx, &decision, .closed, actor: agent.principalID, at: time,
                fields: [
                    "action": "commit", "status": "committed", "reason": .null, "summary": .null, "writes": .array([]),
                ])
            try finishClose(
                tx, &decision,
                searchText: [decision.intent, title, category.rawValue] + (tags ?? []) + Self.searchableText(.object(body)),
                now: now)
            if var old {
                old.supersededBy = decision.decisionID
                try tx.updateDecision(old)
            }
            return [
                "decision_id": .string(decision.decisionID), "status": "committed", "title": .string(title),
                "category": .string(category.rawValue), "tags": JSONValue(tags ?? []),
                "supersedes": JSONValue(supersedes), "superseded_by": .null, "created_at": .string(time),
                "closed_at": .string(time), "trace": .object(try traceJSON(tx, decision, types: nil)),
                "snapshot": .object(body),
            ]
        }
    }

    /// Quotes each whitespace-separated term as an FTS5 string so that every term must match.
    static func ftsMatch(_ text: String) -> TextQuery? {
        TextQuery(words: text.split(whereSeparator: { $0.isWhitespace }).map(String.init), mode: .all)
    }

    /// Brings the full-text index up to date with every event committed so far (the index lags the events: see
    /// ``Migrations/v3DecisionSearchPieces(_:)``). Costs one read when nothing is stale; a long backlog is rebuilt
    /// in transactions of ``searchRefreshChunk`` decisions, so writers are never held off for long.
    func refreshSearchIndex() throws {
        guard try store.read({ tx in try tx.decisionSearchIsStale() }) else { return }
        while try store.write({ tx in try tx.refreshDecisionSearch(limit: Self.searchRefreshChunk) }) {}
    }

    /// Decisions whose full-text documents one refresh transaction rebuilds.
    static let searchRefreshChunk = 500

    /// `decision_search` (spec §7.11): the caller's own decisions and records.
    public func search(_ arguments: JSONObject, agent: Principal) throws -> JSONObject {
        let a = ToolArguments(arguments)
        let query = try a.string("query", maxLength: 1000)
        var category: String?
        if let raw = try a.string("category") {
            guard RecordCategory(rawValue: raw) != nil else { throw DecisionError.invalidArgument("invalid category '\(raw)'") }
            category = raw
        }
        let tags = try a.strings("tags") ?? []
        var statuses: [String] = []
        if let raw = try a.string("status") {
            guard let status = DecisionStatus(filter: raw) else { throw DecisionError.invalidArgument("invalid status '\(raw)'") }
            statuses = [status.rawValue]
        }
        let (limit, offset) = try Self.page(a, defaultLimit: 20, maxLimit: 100)
        let match = query.flatMap(Self.ftsMatch)
        if match != nil { try refreshSearchIndex() }
        return try store.read { tx in
            let (rows, total) = try tx.decisions(
                DecisionQuery(
                    agentID: agent.principalID, statuses: statuses, category: category, tags: tags,
                    text: match, limit: limit, offset: offset))
            return [
                "results": .array(rows.map { d in
                    [
                        "decision_id": .string(d.decisionID), "kind": .string(d.kind), "intent": .string(d.intent),
                        "title": JSONValue(d.title), "category": JSONValue(d.category),
                        "tags": d.tags.map { JSONValue($0) } ?? .null, "status": .string(d.status.rawValue),
                        "created_at": .string(d.createdAt), "closed_at": JSONValue(d.closedAt),
                        "supersedes": JSONValue(d.supersedes), "superseded_by": JSONValue(d.supersededBy),
                    ]
                }),
                "total": .int(Int64(total)),
            ]
        }
    }

    /// `operator_agents_list` (vigil's extension, for the remote dashboard's Agents screen): every principal (up to
    /// 500) with its open, pending and total decisions and when it last opened one. Never a key or a key's hash.
    public func listAgents() throws -> JSONObject {
        let reader = DashboardReader(store: store)
        let rows = try reader.agents()
        let counts = try reader.decisionCounts()
        return [
            // Decisions per stored status, for the remote dashboard's metrics (one call instead of one per status).
            "decision_counts": .array(counts.map { ["status": .string($0.status), "count": .int(Int64($0.count))] }),
            "agents": .array(rows.map { row in
                [
                    "agent_id": .string(row.id), "kind": .string(row.kind.rawValue), "status": row.active ? "active" : "disabled",
                    "open": .int(Int64(row.open)), "pending": .int(Int64(row.pending)),
                    "decisions": .int(Int64(row.decisions)), "last_seen": row.lastSeen.map(JSONValue.string) ?? .null,
                ]
            }),
            "total": .int(Int64(rows.count)),
        ]
    }

    /// `operator_decision_memories` (vigil's extension, for the remote dashboard's decision detail): the memories
    /// linked to a decision, as the local dashboard shows them (up to 50, oldest first).
    public func decisionMemories(_ arguments: JSONObject) throws -> JSONObject {
        let a = ToolArguments(arguments)
        try a.require(["decision_id"])
        let id = try a.requiredString("decision_id", maxLength: 128)
        guard let detail = try DashboardReader(store: store).decisionDetail(id, eventLimit: 0) else {
            throw DecisionError.decisionNotFound(id)
        }
        return [
            "decision_id": .string(id),
            "memories": .array(detail.memories.map { m in
                ["id": .string(m.id), "type": .string(m.type), "role": .string(m.role), "summary": .string(m.summary)]
            }),
        ]
    }

    /// `operator_memories_list` (vigil's extension, for the remote dashboard's memory browser): the rows the local
    /// browser lists (newest first, inactive records included, each with its status), which Membrane's Retrieve
    /// (ranked, live records only, no status on the wire) cannot give.
    public func listMemories(_ arguments: JSONObject) throws -> JSONObject {
        let a = ToolArguments(arguments)
        let text = try a.string("text", maxLength: 1000) ?? ""
        let types = try a.strings("types", maxItems: MemoryType.allCases.count, maxLength: 32) ?? []
        for type in types where MemoryType(rawValue: type) == nil {
            throw DecisionError.invalidArgument("invalid memory type '\(type)' (one of \(MemoryType.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let maxSensitivity = try a.string("max_sensitivity", maxLength: 16) ?? Sensitivity.hyper.rawValue
        guard Sensitivity(rawValue: maxSensitivity) != nil else {
            throw DecisionError.invalidArgument("invalid max_sensitivity '\(maxSensitivity)' (one of \(Sensitivity.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let minSalience: Double
        switch a.value("min_salience") {
        case nil: minSalience = 0
        case let value?:
            guard let number = value.numberValue, (0...1).contains(number) else {
                throw DecisionError.invalidArgument("min_salience must be a number between 0 and 1")
            }
            minSalience = number
        }
        let (limit, _) = try Self.page(a, defaultLimit: 100, maxLimit: 500)
        let rows = try DashboardReader(store: store).memoryBrowser(
            text: text, types: types, maxSensitivity: maxSensitivity, minSalience: minSalience, limit: limit,
            now: MemoryTime.nanoseconds(clock.now()))
        return ["memories": .array(rows.map(\.json)), "total": .int(Int64(rows.count))]
    }

    /// `operator_memory_reveal` (vigil's extension, for the remote dashboard): a HIGH or HYPER memory's payload in
    /// full, after the operator, the time and the rationale are written to the record's audit log
    /// (``MemoryEngine/reveal(id:by:)``). Refused when `dashboard.allow_reveal` is false.
    public func revealMemory(_ arguments: JSONObject, operatorID: String) throws -> JSONObject {
        let a = ToolArguments(arguments)
        try a.require(["memory_id", "rationale"])
        let id = try a.requiredString("memory_id", maxLength: 128)
        let rationale = try a.requiredString("rationale", maxLength: 4000)
        guard config.allowReveal else {
            throw DecisionError.invalidArgument("reveal is turned off on this server (dashboard.allow_reveal = false)")
        }
        let memory = MemoryEngine(store: store, settings: config.memory, clock: clock, logger: logger)
        do {
            let record = try memory.reveal(id: id, by: RevisionActor(actor: operatorID, rationale: rationale))
            let entry = record.auditLog.last!
            return [
                "memory_id": .string(id), "sensitivity": .string(record.sensitivity.rawValue), "payload": .object(record.payload),
                "revealed_by": .string(entry.actor), "revealed_at": .string(MemoryTime.format(entry.timestamp)),
            ]
        } catch let error as MemoryError {
            throw DecisionError.invalidArgument(error.message)
        }
    }

    /// `operator_memory_history` (vigil's extension, for the remote dashboard): a record's lineage, its revisions'
    /// payloads (HIGH and HYPER masked) and its salience over time (``MemoryEngine/history(of:)``).
    public func memoryHistory(_ arguments: JSONObject) throws -> JSONObject {
        let a = ToolArguments(arguments)
        try a.require(["memory_id"])
        let id = try a.requiredString("memory_id", maxLength: 128)
        let memory = MemoryEngine(store: store, settings: config.memory, clock: clock, logger: logger)
        guard let history = try memory.history(of: id) else {
            throw DecisionError.invalidArgument("no memory record has id \(id)")
        }
        return history.json.objectValue ?? [:]
    }

    /// `operator_activity` (vigil's extension, for the remote dashboard): decisions per minute and requests waiting
    /// over the last hour, and each agent's approval wait (p50/p95, request → resolution) over the last 30 days.
    public func activity() throws -> JSONObject {
        try DashboardReader(store: store).activity(now: clock.now()).json.objectValue ?? [:]
    }

    /// `listDecisions` / `operator_decisions_list` (spec §8.1): every agent's decisions.
    public func listDecisions(_ arguments: JSONObject) throws -> JSONObject {
        let a = ToolArguments(arguments)
        var statuses: [String] = []
        for raw in try a.stringOrStrings("status") ?? [] {
            guard let status = DecisionStatus(filter: raw) else { throw DecisionError.invalidArgument("invalid status '\(raw)'") }
            statuses.append(status.rawValue)
        }
        let agent = try a.string("agent", maxLength: 128).map(PrincipalRegistry.agentID)
        let prefix = try a.string("intent_prefix", maxLength: 256)
        let text = try a.string("text", maxLength: 1000)
        let (limit, offset) = try Self.page(a, defaultLimit: 50, maxLimit: 500)
        let match = text.flatMap(Self.ftsMatch)
        if match != nil { try refreshSearchIndex() }
        return try transaction { tx, now in
            try expireDue(tx, now: now)
            let (rows, total) = try tx.decisions(
                DecisionQuery(
                    agentID: agent, statuses: statuses, intentPrefix: prefix?.isEmpty == true ? nil : prefix,
                    text: match, limit: limit, offset: offset))
            return [
                "decisions": .array(rows.map { d in
                    [
                        "decision_id": .string(d.decisionID), "agent_id": .string(d.agentID), "actor": .string(d.actor),
                        "intent": .string(d.intent), "kind": .string(d.kind), "title": JSONValue(d.title),
                        "status": .string(d.status.rawValue), "approval_status": .string(d.approvalStatus.rawValue),
                        "automation_mode": .string(d.automationMode.rawValue),
                        "pending_approval_id": d.approvalStatus == .pending ? JSONValue(d.approvalID) : .null,
                        "event_count": .int(Int64(d.eventCount)), "created_at": .string(d.createdAt),
                        "closed_at": JSONValue(d.closedAt),
                        // vigil's extension: the policy that last asked for an exception (the dashboard's POLICY).
                        "policy": JSONValue(d.lastException?.policyID),
                    ]
                }),
                "total": .int(Int64(total)), "limit": .int(Int64(limit)), "offset": .int(Int64(offset)),
            ]
        }
    }
}
