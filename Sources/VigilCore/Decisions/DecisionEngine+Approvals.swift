import Foundation

extension DecisionEngine {
    /// `decision_request_approval` (spec §7.6).
    public func requestApproval(_ arguments: JSONObject, agent: Principal) throws -> JSONObject {
        let a = ToolArguments(arguments, aliases: ["description": "message"])
        try a.require(["decision_id"])
        let id = try a.requiredString("decision_id")
        let title = try a.string("title", maxLength: 200)
        let message = try a.string("message", maxLength: 4000)
        let routeID = try a.string("approval_route_id", maxLength: 128)
        let requireRationale = try a.bool("require_rationale") ?? false
        let expiresIn = try a.integer("expires_in_seconds")
        if let expiresIn, !(60...604_800).contains(expiresIn) {
            throw DecisionError.invalidArgument("expires_in_seconds must be between 60 and 604800")
        }
        let kind = try a.string("kind", maxLength: 64)
        let (result, approval, route) = try transaction { tx, now in
            var decision = try loadDecision(tx, id, caller: .agent(agent), now: now)
            if decision.status.isTerminal { throw DecisionError.decisionClosed(id, decision.status) }
            switch decision.status {
            case .needsApproval:
                throw DecisionError.pendingApprovalExists(id, approvalID: decision.approvalID ?? "")
            case .rejected:
                throw DecisionError.decisionRejected(id, decision.approvalStatus)
            default: break
            }
            var route: ApprovalRoute?
            if let routeID {
                guard let named = config.route(routeID) else { throw DecisionError.routeNotFound(routeID) }
                route = named
            } else if let fromRule = decision.lastException?.approvalRouteID ?? config.approvals.defaultRoute {
                route = config.route(fromRule)
            }
            let requestedAt = Timestamp.format(now)
            let seconds = expiresIn ?? route?.expiresInSeconds ?? config.approvals.defaultExpiresInSeconds
            let expiresAt = Timestamp.format(now.addingTimeInterval(TimeInterval(seconds)))
            let approval = StoredApproval(
                approvalID: Identifiers.approvalID(at: now), decisionID: id, agentID: decision.agentID,
                intent: decision.intent, status: .pending, title: title ?? decision.intent, message: message,
                kind: kind, reason: decision.lastException?.message, approvalRouteID: route?.routeID,
                requireRationale: requireRationale || (route?.requireRationale ?? false), requestedAt: requestedAt,
                expiresAt: expiresAt, resolvedAt: nil, resolvedBy: nil, rationale: nil)
            try tx.insertApproval(approval)
            decision.status = .needsApproval
            decision.approvalStatus = .pending
            decision.approvalRequired = true
            decision.approvalID = approval.approvalID
            try appendEvent(
                tx, &decision, .approvalRequested, actor: agent.principalID, at: requestedAt,
                fields: [
                    "approval_id": .string(approval.approvalID), "title": .string(approval.title),
                    "message": JSONValue(message), "kind": JSONValue(kind), "reason": JSONValue(approval.reason),
                    "approval_route_id": JSONValue(approval.approvalRouteID),
                    "require_rationale": .bool(approval.requireRationale), "expires_at": .string(expiresAt),
                ])
            try index(tx, decision, [approval.title, message ?? ""])
            try tx.updateDecision(decision)
            let result: JSONObject = [
                "approval_id": .string(approval.approvalID), "status": "pending", "expires_at": .string(expiresAt),
                "delivery": ["status": "delivered", "note": "Delivered to vigil operator queue"],
            ]
            return (result, approval, route)
        }
        if let route, route.webhookURL != nil { notifier.approvalRequested(approval.json, route: route) }
        return result
    }

