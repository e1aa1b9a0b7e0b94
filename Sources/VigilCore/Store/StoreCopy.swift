/// One value of a copied row.
package enum StoredValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
}

/// The tables a store copy carries, in an order that satisfies their references, with the columns every store has
/// (the same names on SQLite and PostgreSQL; row numbers are not copied: the target numbers its own rows).
///
/// Derived data is rebuilt on the target rather than copied: full-text documents (from the search pieces and the
/// memory records), the memory change log (written by the target's own triggers).
package enum CopyTable: String, CaseIterable, Sendable {
    case principals, productGrants = "product_grants", apiKeys = "api_keys", receiptKeys = "receipt_keys"
    case decisions, decisionEvents = "decision_events", readEvidence = "read_evidence", writeBuffer = "write_buffer"
    case writeIdempotency = "write_idempotency", approvals, receipts
    /// What retention left of pruned decisions.
    case decisionTombstones = "decision_tombstones"
    /// Values taken out of trace events.
    case decisionRedactions = "decision_redactions"
    /// A decision's searchable words, as `(decision_id, text)` in the order they were added.
    case decisionSearchText = "decision_search_text"
    case memoryRecords = "memory_records", memoryRelations = "memory_relations", memoryAudit = "memory_audit"
    case memoryDecisionLinks = "memory_decision_links", memoryTombstones = "memory_tombstones"
    case memoryConsolidationLog = "memory_consolidation_log"

    package enum Kind: Sendable { case text, integer, real }

    /// The table's name in both schemas.
    package var name: String { rawValue }

    /// The columns a copy carries, in order, with their kinds.
    package var columns: [(name: String, kind: Kind)] { Self.columnsByTable[self]! }

    /// Worked out once: copies and exports ask for a table's columns for every row.
    private static let columnsByTable = Dictionary(uniqueKeysWithValues: allCases.map { ($0, $0.makeColumns()) })

    private func makeColumns() -> [(name: String, kind: Kind)] {
        func t(_ names: String...) -> [(String, Kind)] { names.map { ($0, .text) } }
        switch self {
        case .principals:
            return t("principal_id", "kind", "name", "status") + [("allow_override", .integer)] + t("policy_grants", "created_at")
        case .productGrants: return t("principal_id", "product_id")
        case .apiKeys: return t("key_id", "key_hash", "role", "principal_id", "key_prefix", "created_at", "revoked_at")
        case .receiptKeys: return t("key_id", "public_key", "created_at")
        case .decisions:
            return t("decision_id", "agent_id", "actor", "intent", "automation_mode", "instance", "version", "metadata",
                     "status", "approval_status") + [("approval_required", .integer)]
                + t("approval_id", "created_at", "closed_at", "close_action", "close_reason", "kind", "title", "category",
                    "tags", "supersedes", "superseded_by") + [("event_count", .integer)] + t("head_hash", "last_exception")
        case .decisionEvents:
            return [("decision_id", .text), ("seq", .integer)]
                + t("event_id", "type", "timestamp", "actor", "prev_hash", "hash", "body")
        case .readEvidence: return t("event_id", "decision_id", "evidence")
        case .writeBuffer:
            return t("event_id", "decision_id") + [("seq", .integer)] + t("product_id", "operation", "rows", "created_records")
        case .writeIdempotency: return t("agent_id", "decision_id", "idempotency_key", "fingerprint", "result")
        case .approvals:
            return t("approval_id", "decision_id", "agent_id", "intent", "status", "title", "message", "kind", "reason",
                     "approval_route_id") + [("require_rationale", .integer)]
                + t("requested_at", "expires_at", "resolved_at", "resolved_by", "rationale")
        case .receipts: return t("decision_id", "receipt")
        case .decisionTombstones:
            return t("decision_id", "agent_id", "intent", "status", "closed_at") + [("event_count", .integer)]
                + t("head_hash", "pruned_at", "reason")
        case .decisionRedactions:
            return [("decision_id", .text), ("seq", .integer)]
                + t("path", "original_sha256", "event_hash", "redacted_by", "redacted_at", "rationale", "redacted_body_sha256",
                    "key_id", "signature")
        case .decisionSearchText: return t("decision_id", "text")
        case .memoryRecords:
            return t("id", "type") + [("sensitivity", .integer), ("confidence", .real), ("base", .real)]
                + t("scope", "status") + [("live", .integer), ("created_at", .integer), ("updated_at", .integer)]
                + t("curve") + [("half_life", .integer), ("min_salience", .real), ("max_age", .integer),
                                ("reinforcement_gain", .real), ("last_reinforced_at", .integer), ("pinned", .integer)]
                + t("deletion_policy") + [("anchor", .real), ("special", .integer)] + t("tags", "provenance", "payload")
                + [("last_audit_at", .integer), ("swept_salience", .real), ("swept_at", .integer)]
        case .memoryRelations:
            return t("record_id") + [("ord", .integer)] + t("predicate", "target_id") + [("weight", .real), ("created_at", .integer)]
        case .memoryAudit:
            return t("record_id") + [("ord", .integer)] + t("action", "actor") + [("timestamp", .integer)] + t("rationale")
                + [("salience", .real)]
        case .memoryDecisionLinks: return t("decision_id", "record_id")
        case .memoryTombstones: return t("id", "type") + [("pruned_at", .integer)] + t("reason")
        case .memoryConsolidationLog: return t("stage", "record_id")
        }
    }

    /// Whether a copy reads the rows in the store's own row order (its `rowid` or `row_id`) rather than by
    /// ``orderBy``: memory records, so the target numbers them in the order they were created (the browser lists newest
    /// first by row number).
    package var keepsRowOrder: Bool { self == .memoryRecords }

    /// The columns that order the rows (a key), so a copy reads them in the same order on every store.
    package var orderBy: [String] {
        switch self {
        case .principals: return ["principal_id"]
        case .productGrants: return ["principal_id", "product_id"]
        case .apiKeys, .receiptKeys: return ["key_id"]
        case .decisions, .receipts, .decisionTombstones: return ["decision_id"]
        case .decisionEvents: return ["decision_id", "seq"]
        case .decisionRedactions: return ["decision_id", "seq", "path"]
        case .readEvidence, .writeBuffer: return ["event_id"]
        case .writeIdempotency: return ["agent_id", "decision_id", "idempotency_key"]
        case .approvals: return ["approval_id"]
        case .decisionSearchText: return []
        case .memoryRecords, .memoryTombstones: return ["id"]
        case .memoryRelations, .memoryAudit: return ["record_id", "ord"]
        case .memoryDecisionLinks: return ["decision_id", "record_id"]
        case .memoryConsolidationLog: return ["stage", "record_id"]
        }
    }
}

