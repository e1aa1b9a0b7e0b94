import Foundation

/// Defaults the engine fills in (spec §6.1, §7.5), from configuration.
public struct MemoryDefaults: Sendable, Equatable {
    public var sensitivity: Sensitivity = .low
    public var minSalience: Double = 0
    public var reinforcementGain: Double = 0.1

    public func decay(for type: MemoryType) -> DecayProfile {
        DecayProfile(halfLifeSeconds: type.defaultHalfLifeSeconds, minSalience: minSalience, reinforcementGain: reinforcementGain)
    }
}

extension MemoryRecord {
    /// Parses and validates a record supplied to Supersede, Fork or Merge (spec §4.4, §7.5, §9.1).
    ///
    /// Timestamps are set to `now`; a missing lifecycle gets the defaults; the supplied salience becomes `base`.
    static func supplied(
        _ bytes: [UInt8], field: String, now: Nanoseconds, defaults: MemoryDefaults
    ) throws(MemoryError) -> MemoryRecord {
        guard let value = try MemoryJSON.parse(bytes, field: field, style: .record) else {
            throw MemoryError.invalidArgument("\(field) is required")
        }
        let r = try SuppliedObject(value, path: field)
        let rawType = try r.string("type")
        guard let type = MemoryType(rawValue: rawType) else {
            throw MemoryError.invalidArgument("\(field).type must be one of: \(MemoryType.list)")
        }
        let payloadObject = try r.child("payload")
        guard let kind = payloadObject.value("kind")?.stringValue, MemoryType(rawValue: kind) != nil else {
            throw MemoryError.invalidArgument("payload is required")
        }
        guard kind == type.rawValue else {
            throw MemoryError.invalidArgument("\(field).payload.kind '\(kind)' does not match type '\(type.rawValue)'")
        }
        let rawSensitivity = try r.string("sensitivity")
        guard let sensitivity = rawSensitivity.isEmpty ? defaults.sensitivity : Sensitivity(rawValue: rawSensitivity) else {
            throw MemoryError.invalidArgument("\(field).sensitivity must be one of: \(Sensitivity.list)")
        }
        let confidence = try r.double("confidence")
        guard (0...1).contains(confidence) else { throw MemoryError.invalidArgument("\(field).confidence must be in [0, 1]") }
        let salience = try r.double("salience")
        guard salience >= 0 else { throw MemoryError.invalidArgument("\(field).salience must be non-negative and finite") }
        let id = try r.string("id")
        guard id.utf8.count <= 256 else { throw MemoryError.invalidArgument("\(field).id exceeds maximum length of 256") }
        let tags = try r.strings("tags")
        try MemoryLimits.checkTags(tags)

        // Lifecycle, with the defaults of spec §7.5.
        let lifecycleObject = try r.child("lifecycle")
        let decayObject = try lifecycleObject.child("decay")
        var decay = DecayProfile(
            curve: try decayObject.string("curve"), halfLifeSeconds: try decayObject.int("half_life_seconds"),
            minSalience: try decayObject.double("min_salience"), maxAgeSeconds: try decayObject.int("max_age_seconds"),
            reinforcementGain: try decayObject.double("reinforcement_gain"))
        if !decay.curve.isEmpty, decay.curve != "exponential" {
            throw MemoryError.invalidArgument("\(field).lifecycle.decay.curve must be exponential")
        }
        if lifecycleObject.value("decay") == nil || decay.curve.isEmpty || decay.halfLifeSeconds <= 0 {
            decay = defaults.decay(for: type)
        }
        var lastReinforced = try lifecycleObject.time("last_reinforced_at")
        if lastReinforced <= 0 { lastReinforced = now }
        let deletionPolicy = try lifecycleObject.string("deletion_policy")
        guard ["", "auto_prune", "manual_only", "never"].contains(deletionPolicy) else {
            throw MemoryError.invalidArgument("\(field).lifecycle.deletion_policy must be one of: auto_prune, manual_only, never")
        }
        let lifecycle = Lifecycle(
            decay: decay, lastReinforcedAt: lastReinforced, pinned: try lifecycleObject.bool("pinned"),
            deletionPolicy: deletionPolicy)

        let provenanceObject = try r.child("provenance")
        var sources: [ProvenanceSource] = []
        for source in try provenanceObject.objects("sources") {
            sources.append(
                ProvenanceSource(
                    kind: try source.string("kind"), ref: try source.string("ref"), hash: try source.string("hash"),
                    createdBy: try source.string("created_by"), timestamp: try source.time("timestamp")))
        }
        var relations: [Relation] = []
        for relation in try r.objects("relations") {
            var predicate = try relation.string("predicate")
            if predicate.isEmpty { predicate = try relation.string("kind") }
            let weight = try relation.double("weight")
            guard (0...1).contains(weight) else {
                throw MemoryError.invalidArgument("\(relation.path).weight must be in [0, 1]")
            }
            let created = try relation.time("created_at")
            relations.append(
                Relation(predicate: predicate, targetID: try relation.string("target_id"), weight: weight,
                         createdAt: created == 0 ? now : created))
        }
        var audit: [AuditEntry] = []
        for entry in try r.objects("audit_log") {
            audit.append(
                AuditEntry(action: try entry.string("action"), actor: try entry.string("actor"),
                           timestamp: try entry.time("timestamp"), rationale: try entry.string("rationale")))
        }
        var payload = payloadObject.object
        payload["kind"] = .string(kind)
        return MemoryRecord(
            id: id, type: type, sensitivity: sensitivity, confidence: confidence, base: salience,
            scope: try r.string("scope"), tags: tags, createdAt: now, updatedAt: now, lifecycle: lifecycle,
            provenance: Provenance(sources: sources, createdBy: try provenanceObject.string("created_by")),
            relations: relations, payload: payload, auditLog: audit, status: .active)
    }

    /// Whether a semantic record carries evidence (spec §9.1's evidence rule).
    var hasEvidence: Bool {
        !(payload["evidence"]?.arrayValue ?? []).isEmpty || !provenance.sources.isEmpty
    }
}

/// Request limits of spec §5.1.
public enum MemoryLimits {
    public static let maximumStringBytes = 100_000
    public static let maximumTags = 100
    public static let maximumTagBytes = 256
    public static let maximumRepeated = 10_000

    static func checkString(_ value: String, _ field: String) throws(MemoryError) {
        if value.utf8.count > maximumStringBytes {
            throw MemoryError.invalidArgument("\(field) exceeds maximum length of \(maximumStringBytes)")
        }
    }

    static func checkTags(_ tags: [String]) throws(MemoryError) {
        if tags.count > maximumTags { throw MemoryError.invalidArgument("too many tags: \(tags.count) (max \(maximumTags))") }
        for tag in tags where tag.utf8.count > maximumTagBytes {
            throw MemoryError.invalidArgument("tag exceeds maximum length of \(maximumTagBytes)")
        }
    }

    static func checkRepeated(_ values: [String], _ field: String) throws(MemoryError) {
        if values.count > maximumRepeated {
            throw MemoryError.invalidArgument("too many \(field): \(values.count) (max \(maximumRepeated))")
        }
        for value in values { try checkString(value, field) }
    }
}
