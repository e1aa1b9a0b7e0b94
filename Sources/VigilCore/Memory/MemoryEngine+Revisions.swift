import Foundation

extension MemoryEngine {
    /// Loads a revision target: it must exist and must not be episodic (spec §9.1).
    private func target(_ tx: any StoreTransaction, _ id: String) throws -> MemoryRecord {
        guard let record = try tx.memoryRecord(id) else { throw MemoryError.notFound(id) }
        guard record.type != .episodic else { throw MemoryError.episodicImmutable }
        return record
    }

    /// Parses a supplied record and settles its id (spec §9.1): a supplied id equal to a target gets a fresh UUID,
    /// any other existing id is `ALREADY_EXISTS`.
    private func prepare(
        _ tx: any StoreTransaction, _ bytes: [UInt8], field: String, targets: [String], now t: Nanoseconds
    ) throws -> MemoryRecord {
        var record = try MemoryRecord.supplied(bytes, field: field, now: t, defaults: defaults)
        if record.type == .semantic, !record.hasEvidence {
            throw MemoryError.invalidArgument(
                "semantic revision requires evidence: record \(record.id.isEmpty ? "(new)" : record.id) has no evidence references or provenance sources")
        }
        if record.id.isEmpty || targets.contains(record.id) {
            record.id = Identifiers.uuid()
        } else if try tx.memoryRecordExists(record.id) {
            throw MemoryError.alreadyExists(record.id)
        }
        return record
    }

    func checkActor(_ a: RevisionActor) throws(MemoryError) {
        try MemoryLimits.checkString(a.actor, "actor")
        try MemoryLimits.checkString(a.rationale, "rationale")
    }

    /// Sets a record's internal status and mirrors it into a semantic payload's `revision.status` (spec §9.2).
    private func setStatus(_ record: inout MemoryRecord, _ status: MemoryStatus) {
        record.status = status
        guard record.type == .semantic else { return }
        var revision = record.payload["revision"]?.objectValue ?? [:]
        revision["status"] = .string(status == .contested ? "contested" : (status == .active ? "active" : "retracted"))
        record.payload["revision"] = .object(revision)
    }

    private func setRevisionField(_ record: inout MemoryRecord, _ key: String, _ value: String) {
        guard record.type == .semantic else { return }
        var revision = record.payload["revision"]?.objectValue ?? [:]
        revision[key] = .string(value)
        record.payload["revision"] = .object(revision)
    }

    /// `Supersede` (spec §9.3): the old record is kept, marked superseded with salience 0.
    public func supersede(oldID: String, newRecord bytes: [UInt8], by a: RevisionActor) throws -> MemoryRecord {
        try checkActor(a)
        try MemoryLimits.checkString(oldID, "old_id")
        let t = now()
        _ = try MemoryRecord.supplied(bytes, field: "new_record", now: t, defaults: defaults)  // validate before lookups
        return try store.write { tx in
            var old = try target(tx, oldID)
            var new = try prepare(tx, bytes, field: "new_record", targets: [oldID], now: t)
            let previousOld = old
            setStatus(&old, .superseded)
            old.base = 0
            old.updatedAt = t
            setRevisionField(&old, "superseded_by", new.id)
            old.auditLog.append(AuditEntry(action: "revise", actor: a.actor, timestamp: t, rationale: MemoryStatus.supersededRationalePrefix + "\(new.id): \(a.rationale)"))
            new.provenance.sources.append(ProvenanceSource(kind: "event", ref: oldID, createdBy: a.actor, timestamp: t))
            if new.type == .semantic {
                setRevisionField(&new, "supersedes", oldID)
                setStatus(&new, .active)
            }
            new.relations.append(Relation(predicate: "supersedes", targetID: oldID, weight: 1, createdAt: t))
            new.auditLog.append(AuditEntry(action: "create", actor: a.actor, timestamp: t, rationale: "supersedes \(oldID): \(a.rationale)"))
            try tx.updateMemoryRecord(old, previous: previousOld, reindex: true)
            try tx.insertMemoryRecord(new)
            return new
        }
    }

    /// `Fork` (spec §9.3): the source stays active; the fork derives from it.
    public func fork(sourceID: String, forkedRecord bytes: [UInt8], by a: RevisionActor) throws -> MemoryRecord {
        try checkActor(a)
        try MemoryLimits.checkString(sourceID, "source_id")
        let t = now()
        _ = try MemoryRecord.supplied(bytes, field: "forked_record", now: t, defaults: defaults)
        return try store.write { tx in
            var source = try target(tx, sourceID)
            var fork = try prepare(tx, bytes, field: "forked_record", targets: [sourceID], now: t)
            let previous = source
            source.auditLog.append(AuditEntry(action: "fork", actor: a.actor, timestamp: t, rationale: "forked to \(fork.id): \(a.rationale)"))
            fork.relations.append(Relation(predicate: "derived_from", targetID: sourceID, weight: 1, createdAt: t))
            fork.auditLog.append(AuditEntry(action: "create", actor: a.actor, timestamp: t, rationale: "forked from \(sourceID): \(a.rationale)"))
            try tx.updateMemoryRecord(source, previous: previous, reindex: false)
            try tx.insertMemoryRecord(fork)
            return fork
        }
    }

