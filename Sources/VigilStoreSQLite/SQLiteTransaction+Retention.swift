import GRDB
import VigilCore

extension SQLiteTransaction {
    package func closedDecisions(before cutoff: String, limit: Int) throws -> [String] {
        try String.fetchAll(
            db,
            sql: """
                SELECT decision_id FROM decisions WHERE status IN ('committed', 'aborted') AND closed_at < ?
                ORDER BY closed_at, decision_id LIMIT ?
                """,
            arguments: [cutoff, limit])
    }

    package func closedDecisionCounts(before cutoff: String) throws -> (decisions: Int, events: Int, approvals: Int) {
        let row = try Row.fetchOne(
            db,
            sql: """
                SELECT count(*), coalesce(sum(event_count), 0),
                    (SELECT count(*) FROM approvals a WHERE a.decision_id IN
                        (SELECT decision_id FROM decisions WHERE status IN ('committed', 'aborted') AND closed_at < ?1))
                FROM decisions WHERE status IN ('committed', 'aborted') AND closed_at < ?1
                """,
            arguments: [cutoff])
        return (row?[0] ?? 0, row?[1] ?? 0, row?[2] ?? 0)
    }

    package func pruneDecision(_ id: String, at: String, reason: String) throws {
        guard let rowID = try Int64.fetchOne(db, sql: "SELECT rowid FROM decisions WHERE decision_id = ?", arguments: [id]) else { return }
        // The tombstone first: the trigger that keeps events append-only lets them go only for a tombstoned decision.
        try db.execute(
            sql: """
                INSERT OR REPLACE INTO decision_tombstones
                    (decision_id, agent_id, intent, status, closed_at, event_count, head_hash, pruned_at, reason)
                SELECT decision_id, agent_id, intent, status, closed_at, event_count, head_hash, ?, ? FROM decisions WHERE decision_id = ?
                """,
            arguments: [at, reason, id])
        try db.execute(sql: "DELETE FROM decision_search WHERE rowid = ?", arguments: [rowID])
        try db.execute(sql: "DELETE FROM decision_search_text WHERE decision_rowid = ?", arguments: [rowID])
        try db.execute(sql: "DELETE FROM decision_search_stale WHERE decision_rowid = ?", arguments: [rowID])
        try db.execute(sql: "DELETE FROM decision_events WHERE decision_id = ?", arguments: [id])
        try db.execute(sql: "DELETE FROM read_evidence WHERE decision_id = ?", arguments: [id])
        try db.execute(sql: "DELETE FROM write_buffer WHERE decision_id = ?", arguments: [id])
        try db.execute(
            sql: "DELETE FROM write_idempotency WHERE agent_id = (SELECT agent_id FROM decisions WHERE decision_id = ?1) AND decision_id = ?1",
            arguments: [id])
        try db.execute(sql: "DELETE FROM approvals WHERE decision_id = ?", arguments: [id])
        try db.execute(sql: "DELETE FROM receipts WHERE decision_id = ?", arguments: [id])
        try db.execute(sql: "DELETE FROM memory_decision_links WHERE decision_id = ?", arguments: [id])
        try db.execute(sql: "DELETE FROM decision_redactions WHERE decision_id = ?", arguments: [id])
        try db.execute(sql: "DELETE FROM decisions WHERE decision_id = ?", arguments: [id])
    }

    package func approvalCount(decisionID: String) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT count(*) FROM approvals WHERE decision_id = ?", arguments: [decisionID]) ?? 0
    }

    package func decisionTombstone(_ id: String) throws -> DecisionTombstone? {
        try Row.fetchOne(
            db,
            sql: """
                SELECT decision_id, agent_id, intent, status, closed_at, event_count, head_hash, pruned_at, reason
                FROM decision_tombstones WHERE decision_id = ?
                """,
            arguments: [id]
        ).map { r in
            DecisionTombstone(
                decisionID: r[0], agentID: r[1], intent: r[2], status: r[3], closedAt: r[4], eventCount: r[5], headHash: r[6],
                prunedAt: r[7], reason: r[8])
        }
    }

    package func memoryRetentionCandidates(type: MemoryType, changedBefore cutoff: Nanoseconds, limit: Int) throws -> [MemoryCandidate] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT \(Self.candidateColumns) FROM memory_records INDEXED BY memory_by_type_updated
                WHERE type = ? AND updated_at < ? AND pinned = 0 ORDER BY updated_at, rowid LIMIT ?
                """,
            arguments: [type.rawValue, cutoff, limit]
        ).map(makeCandidate)
    }

    package func autoPruneCandidates(after rowID: Int64, limit: Int) throws -> [MemoryCandidate] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT \(Self.candidateColumns) FROM memory_records
                WHERE rowid > ? AND deletion_policy = 'auto_prune' AND pinned = 0 ORDER BY rowid LIMIT ?
                """,
            arguments: [rowID, limit]
        ).map(makeCandidate)
    }
}

extension SQLiteStore {
    /// An incremental vacuum: the free pages deleted rows left are cut from the end of the file (after the next
    /// checkpoint, in WAL mode), in one short write. Stores created before vigil turned `auto_vacuum` on keep their
    /// free pages for reuse instead; ``compact()`` converts them once.
    package func reclaimSpace() throws -> Int64 {
        do {
            return try pool.writeWithoutTransaction { db in
                let pageSize = try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 4096
                let before = try Int64.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0
                guard try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") == 2, before > 0 else { return 0 }
                try db.execute(sql: "PRAGMA incremental_vacuum")
                let after = try Int64.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0
                _ = try? db.checkpoint(.passive)
                return (before - after) * pageSize
            }
        } catch let error as DatabaseError {
            throw StoreError.from(error, path: path)
        }
    }

