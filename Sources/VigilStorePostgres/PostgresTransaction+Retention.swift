import VigilCore

extension PostgresTransaction {
    func closedDecisions(before cutoff: String, limit: Int) throws -> [String] {
        try query(
            """
            SELECT decision_id FROM decisions WHERE status IN ('committed', 'aborted') AND closed_at < $1
            ORDER BY closed_at, decision_id LIMIT $2
            """, [cutoff, limit]
        ).map { $0.string(0) }
    }

    func closedDecisionCounts(before cutoff: String) throws -> (decisions: Int, events: Int, approvals: Int) {
        let row = try query(
            """
            SELECT count(*), coalesce(sum(event_count), 0),
                (SELECT count(*) FROM approvals a WHERE a.decision_id IN
                    (SELECT decision_id FROM decisions WHERE status IN ('committed', 'aborted') AND closed_at < $1))
            FROM decisions WHERE status IN ('committed', 'aborted') AND closed_at < $1
            """, [cutoff]
        ).first { r in (r.int(0), r.int(1), r.int(2)) }
        return row ?? (0, 0, 0)
    }

    func pruneDecision(_ id: String, at: String, reason: String) throws {
        guard let rowID = try query("SELECT row_id FROM decisions WHERE decision_id = $1", [id]).first({ $0.int64(0) })
        else { return }
        // The tombstone first: the trigger that keeps events append-only lets them go only for a tombstoned decision.
        _ = try execute(
            """
            INSERT INTO decision_tombstones (decision_id, agent_id, intent, status, closed_at, event_count, head_hash, pruned_at, reason)
            SELECT decision_id, agent_id, intent, status, closed_at, event_count, head_hash, $2, $3 FROM decisions WHERE decision_id = $1
            ON CONFLICT (decision_id) DO UPDATE SET pruned_at = excluded.pruned_at, reason = excluded.reason
            """, [id, at, reason])
        _ = try execute("DELETE FROM decision_search WHERE decision_rowid = $1", [rowID])
        _ = try execute("DELETE FROM decision_search_text WHERE decision_rowid = $1", [rowID])
        _ = try execute("DELETE FROM decision_search_stale WHERE decision_rowid = $1", [rowID])
        _ = try execute("DELETE FROM decision_events WHERE decision_id = $1", [id])
        _ = try execute("DELETE FROM read_evidence WHERE decision_id = $1", [id])
        _ = try execute("DELETE FROM write_buffer WHERE decision_id = $1", [id])
        _ = try execute(
            "DELETE FROM write_idempotency WHERE agent_id = (SELECT agent_id FROM decisions WHERE decision_id = $1) AND decision_id = $1",
            [id])
        _ = try execute("DELETE FROM approvals WHERE decision_id = $1", [id])
        _ = try execute("DELETE FROM receipts WHERE decision_id = $1", [id])
        _ = try execute("DELETE FROM memory_decision_links WHERE decision_id = $1", [id])
        _ = try execute("DELETE FROM decision_redactions WHERE decision_id = $1", [id])
        _ = try execute("DELETE FROM decisions WHERE decision_id = $1", [id])
    }

    func approvalCount(decisionID: String) throws -> Int {
        try query("SELECT count(*) FROM approvals WHERE decision_id = $1", [decisionID]).first { $0.int(0) } ?? 0
    }

    func decisionTombstone(_ id: String) throws -> DecisionTombstone? {
        try query(
            """
            SELECT decision_id, agent_id, intent, status, closed_at, event_count, head_hash, pruned_at, reason
            FROM decision_tombstones WHERE decision_id = $1
            """, [id]
        ).first { r in
            DecisionTombstone(
                decisionID: r.string(0), agentID: r.string(1), intent: r.string(2), status: r.string(3), closedAt: r[4],
                eventCount: r.int(5), headHash: r.string(6), prunedAt: r.string(7), reason: r.string(8))
        }
    }