    /// `Retract` (spec §9.3): a soft delete; the record keeps its history and stays readable by id.
    public func retract(id: String, by a: RevisionActor) throws {
        try checkActor(a)
        try MemoryLimits.checkString(id, "id")
        let t = now()
        try store.write { tx in
            var record = try target(tx, id)
            let previous = record
            setStatus(&record, .retracted)
            record.base = 0
            record.updatedAt = t
            record.auditLog.append(AuditEntry(action: "delete", actor: a.actor, timestamp: t, rationale: a.rationale))
            try tx.updateMemoryRecord(record, previous: previous, reindex: true)
        }
    }

    /// `Merge` (spec §9.3): every source is superseded by the merged record.
    public func merge(ids: [String], mergedRecord bytes: [UInt8], by a: RevisionActor) throws -> MemoryRecord {
        try checkActor(a)
        guard !ids.isEmpty else { throw MemoryError.invalidArgument("ids must not be empty") }
        if ids.count > MemoryLimits.maximumRepeated {
            throw MemoryError.invalidArgument("too many ids: \(ids.count) (max \(MemoryLimits.maximumRepeated))")
        }
        try MemoryLimits.checkRepeated(ids, "ids")
        guard Set(ids).count == ids.count else { throw MemoryError.invalidArgument("ids: duplicate ids are not allowed") }
        let t = now()
        _ = try MemoryRecord.supplied(bytes, field: "merged_record", now: t, defaults: defaults)
        return try store.write { tx in
            var sources = try ids.map { try target(tx, $0) }
            var merged = try prepare(tx, bytes, field: "merged_record", targets: ids, now: t)
            for i in sources.indices {
                let previous = sources[i]
                setStatus(&sources[i], .superseded)
                sources[i].base = 0
                sources[i].updatedAt = t
                sources[i].auditLog.append(
                    AuditEntry(action: "merge", actor: a.actor, timestamp: t, rationale: "merged into \(merged.id): \(a.rationale)"))
                try tx.updateMemoryRecord(sources[i], previous: previous, reindex: true)
                merged.relations.append(Relation(predicate: "derived_from", targetID: ids[i], weight: 1, createdAt: t))
            }
            merged.auditLog.append(
                AuditEntry(action: "create", actor: a.actor, timestamp: t,
                           rationale: "merged from [\(ids.joined(separator: " "))]: \(a.rationale)"))
            try tx.insertMemoryRecord(merged)
            return merged
        }
    }

    /// `Contest` (spec §9.3): marks a record disputed; `contestingRef` is opaque.
    public func contest(id: String, contestingRef: String, by a: RevisionActor) throws {
        try checkActor(a)
        try MemoryLimits.checkString(id, "id")
        try MemoryLimits.checkString(contestingRef, "contesting_ref")
        let t = now()
        try store.write { tx in
            var record = try target(tx, id)
            let previous = record
            if record.status != .retracted, record.status != .superseded { setStatus(&record, .contested) }
            if !contestingRef.isEmpty {
                record.relations.append(Relation(predicate: "contested_by", targetID: contestingRef, weight: 1, createdAt: t))
            }
            record.auditLog.append(AuditEntry(action: "revise", actor: a.actor, timestamp: t, rationale: a.rationale))
            try tx.updateMemoryRecord(record, previous: previous, reindex: true)
        }
    }

    /// `Reinforce` (spec §7.3): adds the record's gain (or the configured one), never lowering, and resets the clock.
    @discardableResult
    public func reinforce(id: String, by a: RevisionActor) throws -> MemoryRecord {
        try checkActor(a)
        try MemoryLimits.checkString(id, "id")
        let t = now()
        return try store.write { tx in
            guard var record = try tx.memoryRecord(id) else { throw MemoryError.notFound(id) }
            let previous = record
            let e = record.salience(at: t)
            let gain = record.lifecycle.decay.reinforcementGain > 0 ? record.lifecycle.decay.reinforcementGain : defaults.reinforcementGain
            record.base = max(e, min(1, e + gain))
            record.lifecycle.lastReinforcedAt = t
            record.updatedAt = t
            record.auditLog.append(AuditEntry(action: "reinforce", actor: a.actor, timestamp: t, rationale: a.rationale))
            try tx.updateMemoryRecord(record, previous: previous, reindex: false)
            return record
        }
    }

    /// `Penalize` (spec §7.4): lowers the current salience by `amount` without moving the decay clock.
    @discardableResult
    public func penalize(id: String, amount: Double, by a: RevisionActor) throws -> MemoryRecord {
        try checkActor(a)
        try MemoryLimits.checkString(id, "id")
        guard amount >= 0, amount.isFinite else { throw MemoryError.invalidArgument("amount must be non-negative and finite") }
        let t = now()
        return try store.write { tx in
            guard var record = try tx.memoryRecord(id) else { throw MemoryError.notFound(id) }
            let previous = record
            if amount > 0 {
                let f = record.lifecycle.pinned
                    ? 1 : MemoryRecord.decayFactor(lastReinforcedAt: record.lifecycle.lastReinforcedAt,
                                                   halfLife: record.lifecycle.decay.halfLifeSeconds, at: t)
                let step = amount / f
                record.base = (f == 0 || !step.isFinite) ? 0 : max(0, record.base - step)
            }
            record.updatedAt = t
            record.auditLog.append(AuditEntry(action: "decay", actor: a.actor, timestamp: t, rationale: "penalty: \(a.rationale)"))
            try tx.updateMemoryRecord(record, previous: previous, reindex: false)
            return record
        }
    }
}
