import Foundation
import GRDB
import VigilCore

extension SQLiteTransaction {
    private static let approvalColumns = """
        approval_id, decision_id, agent_id, intent, status, title, message, kind, reason, approval_route_id,
        require_rationale, requested_at, expires_at, resolved_at, resolved_by, rationale
        """

    package func insertApproval(_ a: StoredApproval) throws {
        try db.execute(
            sql: "INSERT INTO approvals (\(Self.approvalColumns)) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            arguments: [
                a.approvalID, a.decisionID, a.agentID, a.intent, a.status.rawValue, a.title, a.message, a.kind,
                a.reason, a.approvalRouteID, a.requireRationale, a.requestedAt, a.expiresAt, a.resolvedAt,
                a.resolvedBy, a.rationale,
            ])
    }

    /// Records a resolution. Only a `pending` approval changes, which makes concurrent resolutions safe.
    /// - Returns: whether the row was still pending and is now resolved.
    package func resolveApproval(_ a: StoredApproval) throws -> Bool {
        try db.execute(
            sql: """
                UPDATE approvals SET status = ?, resolved_at = ?, resolved_by = ?, rationale = ?
                WHERE approval_id = ? AND status = 'pending'
                """,
            arguments: [a.status.rawValue, a.resolvedAt, a.resolvedBy, a.rationale, a.approvalID])
        return db.changesCount == 1
    }

    package func approval(_ id: String) throws -> StoredApproval? {
        try Row.fetchOne(db, sql: "SELECT \(Self.approvalColumns) FROM approvals WHERE approval_id = ?", arguments: [id])
            .map(makeApproval)
    }

    /// Ids of decisions with a pending approval whose deadline has passed.
    package func decisionsWithExpiredApprovals(now: String) throws -> [String] {
        try String.fetchAll(
            db, sql: "SELECT DISTINCT decision_id FROM approvals WHERE status = 'pending' AND expires_at <= ?",
            arguments: [now])
    }

    package func approvals(statuses: [String], agentID: String?, limit: Int, offset: Int) throws -> (rows: [StoredApproval], total: Int) {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if !statuses.isEmpty {
            conditions.append("status IN (\(statuses.map { _ in "?" }.joined(separator: ",")))")
            arguments += StatementArguments(statuses)
        }
        if let agentID {
            conditions.append("agent_id = ?")
            arguments += [agentID]
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM approvals \(whereClause)", arguments: arguments) ?? 0
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT \(Self.approvalColumns) FROM approvals \(whereClause)
                ORDER BY requested_at ASC, approval_id ASC LIMIT ? OFFSET ?
                """,
            arguments: arguments + [limit, offset]
        ).map(makeApproval)
        return (rows, total)
    }

    private func makeApproval(_ row: Row) -> StoredApproval {
        StoredApproval(
            approvalID: row["approval_id"], decisionID: row["decision_id"], agentID: row["agent_id"],
            intent: row["intent"], status: ApprovalStatus(rawValue: row["status"]) ?? .pending, title: row["title"],
            message: row["message"], kind: row["kind"], reason: row["reason"],
            approvalRouteID: row["approval_route_id"], requireRationale: row["require_rationale"],
            requestedAt: row["requested_at"], expiresAt: row["expires_at"], resolvedAt: row["resolved_at"],
            resolvedBy: row["resolved_by"], rationale: row["rationale"])
    }
}

extension SQLiteTransaction {
    package func decisions(_ q: DecisionQuery) throws -> (rows: [StoredDecision], total: Int) {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        var from = "decisions d"
        var order = "d.created_at DESC, d.decision_id DESC"
        if let text = q.text {
            from = "decision_search s JOIN decisions d ON d.rowid = s.rowid"
            conditions.append("decision_search MATCH ?")
            arguments += [Self.fts5(text)]
            order = "bm25(decision_search) ASC, " + order
        }
        if let agentID = q.agentID {
            conditions.append("d.agent_id = ?")
            arguments += [agentID]
        }
        if !q.statuses.isEmpty {
            conditions.append("d.status IN (\(q.statuses.map { _ in "?" }.joined(separator: ",")))")
            arguments += StatementArguments(q.statuses)
        }
        if let prefix = q.intentPrefix {
            let escaped = prefix.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
            // LIKE is case-insensitive for ASCII; substr() keeps the prefix match case-sensitive.
            conditions.append("d.intent LIKE ? ESCAPE '\\' AND substr(d.intent, 1, ?) = ?")
            arguments += [escaped + "%", prefix.count, prefix]
        }
        if let kind = q.kind {
            conditions.append("d.kind = ?")
            arguments += [kind]
        }
        if let category = q.category {
            conditions.append("d.category = ?")
            arguments += [category]
        }
        for tag in q.tags {
            conditions.append("EXISTS (SELECT 1 FROM json_each(d.tags) WHERE json_each.value = ?)")
            arguments += [tag]
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(from) \(whereClause)", arguments: arguments) ?? 0
        let rows = try Row.fetchAll(
            db,
            sql: "SELECT d.* FROM \(from) \(whereClause) ORDER BY \(order) LIMIT ? OFFSET ?",
            arguments: arguments + [q.limit, q.offset]
        ).map(makeDecision)
        return (rows, total)
    }

    /// How many approvals are pending (for the dashboard's status line and `vigil approvals list`).
    package func pendingApprovalCount() throws -> Int {
        try Int.fetchOne(db, sql: "SELECT count(*) FROM approvals WHERE status = 'pending'") ?? 0
    }
}
