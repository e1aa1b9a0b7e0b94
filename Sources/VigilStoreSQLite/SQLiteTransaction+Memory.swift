import Foundation
import GRDB
import VigilCore

extension SQLiteTransaction {
    static let candidateColumns = """
        rowid, id, type, sensitivity, scope, status, confidence, base, created_at, updated_at, curve, half_life,
        min_salience, max_age, reinforcement_gain, last_reinforced_at, pinned
        """

    package func makeCandidate(_ row: Row) -> MemoryCandidate {
        MemoryCandidate(
            rowID: row[0], id: row[1], type: MemoryType(rawValue: row[2]) ?? .episodic,
            sensitivity: Sensitivity(level: row[3]) ?? .hyper, scope: row[4],
            status: MemoryStatus(rawValue: row[5]) ?? .active, confidence: row[6], base: row[7], createdAt: row[8],
            updatedAt: row[9],
            decay: DecayProfile(curve: row[10], halfLifeSeconds: row[11], minSalience: row[12], maxAgeSeconds: row[13],
                                reinforcementGain: row[14]),
            lastReinforcedAt: row[15], pinned: row[16])
    }

    private func rowArguments(_ r: MemoryRecord) -> StatementArguments {
        let d = r.lifecycle.decay
        return [
            r.type.rawValue, r.sensitivity.level, r.confidence, r.base, r.scope, r.status.rawValue,
            r.status.isLive ? 1 : 0, r.createdAt, r.updatedAt, d.curve, d.halfLifeSeconds, d.minSalience,
            d.maxAgeSeconds, d.reinforcementGain, r.lifecycle.lastReinforcedAt, r.lifecycle.pinned,
            r.lifecycle.deletionPolicy, r.anchor, r.isSpecial ? 1 : 0, JSONValue(r.tags).canonicalText,
            r.provenance.storedJSON.canonicalText, JSONValue.object(r.payload).canonicalText, r.auditLog.map(\.timestamp).max() ?? r.createdAt,
            r.id,
        ]
    }

    package func memoryRecordExists(_ id: String) throws -> Bool {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM memory_records WHERE id = ?"), arguments: [id]) != nil
    }

    package func memoryRelations(targeting targetID: String, predicates: [String], limit: Int) throws -> [(recordID: String, predicate: String)] {
        guard !predicates.isEmpty else { return [] }
        return try Row.fetchAll(
            db, sql: "SELECT record_id, predicate FROM memory_relations WHERE target_id = ? AND predicate IN (\(Self.marks(predicates.count))) ORDER BY created_at, record_id LIMIT ?",
            arguments: StatementArguments([targetID] + predicates) + [limit]
        ).map { (recordID: $0[0], predicate: $0[1]) }
    }