/// What a copy moved, table by table, and what it found on the target afterwards.
package struct StoreCopyReport: Sendable {
    package var rows: [(table: String, source: Int, target: Int)] = []
    package var productRows: [(table: String, source: Int, target: Int)] = []
    package var chains: (verified: Int, broken: Int) = (0, 0)

    /// Every table holds as many rows on the target as on the source, and every chain verifies.
    package var isComplete: Bool {
        (rows + productRows).allSatisfy { $0.source == $0.target } && chains.broken == 0
    }

    package var json: JSONValue {
        [
            "tables": .array((rows + productRows).map {
                ["table": .string($0.table), "source": .int(Int64($0.source)), "target": .int(Int64($0.target))]
            }),
            "chains_verified": .int(Int64(chains.verified)), "chains_broken": .int(Int64(chains.broken)),
            "complete": .bool(isComplete),
        ]
    }
}

/// Why a copy did not start or did not finish.
package enum StoreCopyError: Error, CustomStringConvertible {
    /// The target already holds data: a copy never merges.
    case targetNotEmpty(String)
    /// The source and the target are the same store.
    case sameStore(String)

    package var description: String {
        switch self {
        case .targetNotEmpty(let location):
            return "the target \(location) already holds data; copy into an empty store (a new file, or a new database)"
        case .sameStore(let location): return "the source and the target are the same store (\(location))"
        }
    }
}

/// Copies everything one store holds into another, empty one: any kind to any kind.
package enum StoreCopier {
    /// Rows inserted per target transaction.
    static let batch = 2000

    /// Copies every table of ``CopyTable`` and the data-product tables of `productTables`, reading the source in one
    /// consistent read transaction, then counts the target and verifies every chain on it. The source's counts are the
    /// ones read inside its snapshot, so a server still writing to the source does not make a faithful copy look
    /// incomplete.
    ///
    /// - Parameter progress: called with the table, the rows copied so far and the table's total.
    package static func copy(
        from source: any Store, to target: any Store, productTables: [TableDefinition], verify: (String) throws -> Bool,
        progress: (String, Int, Int) -> Void = { _, _, _ in }
    ) throws -> StoreCopyReport {
        guard source.location != target.location else { throw StoreCopyError.sameStore(source.location) }
        guard try target.read({ tx in try tx.holdsNoData() }) else { throw StoreCopyError.targetNotEmpty(target.location) }
        try target.write { tx in try tx.ensureProductTables(productTables) }
        var report = StoreCopyReport()
        var sourceRows: [(table: String, count: Int)] = []
        var sourceProductRows: [(table: String, count: Int)] = []
        try source.read { from in
            for table in CopyTable.allCases {
                let total = try from.rowCount(table)
                sourceRows.append((table.name, total))
                var copied = 0
                var pending: [[StoredValue]] = []
                func flush() throws {
                    guard !pending.isEmpty else { return }
                    let rows = pending
                    try target.write { to in try to.insertCopiedRows(table, rows) }
                    copied += rows.count
                    pending.removeAll(keepingCapacity: true)
                    progress(table.name, copied, total)
                }
                progress(table.name, 0, total)
                try from.forEachRow(table) { row in
                    pending.append(row)
                    if pending.count >= batch { try flush() }
                }
                try flush()
            }
            for definition in productTables {
                let total = try from.productRowCount(definition)
                sourceProductRows.append((definition.sqlName, total))
                var copied = 0
                var offset = 0
                while true {
                    let rows = try from.productRows(definition, offset: offset, limit: batch)
                    if rows.isEmpty { break }
                    try target.write { to in
                        _ = try to.applyProductWrite(
                            definition, operation: .insert, rows: rows.map { ["values": .object($0)] }, keepExisting: false)
                    }
                    copied += rows.count
                    offset += rows.count
                    progress(definition.sqlName, copied, total)
                }
            }
        }
        try target.read { to in
            for (table, (name, count)) in zip(CopyTable.allCases, sourceRows) {
                report.rows.append((name, count, try to.rowCount(table)))
            }
            for (definition, (name, count)) in zip(productTables, sourceProductRows) {
                report.productRows.append((name, count, try to.productRowCount(definition)))
            }
        }
        let ids = try target.read { tx in try tx.allDecisionIDs() }
        for id in ids {
            if try verify(id) { report.chains.verified += 1 } else { report.chains.broken += 1 }
        }
        return report
    }
}
