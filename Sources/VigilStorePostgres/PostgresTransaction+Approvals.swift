import Foundation
import VigilCore

extension PostgresTransaction {
    static let approvalColumns = """
        approval_id, decision_id, agent_id, intent, status, title, message, kind, reason, approval_route_id,
        require_rationale, requested_at, expires_at, resolved_at, resolved_by, rationale
        """

    func insertApproval(_ a: StoredApproval) throws {
        try execute(
            "INSERT INTO approvals (\(Self.approvalColumns)) VALUES (\(Self.placeholders(16)))",
            [
                a.approvalID, a.decisionID, a.agentID, a.intent, a.status.rawValue, a.title, a.message, a.kind,
                a.reason, a.approvalRouteID, a.requireRationale, a.requestedAt, a.expiresAt, a.resolvedAt,
                a.resolvedBy, a.rationale,
            ])
    }

    /// Only a `pending` row changes. Under READ COMMITTED a second resolver waits for the first one's row lock, then
    /// re-checks `status = 'pending'` on the committed row and changes nothing: exactly one resolution wins.
    func resolveApproval(_ a: StoredApproval) throws -> Bool {
        try execute(
            """
            UPDATE approvals SET status = $1, resolved_at = $2, resolved_by = $3, rationale = $4
            WHERE approval_id = $5 AND status = 'pending'
            """, [a.status.rawValue, a.resolvedAt, a.resolvedBy, a.rationale, a.approvalID]) == 1
    }

    func approval(_ id: String) throws -> StoredApproval? {
        try query("SELECT \(Self.approvalColumns) FROM approvals WHERE approval_id = $1", [id]).first(Self.makeApproval)
    }

    func decisionsWithExpiredApprovals(now: String) throws -> [String] {
        try query(
            "SELECT DISTINCT decision_id FROM approvals WHERE status = 'pending' AND expires_at <= $1 ORDER BY decision_id",
            [now]
        ).map { $0.string(0) }
    }

    func approvals(statuses: [String], agentID: String?, limit: Int, offset: Int) throws -> (rows: [StoredApproval], total: Int) {
        var conditions: [String] = []
        var parameters: [any PostgresBindable] = []
        if !statuses.isEmpty {
            conditions.append("status IN (\(Self.placeholders(statuses.count, from: parameters.count + 1)))")
            parameters += statuses as [any PostgresBindable]
        }
        if let agentID {
            parameters.append(agentID)
            conditions.append("agent_id = $\(parameters.count)")
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let total = try query("SELECT count(*) FROM approvals \(whereClause)", parameters).first { $0.int(0) } ?? 0
        let rows = try query(
            """
            SELECT \(Self.approvalColumns) FROM approvals \(whereClause)
            ORDER BY requested_at ASC, approval_id ASC LIMIT $\(parameters.count + 1) OFFSET $\(parameters.count + 2)
            """, parameters + [limit, offset]
        ).map(Self.makeApproval)
        return (rows, total)
    }

    static func makeApproval(_ row: PostgresRow) -> StoredApproval {
        StoredApproval(
            approvalID: row.string(0), decisionID: row.string(1), agentID: row.string(2), intent: row.string(3),
            status: ApprovalStatus(rawValue: row.string(4)) ?? .pending, title: row.string(5), message: row[6],
            kind: row[7], reason: row[8], approvalRouteID: row[9], requireRationale: row.bool(10),
            requestedAt: row.string(11), expiresAt: row.string(12), resolvedAt: row[13], resolvedBy: row[14],
            rationale: row[15])
    }

    func pendingApprovalCount() throws -> Int {
        try query("SELECT count(*) FROM approvals WHERE status = 'pending'").first { $0.int(0) } ?? 0
    }

    // MARK: The decision list and search

    func decisions(_ q: DecisionQuery) throws -> (rows: [StoredDecision], total: Int) {
        var conditions: [String] = []
        var parameters: [any PostgresBindable] = []
        func bind(_ value: any PostgresBindable) -> String {
            parameters.append(value)
            return "$\(parameters.count)"
        }
        if let agentID = q.agentID { conditions.append("d.agent_id = \(bind(agentID))") }
        if !q.statuses.isEmpty {
            conditions.append("d.status IN (\(q.statuses.map { bind($0) }.joined(separator: ", ")))")
        }
        if let prefix = q.intentPrefix { conditions.append("starts_with(d.intent, \(bind(prefix)))") }
        if let kind = q.kind { conditions.append("d.kind = \(bind(kind))") }
        if let category = q.category { conditions.append("d.category = \(bind(category))") }
        for tag in q.tags {
            conditions.append(
                "EXISTS (SELECT 1 FROM jsonb_array_elements_text(coalesce(d.tags, '[]')::jsonb) AS t(value) WHERE t.value = \(bind(tag)))")
        }
        if let text = q.text { return try rankedDecisions(text, conditions: conditions, parameters: parameters, q: q) }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let total = try query("SELECT count(*) FROM decisions d \(whereClause)", parameters).first { $0.int(0) } ?? 0
        let rows = try query(
            """
            SELECT \(Self.decisionColumns("d")) FROM decisions d \(whereClause)
            ORDER BY d.created_at DESC, d.decision_id DESC LIMIT \(bind(q.limit)) OFFSET \(bind(q.offset))
            """, parameters
        ).map(Self.makeDecision)
        return (rows, total)
    }
}
