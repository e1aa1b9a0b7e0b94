extension MemoryEngine {
    /// Erases a record and every record derived from it (`derived_from`, followed transitively: consolidated facts,
    /// competences and plans, merges), for a request such as a person's right to erasure.
    ///
    /// Unlike Retract (a soft delete that keeps history) each goes physically — payload, search document, relations,
    /// audit log, decision links — through ``Store/erasing(_:)``, so no readable copy is left in the file; a tombstone
    /// keeps who erased it, when and why. Returns the erased ids, the asked-for one first.
    /// - Throws: ``MemoryError/notFound(_:)`` for an unknown id (one already erased included); an empty rationale is
    ///   refused, as an erasure must say why.
    @discardableResult
    public func erase(id: String, by a: RevisionActor) throws -> [String] {
        try checkActor(a)
        try MemoryLimits.checkString(id, "id")
        guard !a.actor.isEmpty else { throw MemoryError.invalidArgument("actor is required: who erases") }
        guard !a.rationale.isEmpty else { throw MemoryError.invalidArgument("rationale is required: why it is erased") }
        let t = now()
        return try store.erasing { tx in
            guard try tx.memoryCandidate(id: id) != nil else { throw MemoryError.notFound("record \(id) not found") }
            var erased: [String] = []
            var queue = [id]
            var seen: Set<String> = [id]
            while !queue.isEmpty {
                let next = queue.removeFirst()
                for derived in try tx.memoryIDs(derivedFrom: next) where seen.insert(derived).inserted { queue.append(derived) }
                guard let candidate = try tx.memoryCandidate(id: next) else { continue }
                let reason = next == id
                    ? "erased by \(a.actor): \(a.rationale)" : "erased by \(a.actor) with \(id), from which it was derived: \(a.rationale)"
                try tx.pruneMemoryRecord(candidate, at: t, reason: reason)
                erased.append(next)
            }
            return erased
        }
    }
}
