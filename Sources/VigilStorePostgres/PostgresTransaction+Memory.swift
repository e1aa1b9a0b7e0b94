import Foundation
import VigilCore

extension PostgresTransaction {
    static let candidateColumns = """
        row_id, id, type, sensitivity, scope, status, confidence, base, created_at, updated_at, curve, half_life,
        min_salience, max_age, reinforcement_gain, last_reinforced_at, pinned
        """

    static func makeCandidate(_ row: PostgresRow) -> MemoryCandidate {
        MemoryCandidate(
            rowID: row.int64(0), id: row.string(1), type: MemoryType(rawValue: row.string(2)) ?? .episodic,
            sensitivity: Sensitivity(level: row.int(3)) ?? .hyper, scope: row.string(4),
            status: MemoryStatus(rawValue: row.string(5)) ?? .active, confidence: row.double(6), base: row.double(7),
            createdAt: row.int64(8), updatedAt: row.int64(9),
            decay: DecayProfile(
                curve: row.string(10), halfLifeSeconds: row.int64(11), minSalience: row.double(12),
                maxAgeSeconds: row.int64(13), reinforcementGain: row.double(14)),
            lastReinforcedAt: row.int64(15), pinned: row.bool(16))
    }

    private func rowParameters(_ r: MemoryRecord) -> [any PostgresBindable] {
        let d = r.lifecycle.decay
        return [
            r.type.rawValue, r.sensitivity.level, r.confidence, r.base, r.scope, r.status.rawValue,
            r.status.isLive ? 1 : 0, r.createdAt, r.updatedAt, d.curve, d.halfLifeSeconds, d.minSalience,
            d.maxAgeSeconds, d.reinforcementGain, r.lifecycle.lastReinforcedAt, r.lifecycle.pinned,
            r.lifecycle.deletionPolicy, r.anchor, r.isSpecial ? 1 : 0, JSONValue(r.tags).canonicalText,
            r.provenance.storedJSON.canonicalText, JSONValue.object(r.payload).canonicalText,
            r.auditLog.map(\.timestamp).max() ?? r.createdAt, r.id,
        ]
    }

    func memoryRecordExists(_ id: String) throws -> Bool {
        try query("SELECT 1 FROM memory_records WHERE id = $1", [id]).first { _ in true } ?? false
    }

    func memoryRelations(targeting targetID: String, predicates: [String], limit: Int) throws -> [(recordID: String, predicate: String)] {
        guard !predicates.isEmpty else { return [] }
        let marks = predicates.indices.map { "$\($0 + 2)" }.joined(separator: ",")
        return try query(
            "SELECT record_id, predicate FROM memory_relations WHERE target_id = $1 AND predicate IN (\(marks)) ORDER BY created_at, record_id LIMIT \(limit)",
            [targetID] + predicates
        ).map { (recordID: $0.string(0), predicate: $0.string(1)) }
    }

    func insertMemoryRecord(_ r: MemoryRecord) throws {
        let rowID = try query(
            """
            INSERT INTO memory_records (type, sensitivity, confidence, base, scope, status, live, created_at,
            updated_at, curve, half_life, min_salience, max_age, reinforcement_gain, last_reinforced_at, pinned,
            deletion_policy, anchor, special, tags, provenance, payload, last_audit_at, id)
            VALUES (\(Self.placeholders(24))) RETURNING row_id
            """, rowParameters(r)
        ).first { $0.int64(0) } ?? 0
        try appendRelations(r, from: 0)
        try appendAudit(r, from: 0)
        try writeMemoryDocument(rowID: rowID, summary: r.summaryText, body: MemoryText.body(payload: r.payload, tags: r.tags))
        try replaceLinks(r)
    }

