import Foundation
import VigilCore

/// The dashboard's read model on PostgreSQL: the same page-sized, keyset-paged queries as on SQLite.
extension PostgresTransaction {
    /// The columns of a ``DecisionRow`` (plus `closed_at` for the detail).
    private static let decisionSelect = """
        SELECT decision_id, agent_id, intent, status, automation_mode, created_at, title, approval_id, approval_status,
               closed_at, CASE WHEN jsonb_typeof(last_exception::jsonb -> 'policy_id') = 'string'
                   THEN last_exception::jsonb ->> 'policy_id' END AS policy
        FROM decisions
        """

    /// An approval (in ``approvalColumns`` order) with the policy that asked for it.
    private static let approvalSelect = """
        SELECT \(approvalColumns.split(separator: ",").map { "a." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(separator: ", ")),
               CASE WHEN jsonb_typeof(d.last_exception::jsonb -> 'policy_id') = 'string'
                   THEN d.last_exception::jsonb ->> 'policy_id' END AS policy,
               CASE WHEN jsonb_typeof(d.last_exception::jsonb -> 'message') = 'string'
                   THEN d.last_exception::jsonb ->> 'message' END AS policy_message
        FROM approvals a JOIN decisions d ON d.decision_id = a.decision_id
        """

    func dashboardDecisions(
        after cursor: DashboardReader.DecisionCursor?, limit: Int, statuses: [String], agent: String?, text: String?
    ) throws -> [DecisionRow] {
        var conditions: [String] = []
        var parameters: [any PostgresBindable] = []
        func bind(_ value: any PostgresBindable) -> String {
            parameters.append(value)
            return "$\(parameters.count)"
        }
        if let cursor { conditions.append("(created_at, decision_id) < (\(bind(cursor.createdAt)), \(bind(cursor.id)))") }
        if !statuses.isEmpty { conditions.append("status IN (\(statuses.map { bind($0) }.joined(separator: ", ")))") }
        if let agent { conditions.append("agent_id = \(bind(agent))") }
        if let text, !text.isEmpty {
            // SQLite's lower() folds ASCII only; so does this, so both stores find the same rows.
            let needle = bind(text.lowercased())
            let fold = { (column: String) in "translate(\(column), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')" }
            conditions.append(
                "(strpos(\(fold("intent")), \(needle)) > 0 OR strpos(\(fold("agent_id")), \(needle)) > 0 "
                    + "OR strpos(\(fold("coalesce(title, '')")), \(needle)) > 0)")
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return try query(
            "\(Self.decisionSelect) \(whereClause) ORDER BY created_at DESC, decision_id DESC LIMIT \(bind(limit))", parameters
        ).map(Self.decisionRow)
    }

    private static func decisionRow(_ row: PostgresRow) -> DecisionRow {
        DecisionRow(
            id: row.string(0), agentID: row.string(1), intent: row.string(2), status: DecisionStatus(rawValue: row.string(3)) ?? .open,
            mode: AutomationMode(rawValue: row.string(4)) ?? .propose,
            createdAt: row.string(5), title: row[6], pendingApprovalID: row[8] == "pending" ? row[7] : nil, policy: row[10])
    }

    func dashboardPendingCount(now: String) throws -> Int {
        try query("SELECT count(*) FROM approvals WHERE status = 'pending' AND expires_at > $1", [now]).first { $0.int(0) } ?? 0
    }

    func dashboardPendingApprovals(limit: Int, now: String) throws -> [ApprovalRow] {
        try query(
            """
            \(Self.approvalSelect) WHERE a.status = 'pending' AND a.expires_at > $1
            ORDER BY a.expires_at, a.requested_at, a.approval_id LIMIT $2
            """, [now, limit]
        ).map(Self.approvalRow)
    }

    func dashboardApproval(_ id: String) throws -> ApprovalRow? {
        try query("\(Self.approvalSelect) WHERE a.approval_id = $1", [id]).first(Self.approvalRow)
    }

    private static func approvalRow(_ row: PostgresRow) -> ApprovalRow {
        let a = makeApproval(row)
        return ApprovalRow(
            id: a.approvalID, decisionID: a.decisionID, agentID: a.agentID, intent: a.intent, title: a.title,
            message: a.message, status: a.status, requestedAt: a.requestedAt, expiresAt: a.expiresAt,
            requireRationale: a.requireRationale, routeID: a.approvalRouteID, policy: row[16], policyMessage: row[17])
    }

    func dashboardDecisionDetail(_ id: String, eventLimit: Int) throws -> DecisionDetail? {
        guard let (decision, closedAt, approvalID) = try query("\(Self.decisionSelect) WHERE decision_id = $1", [id])
            .first({ (Self.decisionRow($0), $0[9], $0[7]) })
        else { return nil }
        let events = try query(
            "SELECT seq, type, timestamp, actor, body FROM decision_events WHERE decision_id = $1 ORDER BY seq LIMIT $2",
            [id, eventLimit]
        ).map { e in
            TimelineEvent(
                seq: e.int(0), type: e.string(1), timestamp: e.string(2), actor: e.string(3),
                body: StoredJSON.parse(e[4]) ?? .null)
        }
        let approval = try approvalID.flatMap { try dashboardApproval($0) }
        let text = { (key: String) in
            "CASE WHEN jsonb_typeof(r.payload::jsonb -> '\(key)') = 'string' THEN r.payload::jsonb ->> '\(key)' END"
        }
        let memories = try query(
            """
            SELECT r.id, r.type, 'produced', coalesce(\(text("summary")), \(text("context_summary")), \(text("subject")), '')
            FROM memory_decision_links l JOIN memory_records r ON r.id = l.record_id
            WHERE l.decision_id = $1 ORDER BY r.created_at LIMIT 50
            """, [id]
        ).map { LinkedMemory(id: $0.string(0), type: $0.string(1), role: $0.string(2), summary: $0.string(3)) }
        return DecisionDetail(decision: decision, closedAt: closedAt, events: events, approval: approval, memories: memories)
    }

    func decisionsPerMinute(since: String) throws -> [(minute: String, count: Int)] {
        try query(
            "SELECT substr(created_at, 1, 16), count(*) FROM decisions WHERE created_at >= $1 GROUP BY 1 ORDER BY 1", [since]
        ).map { (minute: $0.string(0), count: $0.int(1)) }
    }

    func approvalSpans(since: String) throws -> [ApprovalSpan] {
        try query(
            "SELECT agent_id, requested_at, resolved_at, status FROM approvals WHERE requested_at >= $1 OR status = 'pending'", [since]
        ).map { ApprovalSpan(agentID: $0.string(0), requestedAt: $0.string(1), resolvedAt: $0[2], status: $0.string(3)) }
    }

    func approvalsResolved(after: String, limit: Int) throws -> [ApprovalSpan] {
        try query(
            """
            SELECT agent_id, requested_at, resolved_at, status FROM approvals
            WHERE resolved_at > $1 AND status <> 'pending' ORDER BY resolved_at LIMIT $2
            """, [after, limit]
        ).map { ApprovalSpan(agentID: $0.string(0), requestedAt: $0.string(1), resolvedAt: $0[2], status: $0.string(3)) }
    }

    func memoryCounts() throws -> [(type: String, sensitivity: Sensitivity, count: Int)] {
        try query("SELECT type, sensitivity, count(*) FROM memory_records GROUP BY type, sensitivity ORDER BY type, sensitivity")
            .map { (type: $0.string(0), sensitivity: Sensitivity(level: $0.int(1)) ?? .hyper, count: $0.int(2)) }
    }

    func decisionCounts() throws -> [(status: String, count: Int)] {
        try query("SELECT status, count(*) FROM decisions GROUP BY status ORDER BY status").map { ($0.string(0), $0.int(1)) }
    }

    func agentRows() throws -> [AgentRow] {
        try query(
            """
            SELECT p.principal_id, p.kind, p.status,
                (SELECT count(*) FROM decisions d WHERE d.agent_id = p.principal_id AND d.status IN ('open', 'needs_approval', 'approved')),
                (SELECT count(*) FROM approvals a WHERE a.agent_id = p.principal_id AND a.status = 'pending'),
                (SELECT count(*) FROM decisions d WHERE d.agent_id = p.principal_id),
                (SELECT max(created_at) FROM decisions d WHERE d.agent_id = p.principal_id)
            FROM principals p ORDER BY p.kind, p.principal_id LIMIT 500
            """
        ).map { r in
            AgentRow(
                id: r.string(0), kind: PrincipalKind(rawValue: r.string(1)) ?? .agent, active: r.string(2) == "active", open: r.int(3), pending: r.int(4),
                decisions: r.int(5), lastSeen: r[6])
        }
    }

    func decisionCount() throws -> Int {
        try query("SELECT count(*) FROM decisions").first { $0.int(0) } ?? 0
    }
}
