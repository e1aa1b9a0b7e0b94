import GRDB
import VigilCore

extension SQLiteTransaction {
    private static let decisionColumns = """
        decision_id, agent_id, actor, intent, automation_mode, instance, version, metadata, status, approval_status,
        approval_required, approval_id, created_at, closed_at, close_action, close_reason, kind, title, category, tags,
        supersedes, superseded_by, event_count, head_hash, last_exception
        """

    private func arguments(_ d: StoredDecision) -> StatementArguments {
        [
            d.decisionID, d.agentID, d.actor, d.intent, d.automationMode.rawValue, d.instance, d.version,
            d.metadata?.canonicalText, d.status.rawValue, d.approvalStatus.rawValue, d.approvalRequired,
            d.approvalID, d.createdAt, d.closedAt, d.closeAction, d.closeReason, d.kind, d.title, d.category,
            d.tags.map { JSONValue($0).canonicalText }, d.supersedes, d.supersededBy, d.eventCount, d.headHash,
            d.lastException?.json.canonicalText,
        ]
    }

    package func insertDecision(_ d: StoredDecision) throws {
        let statement = try db.cachedStatement(
            sql: "INSERT INTO decisions (\(Self.decisionColumns)) VALUES (\(Self.marks(25)))")
        try statement.execute(arguments: arguments(d))
    }

    /// Writes every mutable column of `d` back.
    package func updateDecision(_ d: StoredDecision) throws {
        let statement = try db.cachedStatement(
            sql: """
                UPDATE decisions SET status = ?, approval_status = ?, approval_required = ?, approval_id = ?,
                closed_at = ?, close_action = ?, close_reason = ?, superseded_by = ?, event_count = ?, head_hash = ?,
                last_exception = ? WHERE decision_id = ?
                """)
        try statement.execute(arguments: [
            d.status.rawValue, d.approvalStatus.rawValue, d.approvalRequired, d.approvalID, d.closedAt, d.closeAction,
            d.closeReason, d.supersededBy, d.eventCount, d.headHash, d.lastException?.json.canonicalText,
            d.decisionID,
        ])
    }

    /// Writes back only the chain head (`event_count`, `head_hash`): for calls that append an event and change
    /// nothing else. Leaves the indexes on status and approval untouched, so it dirties fewer pages than
    /// ``updateDecision(_:)``.
    package func updateDecisionHead(_ d: StoredDecision) throws {
        try db.cachedStatement(sql: "UPDATE decisions SET event_count = ?, head_hash = ? WHERE decision_id = ?")
            .execute(arguments: [d.eventCount, d.headHash, d.decisionID])
    }

    package func decision(_ id: String) throws -> StoredDecision? {
        let statement = try db.cachedStatement(sql: "SELECT \(Self.decisionColumns) FROM decisions WHERE decision_id = ?")
        return try Row.fetchOne(statement, arguments: [id]).map(decisionInColumnOrder)
    }

    /// Decodes a row selected with ``decisionColumns``, by position: name lookups fold case on every access, and
    /// this runs on every tool call.
    private func decisionInColumnOrder(_ row: Row) -> StoredDecision {
        StoredDecision(
            decisionID: row[0], agentID: row[1], actor: row[2], intent: row[3],
            automationMode: AutomationMode(rawValue: row[4]) ?? .autonomous,
            instance: row[5], version: row[6],
            metadata: (row[7] as String?).flatMap { try? JSONParser.parse($0) },
            status: DecisionStatus(rawValue: row[8]) ?? .open,
            approvalStatus: ApprovalStatus(rawValue: row[9]) ?? .none,
            approvalRequired: row[10], approvalID: row[11], createdAt: row[12],
            closedAt: row[13], closeAction: row[14], closeReason: row[15],
            kind: row[16], title: row[17], category: row[18],
            tags: (row[19] as String?).flatMap { try? JSONParser.parse($0) }?.arrayValue?.compactMap(\.stringValue),
            supersedes: row[20], supersededBy: row[21], eventCount: row[22], headHash: row[23],
            lastException: ExceptionNote(json: (row[24] as String?).flatMap { try? JSONParser.parse($0) }))
    }

