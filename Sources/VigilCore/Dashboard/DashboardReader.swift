import Foundation
import GRDB

/// One row of the dashboard's decision list: only the displayed columns.
public struct DecisionRow: Sendable, Equatable, Identifiable {
    public var id: String
    public var agentID: String
    public var intent: String
    public var status: String
    public var mode: String
    public var createdAt: String
    public var title: String?
    public var pendingApprovalID: String?
    /// The policy that last asked for an exception, when one did.
    public var policy: String?

    public init(
        id: String, agentID: String, intent: String, status: String, mode: String, createdAt: String,
        title: String? = nil, pendingApprovalID: String? = nil, policy: String? = nil
    ) {
        (self.id, self.agentID, self.intent, self.status, self.mode, self.createdAt) = (id, agentID, intent, status, mode, createdAt)
        (self.title, self.pendingApprovalID, self.policy) = (title, pendingApprovalID, policy)
    }
}

/// A pending (or just-resolved) approval request as the queue and the dialog show it.
public struct ApprovalRow: Sendable, Equatable, Identifiable {
    public var id: String
    public var decisionID: String
    public var agentID: String
    public var intent: String
    public var title: String
    public var message: String?
    public var status: String
    public var requestedAt: String
    public var expiresAt: String
    public var requireRationale: Bool
    public var routeID: String?
    public var policy: String?
    public var policyMessage: String?

    public init(
        id: String, decisionID: String, agentID: String, intent: String, title: String, message: String? = nil,
        status: String = "pending", requestedAt: String, expiresAt: String, requireRationale: Bool = false,
        routeID: String? = nil, policy: String? = nil, policyMessage: String? = nil
    ) {
        (self.id, self.decisionID, self.agentID, self.intent, self.title, self.message) = (id, decisionID, agentID, intent, title, message)
        (self.status, self.requestedAt, self.expiresAt, self.requireRationale) = (status, requestedAt, expiresAt, requireRationale)
        (self.routeID, self.policy, self.policyMessage) = (routeID, policy, policyMessage)
    }
}

/// One event of a decision's timeline.
public struct TimelineEvent: Sendable, Equatable {
    public var seq: Int
    public var type: String
    public var timestamp: String
    public var actor: String
    /// The event as stored (without its hash).
    public var body: JSONValue

    public init(seq: Int, type: String, timestamp: String, actor: String, body: JSONValue) {
        (self.seq, self.type, self.timestamp, self.actor, self.body) = (seq, type, timestamp, actor, body)
    }
}

/// A memory linked to a decision, for the decision detail.
public struct LinkedMemory: Sendable, Equatable {
    public var id: String
    public var type: String
    public var role: String
    public var summary: String

    public init(id: String, type: String, role: String, summary: String) {
        (self.id, self.type, self.role, self.summary) = (id, type, role, summary)
    }
}

/// Everything the decision detail pane shows.
public struct DecisionDetail: Sendable, Equatable {
    public var decision: DecisionRow
    public var closedAt: String?
    public var events: [TimelineEvent]
    public var approval: ApprovalRow?
    public var memories: [LinkedMemory]

    public init(decision: DecisionRow, closedAt: String? = nil, events: [TimelineEvent], approval: ApprovalRow? = nil, memories: [LinkedMemory] = []) {
        (self.decision, self.closedAt, self.events, self.approval, self.memories) = (decision, closedAt, events, approval, memories)
    }
}

/// One row of the agents view.
public struct AgentRow: Sendable, Equatable, Identifiable {
    public var id: String
    public var kind: String
    public var active: Bool
    public var open: Int
    public var pending: Int
    public var decisions: Int
    public var lastSeen: String?

    public init(id: String, kind: String, active: Bool, open: Int, pending: Int, decisions: Int, lastSeen: String?) {
        (self.id, self.kind, self.active, self.open, self.pending, self.decisions, self.lastSeen) = (id, kind, active, open, pending, decisions, lastSeen)
    }
}

/// The read-only, page-sized queries behind the dashboard. Lists page by keyset (never `OFFSET`) over indexed sort
/// keys, so a window costs the same at the head of a million rows as anywhere else, and nothing holds a read
/// transaction between calls.
public struct DashboardReader: Sendable {
    let store: Store

    public init(store: Store) { self.store = store }

    /// The columns of a ``DecisionRow`` (plus `closed_at` for the detail), selected from `decisions`.
    static let decisionSelect = """
        SELECT decision_id, agent_id, intent, status, automation_mode, created_at, title, approval_id, approval_status,
               closed_at, json_extract(last_exception, '$.policy_id') AS policy
        FROM decisions
        """

