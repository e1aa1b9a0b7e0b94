import GRDB
import VigilCore

/// The dashboard's read model: page-sized queries that page by keyset (never `OFFSET`) over indexed sort keys, so a
/// window costs the same at the head of a million rows as anywhere else.
extension SQLiteTransaction {
    /// The columns of a ``DecisionRow`` (plus `closed_at` for the detail), selected from `decisions`.
    private static let decisionSelect = """
        SELECT decision_id, agent_id, intent, status, automation_mode, created_at, title, approval_id, approval_status,
               closed_at, json_extract(last_exception, '$.policy_id') AS policy
        FROM decisions
        """

    /// An approval with the policy that asked for it, selected from `approvals a` joined to its decision `d`.
    private static let approvalSelect = """
        SELECT a.*, json_extract(d.last_exception, '$.policy_id') AS policy,
               json_extract(d.last_exception, '$.message') AS policy_message
        FROM approvals a JOIN decisions d ON d.decision_id = a.decision_id
        """

    package func dashboardDecisions(
        after cursor: DashboardReader.DecisionCursor?, limit: Int, statuses: [String], agent: String?, text: String?
    ) throws -> [DecisionRow] {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let cursor {
            conditions.append("(created_at, decision_id) < (?, ?)")
            arguments += [cursor.createdAt, cursor.id]
        }
        if !statuses.isEmpty {
            conditions.append("status IN (\(statuses.map { _ in "?" }.joined(separator: ",")))")
            arguments += StatementArguments(statuses)
        }
        if let agent {
            conditions.append("agent_id = ?")
            arguments += [agent]
        }
        if let text, !text.isEmpty {
            conditions.append("(instr(lower(intent), ?) > 0 OR instr(lower(agent_id), ?) > 0 OR instr(lower(coalesce(title, '')), ?) > 0)")
            let needle = text.lowercased()
            arguments += [needle, needle, needle]
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return try Row.fetchAll(
            db,
            sql: "\(Self.decisionSelect) \(whereClause) ORDER BY created_at DESC, decision_id DESC LIMIT ?",
            arguments: arguments + [limit]
        ).map(Self.decisionRow)
    }

    private static func decisionRow(_ row: Row) -> DecisionRow {
        DecisionRow(
            id: row["decision_id"], agentID: row["agent_id"], intent: row["intent"],
            status: DecisionStatus(rawValue: row["status"]) ?? .open,
            mode: AutomationMode(rawValue: row["automation_mode"]) ?? .propose, createdAt: row["created_at"], title: row["title"],
            pendingApprovalID: (row["approval_status"] as String?) == "pending" ? row["approval_id"] : nil,
            policy: row["policy"])
    }

    package func dashboardPendingCount(now: String) throws -> Int {
        try Int.fetchOne(
            db, sql: "SELECT count(*) FROM approvals WHERE status = 'pending' AND expires_at > ?", arguments: [now]) ?? 0
    }

    package func dashboardPendingApprovals(limit: Int, now: String) throws -> [ApprovalRow] {
        try Row.fetchAll(
            db,
            sql: """
                \(Self.approvalSelect) WHERE a.status = 'pending' AND a.expires_at > ?
                ORDER BY a.expires_at, a.requested_at, a.approval_id LIMIT ?
                """, arguments: [now, limit]
        ).map(Self.approvalRow)
    }

    package func dashboardApproval(_ id: String) throws -> ApprovalRow? {
        try Row.fetchOne(db, sql: "\(Self.approvalSelect) WHERE a.approval_id = ?", arguments: [id]).map(Self.approvalRow)
    }

    private static func approvalRow(_ row: Row) -> ApprovalRow {
        ApprovalRow(
            id: row["approval_id"], decisionID: row["decision_id"], agentID: row["agent_id"], intent: row["intent"],
            title: row["title"], message: row["message"], status: ApprovalStatus(rawValue: row["status"]) ?? .pending,
            requestedAt: row["requested_at"],
            expiresAt: row["expires_at"], requireRationale: row["require_rationale"], routeID: row["approval_route_id"],
            policy: row["policy"], policyMessage: row["policy_message"])
    }

    package func dashboardDecisionDetail(_ id: String, eventLimit: Int) throws -> DecisionDetail? {
        guard let row = try Row.fetchOne(db, sql: "\(Self.decisionSelect) WHERE decision_id = ?", arguments: [id])
        else { return nil }
        let events = try Row.fetchAll(
            db,
            sql: "SELECT seq, type, timestamp, actor, body FROM decision_events WHERE decision_id = ? ORDER BY seq LIMIT ?",
            arguments: [id, eventLimit]
        ).map { e in
            TimelineEvent(
                seq: e["seq"], type: e["type"], timestamp: e["timestamp"], actor: e["actor"],
                body: (try? JSONParser.parse(e["body"] as String)) ?? .null)
        }
        let approval = try (row["approval_id"] as String?).flatMap { try dashboardApproval($0) }
        let memories = try Row.fetchAll(
            db,
            sql: """
                SELECT r.id, r.type, 'produced' AS role, coalesce(json_extract(r.payload, '$.summary'),
                       json_extract(r.payload, '$.context_summary'), json_extract(r.payload, '$.subject'), '') AS summary
                FROM memory_decision_links l JOIN memory_records r ON r.id = l.record_id
                WHERE l.decision_id = ? ORDER BY r.created_at LIMIT 50
                """, arguments: [id]
        ).map { m in LinkedMemory(id: m["id"], type: m["type"], role: m["role"], summary: m["summary"]) }
        return DecisionDetail(
            decision: Self.decisionRow(row), closedAt: row["closed_at"], events: events, approval: approval,
            memories: memories)
    }

    package func decisionsPerMinute(since: String) throws -> [(minute: String, count: Int)] {
        try Row.fetchAll(
            db, sql: "SELECT substr(created_at, 1, 16), count(*) FROM decisions WHERE created_at >= ? GROUP BY 1 ORDER BY 1",
            arguments: [since]
        ).map { (minute: $0[0], count: $0[1]) }
    }

    package func approvalSpans(since: String) throws -> [ApprovalSpan] {
        try Row.fetchAll(
            db, sql: "SELECT agent_id, requested_at, resolved_at, status FROM approvals WHERE requested_at >= ? OR status = 'pending'",
            arguments: [since]
        ).map { ApprovalSpan(agentID: $0[0], requestedAt: $0[1], resolvedAt: $0[2], status: $0[3]) }
    }

    package func approvalsResolved(after: String, limit: Int) throws -> [ApprovalSpan] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT agent_id, requested_at, resolved_at, status FROM approvals
                WHERE resolved_at > ? AND status != 'pending' ORDER BY resolved_at LIMIT ?
                """,
            arguments: [after, limit]
        ).map { ApprovalSpan(agentID: $0[0], requestedAt: $0[1], resolvedAt: $0[2], status: $0[3]) }
    }

    package func memoryCounts() throws -> [(type: String, sensitivity: Sensitivity, count: Int)] {
        try Row.fetchAll(db, sql: "SELECT type, sensitivity, count(*) FROM memory_records GROUP BY type, sensitivity ORDER BY type, sensitivity")
            .map { (type: $0[0], sensitivity: Sensitivity(level: $0[1]) ?? .hyper, count: $0[2]) }
    }

    package func decisionCounts() throws -> [(status: String, count: Int)] {
        try Row.fetchAll(db, sql: "SELECT status, count(*) AS n FROM decisions GROUP BY status ORDER BY status")
            .map { (status: $0["status"], count: $0["n"]) }
    }

    package func agentRows() throws -> [AgentRow] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT p.principal_id, p.kind, p.status,
                    (SELECT count(*) FROM decisions d WHERE d.agent_id = p.principal_id AND d.status IN ('open', 'needs_approval', 'approved')) AS open,
                    (SELECT count(*) FROM approvals a WHERE a.agent_id = p.principal_id AND a.status = 'pending') AS pending,
                    (SELECT count(*) FROM decisions d WHERE d.agent_id = p.principal_id) AS total,
                    (SELECT max(created_at) FROM decisions d WHERE d.agent_id = p.principal_id) AS last_seen
                FROM principals p ORDER BY p.kind, p.principal_id LIMIT 500
                """
        ).map { r in
            AgentRow(
                id: r["principal_id"], kind: PrincipalKind(rawValue: r["kind"]) ?? .agent, active: (r["status"] as String) == "active", open: r["open"],
                pending: r["pending"], decisions: r["total"], lastSeen: r["last_seen"])
        }
    }

    package func decisionCount() throws -> Int {
        try Int.fetchOne(db, sql: "SELECT count(*) FROM decisions") ?? 0
    }
}