    package func makeDecision(_ row: Row) -> StoredDecision {
        StoredDecision(
            decisionID: row["decision_id"], agentID: row["agent_id"], actor: row["actor"], intent: row["intent"],
            automationMode: AutomationMode(rawValue: row["automation_mode"]) ?? .autonomous,
            instance: row["instance"], version: row["version"],
            metadata: (row["metadata"] as String?).flatMap { try? JSONParser.parse($0) },
            status: DecisionStatus(rawValue: row["status"]) ?? .open,
            approvalStatus: ApprovalStatus(rawValue: row["approval_status"]) ?? .none,
            approvalRequired: row["approval_required"], approvalID: row["approval_id"], createdAt: row["created_at"],
            closedAt: row["closed_at"], closeAction: row["close_action"], closeReason: row["close_reason"],
            kind: row["kind"], title: row["title"], category: row["category"],
            tags: (row["tags"] as String?).flatMap { try? JSONParser.parse($0) }?.arrayValue?.compactMap(\.stringValue),
            supersedes: row["supersedes"], supersededBy: row["superseded_by"], eventCount: row["event_count"],
            headHash: row["head_hash"],
            lastException: ExceptionNote(json: (row["last_exception"] as String?).flatMap { try? JSONParser.parse($0) }))
    }

    /// Adds `text` to the decision's searchable words; the full-text index catches up at the next
    /// ``refreshDecisionSearch()``.
    package func appendSearchText(_ decisionID: String, _ text: String) throws {
        try db.cachedStatement(
            sql: "INSERT INTO decision_search_text (decision_rowid, text) SELECT rowid, ? FROM decisions WHERE decision_id = ?"
        ).execute(arguments: [text, decisionID])
        try db.cachedStatement(
            sql: "INSERT OR IGNORE INTO decision_search_stale (decision_rowid) SELECT rowid FROM decisions WHERE decision_id = ?"
        ).execute(arguments: [decisionID])
    }

