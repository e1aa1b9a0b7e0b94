/// What the engines may ask of a store inside one transaction (see ``Store/write(_:)`` and ``Store/read(_:)``).
///
/// Every store implements all of it with the same meaning, to the byte: the engines' tests run on each. A handle
/// never escapes its closure.
package protocol StoreTransaction {
    // MARK: Decisions

    func insertDecision(_ d: StoredDecision) throws
    /// Writes every mutable column of `d` back.
    func updateDecision(_ d: StoredDecision) throws
    /// Writes back only the chain head (`event_count`, `head_hash`): for calls that append an event and change
    /// nothing else.
    func updateDecisionHead(_ d: StoredDecision) throws
    /// The decision; in a write transaction it stays locked against other writers until the transaction ends.
    func decision(_ id: String) throws -> StoredDecision?
    /// A filtered page of decisions with the total count (`decision_search`, the operator list).
    func decisions(_ q: DecisionQuery) throws -> (rows: [StoredDecision], total: Int)

    /// Adds `text` to the decision's searchable words; the full-text index may catch up only at the next
    /// ``refreshDecisionSearch(limit:)``.
    func appendSearchText(_ decisionID: String, _ text: String) throws
    /// Whether some decision's full-text document lags its words.
    func decisionSearchIsStale() throws -> Bool
    /// Rebuilds the full-text documents of up to `limit` stale decisions. Returns whether stale decisions remain.
    func refreshDecisionSearch(limit: Int) throws -> Bool

    // MARK: Events, evidence, write buffer, idempotency, receipts

    func appendEvent(_ e: StoredEvent, type: String, timestamp: String, actor: String) throws
    func events(of decisionID: String) throws -> [StoredEvent]
    /// A page of `evaluate` events stamped at or after `since` (ISO timestamps compare as text), after `after` in
    /// (decision id, seq) order, each with its decision's agent and intent: what a policy replay reads.
    func evaluationEvents(since: String?, after: EventPosition?, limit: Int) throws -> [EvaluationEvent]
    /// The decision an event belongs to and its type, if the event exists.
    func eventOwner(_ eventID: String) throws -> (decisionID: String, type: String)?
    func insertEvidence(eventID: String, decisionID: String, evidence: JSONValue) throws
    func evidence(eventID: String) throws -> JSONValue?
    func bufferWrite(
        eventID: String, decisionID: String, seq: Int, productID: String, operation: String, rows: JSONValue,
        createdRecords: JSONValue?) throws
    func bufferedWrites(of decisionID: String) throws -> [BufferedWrite]
    /// Drops the write buffer and read evidence of a closed decision.
    func discardWorkingState(of decisionID: String) throws
    func idempotentWrite(agentID: String, decisionID: String, key: String) throws -> (fingerprint: String, result: JSONValue)?
    func recordIdempotentWrite(agentID: String, decisionID: String, key: String, fingerprint: String, result: JSONValue) throws
    func insertReceipt(decisionID: String, text: String) throws
    func receipt(decisionID: String) throws -> String?
    /// Registers a signing key's public half; registering a known key id again changes nothing.
    func registerReceiptKey(keyID: String, publicKey: String, createdAt: String) throws
    func receiptPublicKey(keyID: String) throws -> String?
    /// Every registered signing key, oldest first.
    func receiptKeys() throws -> [(keyID: String, publicKey: String, createdAt: String)]

    // MARK: Approvals

    func insertApproval(_ a: StoredApproval) throws
    /// Records a resolution. Only a `pending` approval changes, which makes concurrent resolutions safe.
    /// - Returns: whether the row was still pending and is now resolved.
    func resolveApproval(_ a: StoredApproval) throws -> Bool
    func approval(_ id: String) throws -> StoredApproval?
    /// Ids of decisions with a pending approval whose deadline has passed.
    func decisionsWithExpiredApprovals(now: String) throws -> [String]
    func approvals(statuses: [String], agentID: String?, limit: Int, offset: Int) throws -> (rows: [StoredApproval], total: Int)
    /// How many approvals are pending, expired or not.
    func pendingApprovalCount() throws -> Int

    // MARK: Principals and keys

    func insertPrincipal(_ p: Principal) throws
    func setProductGrants(_ principalID: String, _ grants: [String]) throws
    func setPolicyGrants(_ principalID: String, _ grants: [String]?) throws
    func setPrincipalActive(_ principalID: String, _ isActive: Bool) throws
    func principal(_ id: String) throws -> Principal?
    func principals() throws -> [Principal]
    /// Stores the key's hash (never the key) with its record.
    func insertAPIKey(key: String, record: APIKeyRecord) throws
    func apiKeys(of principalID: String) throws -> [APIKeyRecord]
    /// The principal and role of an unrevoked key with this hash.
    func activeKey(hash: String) throws -> (String, PrincipalKind)?
    func revokeKeys(of principalID: String, keyID: String?, at time: String) throws -> Int

    // MARK: Data products

    /// Creates the table of every configured product table and adds missing columns. Never drops or alters one.
    func ensureProductTables(_ tables: [TableDefinition]) throws
    /// Rows of `product` matching `query` (field → value equality, `null` matching NULL), in primary-key order.
    func readProductRows(_ product: DataProduct, query: [(ColumnDefinition, JSONValue)], limit: Int) throws -> [JSONObject]
    /// Applies normalized row operations to the product's table. `keepExisting`: inserts skip rows whose primary key
    /// is already present (seed data). Returns the number of affected rows.
    func applyProductWrite(_ table: TableDefinition, operation: ProductOperation, rows: [JSONValue], keepExisting: Bool) throws -> Int
    /// Runs `body` in a savepoint; on a database error the savepoint is rolled back and a ``ProductWriteFailure``
    /// describing the error is thrown.
    func inProductSavepoint<T>(_ body: () throws -> T) throws -> T

    // MARK: Memory records

    func memoryRecordExists(_ id: String) throws -> Bool
    /// The records that hold a relation to `targetID` with one of `predicates`, as `(record id, predicate)`, oldest
    /// relation first, at most `limit` (the other direction of a revision: what superseded or derived from a record).
    func memoryRelations(targeting targetID: String, predicates: [String], limit: Int) throws -> [(recordID: String, predicate: String)]
    /// Inserts a new record with its relations, audit log, search document and decision links.
    func insertMemoryRecord(_ r: MemoryRecord) throws
    /// Writes back a changed record. Relations and audit entries are append-only: those past the counts in
    /// `previous` are inserted. `reindex`: the searchable text or links changed.
    func updateMemoryRecord(_ r: MemoryRecord, previous: MemoryRecord, reindex: Bool) throws
    /// The whole record (row, relations, audit log); in a write transaction it stays locked against other writers.
    func memoryRecord(_ id: String) throws -> MemoryRecord?
    func memoryRecord(rowID: Int64) throws -> MemoryRecord?
    /// A page of records for browsing, newest first: matches of `text` when given, at or below `maxSensitivity`, of
    /// `types` when given.
    func memoryPage(text: TextQuery?, maxSensitivity: Int, types: [String], includeInactive: Bool, limit: Int) throws -> [MemoryRecord]

    /// Distinct half-lives among live, non-special records of `type`.
    func halfLives(of type: MemoryType) throws -> [Int64]
    /// Live, non-special records of one type and half-life, in decreasing salience (at any instant).
    func anchorCursor(type: MemoryType, halfLife: Int64) throws -> any CandidateCursor
    /// Every candidate outside the anchor order: special, zero-base, and (when asked) inactive records of `type`.
    func unorderedCandidates(type: MemoryType, includeInactive: Bool) throws -> [MemoryCandidate]
    /// Every candidate of `type`.
    func allCandidates(type: MemoryType, includeInactive: Bool) throws -> [MemoryCandidate]
    func candidate(rowID: Int64) throws -> MemoryCandidate?
    /// Matches of `text` with `s = −bm25(summary 2, body 1)`, best first, lazily.
    func searchCursor(_ text: TextQuery) throws -> any SearchCursor
    /// `s` for specific rows (selection candidates).
    func searchScores(_ text: TextQuery, rowIDs: [Int64]) throws -> [Int64: Double]
    func payload(rowID: Int64) throws -> JSONObject

    /// Up to `limit` records after `rowID`, in rowid order: the sweep's chunks.
    func candidates(after rowID: Int64, limit: Int) throws -> [MemoryCandidate]
    /// Every record's salience inputs, for metrics.
    func forEachCandidate(_ body: (MemoryCandidate) throws -> Void) throws
    func memoryAuditCounts() throws -> [String: Int]
    func memoryCount(createdAfter: Nanoseconds) throws -> Int
    func payloads(of type: MemoryType) throws -> [JSONObject]
    /// Persists a record's effective salience at `t`, as the sweep computed it.
    func persistSweptSalience(rowID: Int64, salience: Double, at t: Nanoseconds) throws
    /// Auto-prune candidates whose newest audit entry is older than `cutoff`.
    func pruneCandidates(auditBefore cutoff: Nanoseconds) throws -> [MemoryCandidate]
    /// Whether a revision relation touching `id` was created at or after `cutoff`.
    func hasRecentRevisionRelation(_ id: String, since cutoff: Nanoseconds) throws -> Bool
    /// Deletes a record (prune only): row, outgoing relations, audit entries, search document, links; writes a
    /// tombstone.
    func pruneMemoryRecord(_ c: MemoryCandidate, at t: Nanoseconds, reason: String) throws
    func tombstone(_ id: String) throws -> (type: String, prunedAt: Nanoseconds, reason: String)?
    func recordIDs(linkedTo decisionID: String) throws -> [String]
    func decisionIDs(linkedFrom recordID: String) throws -> [String]
    func markConsolidated(stage: String, recordID: String) throws
    /// Episodic records a consolidation stage has not processed yet, oldest first.
    func unconsolidatedEpisodes(stage: String, _ filter: EpisodeFilter) throws -> [MemoryRecord]
    /// The active semantic record with this subject and predicate, if any.
    func activeFact(subject: String, predicate: String) throws -> MemoryRecord?
    /// The competence record with this skill name, if any.
    func competence(skill: String) throws -> MemoryRecord?

    // MARK: Memory change log (for in-memory relevance indexes in any process)

    /// The newest change sequence number (0 when nothing changed yet).
    func latestMemoryChange() throws -> Int64
    /// The oldest change still in the log, or `nil` when the log is empty.
    func oldestMemoryChange() throws -> Int64?
    /// Drops all but the newest `keep` change-log entries; an index further behind than that rebuilds.
    func trimMemoryChanges(keep: Int64) throws
    /// Rowids changed after `seq`, with the newest sequence number seen.
    func memoryChanges(after seq: Int64) throws -> (rowIDs: [Int64], latest: Int64)
    /// Records for the relevance index: every one (`rowIDs` nil) or the given ones (`nil` record: deleted), with
    /// their text exactly as the full-text index holds it.
    func indexedRecords(_ rowIDs: [Int64]?, _ body: (Int64, IndexedRecord?) throws -> Void) throws

    // MARK: Retention

    /// Closed (committed or aborted) decisions closed before `cutoff`, oldest first, at most `limit`.
    func closedDecisions(before cutoff: String, limit: Int) throws -> [String]
    /// How many closed decisions were closed before `cutoff`, and their trace events and approvals.
    func closedDecisionCounts(before cutoff: String) throws -> (decisions: Int, events: Int, approvals: Int)
    /// Deletes a decision and everything of its — trace events, read evidence, write buffer and idempotency records,
    /// approvals, receipt, search words and document, memory links — after writing its tombstone (which is what lets
    /// the events go: they are append-only otherwise).
    func pruneDecision(_ id: String, at: String, reason: String) throws
    /// How many approvals a decision has had.
    func approvalCount(decisionID: String) throws -> Int
    /// The tombstone retention or erasure left of a decision, if any.
    func decisionTombstone(_ id: String) throws -> DecisionTombstone?
    /// Unpinned records of `type` last changed before `cutoff`, oldest change first, at most `limit`.
    func memoryRetentionCandidates(type: MemoryType, changedBefore cutoff: Nanoseconds, limit: Int) throws -> [MemoryCandidate]
    // MARK: Redaction

    /// Records `redaction` and replaces the event's body (its hash and chain fields stay as appended).
    func redactEvent(_ redaction: DecisionRedaction, body: String) throws
    /// A decision's redactions, by seq then path.
    func redactions(of decisionID: String) throws -> [DecisionRedaction]
    /// Replaces a decision's searchable words with `text` (its document is rebuilt before the next search).
    func replaceSearchText(_ decisionID: String, _ text: String) throws
    /// The copies an event's data has beside its body: the read evidence and the buffered write rows (JSON texts).
    func eventCopies(eventID: String) throws -> (evidence: String?, writeRows: String?)
    func updateEventCopies(eventID: String, evidence: String?, writeRows: String?) throws

    /// The record's ranking fields by id (erasure deletes through ``pruneMemoryRecord(_:at:reason:)``).
    func memoryCandidate(id: String) throws -> MemoryCandidate?
    /// Ids of records with a `derived_from` relation to `id` (consolidation's and merges' outputs).
    func memoryIDs(derivedFrom id: String) throws -> [String]
    /// Unpinned `auto_prune` records after `rowID`, in row order, at most `limit`: the salience floor's scan.
    func autoPruneCandidates(after rowID: Int64, limit: Int) throws -> [MemoryCandidate]

    // MARK: The dashboard's read model

    /// Up to `limit` decisions, newest first, strictly older than `cursor` (when given); `text` is a case-insensitive
    /// substring of the intent, agent or title.
    func dashboardDecisions(
        after cursor: DashboardReader.DecisionCursor?, limit: Int, statuses: [String], agent: String?, text: String?) throws -> [DecisionRow]
    /// Pending requests not yet expired at `now`.
    func dashboardPendingCount(now: String) throws -> Int
    /// Pending requests not yet expired at `now`, soonest expiry first, then oldest.
    func dashboardPendingApprovals(limit: Int, now: String) throws -> [ApprovalRow]
    func dashboardApproval(_ id: String) throws -> ApprovalRow?
    /// A decision with its first `eventLimit` events, its latest approval and up to 50 linked memories.
    func dashboardDecisionDetail(_ id: String, eventLimit: Int) throws -> DecisionDetail?
    /// Decisions per stored status, by status.
    func decisionCounts() throws -> [(status: String, count: Int)]
    /// Decisions created per minute from `since` on (`YYYY-MM-DDTHH:MM`, count).
    func decisionsPerMinute(since: String) throws -> [(minute: String, count: Int)]
    /// Approvals requested from `since` on, and every one still pending.
    func approvalSpans(since: String) throws -> [ApprovalSpan]
    /// Approvals resolved (approved, rejected or expired) strictly after `after`, oldest resolution first, at most
    /// `limit`: what `/metrics` adds to its wait-time histogram since its last scrape.
    func approvalsResolved(after: String, limit: Int) throws -> [ApprovalSpan]
    /// Memory records per type and sensitivity (every status).
    func memoryCounts() throws -> [(type: String, sensitivity: Sensitivity, count: Int)]
    /// Every principal (up to 500) with its decision counts.
    func agentRows() throws -> [AgentRow]
    /// Rows in the decisions table.
    func decisionCount() throws -> Int

    // MARK: Copying a whole store (`vigil store copy`)

    /// Whether the store holds no principal, decision, memory record or receipt key.
    func holdsNoData() throws -> Bool
    func rowCount(_ table: CopyTable) throws -> Int
    /// Rows of `table` whose `column` is one of `keys`, in the table's order (``CopyTable/orderBy``; the search
    /// pieces of ``CopyTable/decisionSearchText`` in the order they were added): a page's children for export.
    func copiedRows(_ table: CopyTable, whereColumn column: String, in keys: [String]) throws -> [[StoredValue]]
    /// Up to `limit` rows of `table` after `key` in `keyColumn` order, with `sinceColumn >= since` when given: the
    /// export's pages of decisions, memory records or approvals.
    func copiedRows(
        _ table: CopyTable, keyColumn: String, after key: String?, since: (column: String, value: StoredValue)?, limit: Int
    ) throws -> [[StoredValue]]
    /// Every row of `table`, its ``CopyTable/columns`` in order, in ``CopyTable/orderBy`` order.
    func forEachRow(_ table: CopyTable, _ body: ([StoredValue]) throws -> Void) throws
    /// Inserts rows read by ``forEachRow(_:_:)`` from another store; a memory record gets its search document, and a
    /// decision's copied words schedule its search document to be rebuilt. `searchDocuments`, when given, are the
    /// memory records' documents in row order, made by the caller (an import makes them on its reading thread).
    func insertCopiedRows(_ table: CopyTable, _ rows: [[StoredValue]], searchDocuments: [MemoryText.Document]?) throws
    /// Which of `ids` `table` has in its first column (its id: `decision_id`, `id`, `key_id`, `approval_id`).
    func copiedIDs(_ table: CopyTable, among ids: [String]) throws -> Set<String>
    func productRowCount(_ table: TableDefinition) throws -> Int
    /// A page of a data-product table's rows, every column, in primary-key order.
    func productRows(_ table: TableDefinition, offset: Int, limit: Int) throws -> [JSONObject]
    /// Every decision id, in order.
    func allDecisionIDs() throws -> [String]
}

