import Foundation

/// What one maintenance sweep did.
public struct SweepReport: Sendable, Equatable {
    /// Records whose effective salience was persisted.
    public var persisted: Int
    /// Records deleted under the retention rule; each left a tombstone.
    public var pruned: [String]
}

extension MemoryEngine {
    /// `GetMetrics` (spec §12): a snapshot over every stored record, whatever its trust or status.
    public func metrics() throws -> JSONValue {
        let t = now()
        return try store.read { tx in
            var total = 0, active = 0, pinned = 0
            var salienceSum = 0.0, confidenceSum = 0.0
            var byType: [String: Int] = Dictionary(uniqueKeysWithValues: MemoryType.allCases.map { ($0.rawValue, 0) })
            var buckets = ["0.0-0.2": 0, "0.2-0.4": 0, "0.4-0.6": 0, "0.6-0.8": 0, "0.8-1.0": 0]
            try tx.forEachCandidate { c in
                let s = c.salience(at: t)
                total += 1
                salienceSum += s
                confidenceSum += c.confidence
                byType[c.type.rawValue, default: 0] += 1
                if s > 0 { active += 1 }
                if c.pinned { pinned += 1 }
                let bucket = s < 0.2 ? "0.0-0.2" : s < 0.4 ? "0.2-0.4" : s < 0.6 ? "0.4-0.6" : s < 0.8 ? "0.6-0.8" : "0.8-1.0"
                buckets[bucket, default: 0] += 1
            }
            let audit = try tx.memoryAuditCounts()
            let auditTotal = audit.values.reduce(0, +)
            func ratio(_ a: Double, _ b: Double) -> Double { b == 0 ? 0 : a / b }
            let recent = try tx.memoryCount(createdAfter: t - 86_400_000_000_000)
            var successRates: [Double] = []
            for payload in try tx.payloads(of: .competence) {
                if let rate = payload["performance"]?["success_rate"]?.numberValue { successRates.append(rate) }
            }
            let executions = try tx.payloads(of: .planGraph).map { $0["metrics"]?["execution_count"]?.numberValue ?? 0 }
            return [
                "collected_at": .string(MemoryTime.format(t)), "total_records": .int(Int64(total)),
                "records_by_type": .object(byType.mapValues { .int(Int64($0)) }),
                "avg_salience": .double(ratio(salienceSum, Double(total))),
                "avg_confidence": .double(ratio(confidenceSum, Double(total))),
                "salience_distribution": .object(buckets.mapValues { .int(Int64($0)) }),
                "active_records": .int(Int64(active)), "pinned_records": .int(Int64(pinned)),
                "total_audit_entries": .int(Int64(auditTotal)),
                "memory_growth_rate": .double(ratio(Double(recent), Double(total))),
                "retrieval_usefulness": .double(ratio(Double(audit["reinforce"] ?? 0), Double(auditTotal))),
                "competence_success_rate": .double(successRates.isEmpty ? 0 : successRates.reduce(0, +) / Double(successRates.count)),
                "plan_reuse_frequency": .double(executions.isEmpty ? 0 : executions.reduce(0, +) / Double(executions.count)),
                "revision_rate": .double(ratio(Double((audit["revise"] ?? 0) + (audit["fork"] ?? 0) + (audit["merge"] ?? 0)), Double(auditTotal))),
            ]
        }
    }

    /// How many records one sweep transaction touches, so agents' writes never wait long behind it.
    static let sweepChunk = 2000

    /// The periodic sweep (spec §10 and §15 row 1): persists every record's effective salience at now, computed from
    /// its last reinforcement (so nothing compounds and two runs equal one), then prunes under the retention rule.
    /// It never changes `base`, `last_reinforced_at` or the audit log, and works in short transactions.
    @discardableResult
    public func sweep() throws -> SweepReport {
        let t = now()
        let retention = Nanoseconds(settings.auditRetentionSeconds * 1e9)
        var persisted = 0
        var cursor = Int64.min
        while true {
            let done: Bool = try store.write { tx in
                let chunk = try tx.candidates(after: cursor, limit: Self.sweepChunk)
                for c in chunk { try tx.persistSweptSalience(rowID: c.rowID, salience: c.salience(at: t), at: t) }
                persisted += chunk.count
                cursor = chunk.last?.rowID ?? cursor
                return chunk.count < Self.sweepChunk
            }
            if done { break }
        }
        let pruned: [String] = try store.write { tx in
            try tx.trimMemoryChanges(keep: 100_000)
            var pruned: [String] = []
            for c in try tx.pruneCandidates(auditBefore: t - retention) {
                let s = c.salience(at: t)
                guard s <= c.decay.minSalience, s < 0.001 else { continue }
                if try tx.hasRecentRevisionRelation(c.id, since: t - retention) { continue }
                try tx.pruneMemoryRecord(c, at: t, reason: "auto-pruned: salience reached floor")
                pruned.append(c.id)
            }
            return pruned
        }
        return SweepReport(persisted: persisted, pruned: pruned)
    }

    /// The prune tombstone of a deleted record, for the dashboard (not exposed over gRPC).
    public func tombstone(_ id: String) throws -> (type: String, prunedAt: Nanoseconds, reason: String)? {
        try store.read { tx in try tx.tombstone(id) }
    }

    // MARK: Decisions ↔ memories

    /// Memories linked to a decision: those whose provenance or tags name it ("produced"), and those the decision's
    /// own trace names by id ("read").
    public func memories(linkedTo decisionID: String, trace: [JSONValue] = []) throws -> [(record: MemoryRecord, role: String)] {
        try store.read { tx in
            var out: [(MemoryRecord, String)] = []
            var seen = Set<String>()
            for id in try tx.recordIDs(linkedTo: decisionID) {
                if let record = try tx.memoryRecord(id), seen.insert(id).inserted { out.append((record, "produced")) }
            }
            for id in Self.uuids(in: trace) where !seen.contains(id) {
                if let record = try tx.memoryRecord(id) {
                    seen.insert(id)
                    out.append((record, "read"))
                }
            }
            return out
        }
    }

    /// The decisions a memory comes from.
    public func decisions(linkedFrom recordID: String) throws -> [String] {
        try store.read { tx in try tx.decisionIDs(linkedFrom: recordID) }
    }

    /// Lowercase UUIDs mentioned anywhere in string values of `values`.
    static func uuids(in values: [JSONValue]) -> [String] {
        var out: [String] = []
        func visit(_ v: JSONValue) {
            switch v {
            case .string(let s):
                for word in s.split(whereSeparator: { !($0.isHexDigit || $0 == "-") }) where word.count == 36 {
                    let text = String(word).lowercased()
                    if UUID(uuidString: text) != nil, !out.contains(text) { out.append(text) }
                }
            case .array(let items): items.forEach(visit)
            case .object(let o): JCS.sortedKeys(o).forEach { visit(o[$0]!) }
            default: break
            }
        }
        values.forEach(visit)
        return out
    }
}
