import Foundation

/// One row of the dashboard's decision list: only the displayed columns.
public struct DecisionRow: Sendable, Equatable, Identifiable {
    public var id: String
    public var agentID: String
    public var intent: String
    public var status: DecisionStatus
    public var mode: AutomationMode
    public var createdAt: String
    public var title: String?
    public var pendingApprovalID: String?
    /// The policy that last asked for an exception, when one did.
    public var policy: String?

    public init(
        id: String, agentID: String, intent: String, status: DecisionStatus, mode: AutomationMode, createdAt: String,
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
    public var status: ApprovalStatus
    public var requestedAt: String
    public var expiresAt: String
    public var requireRationale: Bool
    public var routeID: String?
    public var policy: String?
    public var policyMessage: String?

    public init(
        id: String, decisionID: String, agentID: String, intent: String, title: String, message: String? = nil,
        status: ApprovalStatus = .pending, requestedAt: String, expiresAt: String, requireRationale: Bool = false,
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
    public var kind: PrincipalKind
    public var active: Bool
    public var open: Int
    public var pending: Int
    public var decisions: Int
    public var lastSeen: String?

    public init(id: String, kind: PrincipalKind, active: Bool, open: Int, pending: Int, decisions: Int, lastSeen: String?) {
        (self.id, self.kind, self.active, self.open, self.pending, self.decisions, self.lastSeen) = (id, kind, active, open, pending, decisions, lastSeen)
    }
}

/// The read-only, page-sized queries behind the dashboard, answered by the store's read model (see
/// ``StoreTransaction/dashboardDecisions(after:limit:statuses:agent:text:)``). Lists page by keyset, never by offset,
/// and nothing holds a read transaction between calls.
public struct DashboardReader: Sendable {
    let store: any Store

    package init(store: any Store) { self.store = store }

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
        try store.read { tx in
            try tx.dashboardDecisions(after: cursor, limit: limit, statuses: statuses, agent: agent, text: text)
        }
    }

    /// The number of pending approval requests (exact: the set is small and indexed). Requests past their expiry
    /// that nothing has swept yet are not counted.
    public func pendingCount(now: Date) throws -> Int {
        try store.read { tx in try tx.dashboardPendingCount(now: Timestamp.format(now)) }
    }

    /// Pending requests, soonest expiry first, then oldest.
    public func pendingApprovals(limit: Int, now: Date) throws -> [ApprovalRow] {
        try store.read { tx in try tx.dashboardPendingApprovals(limit: limit, now: Timestamp.format(now)) }
    }

    /// One approval by id, whatever its status.
    public func approval(_ id: String) throws -> ApprovalRow? {
        try store.read { tx in try tx.dashboardApproval(id) }
    }

    /// A decision with its timeline (the first `eventLimit` events), its latest approval and linked memories.
    public func decisionDetail(_ id: String, eventLimit: Int = 500) throws -> DecisionDetail? {
        try store.read { tx in try tx.dashboardDecisionDetail(id, eventLimit: eventLimit) }
    }

    /// Decisions per status.
    public func decisionCounts() throws -> [(status: String, count: Int)] {
        try store.read { tx in try tx.decisionCounts() }
    }

    /// Every principal with its decision counts.
    public func agents() throws -> [AgentRow] {
        try store.read { tx in try tx.agentRows() }
    }

    /// Rows in the decisions table.
    public func decisionCount() throws -> Int {
        try store.read { tx in try tx.decisionCount() }
    }

    /// A page of memories for the browser, newest first (an index walk at any store size). `text` words must all
    /// match; records above `maxSensitivity` are left out.
    public func memories(text: String, types: [String], maxSensitivity: String, includeInactive: Bool = true, limit: Int) throws -> [MemoryRecord] {
        let level = Sensitivity(rawValue: maxSensitivity)?.level ?? Sensitivity.hyper.level
        let words = text.split(whereSeparator: \.isWhitespace).map(String.init)
        return try store.read { tx in
            try tx.memoryPage(
                text: TextQuery(words: words, mode: .all), maxSensitivity: level, types: types,
                includeInactive: includeInactive, limit: limit)
        }
    }

    /// The memory browser's rows: up to `limit` records, newest first, inactive ones included, each with its salience
    /// at `now` (at least `minSalience`). Every dashboard source lists memories through this, the remote one through
    /// `operator_memories_list`.
    public func memoryBrowser(
        text: String, types: [String], maxSensitivity: String, minSalience: Double, limit: Int, now: Nanoseconds
    ) throws -> [MemoryBrowserRow] {
        // A salience floor drops rows after the page is read: read more so the page stays full.
        let records = try memories(text: text, types: types, maxSensitivity: maxSensitivity, limit: minSalience > 0 ? limit * 4 : limit)
        return records.lazy.map { MemoryBrowserRow($0, salience: $0.salience(at: now)) }
            .filter { $0.salience >= minSalience }.prefix(limit).map { $0 }
    }
}

/// One row of the memory browser.
public struct MemoryBrowserRow: Sendable, Equatable, Identifiable {
    public var id: String
    public var type: MemoryType
    public var salience: Double
    public var sensitivity: Sensitivity
    public var status: MemoryStatus
    public var summary: String

    public init(id: String, type: MemoryType, salience: Double, sensitivity: Sensitivity, status: MemoryStatus, summary: String) {
        (self.id, self.type, self.salience, self.sensitivity, self.status, self.summary) = (id, type, salience, sensitivity, status, summary)
    }

    public init(_ record: MemoryRecord, salience: Double) {
        self.init(
            id: record.id, type: record.type, salience: salience, sensitivity: record.sensitivity, status: record.status,
            summary: Self.summary(of: record.payload))
    }

    /// The line a list shows for a payload: its summary, a fact as "subject predicate object", a tool call, the first
    /// timeline entry, a skill or an intent.
    public static func summary(of payload: JSONObject) -> String {
        let timeline = payload["timeline"]?.arrayValue?.first
        let tool = payload["tool_graph"]?.arrayValue?.first
        let fact = [payload["subject"]?.stringValue, payload["predicate"]?.stringValue, payload["object"].map { $0.stringValue ?? $0.canonicalText }]
            .compactMap { $0 }.joined(separator: " ")
        return payload["summary"]?.stringValue ?? payload["context_summary"]?.stringValue
            ?? (fact.isEmpty ? nil : fact)
            ?? tool.map { t in "\(t["tool"]?.stringValue ?? "tool")(\(t["args"]?.canonicalText ?? ""))" }
            ?? timeline?["summary"]?.stringValue
            ?? payload["skill_name"]?.stringValue ?? payload["intent"]?.stringValue ?? ""
    }

    /// The row as `operator_memories_list` returns it.
    public var json: JSONValue {
        [
            "id": .string(id), "type": .string(type.rawValue), "salience": .double(salience),
            "sensitivity": .string(sensitivity.rawValue), "status": .string(status.rawValue), "summary": .string(summary),
        ]
    }

    /// A row from `operator_memories_list`'s JSON. A word this version does not know reads as the most guarded
    /// value (an unknown sensitivity as HYPER, masked), never as a permissive one.
    public init(json: JSONValue) {
        self.init(
            id: json["id"]?.stringValue ?? "", type: MemoryType(rawValue: json["type"]?.stringValue ?? "") ?? .episodic,
            salience: json["salience"]?.numberValue ?? 0,
            sensitivity: Sensitivity(rawValue: json["sensitivity"]?.stringValue ?? "") ?? .hyper,
            status: MemoryStatus(rawValue: json["status"]?.stringValue ?? "") ?? .active,
            summary: json["summary"]?.stringValue ?? "")
    }
}