    func updateMemoryRecord(_ r: MemoryRecord, previous: MemoryRecord, reindex: Bool) throws {
        let rowID = try query(
            """
            UPDATE memory_records SET type = $1, sensitivity = $2, confidence = $3, base = $4, scope = $5, status = $6,
            live = $7, created_at = $8, updated_at = $9, curve = $10, half_life = $11, min_salience = $12, max_age = $13,
            reinforcement_gain = $14, last_reinforced_at = $15, pinned = $16, deletion_policy = $17, anchor = $18,
            special = $19, tags = $20, provenance = $21, payload = $22, last_audit_at = $23 WHERE id = $24
            RETURNING row_id
            """, rowParameters(r)
        ).first { $0.int64(0) }
        try appendRelations(r, from: previous.relations.count)
        try appendAudit(r, from: previous.auditLog.count)
        if reindex, let rowID {
            try writeMemoryDocument(rowID: rowID, summary: r.summaryText, body: MemoryText.body(payload: r.payload, tags: r.tags))
            try replaceLinks(r)
        }
    }

    private func appendRelations(_ r: MemoryRecord, from start: Int) throws {
        for (i, rel) in r.relations.enumerated().dropFirst(start) {
            try execute(
                "INSERT INTO memory_relations (record_id, ord, predicate, target_id, weight, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                [r.id, i, rel.predicate, rel.targetID, rel.weight, rel.createdAt])
        }
    }

    private func appendAudit(_ r: MemoryRecord, from start: Int) throws {
        for (i, entry) in r.auditLog.enumerated().dropFirst(start) {
            try execute(
                "INSERT INTO memory_audit (record_id, ord, action, actor, timestamp, rationale, salience) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                [r.id, i, entry.action, entry.actor, entry.timestamp, entry.rationale, r.salienceStamp(for: entry)])
        }
    }

    private func replaceLinks(_ r: MemoryRecord) throws {
        try execute("DELETE FROM memory_decision_links WHERE record_id = $1", [r.id])
        for decisionID in r.linkedDecisionIDs {
            try execute(
                "INSERT INTO memory_decision_links (decision_id, record_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                [decisionID, r.id])
        }
    }

    private static let recordColumns = """
        id, type, sensitivity, confidence, base, scope, tags, created_at, updated_at, curve, half_life, min_salience,
        max_age, reinforcement_gain, last_reinforced_at, pinned, deletion_policy, provenance, payload, status
        """

    /// In a write transaction the record stays locked until commit, so two servers revising it take turns.
    func memoryRecord(_ id: String) throws -> MemoryRecord? {
        try records(query("SELECT \(Self.recordColumns) FROM memory_records WHERE id = $1\(lock)", [id])).first
    }

    func memoryRecord(rowID: Int64) throws -> MemoryRecord? {
        try records(query("SELECT \(Self.recordColumns) FROM memory_records WHERE row_id = $1", [rowID])).first
    }

    func memoryPage(text: TextQuery?, maxSensitivity: Int, types: [String], includeInactive: Bool, limit: Int) throws -> [MemoryRecord] {
        var parameters: [any PostgresBindable] = [maxSensitivity]
        var conditions = ["r.sensitivity <= $1"]
        if !types.isEmpty {
            conditions.append("r.type IN (\(Self.placeholders(types.count, from: 2)))")
            parameters += types as [any PostgresBindable]
        }
        if !includeInactive { conditions.append("r.live = 1") }
        guard let text else {
            parameters.append(limit)
            return try records(query(
                """
                SELECT \(Self.recordColumns("r")) FROM memory_records r WHERE \(conditions.joined(separator: " AND "))
                ORDER BY r.row_id DESC LIMIT $\(parameters.count)
                """, parameters))
        }
        let phrases = Self.phrases(text)
        guard !phrases.isEmpty else { return [] }
        parameters.append(Self.tsquery(phrases, mode: text.mode))
        conditions.append("s.doc @@ $\(parameters.count)::tsquery")
        // Single words match exactly in the index; a phrase is checked in the text, so it reads past the limit.
        let exact = phrases.allSatisfy { $0.count == 1 }
        var limitClause = ""
        if exact {
            parameters.append(limit)
            limitClause = " LIMIT $\(parameters.count)"
        }
        let rows = try query(
            """
            SELECT \(Self.recordColumns("r")), s.summary, s.body FROM memory_search s JOIN memory_records r ON r.row_id = s.row_id
            WHERE \(conditions.joined(separator: " AND ")) ORDER BY s.row_id DESC\(limitClause)
            """, parameters)
        var kept: [MemoryRecord] = []
        let matched = rows.map { row in
            (id: row.string(0), summary: row.string(20), body: row.string(21))
        }.filter { candidate in
            exact || phrases.allSatisfy { phrase in
                BM25.instances(of: phrase, in: SearchTokenizer.tokens(candidate.summary)) > 0
                    || BM25.instances(of: phrase, in: SearchTokenizer.tokens(candidate.body)) > 0
            }
        }.prefix(limit)
        for candidate in matched { if let record = try memoryRecordUnlocked(candidate.id) { kept.append(record) } }
        return kept
    }

    private func memoryRecordUnlocked(_ id: String) throws -> MemoryRecord? {
        try records(query("SELECT \(Self.recordColumns) FROM memory_records WHERE id = $1", [id])).first
    }

    private static func recordColumns(_ alias: String) -> String {
        recordColumns.split(separator: ",").map { alias + "." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .joined(separator: ", ")
    }

    /// Decodes rows selected with ``recordColumns``, with each record's relations and audit log.
    private func records(_ rows: PostgresRows) throws -> [MemoryRecord] {
        let partial = rows.map { row in
            (id: row.string(0), type: row.string(1), sensitivity: row.int(2), confidence: row.double(3), base: row.double(4),
             scope: row.string(5), tags: row.string(6), createdAt: row.int64(7), updatedAt: row.int64(8),
             decay: DecayProfile(
                curve: row.string(9), halfLifeSeconds: row.int64(10), minSalience: row.double(11),
                maxAgeSeconds: row.int64(12), reinforcementGain: row.double(13)),
             lastReinforcedAt: row.int64(14), pinned: row.bool(15), deletionPolicy: row.string(16),
             provenance: row.string(17), payload: row.string(18), status: row.string(19))
        }
        return try partial.map { p in
            let relations = try query(
                "SELECT predicate, target_id, weight, created_at FROM memory_relations WHERE record_id = $1 ORDER BY ord", [p.id]
            ).map { Relation(predicate: $0.string(0), targetID: $0.string(1), weight: $0.double(2), createdAt: $0.int64(3)) }
            let audit = try query(
                "SELECT action, actor, timestamp, rationale, salience FROM memory_audit WHERE record_id = $1 ORDER BY ord", [p.id]
            ).map {
                AuditEntry(action: $0.string(0), actor: $0.string(1), timestamp: $0.int64(2), rationale: $0.string(3), salience: $0.optionalDouble(4))
            }
            let provenance = Provenance(storedJSON: StoredJSON.parse(p.provenance) ?? [:])
            return MemoryRecord(
                id: p.id, type: MemoryType(rawValue: p.type) ?? .episodic,
                sensitivity: Sensitivity(level: p.sensitivity) ?? .hyper, confidence: p.confidence, base: p.base,
                scope: p.scope, tags: StoredJSON.strings(p.tags) ?? [], createdAt: p.createdAt, updatedAt: p.updatedAt,
                lifecycle: Lifecycle(
                    decay: p.decay, lastReinforcedAt: p.lastReinforcedAt, pinned: p.pinned, deletionPolicy: p.deletionPolicy),
                provenance: provenance,
                relations: relations, payload: StoredJSON.parse(p.payload)?.objectValue ?? [:], auditLog: audit,
                status: MemoryStatus(rawValue: p.status) ?? .active)
        }
    }

    // MARK: Candidates for Retrieve

    /// Distinct half-lives, found by one index seek per value (PostgreSQL has no skip scan: a recursive query is one).
    func halfLives(of type: MemoryType) throws -> [Int64] {
        try query(
            """
            WITH RECURSIVE h(v) AS (
                SELECT min(half_life) FROM memory_records WHERE type = $1 AND live = 1 AND special = 0
                UNION ALL
                SELECT (SELECT min(half_life) FROM memory_records WHERE type = $1 AND live = 1 AND special = 0 AND half_life > h.v)
                FROM h WHERE h.v IS NOT NULL
            )
            SELECT v FROM h WHERE v IS NOT NULL
            """, [type.rawValue]
        ).map { $0.int64(0) }
    }

    /// A server-side cursor: Retrieve reads the best candidates first and usually stops long before the end.
    func anchorCursor(type: MemoryType, halfLife: Int64) throws -> any CandidateCursor {
        let name = "vigil_anchor_\(UInt32.random(in: 0...UInt32.max))"
        try execute(
            """
            DECLARE \(name) NO SCROLL CURSOR FOR SELECT \(Self.candidateColumns) FROM memory_records
            WHERE type = $1 AND half_life = $2 AND live = 1 AND special = 0 AND anchor IS NOT NULL
            ORDER BY anchor DESC, row_id ASC
            """, [type.rawValue, halfLife], prepare: false)
        return PortalCursor(transaction: self, name: name)
    }

    func unorderedCandidates(type: MemoryType, includeInactive: Bool) throws -> [MemoryCandidate] {
        var rows = try query(
            """
            SELECT \(Self.candidateColumns) FROM memory_records
            WHERE type = $1 AND live = 1 AND (special = 1 OR anchor IS NULL) ORDER BY row_id
            """, [type.rawValue]
        ).map(Self.makeCandidate)
        if includeInactive {
            rows += try query(
                "SELECT \(Self.candidateColumns) FROM memory_records WHERE type = $1 AND live = 0 ORDER BY row_id",
                [type.rawValue]
            ).map(Self.makeCandidate)
        }
        return rows
    }

    func allCandidates(type: MemoryType, includeInactive: Bool) throws -> [MemoryCandidate] {
        try query(
            """
            SELECT \(Self.candidateColumns) FROM memory_records WHERE type = $1 AND (live = 1 OR $2 = 1)
            ORDER BY live, row_id
            """, [type.rawValue, includeInactive]
        ).map(Self.makeCandidate)
    }

    func candidate(rowID: Int64) throws -> MemoryCandidate? {
        try query("SELECT \(Self.candidateColumns) FROM memory_records WHERE row_id = $1", [rowID]).first(Self.makeCandidate)
    }

    func payload(rowID: Int64) throws -> JSONObject {
        let payload = try query("SELECT payload FROM memory_records WHERE row_id = $1", [rowID])
            .first { StoredJSON.parse($0[0])?.objectValue }
        return (payload ?? nil) ?? [:]
    }

    // MARK: Metrics, maintenance, links

    func candidates(after rowID: Int64, limit: Int) throws -> [MemoryCandidate] {
        try query(
            "SELECT \(Self.candidateColumns) FROM memory_records WHERE row_id > $1 ORDER BY row_id LIMIT $2", [rowID, limit]
        ).map(Self.makeCandidate)
    }

    func forEachCandidate(_ body: (MemoryCandidate) throws -> Void) throws {
        var after: Int64 = 0
        while true {
            let chunk = try candidates(after: after, limit: 10_000)
            for candidate in chunk { try body(candidate) }
            guard let last = chunk.last, chunk.count == 10_000 else { return }
            after = last.rowID
        }
    }

    func memoryAuditCounts() throws -> [String: Int] {
        var out: [String: Int] = [:]
        for (action, count) in try query("SELECT action, count(*) FROM memory_audit GROUP BY action").map({ ($0.string(0), $0.int(1)) }) {
            out[action] = count
        }
        return out
    }

    func memoryCount(createdAfter: Nanoseconds) throws -> Int {
        try query("SELECT count(*) FROM memory_records WHERE created_at > $1", [createdAfter]).first { $0.int(0) } ?? 0
    }

    func payloads(of type: MemoryType) throws -> [JSONObject] {
        try query("SELECT payload FROM memory_records WHERE type = $1 ORDER BY live, row_id", [type.rawValue])
            .map { StoredJSON.parse($0[0])?.objectValue }.compactMap { $0 }
    }

    func persistSweptSalience(rowID: Int64, salience: Double, at t: Nanoseconds) throws {
        try execute("UPDATE memory_records SET swept_salience = $1, swept_at = $2 WHERE row_id = $3", [salience, t, rowID])
    }

    func pruneCandidates(auditBefore cutoff: Nanoseconds) throws -> [MemoryCandidate] {
        try query(
            """
            SELECT \(Self.candidateColumns) FROM memory_records
            WHERE deletion_policy = 'auto_prune' AND pinned = 0 AND last_audit_at < $1 ORDER BY last_audit_at, row_id
            """, [cutoff]
        ).map(Self.makeCandidate)
    }

    func hasRecentRevisionRelation(_ id: String, since cutoff: Nanoseconds) throws -> Bool {
        try query(
            """
            SELECT 1 FROM memory_relations WHERE (record_id = $1 OR target_id = $1)
            AND predicate IN ('supersedes', 'derived_from', 'contested_by') AND created_at >= $2 LIMIT 1
            """, [id, cutoff]
        ).first { _ in true } ?? false
    }

    func pruneMemoryRecord(_ c: MemoryCandidate, at t: Nanoseconds, reason: String) throws {
        try execute("DELETE FROM memory_search WHERE row_id = $1", [c.rowID])
        try execute("DELETE FROM memory_relations WHERE record_id = $1", [c.id])
        try execute("DELETE FROM memory_audit WHERE record_id = $1", [c.id])
        try execute("DELETE FROM memory_decision_links WHERE record_id = $1", [c.id])
        try execute("DELETE FROM memory_records WHERE id = $1", [c.id])
        try execute(
            """
            INSERT INTO memory_tombstones (id, type, pruned_at, reason) VALUES ($1, $2, $3, $4)
            ON CONFLICT (id) DO UPDATE SET type = excluded.type, pruned_at = excluded.pruned_at, reason = excluded.reason
            """, [c.id, c.type.rawValue, t, reason])
    }

    func tombstone(_ id: String) throws -> (type: String, prunedAt: Nanoseconds, reason: String)? {
        try query("SELECT type, pruned_at, reason FROM memory_tombstones WHERE id = $1", [id])
            .first { ($0.string(0), $0.int64(1), $0.string(2)) }
    }

    func recordIDs(linkedTo decisionID: String) throws -> [String] {
        try query("SELECT record_id FROM memory_decision_links WHERE decision_id = $1 ORDER BY record_id", [decisionID])
            .map { $0.string(0) }
    }

    func decisionIDs(linkedFrom recordID: String) throws -> [String] {
        try query("SELECT decision_id FROM memory_decision_links WHERE record_id = $1 ORDER BY decision_id", [recordID])
            .map { $0.string(0) }
    }

    func markConsolidated(stage: String, recordID: String) throws {
        try execute(
            "INSERT INTO memory_consolidation_log (stage, record_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", [stage, recordID])
    }

    /// A JSON member of the payload that is a string equal to `$n`, as SQLite's `json_extract(payload, '$.key') = ?`.
    private static func payloadString(_ key: String, equals parameter: String) -> String {
        "(jsonb_typeof((payload::jsonb) -> '\(key)') = 'string' AND (payload::jsonb) ->> '\(key)' = \(parameter))"
    }

    /// The length of a payload member that is an array, 0 when it is anything else (as SQLite's `json_array_length`).
    private static func payloadArrayLength(_ key: String) -> String {
        "(CASE WHEN jsonb_typeof((payload::jsonb) -> '\(key)') = 'array' THEN jsonb_array_length((payload::jsonb) -> '\(key)') ELSE 0 END)"
    }

    func unconsolidatedEpisodes(stage: String, _ filter: EpisodeFilter) throws -> [MemoryRecord] {
        var parameters: [any PostgresBindable] = [stage]
        let condition: String
        switch filter {
        case .liveCreatedBefore(let t):
            parameters.append(t)
            condition = "live = 1 AND created_at <= $2"
        case .successful:
            condition = Self.payloadString("outcome", equals: "'success'")
        case .successfulWithTools:
            condition = Self.payloadString("outcome", equals: "'success'") + " AND " + Self.payloadArrayLength("tool_graph") + " > 0"
        case .withThreeOrMoreTools:
            condition = Self.payloadArrayLength("tool_graph") + " >= 3"
        }
        let ids = try query(
            """
            SELECT id FROM memory_records r WHERE type = 'episodic' AND \(condition)
            AND NOT EXISTS (SELECT 1 FROM memory_consolidation_log l WHERE l.stage = $1 AND l.record_id = r.id)
            ORDER BY created_at, id
            """, parameters
        ).map { $0.string(0) }
        return try ids.compactMap { try memoryRecord($0) }
    }

    func activeFact(subject: String, predicate: String) throws -> MemoryRecord? {
        try query(
            """
            SELECT id FROM memory_records WHERE type = 'semantic' AND status = 'active'
            AND \(Self.payloadString("subject", equals: "$1")) AND \(Self.payloadString("predicate", equals: "$2"))
            ORDER BY created_at, id LIMIT 1
            """, [subject, predicate]
        ).first { $0.string(0) }.flatMap { try memoryRecord($0) }
    }

    func competence(skill: String) throws -> MemoryRecord? {
        try query(
            """
            SELECT id FROM memory_records WHERE type = 'competence' AND \(Self.payloadString("skill_name", equals: "$1"))
            ORDER BY created_at, id LIMIT 1
            """, [skill]
        ).first { $0.string(0) }.flatMap { try memoryRecord($0) }
    }

    // MARK: Change log

    func latestMemoryChange() throws -> Int64 {
        try query("SELECT coalesce(max(seq), 0) FROM memory_changes").first { $0.int64(0) } ?? 0
    }

    func oldestMemoryChange() throws -> Int64? {
        try query("SELECT min(seq) FROM memory_changes").first { $0.optionalInt64(0) } ?? nil
    }

    func trimMemoryChanges(keep: Int64) throws {
        try execute("DELETE FROM memory_changes WHERE seq <= (SELECT max(seq) FROM memory_changes) - $1", [keep])
    }

    func memoryChanges(after seq: Int64) throws -> (rowIDs: [Int64], latest: Int64) {
        let rows = try query("SELECT seq, row_id FROM memory_changes WHERE seq > $1 ORDER BY seq", [seq])
            .map { (seq: $0.int64(0), rowID: $0.int64(1)) }
        return (rows.map(\.rowID), rows.last?.seq ?? seq)
    }

    func indexedRecords(_ rowIDs: [Int64]?, _ body: (Int64, IndexedRecord?) throws -> Void) throws {
        let columns = Self.candidateColumns.split(separator: ",")
            .map { "r." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(separator: ", ")
        let sql = "SELECT \(columns), s.summary, s.body FROM memory_records r JOIN memory_search s ON s.row_id = r.row_id"
        func make(_ row: PostgresRow) -> IndexedRecord {
            IndexedRecord(candidate: Self.makeCandidate(row), summary: row.string(17), body: row.string(18))
        }
        if let rowIDs {
            for rowID in rowIDs {
                try body(rowID, try query(sql + " WHERE r.row_id = $1", [rowID]).first(make))
            }
        } else {
            var after: Int64 = 0
            while true {
                let chunk = try query(sql + " WHERE r.row_id > $1 ORDER BY r.row_id LIMIT 10000", [after]).map(make)
                for record in chunk { try body(record.candidate.rowID, record) }
                guard let last = chunk.last, chunk.count == 10_000 else { return }
                after = last.candidate.rowID
            }
        }
    }
}

/// A server-side cursor read a page at a time.
final class PortalCursor: CandidateCursor {
    private let transaction: PostgresTransaction
    private let name: String
    private var page: [MemoryCandidate] = []
    private var index = 0
    private var finished = false
    /// Rows fetched per round trip; the first pages are small because Retrieve usually stops early.
    private var pageSize = 64

    init(transaction: PostgresTransaction, name: String) {
        self.transaction = transaction
        self.name = name
    }

    func next() throws -> MemoryCandidate? {
        if index == page.count {
            guard !finished else { return nil }
            page = try transaction.query("FETCH \(pageSize) FROM \(name)", prepare: false).map(PostgresTransaction.makeCandidate)
            index = 0
            if page.count < pageSize { finished = true }
            pageSize = min(pageSize * 4, 4096)
            if page.isEmpty { return nil }
        }
        defer { index += 1 }
        return page[index]
    }
}