    /// Whether some decision's full-text document lags its words.
    package func decisionSearchIsStale() throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM decision_search_stale)")) ?? false
    }

    /// Rebuilds the full-text documents of up to `limit` stale decisions from their pieces, in the order the pieces
    /// were added.
    /// - Returns: whether stale decisions remain.
    package func refreshDecisionSearch(limit: Int) throws -> Bool {
        let chunk = "SELECT decision_rowid FROM decision_search_stale ORDER BY decision_rowid LIMIT \(limit)"
        try db.execute(
            sql: """
                DELETE FROM decision_search WHERE rowid IN (\(chunk));
                INSERT INTO decision_search (rowid, body)
                    SELECT s.decision_rowid, (SELECT group_concat(text, ' ') FROM (
                        SELECT text FROM decision_search_text t WHERE t.decision_rowid = s.decision_rowid ORDER BY t.rowid))
                    FROM (\(chunk)) s;
                DELETE FROM decision_search_stale WHERE decision_rowid IN (\(chunk));
                """)
        return try decisionSearchIsStale()
    }

    // MARK: Events

    package func appendEvent(_ e: StoredEvent, type: String, timestamp: String, actor: String) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO decision_events (decision_id, seq, event_id, type, timestamp, actor, prev_hash, hash, body)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [e.decisionID, e.seq, e.eventID, type, timestamp, actor, e.prevHash, e.hash, e.body])
    }

    package func evaluationEvents(since: String?, after: EventPosition?, limit: Int) throws -> [EvaluationEvent] {
        try Row.fetchAll(
            db.cachedStatement(sql: """
                SELECT e.decision_id, e.seq, d.agent_id, d.intent, e.body FROM decision_events e
                JOIN decisions d ON d.decision_id = e.decision_id
                WHERE e.type = 'evaluate' AND (e.decision_id, e.seq) > (?, ?) AND e.timestamp >= ?
                ORDER BY e.decision_id, e.seq LIMIT ?
                """),
            arguments: [after?.decisionID ?? "", after?.seq ?? 0, since ?? "", limit]
        ).map { row in
            EvaluationEvent(
                position: EventPosition(decisionID: row[0], seq: row[1]), agentID: row[2], intent: row[3], body: row[4])
        }
    }

    package func events(of decisionID: String) throws -> [StoredEvent] {
        try Row.fetchAll(
            db.cachedStatement(
                sql: "SELECT decision_id, seq, event_id, type, prev_hash, hash, body FROM decision_events WHERE decision_id = ? ORDER BY seq"),
            arguments: [decisionID]
        ).map { row in
            StoredEvent(
                decisionID: row["decision_id"], seq: row["seq"], eventID: row["event_id"], type: row["type"],
                prevHash: row["prev_hash"], hash: row["hash"], body: row["body"])
        }
    }

    /// The decision an event belongs to and its type, if the event exists.
    package func eventOwner(_ eventID: String) throws -> (decisionID: String, type: String)? {
        guard let row = try Row.fetchOne(
            db, sql: "SELECT decision_id, type FROM decision_events WHERE event_id = ?", arguments: [eventID])
        else { return nil }
        return (row["decision_id"], row["type"])
    }

    // MARK: Evidence, write buffer, idempotency, receipts

    package func insertEvidence(eventID: String, decisionID: String, evidence: JSONValue) throws {
        try db.cachedStatement(sql: "INSERT INTO read_evidence (event_id, decision_id, evidence) VALUES (?, ?, ?)")
            .execute(arguments: [eventID, decisionID, evidence.canonicalText])
    }

    package func evidence(eventID: String) throws -> JSONValue? {
        try String.fetchOne(db, sql: "SELECT evidence FROM read_evidence WHERE event_id = ?", arguments: [eventID])
            .flatMap { try? JSONParser.parse($0) }
    }

    package func bufferWrite(eventID: String, decisionID: String, seq: Int, productID: String, operation: String,
                     rows: JSONValue, createdRecords: JSONValue?) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO write_buffer (event_id, decision_id, seq, product_id, operation, rows, created_records)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [eventID, decisionID, seq, productID, operation, rows.canonicalText,
                              createdRecords?.canonicalText])
    }

    package func bufferedWrites(of decisionID: String) throws -> [BufferedWrite] {
        try Row.fetchAll(
            db, sql: "SELECT * FROM write_buffer WHERE decision_id = ? ORDER BY seq", arguments: [decisionID]
        ).map { row in
            BufferedWrite(
                eventID: row["event_id"], productID: row["product_id"], operation: row["operation"],
                rows: (try? JSONParser.parse(row["rows"] as String))?.arrayValue ?? [],
                createdRecords: (row["created_records"] as String?).flatMap { try? JSONParser.parse($0) })
        }
    }

    /// Drops the write buffer and read evidence of a closed decision.
    package func discardWorkingState(of decisionID: String) throws {
        try db.cachedStatement(sql: "DELETE FROM write_buffer WHERE decision_id = ?").execute(arguments: [decisionID])
        try db.cachedStatement(sql: "DELETE FROM read_evidence WHERE decision_id = ?").execute(arguments: [decisionID])
    }

    package func idempotentWrite(agentID: String, decisionID: String, key: String) throws -> (fingerprint: String, result: JSONValue)? {
        guard let row = try Row.fetchOne(
            db,
            sql: "SELECT fingerprint, result FROM write_idempotency WHERE agent_id = ? AND decision_id = ? AND idempotency_key = ?",
            arguments: [agentID, decisionID, key])
        else { return nil }
        return (row["fingerprint"], (try? JSONParser.parse(row["result"] as String)) ?? .null)
    }

    package func recordIdempotentWrite(agentID: String, decisionID: String, key: String, fingerprint: String,
                               result: JSONValue) throws {
        try db.execute(
            sql: """
                INSERT INTO write_idempotency (agent_id, decision_id, idempotency_key, fingerprint, result)
                VALUES (?, ?, ?, ?, ?)
                """,
            arguments: [agentID, decisionID, key, fingerprint, result.canonicalText])
    }

    package func insertReceipt(decisionID: String, text: String) throws {
        try db.cachedStatement(sql: "INSERT INTO receipts (decision_id, receipt) VALUES (?, ?)")
            .execute(arguments: [decisionID, text])
    }

    package func receipt(decisionID: String) throws -> String? {
        try String.fetchOne(db, sql: "SELECT receipt FROM receipts WHERE decision_id = ?", arguments: [decisionID])
    }

    package func registerReceiptKey(keyID: String, publicKey: String, createdAt: String) throws {
        try db.execute(
            sql: "INSERT OR IGNORE INTO receipt_keys (key_id, public_key, created_at) VALUES (?, ?, ?)",
            arguments: [keyID, publicKey, createdAt])
    }

    package func receiptPublicKey(keyID: String) throws -> String? {
        try String.fetchOne(db, sql: "SELECT public_key FROM receipt_keys WHERE key_id = ?", arguments: [keyID])
    }

    package func receiptKeys() throws -> [(keyID: String, publicKey: String, createdAt: String)] {
        try Row.fetchAll(db, sql: "SELECT key_id, public_key, created_at FROM receipt_keys ORDER BY created_at, key_id")
            .map { (keyID: $0[0], publicKey: $0[1], createdAt: $0[2]) }
    }
}