    /// An approval with the policy that asked for it, selected from `approvals a` joined to its decision `d`.
    static let approvalSelect = """
        SELECT a.*, json_extract(d.last_exception, '$.policy_id') AS policy,
               json_extract(d.last_exception, '$.message') AS policy_message
        FROM approvals a JOIN decisions d ON d.decision_id = a.decision_id
        """

    static func approval(_ db: Database, _ id: String) throws -> ApprovalRow? {
        try Row.fetchOne(db, sql: "\(approvalSelect) WHERE a.approval_id = ?", arguments: [id]).map(approvalRow)
    }

    /// Where a decision window starts: after (older than) this row's sort key, or at the newest when `nil`.
    public struct DecisionCursor: Sendable, Equatable {
        public var createdAt: String
        public var id: String
        public init(createdAt: String, id: String) { (self.createdAt, self.id) = (createdAt, id) }
    }

    /// Up to `limit` decisions, newest first, strictly older than `after` (when given).
    /// - Parameters:
    ///   - statuses: stored status values to keep (`needs_approval` for pending); empty keeps all.
    ///   - agent: keep one agent's decisions.
    ///   - text: case-insensitive substring of the intent or agent.
    public func decisions(
        after cursor: DecisionCursor? = nil, limit: Int, statuses: [String] = [], agent: String? = nil, text: String? = nil
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
        return try store.read { tx in
            try Row.fetchAll(
                tx.db,
                sql: "\(Self.decisionSelect) \(whereClause) ORDER BY created_at DESC, decision_id DESC LIMIT ?",
                arguments: arguments + [limit]
            ).map(Self.decisionRow)
        }
    }

    static func decisionRow(_ row: Row) -> DecisionRow {
        DecisionRow(
            id: row["decision_id"], agentID: row["agent_id"], intent: row["intent"], status: row["status"],
            mode: row["automation_mode"], createdAt: row["created_at"], title: row["title"],
            pendingApprovalID: (row["approval_status"] as String?) == "pending" ? row["approval_id"] : nil,
            policy: row["policy"])
    }

    /// The number of pending approval requests (exact: the set is small and indexed). Requests past their expiry
    /// that nothing has swept yet are not counted.
    public func pendingCount(now: Date) throws -> Int {
        try store.read { tx in
            try Int.fetchOne(
                tx.db, sql: "SELECT count(*) FROM approvals WHERE status = 'pending' AND expires_at > ?",
                arguments: [Timestamp.format(now)]) ?? 0
        }
    }

    /// Pending requests, soonest expiry first, then oldest.
    public func pendingApprovals(limit: Int, now: Date) throws -> [ApprovalRow] {
        try store.read { tx in
            try Row.fetchAll(
                tx.db,
                sql: """
                    \(Self.approvalSelect) WHERE a.status = 'pending' AND a.expires_at > ?
                    ORDER BY a.expires_at, a.requested_at, a.approval_id LIMIT ?
                    """, arguments: [Timestamp.format(now), limit]
            ).map(Self.approvalRow)
        }
    }

    /// One approval by id, whatever its status.
    public func approval(_ id: String) throws -> ApprovalRow? {
        try store.read { tx in try Self.approval(tx.db, id) }
    }

    static func approvalRow(_ row: Row) -> ApprovalRow {
        ApprovalRow(
            id: row["approval_id"], decisionID: row["decision_id"], agentID: row["agent_id"], intent: row["intent"],
            title: row["title"], message: row["message"], status: row["status"], requestedAt: row["requested_at"],
            expiresAt: row["expires_at"], requireRationale: row["require_rationale"], routeID: row["approval_route_id"],
            policy: row["policy"], policyMessage: row["policy_message"])
    }