/// Words a full-text query looks for; each store turns them into its own query language.
package struct TextQuery: Sendable, Equatable {
    package enum Mode: Sendable { case all, any }
    package var words: [String]
    package var mode: Mode

    /// `nil` when there are no words.
    package init?(words: [String], mode: Mode) {
        guard !words.isEmpty else { return nil }
        self.words = words
        self.mode = mode
    }
}

/// A filtered, paged query over decisions, shared by `decision_search` and the operator list.
package struct DecisionQuery {
    package var agentID: String?
    package var statuses: [String] = []
    package var intentPrefix: String?
    package var kind: String?
    package var category: String?
    package var tags: [String] = []
    /// When set, only matches, ranked by relevance (bm25) before recency.
    package var text: TextQuery?
    package var limit: Int
    package var offset: Int

    package init(
        agentID: String? = nil, statuses: [String] = [], intentPrefix: String? = nil, kind: String? = nil,
        category: String? = nil, tags: [String] = [], text: TextQuery? = nil, limit: Int, offset: Int
    ) {
        self.agentID = agentID
        self.statuses = statuses
        self.intentPrefix = intentPrefix
        self.kind = kind
        self.category = category
        self.tags = tags
        self.text = text
        self.limit = limit
        self.offset = offset
    }
}

/// One buffered write of a decision, applied at commit.
package struct BufferedWrite {
    package var eventID: String
    package var productID: String
    package var operation: String
    package var rows: [JSONValue]
    package var createdRecords: JSONValue?

    package init(eventID: String, productID: String, operation: String, rows: [JSONValue], createdRecords: JSONValue?) {
        self.eventID = eventID
        self.productID = productID
        self.operation = operation
        self.rows = rows
        self.createdRecords = createdRecords
    }
}