    /// `resolveApproval` / `operator_approval_resolve` (spec §8.3).
    ///
    /// - Parameters:
    ///   - operatorID: the identity resolving: the local operator, or the operator a key belongs to.
    ///   - fromKey: whether `operatorID` came from an operator key, in which case an `operator_id` argument must match.
    public func resolveApproval(_ arguments: JSONObject, operatorID: String, fromKey: Bool = false) throws -> JSONObject {
        let a = ToolArguments(arguments)
        try a.require(["approval_id", "resolution"])
        let approvalID = try a.requiredString("approval_id", maxLength: 128)
        let rawResolution = try a.requiredString("resolution")
        guard let resolution = ApprovalResolution(input: rawResolution) else {
            throw DecisionError.invalidArgument("invalid resolution '\(rawResolution)'")
        }
        let rationale = try a.string("rationale", maxLength: 4000)
        if let given = try a.string("operator_id", maxLength: 64), given != operatorID {
            throw DecisionError.invalidArgument(
                fromKey ? "operator_id does not match the calling key" : "operator_id does not match the operator")
        }
        guard Identifier.isValidOperatorID(operatorID) else {
            throw DecisionError.invalidArgument("operator_id must match [A-Za-z0-9._@-]{1,64}")
        }
        return try transaction { tx, now in
            guard let found = try tx.approval(approvalID) else { throw DecisionError.approvalNotFound(approvalID) }
            guard var decision = try tx.decision(found.decisionID) else { throw DecisionError.approvalNotFound(approvalID) }
            try applyExpiry(tx, &decision, now: now)
            var approval = try tx.approval(approvalID) ?? found
            guard approval.status == .pending else {
                throw DecisionError.approvalAlreadyResolved(approvalID, approval.status)
            }
            let trimmedRationale = rationale?.trimmingCharacters(in: .whitespacesAndNewlines)
            if approval.requireRationale, trimmedRationale?.isEmpty ?? true {
                throw DecisionError.invalidArgument("rationale is required for this approval")
            }
            let resolvedAt = Timestamp.format(now)
            approval.status = resolution == .approve ? .approved : .rejected
            approval.resolvedAt = resolvedAt
            approval.resolvedBy = operatorID
            approval.rationale = rationale
            guard try tx.resolveApproval(approval) else {
                let current = try tx.approval(approvalID)?.status ?? .pending
                throw DecisionError.approvalAlreadyResolved(approvalID, current)
            }
            if decision.approvalID == approvalID, decision.status == .needsApproval {
                decision.status = resolution == .approve ? .approved : .rejected
                decision.approvalStatus = approval.status
            }
            try appendEvent(
                tx, &decision, .approvalResolved, actor: operatorID, at: resolvedAt,
                fields: [
                    "approval_id": .string(approvalID), "status": .string(approval.status.rawValue),
                    "resolved_by": .string(operatorID), "rationale": JSONValue(rationale),
                    "resolved_at": .string(resolvedAt),
                ])
            try tx.updateDecision(decision)
            return [
                "approval_id": .string(approvalID), "decision_id": .string(decision.decisionID),
                "status": .string(approval.status.rawValue), "resolved_by": .string(operatorID),
                "resolved_at": .string(resolvedAt), "rationale": JSONValue(rationale),
                "decision_status": .string(decision.status.rawValue),
            ]
        }
    }

    /// `listApprovals` / `operator_approvals_list` (spec §8.2). Expiry is applied first.
    public func listApprovals(_ arguments: JSONObject) throws -> JSONObject {
        let a = ToolArguments(arguments)
        var statuses: [String] = ["pending"]
        if let requested = try a.stringOrStrings("status") {
            statuses = []
            for raw in requested {
                guard let status = ApprovalStatus(filter: raw), status != .none else {
                    throw DecisionError.invalidArgument("invalid status '\(raw)'")
                }
                statuses.append(status.rawValue)
            }
        }
        let agent = try a.string("agent", maxLength: 128).map(PrincipalRegistry.agentID)
        let (limit, offset) = try Self.page(a, defaultLimit: 50, maxLimit: 500)
        return try transaction { tx, now in
            try expireDue(tx, now: now)
            let (rows, total) = try tx.approvals(statuses: statuses, agentID: agent, limit: limit, offset: offset)
            // vigil's extension: the policy that asked (the dashboard's POLICY column), from the decision.
            let approvals: [JSONValue] = try rows.map { row in
                var json = row.json
                json["policy_id"] = JSONValue(try tx.decision(row.decisionID)?.lastException?.policyID)
                return .object(json)
            }
            return [
                "approvals": .array(approvals), "total": .int(Int64(total)),
                "limit": .int(Int64(limit)), "offset": .int(Int64(offset)),
            ]
        }
    }

    /// Reads `limit` and `offset`: limit defaults to `defaultLimit`, values above `maxLimit` are clamped, values below
    /// 1 are refused.
    static func page(_ a: ToolArguments, defaultLimit: Int, maxLimit: Int) throws(DecisionError) -> (Int, Int) {
        var limit = try a.integer("limit") ?? defaultLimit
        if limit < 1 { throw DecisionError.invalidArgument("limit must be a positive integer") }
        limit = min(limit, maxLimit)
        let offset = try a.integer("offset") ?? 0
        if offset < 0 { throw DecisionError.invalidArgument("offset must be a non-negative integer") }
        return (limit, offset)
    }
}
