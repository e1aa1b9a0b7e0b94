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