/// Why applying a buffered write failed at commit (a constraint or a type), in words safe to show.
package struct ProductWriteFailure: Error {
    package var detail: String
    package init(detail: String) { self.detail = detail }
}

/// Which episodic records a consolidation stage looks at (Membrane spec §11).
package enum EpisodeFilter {
    case liveCreatedBefore(Nanoseconds)
    case successful
    case successfulWithTools
    case withThreeOrMoreTools
}

/// Rows of a lazy candidate query, as domain values.
package protocol CandidateCursor {
    func next() throws -> MemoryCandidate?
}

/// Full-text matches, best first: the record's rowid and its relevance `s = −bm25` (always > 0).
package protocol SearchCursor {
    func next() throws -> (rowID: Int64, s: Double)?
}

/// What the in-memory relevance index keeps of one record: its ranking inputs and its indexed text.
package struct IndexedRecord {
    package var candidate: MemoryCandidate
    package var summary: String
    package var body: String

    package init(candidate: MemoryCandidate, summary: String, body: String) {
        self.candidate = candidate
        self.summary = summary
        self.body = body
    }
}

extension StoreTransaction {
    /// Applies normalized row operations (see ``applyProductWrite(_:operation:rows:keepExisting:)``), inserting
    /// every row.
    package func applyProductWrite(_ table: TableDefinition, operation: ProductOperation, rows: [JSONValue]) throws -> Int {
        try applyProductWrite(table, operation: operation, rows: rows, keepExisting: false)
    }

    /// Inserts copied rows, the store making each memory record's search document.
    package func insertCopiedRows(_ table: CopyTable, _ rows: [[StoredValue]]) throws {
        try insertCopiedRows(table, rows, searchDocuments: nil)
    }
}
