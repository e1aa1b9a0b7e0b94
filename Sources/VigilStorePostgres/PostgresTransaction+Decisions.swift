import Foundation
import VigilCore

extension PostgresTransaction {
    static let decisionColumns = """
        decision_id, agent_id, actor, intent, automation_mode, instance, version, metadata, status, approval_status,
        approval_required, approval_id, created_at, closed_at, close_action, close_reason, kind, title, category, tags,
        supersedes, superseded_by, event_count, head_hash, last_exception
        """

    /// `decisionColumns` qualified by a table alias.
    static func decisionColumns(_ alias: String) -> String {
        decisionColumns.split(separator: ",").map { alias + "." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .joined(separator: ", ")
    }

    private func parameters(_ d: StoredDecision) -> [any PostgresBindable] {
        [
            d.decisionID, d.agentID, d.actor, d.intent, d.automationMode.rawValue, d.instance, d.version,
            d.metadata?.canonicalText, d.status.rawValue, d.approvalStatus.rawValue, d.approvalRequired,
            d.approvalID, d.createdAt, d.closedAt, d.closeAction, d.closeReason, d.kind, d.title, d.category,
            d.tags.map { JSONValue($0).canonicalText }, d.supersedes, d.supersededBy, d.eventCount, d.headHash,
            d.lastException?.json.canonicalText,
        ]
    }

    /// Decodes a row whose first 25 columns are ``decisionColumns``.
    static func makeDecision(_ row: PostgresRow) -> StoredDecision {
        StoredDecision(
            decisionID: row.string(0), agentID: row.string(1), actor: row.string(2), intent: row.string(3),
            automationMode: AutomationMode(rawValue: row.string(4)) ?? .autonomous,
            instance: row[5], version: row[6], metadata: StoredJSON.parse(row[7]),
            status: DecisionStatus(rawValue: row.string(8)) ?? .open,
            approvalStatus: ApprovalStatus(rawValue: row.string(9)) ?? .none,
            approvalRequired: row.bool(10), approvalID: row[11], createdAt: row.string(12),
            closedAt: row[13], closeAction: row[14], closeReason: row[15],
            kind: row.string(16), title: row[17], category: row[18], tags: StoredJSON.strings(row[19]),
            supersedes: row[20], supersededBy: row[21], eventCount: row.int(22), headHash: row.string(23),
            lastException: ExceptionNote(json: StoredJSON.parse(row[24])))
    }

    func insertDecision(_ d: StoredDecision) throws {
        try enqueue(
            "INSERT INTO decisions (\(Self.decisionColumns)) VALUES (\(Self.placeholders(25)))", parameters(d))
    }

    func updateDecision(_ d: StoredDecision) throws {
        try enqueue(
            """
            UPDATE decisions SET status = $1, approval_status = $2, approval_required = $3, approval_id = $4,
            closed_at = $5, close_action = $6, close_reason = $7, superseded_by = $8, event_count = $9, head_hash = $10,
            last_exception = $11 WHERE decision_id = $12
            """,
            [
                d.status.rawValue, d.approvalStatus.rawValue, d.approvalRequired, d.approvalID, d.closedAt,
                d.closeAction, d.closeReason, d.supersededBy, d.eventCount, d.headHash,
                d.lastException?.json.canonicalText, d.decisionID,
            ])
    }

    func updateDecisionHead(_ d: StoredDecision) throws {
        try enqueue(
            "UPDATE decisions SET event_count = $1, head_hash = $2 WHERE decision_id = $3",
            [d.eventCount, d.headHash, d.decisionID])
    }

    /// In a write transaction the row stays locked until commit: this is the chain head's lock, which keeps appends
    /// from two servers linear.
    func decision(_ id: String) throws -> StoredDecision? {
        try query("SELECT \(Self.decisionColumns) FROM decisions WHERE decision_id = $1\(lock)", [id])
            .first(Self.makeDecision)
    }

    /// One round trip: the piece and the stale mark together (this runs on every event).
    func appendSearchText(_ decisionID: String, _ text: String) throws {
        try enqueue(
            """
            WITH d AS (SELECT row_id FROM decisions WHERE decision_id = $2),
                 piece AS (INSERT INTO decision_search_text (decision_rowid, text) SELECT row_id, $1 FROM d)
            INSERT INTO decision_search_stale (decision_rowid) SELECT row_id FROM d ON CONFLICT DO NOTHING
            """, [text, decisionID])
    }

    func decisionSearchIsStale() throws -> Bool {
        try query("SELECT EXISTS (SELECT 1 FROM decision_search_stale)").first { $0.bool(0) } ?? false
    }

    /// Rebuilds the documents of up to `limit` stale decisions from their pieces: the text in piece order, and the
    /// tokens vigil's tokenizer makes of it (the same tokens the bm25 score counts).
    func refreshDecisionSearch(limit: Int) throws -> Bool {
        let stale = try query(
            """
            SELECT s.decision_rowid, coalesce((SELECT string_agg(t.text, ' ' ORDER BY t.piece_id)
                FROM decision_search_text t WHERE t.decision_rowid = s.decision_rowid), '')
            FROM decision_search_stale s ORDER BY s.decision_rowid LIMIT $1 FOR UPDATE OF s SKIP LOCKED
            """, [limit]
        ).map { (rowID: $0.int64(0), body: $0.string(1)) }
        for document in stale {
            let tokens = SearchTokenizer.tokens(document.body).map(String.init)
            try execute(
                """
                INSERT INTO decision_search (decision_rowid, body, tokens, doc) VALUES ($1, $2, $3, array_to_tsvector($4::text[]))
                ON CONFLICT (decision_rowid) DO UPDATE SET body = excluded.body, tokens = excluded.tokens, doc = excluded.doc
                """, [document.rowID, document.body, tokens.count, StoredJSON.array(Array(Set(tokens)))])
            try execute("DELETE FROM decision_search_stale WHERE decision_rowid = $1", [document.rowID])
        }
        return try decisionSearchIsStale()
    }

    // MARK: Events

    func appendEvent(_ e: StoredEvent, type: String, timestamp: String, actor: String) throws {
        try enqueue(
            """
            INSERT INTO decision_events (decision_id, seq, event_id, type, timestamp, actor, prev_hash, hash, body)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            """, [e.decisionID, e.seq, e.eventID, type, timestamp, actor, e.prevHash, e.hash, e.body])
    }

    func evaluationEvents(since: String?, after: EventPosition?, limit: Int) throws -> [EvaluationEvent] {
        try query(
            """
            SELECT e.decision_id, e.seq, d.agent_id, d.intent, e.body FROM decision_events e
            JOIN decisions d ON d.decision_id = e.decision_id
            WHERE e.type = 'evaluate' AND (e.decision_id, e.seq) > ($1, $2) AND e.timestamp >= $3
            ORDER BY e.decision_id, e.seq LIMIT $4
            """, [after?.decisionID ?? "", after?.seq ?? 0, since ?? "", limit]
        ).map { row in
            EvaluationEvent(
                position: EventPosition(decisionID: row.string(0), seq: row.int(1)), agentID: row.string(2),
                intent: row.string(3), body: row.string(4))
        }
    }

    func events(of decisionID: String) throws -> [StoredEvent] {
        try query(
            "SELECT decision_id, seq, event_id, type, prev_hash, hash, body FROM decision_events WHERE decision_id = $1 ORDER BY seq",
            [decisionID]
        ).map { row in
            StoredEvent(
                decisionID: row.string(0), seq: row.int(1), eventID: row.string(2), type: row.string(3),
                prevHash: row.string(4), hash: row.string(5), body: row.string(6))
        }
    }

    func eventOwner(_ eventID: String) throws -> (decisionID: String, type: String)? {
        try query("SELECT decision_id, type FROM decision_events WHERE event_id = $1", [eventID])
            .first { (decisionID: $0.string(0), type: $0.string(1)) }
    }

    // MARK: Evidence, write buffer, idempotency, receipts

    func insertEvidence(eventID: String, decisionID: String, evidence: JSONValue) throws {
        try enqueue(
            "INSERT INTO read_evidence (event_id, decision_id, evidence) VALUES ($1, $2, $3)",
            [eventID, decisionID, evidence.canonicalText])
    }

    func evidence(eventID: String) throws -> JSONValue? {
        try query("SELECT evidence FROM read_evidence WHERE event_id = $1", [eventID]).first { StoredJSON.parse($0[0]) } ?? nil
    }

    func bufferWrite(
        eventID: String, decisionID: String, seq: Int, productID: String, operation: String, rows: JSONValue,
        createdRecords: JSONValue?
    ) throws {
        try enqueue(
            """
            INSERT INTO write_buffer (event_id, decision_id, seq, product_id, operation, rows, created_records)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            """,
            [eventID, decisionID, seq, productID, operation, rows.canonicalText, createdRecords?.canonicalText])
    }

    func bufferedWrites(of decisionID: String) throws -> [BufferedWrite] {
        try query(
            "SELECT event_id, product_id, operation, rows, created_records FROM write_buffer WHERE decision_id = $1 ORDER BY seq",
            [decisionID]
        ).map { row in
            BufferedWrite(
                eventID: row.string(0), productID: row.string(1), operation: row.string(2),
                rows: StoredJSON.parse(row[3])?.arrayValue ?? [], createdRecords: StoredJSON.parse(row[4]))
        }
    }

    func discardWorkingState(of decisionID: String) throws {
        try execute("DELETE FROM write_buffer WHERE decision_id = $1", [decisionID])
        try execute("DELETE FROM read_evidence WHERE decision_id = $1", [decisionID])
    }

    func idempotentWrite(agentID: String, decisionID: String, key: String) throws -> (fingerprint: String, result: JSONValue)? {
        try query(
            """
            SELECT fingerprint, result FROM write_idempotency
            WHERE agent_id = $1 AND decision_id = $2 AND idempotency_key = $3
            """, [agentID, decisionID, key]
        ).first { (fingerprint: $0.string(0), result: StoredJSON.parse($0[1]) ?? .null) }
    }

    func recordIdempotentWrite(agentID: String, decisionID: String, key: String, fingerprint: String, result: JSONValue) throws {
        try execute(
            """
            INSERT INTO write_idempotency (agent_id, decision_id, idempotency_key, fingerprint, result)
            VALUES ($1, $2, $3, $4, $5)
            """, [agentID, decisionID, key, fingerprint, result.canonicalText])
    }

    func insertReceipt(decisionID: String, text: String) throws {
        try enqueue("INSERT INTO receipts (decision_id, receipt) VALUES ($1, $2)", [decisionID, text])
    }

    func receipt(decisionID: String) throws -> String? {
        try query("SELECT receipt FROM receipts WHERE decision_id = $1", [decisionID]).first { $0.string(0) }
    }

    func registerReceiptKey(keyID: String, publicKey: String, createdAt: String) throws {
        try execute(
            "INSERT INTO receipt_keys (key_id, public_key, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            [keyID, publicKey, createdAt])
    }

    func receiptPublicKey(keyID: String) throws -> String? {
        try query("SELECT public_key FROM receipt_keys WHERE key_id = $1", [keyID]).first { $0.string(0) }
    }

    func receiptKeys() throws -> [(keyID: String, publicKey: String, createdAt: String)] {
        try query("SELECT key_id, public_key, created_at FROM receipt_keys ORDER BY created_at, key_id")
            .map { (keyID: $0.string(0), publicKey: $0.string(1), createdAt: $0.string(2)) }
    }
}
