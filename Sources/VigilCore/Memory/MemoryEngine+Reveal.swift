import Foundation

extension MemoryEngine {
    /// The audit action a reveal writes: vigil's own, beside Membrane's (create, revise, fork, merge, delete,
    /// reinforce, decay). Nothing else about the record changes.
    public static let revealAction = "reveal"

    /// An operator reads a HIGH or HYPER payload in full: who, when and why go to the record's audit log first.
    /// - Throws: `invalidArgument` for a blank rationale or a record below HIGH (nothing is masked there),
    ///   `notFound` for an unknown id.
    /// - Returns: the record, its payload whole.
    @discardableResult
    public func reveal(id: String, by a: RevisionActor) throws -> MemoryRecord {
        try checkActor(a)
        try MemoryLimits.checkString(id, "id")
        guard !a.actor.isEmpty else { throw MemoryError.invalidArgument("actor is required") }
        guard !a.rationale.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw MemoryError.invalidArgument("a reveal needs a rationale: it is written to the audit log")
        }
        let t = now()
        return try store.write { tx in
            guard var record = try tx.memoryRecord(id) else { throw MemoryError.notFound(id) }
            guard record.sensitivity.level >= Sensitivity.high.level else {
                throw MemoryError.invalidArgument("\(id) is \(record.sensitivity.rawValue): its payload is not masked, nothing to reveal")
            }
            let previous = record
            record.auditLog.append(AuditEntry(action: Self.revealAction, actor: a.actor, timestamp: t, rationale: a.rationale))
            try tx.updateMemoryRecord(record, previous: previous, reindex: false)
            return record
        }
    }
}