    /// Inserts a new record with its relations, audit log, search row and decision links.
    package func insertMemoryRecord(_ r: MemoryRecord) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO memory_records (type, sensitivity, confidence, base, scope, status, live, created_at,
                updated_at, curve, half_life, min_salience, max_age, reinforcement_gain, last_reinforced_at, pinned,
                deletion_policy, anchor, special, tags, provenance, payload, last_audit_at, id)
                VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
                """
        ).execute(arguments: rowArguments(r))
        let rowID = db.lastInsertedRowID
        try appendRelations(r, from: 0)
        try appendAudit(r, from: 0)
        try db.cachedStatement(sql: "INSERT INTO memory_search (rowid, summary, body) VALUES (?, ?, ?)")
            .execute(arguments: [rowID, r.summaryText, MemoryText.body(payload: r.payload, tags: r.tags)])
        try replaceLinks(r)
    }

    /// Writes back a changed record. Relations and audit entries are append-only: those past the counts in
    /// `previous` are inserted.
    package func updateMemoryRecord(_ r: MemoryRecord, previous: MemoryRecord, reindex: Bool) throws {
        try db.cachedStatement(
            sql: """
                UPDATE memory_records SET type = ?, sensitivity = ?, confidence = ?, base = ?, scope = ?, status = ?,
                live = ?, created_at = ?, updated_at = ?, curve = ?, half_life = ?, min_salience = ?, max_age = ?,
                reinforcement_gain = ?, last_reinforced_at = ?, pinned = ?, deletion_policy = ?, anchor = ?,
                special = ?, tags = ?, provenance = ?, payload = ?, last_audit_at = ? WHERE id = ?
                """
        ).execute(arguments: rowArguments(r))
        try appendRelations(r, from: previous.relations.count)
        try appendAudit(r, from: previous.auditLog.count)
        if reindex {
            guard let rowID = try Int64.fetchOne(db.cachedStatement(sql: "SELECT rowid FROM memory_records WHERE id = ?"), arguments: [r.id])
            else { return }
            try db.cachedStatement(sql: "DELETE FROM memory_search WHERE rowid = ?").execute(arguments: [rowID])
            try db.cachedStatement(sql: "INSERT INTO memory_search (rowid, summary, body) VALUES (?, ?, ?)")
                .execute(arguments: [rowID, r.summaryText, MemoryText.body(payload: r.payload, tags: r.tags)])
            try replaceLinks(r)
        }
    }

    private func appendRelations(_ r: MemoryRecord, from start: Int) throws {
        guard start < r.relations.count else { return }
        let statement = try db.cachedStatement(
            sql: "INSERT INTO memory_relations (record_id, ord, predicate, target_id, weight, created_at) VALUES (?,?,?,?,?,?)")
        for (i, rel) in r.relations.enumerated().dropFirst(start) {
            try statement.execute(arguments: [r.id, i, rel.predicate, rel.targetID, rel.weight, rel.createdAt])
        }
    }

    private func appendAudit(_ r: MemoryRecord, from start: Int) throws {
        guard start < r.auditLog.count else { return }
        let statement = try db.cachedStatement(
            sql: "INSERT INTO memory_audit (record_id, ord, action, actor, timestamp, rationale, salience) VALUES (?,?,?,?,?,?,?)")
        for (i, entry) in r.auditLog.enumerated().dropFirst(start) {
            try statement.execute(arguments: [r.id, i, entry.action, entry.actor, entry.timestamp, entry.rationale, r.salienceStamp(for: entry)])
        }
    }

    private func replaceLinks(_ r: MemoryRecord) throws {
        try db.cachedStatement(sql: "DELETE FROM memory_decision_links WHERE record_id = ?").execute(arguments: [r.id])
        for decisionID in r.linkedDecisionIDs {
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO memory_decision_links (decision_id, record_id) VALUES (?, ?)")
                .execute(arguments: [decisionID, r.id])
        }
    }

    /// The whole record: row, relations and audit log.
    package func memoryRecord(_ id: String) throws -> MemoryRecord? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM memory_records WHERE id = ?"), arguments: [id])
        else { return nil }
        return try makeRecord(row)
    }

    /// A page of records for browsing, newest first: FTS5 matches of `match` when given (walked from the newest
    /// rowid, so a common word costs no more than a rare one), at or below `maxSensitivity`, of `types` when given.
    package func memoryPage(text: TextQuery?, maxSensitivity: Int, types: [String], includeInactive: Bool, limit: Int) throws -> [MemoryRecord] {
        var conditions = ["r.sensitivity <= ?"]
        var arguments: StatementArguments = [maxSensitivity]
        if !types.isEmpty {
            conditions.append("r.type IN (\(types.map { _ in "?" }.joined(separator: ",")))")
            arguments += StatementArguments(types)
        }
        if !includeInactive { conditions.append("r.live = 1") }
        let sql: String
        if let text {
            sql = """
                SELECT r.* FROM memory_search s JOIN memory_records r ON r.rowid = s.rowid
                WHERE memory_search MATCH ? AND \(conditions.joined(separator: " AND ")) ORDER BY s.rowid DESC LIMIT ?
                """
            arguments = [Self.fts5(text)] + arguments
        } else {
            sql = "SELECT r.* FROM memory_records r WHERE \(conditions.joined(separator: " AND ")) ORDER BY r.rowid DESC LIMIT ?"
        }
        return try Row.fetchAll(db, sql: sql, arguments: arguments + [limit]).map(makeRecord)
    }

    package func memoryRecord(rowID: Int64) throws -> MemoryRecord? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM memory_records WHERE rowid = ?"), arguments: [rowID])
        else { return nil }
        return try makeRecord(row)
    }

    private func makeRecord(_ row: Row) throws -> MemoryRecord {
        let id: String = row["id"]
        let relations = try Row.fetchAll(
            db.cachedStatement(sql: "SELECT predicate, target_id, weight, created_at FROM memory_relations WHERE record_id = ? ORDER BY ord"),
            arguments: [id]
        ).map { Relation(predicate: $0[0], targetID: $0[1], weight: $0[2], createdAt: $0[3]) }
        let audit = try Row.fetchAll(
            db.cachedStatement(sql: "SELECT action, actor, timestamp, rationale, salience FROM memory_audit WHERE record_id = ? ORDER BY ord"),
            arguments: [id]
        ).map { AuditEntry(action: $0[0], actor: $0[1], timestamp: $0[2], rationale: $0[3], salience: $0[4]) }
        let provenance = Provenance(storedJSON: (try? JSONParser.parse(row["provenance"] as String)) ?? [:])
        return MemoryRecord(
            id: id, type: MemoryType(rawValue: row["type"]) ?? .episodic,
            sensitivity: Sensitivity(level: row["sensitivity"]) ?? .hyper, confidence: row["confidence"],
            base: row["base"], scope: row["scope"],
            tags: ((try? JSONParser.parse(row["tags"] as String))?.arrayValue ?? []).compactMap(\.stringValue),
            createdAt: row["created_at"], updatedAt: row["updated_at"],
            lifecycle: Lifecycle(
                decay: DecayProfile(curve: row["curve"], halfLifeSeconds: row["half_life"], minSalience: row["min_salience"],
                                    maxAgeSeconds: row["max_age"], reinforcementGain: row["reinforcement_gain"]),
                lastReinforcedAt: row["last_reinforced_at"], pinned: row["pinned"], deletionPolicy: row["deletion_policy"]),
            provenance: provenance,
            relations: relations, payload: (try? JSONParser.parse(row["payload"] as String))?.objectValue ?? [:],
            auditLog: audit, status: MemoryStatus(rawValue: row["status"]) ?? .active)
    }

    // MARK: Candidates for Retrieve

    /// Distinct half-lives among live, non-special records of `type`, found by one index seek per value.
    package func halfLives(of type: MemoryType) throws -> [Int64] {
        var out: [Int64] = []
        let statement = try db.cachedStatement(sql: """
            SELECT half_life FROM memory_records INDEXED BY memory_by_anchor
            WHERE type = ? AND live = 1 AND special = 0 AND half_life > ? ORDER BY half_life LIMIT 1
            """)
        var last = Int64.min
        while let next = try Int64.fetchOne(statement, arguments: [type.rawValue, last]) {
            out.append(next)
            last = next
        }
        return out
    }

    /// Live, non-special records of one type and half-life, in decreasing salience (at any instant).
    package func anchorCursor(type: MemoryType, halfLife: Int64) throws -> any CandidateCursor {
        CandidateStream(cursor: try Row.fetchCursor(
            db.cachedStatement(sql: """
                SELECT \(Self.candidateColumns) FROM memory_records INDEXED BY memory_by_anchor
                WHERE type = ? AND half_life = ? AND live = 1 AND special = 0 AND anchor IS NOT NULL
                ORDER BY anchor DESC
                """),
            arguments: [type.rawValue, halfLife]), transaction: self)
    }

    /// Every candidate outside the anchor order: special, zero-base, and (when asked) inactive records of `type`.
    package func unorderedCandidates(type: MemoryType, includeInactive: Bool) throws -> [MemoryCandidate] {
        var rows = try Row.fetchAll(
            db.cachedStatement(sql: """
                SELECT \(Self.candidateColumns) FROM memory_records INDEXED BY memory_unordered
                WHERE type = ? AND live = 1 AND (special = 1 OR anchor IS NULL)
                """),
            arguments: [type.rawValue])
        if includeInactive {
            rows += try Row.fetchAll(
                db.cachedStatement(sql: "SELECT \(Self.candidateColumns) FROM memory_records INDEXED BY memory_inactive WHERE type = ? AND live = 0"),
                arguments: [type.rawValue])
        }
        return rows.map(makeCandidate)
    }

    /// Every candidate of `type` (for `limit = 0` and selection).
    package func allCandidates(type: MemoryType, includeInactive: Bool) throws -> [MemoryCandidate] {
        try Row.fetchAll(
            db.cachedStatement(sql: "SELECT \(Self.candidateColumns) FROM memory_records WHERE type = ? AND (live = 1 OR ?)"),
            arguments: [type.rawValue, includeInactive]
        ).map(makeCandidate)
    }

    package func candidate(rowID: Int64) throws -> MemoryCandidate? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT \(Self.candidateColumns) FROM memory_records WHERE rowid = ?"),
                         arguments: [rowID]).map(makeCandidate)
    }

    /// Matches of an FTS5 expression with `s = −bm25(summary 2, body 1)`, best first, lazily.
    package func searchCursor(_ text: TextQuery) throws -> any SearchCursor {
        SearchMatches(cursor: try Row.fetchCursor(
            db.cachedStatement(sql: "SELECT rowid, -bm25(memory_search, 2.0, 1.0) AS s FROM memory_search WHERE memory_search MATCH ? ORDER BY rank"),
            arguments: [Self.fts5(text)]))
    }

    /// `s` for specific rows (selection candidates).
    package func searchScores(_ text: TextQuery, rowIDs: [Int64]) throws -> [Int64: Double] {
        guard !rowIDs.isEmpty else { return [:] }
        var out: [Int64: Double] = [:]
        let rows = try Row.fetchAll(
            db, sql: "SELECT rowid, -bm25(memory_search, 2.0, 1.0) FROM memory_search WHERE memory_search MATCH ? AND rowid IN (\(rowIDs.map(String.init).joined(separator: ",")))",
            arguments: [Self.fts5(text)])
        for row in rows { out[row[0]] = row[1] }
        return out
    }

    package func payload(rowID: Int64) throws -> JSONObject {
        (try String.fetchOne(db.cachedStatement(sql: "SELECT payload FROM memory_records WHERE rowid = ?"), arguments: [rowID]))
            .flatMap { try? JSONParser.parse($0).objectValue } ?? [:]
    }

    // MARK: Metrics, maintenance, links

    /// Up to `limit` records after `rowID`, in rowid order: the sweep's chunks.
    package func candidates(after rowID: Int64, limit: Int) throws -> [MemoryCandidate] {
        try Row.fetchAll(
            db.cachedStatement(sql: "SELECT \(Self.candidateColumns) FROM memory_records WHERE rowid > ? ORDER BY rowid LIMIT ?"),
            arguments: [rowID, limit]
        ).map(makeCandidate)
    }

    /// Every record's salience inputs, for metrics.
    package func forEachCandidate(_ body: (MemoryCandidate) throws -> Void) throws {
        let cursor = try Row.fetchCursor(db, sql: "SELECT \(Self.candidateColumns) FROM memory_records")
        while let row = try cursor.next() { try body(makeCandidate(row)) }
    }

    package func memoryAuditCounts() throws -> [String: Int] {
        var out: [String: Int] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT action, count(*) FROM memory_audit GROUP BY action") {
            out[row[0]] = row[1]
        }
        return out
    }

    package func memoryCount(createdAfter: Nanoseconds) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT count(*) FROM memory_records WHERE created_at > ?", arguments: [createdAfter]) ?? 0
    }

    package func payloads(of type: MemoryType) throws -> [JSONObject] {
        try String.fetchAll(db, sql: "SELECT payload FROM memory_records WHERE type = ?", arguments: [type.rawValue])
            .compactMap { try? JSONParser.parse($0).objectValue }
    }

    /// Persists a record's effective salience at `t`, as the sweep computed it.
    package func persistSweptSalience(rowID: Int64, salience: Double, at t: Nanoseconds) throws {
        try db.cachedStatement(sql: "UPDATE memory_records SET swept_salience = ?, swept_at = ? WHERE rowid = ?")
            .execute(arguments: [salience, t, rowID])
    }

    /// Auto-prune candidates whose newest audit entry is older than `cutoff`.
    package func pruneCandidates(auditBefore cutoff: Nanoseconds) throws -> [MemoryCandidate] {
        try Row.fetchAll(
            db, sql: """
                SELECT \(Self.candidateColumns) FROM memory_records INDEXED BY memory_by_prune
                WHERE deletion_policy = 'auto_prune' AND pinned = 0 AND last_audit_at < ?
                """,
            arguments: [cutoff]
        ).map(makeCandidate)
    }

    /// Whether a revision relation touching `id` was created at or after `cutoff`.
    package func hasRecentRevisionRelation(_ id: String, since cutoff: Nanoseconds) throws -> Bool {
        try Int.fetchOne(
            db, sql: """
                SELECT 1 FROM memory_relations WHERE (record_id = ? OR target_id = ?)
                AND predicate IN ('supersedes', 'derived_from', 'contested_by') AND created_at >= ? LIMIT 1
                """,
            arguments: [id, id, cutoff]) != nil
    }

    /// Deletes a record (prune only): row, outgoing relations, audit entries, search row, links; writes a tombstone.
    package func pruneMemoryRecord(_ c: MemoryCandidate, at t: Nanoseconds, reason: String) throws {
        try db.execute(sql: "DELETE FROM memory_search WHERE rowid = ?", arguments: [c.rowID])
        try db.execute(sql: "DELETE FROM memory_relations WHERE record_id = ?", arguments: [c.id])
        try db.execute(sql: "DELETE FROM memory_audit WHERE record_id = ?", arguments: [c.id])
        try db.execute(sql: "DELETE FROM memory_decision_links WHERE record_id = ?", arguments: [c.id])
        try db.execute(sql: "DELETE FROM memory_records WHERE id = ?", arguments: [c.id])
        try db.execute(
            sql: "INSERT OR REPLACE INTO memory_tombstones (id, type, pruned_at, reason) VALUES (?, ?, ?, ?)",
            arguments: [c.id, c.type.rawValue, t, reason])
    }

    package func tombstone(_ id: String) throws -> (type: String, prunedAt: Nanoseconds, reason: String)? {
        guard let row = try Row.fetchOne(db, sql: "SELECT type, pruned_at, reason FROM memory_tombstones WHERE id = ?", arguments: [id])
        else { return nil }
        return (row[0], row[1], row[2])
    }

    package func recordIDs(linkedTo decisionID: String) throws -> [String] {
        try String.fetchAll(db, sql: "SELECT record_id FROM memory_decision_links WHERE decision_id = ? ORDER BY record_id",
                            arguments: [decisionID])
    }

    package func decisionIDs(linkedFrom recordID: String) throws -> [String] {
        try String.fetchAll(db, sql: "SELECT decision_id FROM memory_decision_links WHERE record_id = ? ORDER BY decision_id",
                            arguments: [recordID])
    }


    package func markConsolidated(stage: String, recordID: String) throws {
        try db.execute(sql: "INSERT OR IGNORE INTO memory_consolidation_log (stage, record_id) VALUES (?, ?)",
                       arguments: [stage, recordID])
    }

    private static func condition(_ filter: EpisodeFilter) -> (sql: String, arguments: StatementArguments) {
        let sql: String
        switch filter {
        case .liveCreatedBefore: sql = "live = 1 AND created_at <= ?"
        case .successful: sql = "json_extract(payload, '$.outcome') = 'success'"
        case .successfulWithTools:
            sql = "json_extract(payload, '$.outcome') = 'success' AND json_array_length(payload, '$.tool_graph') > 0"
        case .withThreeOrMoreTools: sql = "json_array_length(payload, '$.tool_graph') >= 3"
        }
        if case .liveCreatedBefore(let t) = filter { return (sql, [t]) }
        return (sql, [])
    }

    /// Episodic records a consolidation stage has not processed yet, oldest first.
    package func unconsolidatedEpisodes(stage: String, _ filter: EpisodeFilter) throws -> [MemoryRecord] {
        let (condition, arguments) = Self.condition(filter)
        let ids = try String.fetchAll(
            db, sql: """
                SELECT id FROM memory_records r WHERE type = 'episodic' AND \(condition)
                AND NOT EXISTS (SELECT 1 FROM memory_consolidation_log l WHERE l.stage = ? AND l.record_id = r.id)
                ORDER BY created_at, id
                """,
            arguments: arguments + [stage])
        return try ids.compactMap { try memoryRecord($0) }
    }

    /// The active semantic record with this subject and predicate, if any.
    package func activeFact(subject: String, predicate: String) throws -> MemoryRecord? {
        try String.fetchOne(
            db, sql: """
                SELECT id FROM memory_records WHERE type = 'semantic' AND status = 'active'
                AND json_extract(payload, '$.subject') = ? AND json_extract(payload, '$.predicate') = ?
                ORDER BY created_at, id LIMIT 1
                """,
            arguments: [subject, predicate]
        ).flatMap { try memoryRecord($0) }
    }

    /// The competence record with this skill name, if any.
    package func competence(skill: String) throws -> MemoryRecord? {
        try String.fetchOne(
            db, sql: "SELECT id FROM memory_records WHERE type = 'competence' AND json_extract(payload, '$.skill_name') = ? ORDER BY created_at, id LIMIT 1",
            arguments: [skill]
        ).flatMap { try memoryRecord($0) }
    }
}

/// Rows of a lazy candidate query, as domain values.
struct CandidateStream: CandidateCursor {
    let cursor: RowCursor
    let transaction: SQLiteTransaction

    package func next() throws -> MemoryCandidate? {
        try cursor.next().map(transaction.makeCandidate)
    }
}

/// Full-text matches, best first: the record's rowid and its relevance `s = −bm25` (always > 0).
struct SearchMatches: SearchCursor {
    let cursor: RowCursor

    package func next() throws -> (rowID: Int64, s: Double)? {
        try cursor.next().map { ($0[0], $0[1]) }
    }
}

extension SQLiteTransaction {
    /// The newest change sequence number (0 when nothing changed yet).
    package func latestMemoryChange() throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT coalesce(max(seq), 0) FROM memory_changes") ?? 0
    }

    /// The oldest change still in the log, or `nil` when the log is empty.
    package func oldestMemoryChange() throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT min(seq) FROM memory_changes")
    }

    /// Drops all but the newest `keep` change-log entries; an index further behind than that rebuilds.
    package func trimMemoryChanges(keep: Int64) throws {
        try db.execute(sql: "DELETE FROM memory_changes WHERE seq <= (SELECT max(seq) FROM memory_changes) - ?", arguments: [keep])
    }

    /// Rowids changed after `seq`, with the newest sequence number seen.
    package func memoryChanges(after seq: Int64) throws -> (rowIDs: [Int64], latest: Int64) {
        let rows = try Row.fetchAll(
            db.cachedStatement(sql: "SELECT seq, row_id FROM memory_changes WHERE seq > ? ORDER BY seq"), arguments: [seq])
        return (rows.map { $0[1] }, rows.last.map { $0[0] } ?? seq)
    }

    /// Records for the relevance index: every one (`rowIDs` nil) or the given ones. Missing rowids were deleted.
    /// The text comes straight from the full-text table, exactly as FTS5 indexed it.
    package func indexedRecords(_ rowIDs: [Int64]?, _ body: (Int64, IndexedRecord?) throws -> Void) throws {
        let sql = """
            SELECT \(Self.candidateColumns.split(separator: ",").map { "r." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(separator: ", ")),
            s.summary, s.body FROM memory_records r JOIN memory_search s ON s.rowid = r.rowid
            """
        func make(_ row: Row) -> IndexedRecord {
            IndexedRecord(candidate: makeCandidate(row), summary: row[17] ?? "", body: row[18] ?? "")
        }
        if let rowIDs {
            let statement = try db.cachedStatement(sql: sql + " WHERE r.rowid = ?")
            for rowID in rowIDs {
                try body(rowID, try Row.fetchOne(statement, arguments: [rowID]).map(make))
            }
        } else {
            let cursor = try Row.fetchCursor(db, sql: sql + " ORDER BY r.rowid")
            while let row = try cursor.next() { try body(row[0], make(row)) }
        }
    }
}