    func memoryRetentionCandidates(type: MemoryType, changedBefore cutoff: Nanoseconds, limit: Int) throws -> [MemoryCandidate] {
        try query(
            """
            SELECT \(Self.candidateColumns) FROM memory_records
            WHERE type = $1 AND updated_at < $2 AND pinned = 0 ORDER BY updated_at, row_id LIMIT $3
            """, [type.rawValue, cutoff, limit]
        ).map(Self.makeCandidate)
    }

    func autoPruneCandidates(after rowID: Int64, limit: Int) throws -> [MemoryCandidate] {
        try query(
            """
            SELECT \(Self.candidateColumns) FROM memory_records
            WHERE row_id > $1 AND deletion_policy = 'auto_prune' AND pinned = 0 ORDER BY row_id LIMIT $2
            """, [rowID, limit]
        ).map(Self.makeCandidate)
    }
}

extension PostgresTransaction {
    func memoryCandidate(id: String) throws -> MemoryCandidate? {
        try query("SELECT \(Self.candidateColumns) FROM memory_records WHERE id = $1", [id]).first(Self.makeCandidate)
    }

    func memoryIDs(derivedFrom id: String) throws -> [String] {
        try query(
            "SELECT DISTINCT record_id FROM memory_relations WHERE target_id = $1 AND predicate = 'derived_from' ORDER BY record_id", [id]
        ).map { $0.string(0) }
    }
}

extension PostgresTransaction {
    func redactEvent(_ r: DecisionRedaction, body: String) throws {
        _ = try execute(
            """
            INSERT INTO decision_redactions (decision_id, seq, path, original_sha256, event_hash, redacted_by, redacted_at, rationale,
                redacted_body_sha256, key_id, signature)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
            """, [r.decisionID, r.seq, r.path, r.originalSHA256, r.eventHash, r.redactedBy, r.redactedAt, r.rationale,
                  r.redactedBodySHA256, r.keyID, r.signature])
        _ = try execute("UPDATE decision_events SET body = $1 WHERE decision_id = $2 AND seq = $3", [body, r.decisionID, r.seq])
    }

    func redactions(of decisionID: String) throws -> [DecisionRedaction] {
        try query(
            """
            SELECT decision_id, seq, path, original_sha256, event_hash, redacted_by, redacted_at, rationale,
                redacted_body_sha256, key_id, signature
            FROM decision_redactions WHERE decision_id = $1 ORDER BY seq, redacted_at, path
            """, [decisionID]
        ).map { r in
            DecisionRedaction(
                decisionID: r.string(0), seq: r.int(1), path: r.string(2), originalSHA256: r.string(3), eventHash: r.string(4),
                redactedBy: r.string(5), redactedAt: r.string(6), rationale: r.string(7), redactedBodySHA256: r.string(8),
                keyID: r.string(9), signature: r.string(10))
        }
    }

    func replaceSearchText(_ decisionID: String, _ text: String) throws {
        _ = try execute(
            "DELETE FROM decision_search_text WHERE decision_rowid = (SELECT row_id FROM decisions WHERE decision_id = $1)", [decisionID])
        try appendSearchText(decisionID, text)
    }

    func eventCopies(eventID: String) throws -> (evidence: String?, writeRows: String?) {
        (try query("SELECT evidence FROM read_evidence WHERE event_id = $1", [eventID]).first { $0.string(0) },
         try query("SELECT rows FROM write_buffer WHERE event_id = $1", [eventID]).first { $0.string(0) })
    }

    func updateEventCopies(eventID: String, evidence: String?, writeRows: String?) throws {
        if let evidence { _ = try execute("UPDATE read_evidence SET evidence = $1 WHERE event_id = $2", [evidence, eventID]) }
        if let writeRows { _ = try execute("UPDATE write_buffer SET rows = $1 WHERE event_id = $2", [writeRows, eventID]) }
    }
}