    /// A decision with its timeline (the first `eventLimit` events), its latest approval and linked memories.
    public func decisionDetail(_ id: String, eventLimit: Int = 500) throws -> DecisionDetail? {
        try store.read { tx in
            guard let row = try Row.fetchOne(tx.db, sql: "\(Self.decisionSelect) WHERE decision_id = ?", arguments: [id])
            else { return nil }
            let events = try Row.fetchAll(
                tx.db,
                sql: "SELECT seq, type, timestamp, actor, body FROM decision_events WHERE decision_id = ? ORDER BY seq LIMIT ?",
                arguments: [id, eventLimit]
            ).map { e in
                TimelineEvent(
                    seq: e["seq"], type: e["type"], timestamp: e["timestamp"], actor: e["actor"],
                    body: (try? JSONParser.parse(e["body"] as String)) ?? .null)
            }
            let approval = try (row["approval_id"] as String?).flatMap { try Self.approval(tx.db, $0) }
            let memories = try Row.fetchAll(
                tx.db,
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
    }

    /// Decisions per status (an index walk over `decisions_by_status`).
    public func decisionCounts() throws -> [(status: String, count: Int)] {
        try store.read { tx in
            try Row.fetchAll(tx.db, sql: "SELECT status, count(*) AS n FROM decisions GROUP BY status ORDER BY status")
                .map { (status: $0["status"], count: $0["n"]) }
        }
    }

    /// Every principal with its decision counts.
    public func agents() throws -> [AgentRow] {
        try store.read { tx in
            try Row.fetchAll(
                tx.db,
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
                    id: r["principal_id"], kind: r["kind"], active: (r["status"] as String) == "active", open: r["open"],
                    pending: r["pending"], decisions: r["total"], lastSeen: r["last_seen"])
            }
        }
    }

    /// A page of memories for the browser, newest first (an index walk at any store size). `text` words must all
    /// match (FTS5); records above `maxSensitivity` are left out.
    public func memories(text: String, types: [String], maxSensitivity: String, includeInactive: Bool = true, limit: Int) throws -> [MemoryRecord] {
        let level = Sensitivity(rawValue: maxSensitivity)?.level ?? Sensitivity.hyper.level
        let words = text.split(whereSeparator: \.isWhitespace).map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        return try store.read { tx in
            try tx.memoryPage(
                match: words.isEmpty ? nil : words.joined(separator: " "), maxSensitivity: level, types: types,
                includeInactive: includeInactive, limit: limit)
        }
    }
}

/// Bulk rows for benchmarks of the dashboard: plain decision rows written straight into the store, far faster than
/// running a million decisions through the engine (whose own speed `vigil bench decisions` measures).
public enum DashboardBenchFixture {
    /// Appends `count` decisions spread over `agents` agents, one minute apart and ending now; every 10,000th asks
    /// for approval (a pending request expiring in a day).
    public static func insertDecisions(into store: Store, count: Int, agents: Int = 20, progress: (Int) -> Void = { _ in }) throws {
        let intents = ["deploy.release.execute", "data.change.apply", "secrets.change.propose", "billing.discount.grant", "content.translate"]
        let statuses = ["committed", "committed", "committed", "aborted", "open", "rejected", "approved"]
        let end = Date()
        var done = 0
        while done < count {
            let batch = min(10_000, count - done)
            try store.write { tx in
                let insert = try tx.db.cachedStatement(sql: """
                    INSERT INTO decisions (decision_id, agent_id, actor, intent, automation_mode, status, approval_status,
                        approval_required, approval_id, created_at, head_hash, event_count, title, last_exception)
                    VALUES (?, ?, ?, ?, 'autonomous', ?, ?, ?, ?, ?, '', 1, ?, ?)
                    """)
                let approval = try tx.db.cachedStatement(sql: """
                    INSERT INTO approvals (approval_id, decision_id, agent_id, intent, status, title, require_rationale, requested_at, expires_at)
                    VALUES (?, ?, ?, ?, 'pending', ?, 0, ?, ?)
                    """)
                for i in done..<(done + batch) {
                    let id = String(format: "TMEM_BENCH%09d", i)
                    let agent = "agent_bench\(i % agents)"
                    let intent = intents[i % intents.count]
                    let created = Timestamp.format(end.addingTimeInterval(-Double(count - i) * 60))
                    let pending = i % 10_000 == 9_999
                    let approvalID = pending ? String(format: "appr_BENCH%09d", i) : nil
                    try insert.execute(arguments: [
                        id, agent, agent, intent, pending ? "needs_approval" : statuses[i % statuses.count],
                        pending ? "pending" : "none", pending, approvalID, created, "bench decision \(i) for \(intent)",
                        pending ? #"{"policy_id":"bench-gate","message":"bench requests need a human"}"# : nil,
                    ])
                    if let approvalID {
                        try approval.execute(arguments: [
                            approvalID, id, agent, intent, "bench request \(i)", created,
                            Timestamp.format(end.addingTimeInterval(86400)),
                        ])
                    }
                }
            }
            done += batch
            progress(done)
        }
    }

    /// Rows in the decisions table.
    public static func decisionCount(_ store: Store) throws -> Int {
        try store.read { tx in try Int.fetchOne(tx.db, sql: "SELECT count(*) FROM decisions") ?? 0 }
    }
}