    /// A full `VACUUM`: rewrites the file without free pages and with incremental auto-vacuum on, so later
    /// retention runs give space back by themselves. It holds writers off while it runs (seconds per hundred MB).
    /// Returns the bytes given back.
    public func compact() throws -> Int64 {
        let before = usage().bytes
        do {
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL")
                try db.execute(sql: "VACUUM")
                _ = try? db.checkpoint(.truncate)
            }
        } catch let error as DatabaseError {
            throw StoreError.from(error, path: path)
        }
        return max(0, before - usage().bytes)
    }

    /// `PRAGMA page_count`: the file's size in pages, once checkpointed.
    package func pageCount() throws -> Int {
        try pool.read { db in try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0 }
    }

    /// `PRAGMA auto_vacuum` (0 none, 2 incremental) and the free pages in the file.
    package func vacuumState() throws -> (autoVacuum: Int, freePages: Int) {
        try pool.read { db in (try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") ?? 0, try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0) }
    }
}

extension SQLiteTransaction {
    package func memoryCandidate(id: String) throws -> MemoryCandidate? {
        try Row.fetchOne(db, sql: "SELECT \(Self.candidateColumns) FROM memory_records WHERE id = ?", arguments: [id]).map(makeCandidate)
    }

    package func memoryIDs(derivedFrom id: String) throws -> [String] {
        try String.fetchAll(
            db, sql: "SELECT DISTINCT record_id FROM memory_relations WHERE target_id = ? AND predicate = 'derived_from' ORDER BY record_id",
            arguments: [id])
    }
}

extension SQLiteStore {
    package func erasing<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        do {
            return try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA secure_delete = ON")
                defer { try? db.execute(sql: "PRAGMA secure_delete = OFF") }
                var value: T?
                try db.inTransaction {
                    value = try body(SQLiteTransaction(db: db))
                    // Deleted rows' words stay in FTS5's segments until they are merged.
                    try db.execute(sql: "INSERT INTO memory_search (memory_search) VALUES ('optimize')")
                    try db.execute(sql: "INSERT INTO decision_search (decision_search) VALUES ('optimize')")
                    return .commit
                }
                if try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") == 2 { try db.execute(sql: "PRAGMA incremental_vacuum") }
                // The log still holds the pages as they were before: copy back and empty it (best effort while
                // readers hold old snapshots; the next checkpoint finishes the job).
                _ = try? db.checkpoint(.truncate)
                return value!
            }
        } catch let error as DatabaseError {
            throw StoreError.from(error, path: path)
        }
    }
}

extension SQLiteTransaction {
    package func redactEvent(_ r: DecisionRedaction, body: String) throws {
        try db.execute(
            sql: """
                INSERT INTO decision_redactions
                    (decision_id, seq, path, original_sha256, event_hash, redacted_by, redacted_at, rationale,
                     redacted_body_sha256, key_id, signature)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [r.decisionID, r.seq, r.path, r.originalSHA256, r.eventHash, r.redactedBy, r.redactedAt, r.rationale,
                        r.redactedBodySHA256, r.keyID, r.signature])
        try db.execute(
            sql: "UPDATE decision_events SET body = ? WHERE decision_id = ? AND seq = ?", arguments: [body, r.decisionID, r.seq])
    }

    package func redactions(of decisionID: String) throws -> [DecisionRedaction] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT decision_id, seq, path, original_sha256, event_hash, redacted_by, redacted_at, rationale,
                    redacted_body_sha256, key_id, signature
                FROM decision_redactions WHERE decision_id = ? ORDER BY seq, redacted_at, path
                """,
            arguments: [decisionID]
        ).map { r in
            DecisionRedaction(
                decisionID: r[0], seq: r[1], path: r[2], originalSHA256: r[3], eventHash: r[4], redactedBy: r[5], redactedAt: r[6],
                rationale: r[7], redactedBodySHA256: r[8], keyID: r[9], signature: r[10])
        }
    }

    package func replaceSearchText(_ decisionID: String, _ text: String) throws {
        try db.execute(
            sql: "DELETE FROM decision_search_text WHERE decision_rowid = (SELECT rowid FROM decisions WHERE decision_id = ?)",
            arguments: [decisionID])
        try appendSearchText(decisionID, text)
    }

    package func eventCopies(eventID: String) throws -> (evidence: String?, writeRows: String?) {
        (try String.fetchOne(db, sql: "SELECT evidence FROM read_evidence WHERE event_id = ?", arguments: [eventID]),
         try String.fetchOne(db, sql: "SELECT rows FROM write_buffer WHERE event_id = ?", arguments: [eventID]))
    }

    package func updateEventCopies(eventID: String, evidence: String?, writeRows: String?) throws {
        if let evidence { try db.execute(sql: "UPDATE read_evidence SET evidence = ? WHERE event_id = ?", arguments: [evidence, eventID]) }
        if let writeRows { try db.execute(sql: "UPDATE write_buffer SET rows = ? WHERE event_id = ?", arguments: [writeRows, eventID]) }
    }
}
