import Foundation

/// The fields of a record that ranking needs, without payload, relations or audit log.
package struct MemoryCandidate: Sendable {
    /// The store's stable row number for the record (its change log and full-text documents key on it).
    package var rowID: Int64
    package var id: String
    package var type: MemoryType
    package var sensitivity: Sensitivity
    package var scope: String
    package var status: MemoryStatus
    package var confidence: Double
    package var base: Double
    package var createdAt: Nanoseconds
    package var updatedAt: Nanoseconds
    package var decay: DecayProfile
    package var lastReinforcedAt: Nanoseconds
    package var pinned: Bool

    package init(
        rowID: Int64, id: String, type: MemoryType, sensitivity: Sensitivity, scope: String, status: MemoryStatus,
        confidence: Double, base: Double, createdAt: Nanoseconds, updatedAt: Nanoseconds, decay: DecayProfile,
        lastReinforcedAt: Nanoseconds, pinned: Bool
    ) {
        self.rowID = rowID
        self.id = id
        self.type = type
        self.sensitivity = sensitivity
        self.scope = scope
        self.status = status
        self.confidence = confidence
        self.base = base
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.decay = decay
        self.lastReinforcedAt = lastReinforcedAt
        self.pinned = pinned
    }

    func salience(at t: Nanoseconds) -> Double {
        MemoryRecord.salience(
            base: base, status: status, lastReinforcedAt: lastReinforcedAt, decay: decay, pinned: pinned,
            createdAt: createdAt, at: t)
    }
}

extension MemoryRecord {
    /// `log2(base) + L/H`: the decay-ordering key of a non-special record, `nil` when base is 0. Within one half-life,
    /// ordering by anchor is ordering by decayed salience at any instant, so a store can index it.
    package var anchor: Double? {
        guard base > 0, lifecycle.decay.halfLifeSeconds > 0 else { return nil }
        return log2(base) + (Double(lifecycle.lastReinforcedAt) / 1e9) / Double(lifecycle.decay.halfLifeSeconds)
    }

    /// Records scored exactly rather than through the anchor order: pinned, floored or age-limited.
    package var isSpecial: Bool {
        lifecycle.pinned || lifecycle.decay.minSalience > 0 || lifecycle.decay.maxAgeSeconds > 0
    }
}

extension Provenance {
    /// The JSON a store keeps in a record's `provenance` column: `{sources, created_by}`.
    package var storedJSON: JSONValue {
        [
            "sources": .array(sources.map { s in
                ["kind": .string(s.kind), "ref": .string(s.ref), "hash": .string(s.hash),
                 "created_by": .string(s.createdBy), "timestamp": .int(s.timestamp)]
            }),
            "created_by": .string(createdBy),
        ]
    }

    /// Reads what ``storedJSON`` wrote; missing members read as empty.
    package init(storedJSON json: JSONValue?) {
        let json = json ?? [:]
        self.init(
            sources: (json["sources"]?.arrayValue ?? []).map { s in
                ProvenanceSource(
                    kind: s["kind"]?.stringValue ?? "", ref: s["ref"]?.stringValue ?? "", hash: s["hash"]?.stringValue ?? "",
                    createdBy: s["created_by"]?.stringValue ?? "", timestamp: s["timestamp"]?.integerValue ?? 0)
            },
            createdBy: json["created_by"]?.stringValue ?? "")
    }
}
