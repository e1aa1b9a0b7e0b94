import Foundation

/// What one consolidation run did, per stage.
public struct ConsolidationReport: Sendable, Equatable {
    public var compressed = 0
    public var factsCreated = 0
    public var factsReinforced = 0
    public var competencesCreated = 0
    public var competencesReinforced = 0
    public var plansCreated = 0

    public init() {}
}

extension MemoryEngine {
    /// The consolidation job (spec §11): episodic compression, structural facts, competences and plan graphs.
    ///
    /// Each source record is processed at most once per stage (the consolidation log), so a second run creates and
    /// reinforces nothing new. Runs in one transaction: a failure changes nothing.
    @discardableResult
    public func consolidate() throws -> ConsolidationReport {
        let t = now()
        return try store.write { tx in
            var report = ConsolidationReport()
            // 1. Episodic compression.
            for var episode in try tx.unconsolidatedEpisodes(
                stage: "episodic", .liveCreatedBefore(t - 86_400_000_000_000))
            {
                let f = MemoryRecord.decayFactor(lastReinforcedAt: episode.lifecycle.lastReinforcedAt,
                                                 halfLife: episode.lifecycle.decay.halfLifeSeconds, at: t)
                let u = episode.base * f
                guard u > 0.05, f > 0 else { continue }
                let previous = episode
                let target = max(0.05, 0.5 * u)
                episode.base = target / f
                episode.auditLog.append(AuditEntry(action: "decay", actor: "consolidation/episodic", timestamp: t,
                                                   rationale: "episodic compression: \(u) -> \(target)"))
                try tx.updateMemoryRecord(episode, previous: previous, reindex: false)
                try tx.markConsolidated(stage: "episodic", recordID: episode.id)
                report.compressed += 1
            }

            // 2. Structural semantic facts.
            for episode in try tx.unconsolidatedEpisodes(stage: "semantic", .successful) {
                for event in episode.payload["timeline"]?.arrayValue ?? [] {
                    guard let summary = event["summary"]?.stringValue, !summary.isEmpty,
                        let subject = event["event_kind"]?.stringValue
                    else { continue }
                    if var fact = try tx.activeFact(subject: subject, predicate: "observed_in") {
                        try reinforceInPlace(tx, &fact, actor: "consolidation/semantic", at: t)
                        report.factsReinforced += 1
                    } else {
                        var fact = consolidatedRecord(
                            type: .semantic, from: episode, tags: ["consolidated"] + episode.tags, confidence: episode.confidence,
                            sensitivity: episode.sensitivity, scope: episode.scope, stage: "semantic", at: t,
                            payload: ["kind": "semantic", "subject": .string(subject), "predicate": "observed_in",
                                      "object": .string(summary), "validity": ["mode": "global"],
                                      "evidence": [["source_type": "episodic", "source_id": .string(episode.id),
                                                    "timestamp": .string(MemoryTime.format(t))]]])
                        fact.provenance.sources = [ProvenanceSource(kind: "observation", ref: episode.id, timestamp: t)]
                        fact.relations = [Relation(predicate: "derived_from", targetID: episode.id, weight: 1, createdAt: t)]
                        try tx.insertMemoryRecord(fact)
                        report.factsCreated += 1
                    }
                }
                try tx.markConsolidated(stage: "semantic", recordID: episode.id)
            }

            // 3. Competences from repeated successful tool sequences.
            var groups: [String: [MemoryRecord]] = [:]
            for episode in try tx.unconsolidatedEpisodes(stage: "competence", .successfulWithTools)
            {
                let tools = (episode.payload["tool_graph"]?.arrayValue ?? []).compactMap { $0["tool"]?.stringValue }
                guard !tools.isEmpty else { continue }
                groups[Set(tools).sorted().joined(separator: "+"), default: []].append(episode)
            }
            for signature in groups.keys.sorted() {
                let members = groups[signature]!
                let skill = "skill:\(signature)"
                if var competence = try tx.competence(skill: skill) {
                    let previous = competence
                    try reinforceInPlace(tx, &competence, actor: "consolidation/competence", at: t, save: false)
                    var performance = competence.payload["performance"]?.objectValue ?? [:]
                    performance["success_count"] = .int((performance["success_count"]?.integerValue ?? 0) + Int64(members.count))
                    competence.payload["performance"] = .object(performance)
                    for member in members {
                        competence.relations.append(Relation(predicate: "derived_from", targetID: member.id, weight: 1, createdAt: t))
                    }
                    try tx.updateMemoryRecord(competence, previous: previous, reindex: true)
                    report.competencesReinforced += 1
                } else if members.count >= 2 {
                    let tools = signature.split(separator: "+").map(String.init)
                    let scopes = Set(members.map(\.scope))
                    var competence = consolidatedRecord(
                        type: .competence, from: members[0], tags: ["consolidated", "auto-competence"], confidence: 0.8,
                        sensitivity: max(.low, members.map(\.sensitivity).max() ?? .low),
                        scope: scopes.count == 1 ? scopes.first! : "consolidated:mixed-scope", stage: "competence", at: t,
                        payload: [
                            "kind": "competence", "skill_name": .string(skill), "triggers": [["signal": .string(signature)]],
                            "recipe": .array(tools.enumerated().map { i, tool in
                                ["step": .string("Step \(i + 1): invoke \(tool)"), "tool": .string(tool)]
                            }),
                            "required_tools": JSONValue(tools),
                            "performance": ["success_count": .int(Int64(members.count)), "success_rate": 1.0,
                                            "last_used_at": .string(MemoryTime.format(t))],
                        ])
                    competence.relations = members.map { Relation(predicate: "derived_from", targetID: $0.id, weight: 1, createdAt: t) }
                    try tx.insertMemoryRecord(competence)
                    report.competencesCreated += 1
                } else {
                    continue  // a group of one waits for company
                }
                for member in members { try tx.markConsolidated(stage: "competence", recordID: member.id) }
            }

            // 4. Plan graphs from tool graphs of three or more nodes.
            for episode in try tx.unconsolidatedEpisodes(stage: "plangraph", .withThreeOrMoreTools)
            {
                let nodes = episode.payload["tool_graph"]?.arrayValue ?? []
                var edges: [JSONValue] = []
                for node in nodes {
                    for dependency in node["depends_on"]?.arrayValue ?? [] {
                        edges.append(["from": dependency, "to": node["id"] ?? .null, "kind": "control"])
                    }
                }
                var plan = consolidatedRecord(
                    type: .planGraph, from: episode, tags: ["consolidated", "auto-plangraph"], confidence: 0.7,
                    sensitivity: episode.sensitivity, scope: episode.scope, stage: "plangraph", at: t,
                    payload: [
                        "kind": "plan_graph", "plan_id": .string(Identifiers.uuid()), "version": "1",
                        "intent": episode.payload["timeline"]?.arrayValue?.first?["event_kind"] ?? .null,
                        "nodes": .array(nodes.map { node in
                            var n: JSONObject = ["id": node["id"] ?? .null, "op": node["tool"] ?? .null]
                            if let args = node["args"] { n["params"] = args }
                            return .object(n)
                        }),
                        "edges": .array(edges),
                        "metrics": ["execution_count": 1, "last_executed_at": .string(MemoryTime.format(t))],
                    ])
                plan.relations = [Relation(predicate: "derived_from", targetID: episode.id, weight: 1, createdAt: t)]
                try tx.insertMemoryRecord(plan)
                try tx.markConsolidated(stage: "plangraph", recordID: episode.id)
                report.plansCreated += 1
            }
            return report
        }
    }

    private func consolidatedRecord(
        type: MemoryType, from source: MemoryRecord, tags: [String], confidence: Double, sensitivity: Sensitivity,
        scope: String, stage: String, at t: Nanoseconds, payload: JSONObject
    ) -> MemoryRecord {
        var decay = defaults.decay(for: type)
        decay.halfLifeSeconds = 86400
        return MemoryRecord(
            id: Identifiers.uuid(), type: type, sensitivity: sensitivity, confidence: confidence, base: 1, scope: scope,
            tags: tags, createdAt: t, updatedAt: t,
            lifecycle: Lifecycle(decay: decay, lastReinforcedAt: t, pinned: false, deletionPolicy: "auto_prune"),
            provenance: Provenance(sources: [], createdBy: "consolidation/\(stage)"), relations: [], payload: payload,
            auditLog: [AuditEntry(action: "create", actor: "consolidation/\(stage)", timestamp: t,
                                  rationale: "consolidated from \(source.id)")],
            status: .active)
    }

    /// Reinforcement as in spec §7.3 with gain 0.1, used by consolidation.
    private func reinforceInPlace(
        _ tx: any StoreTransaction, _ record: inout MemoryRecord, actor: String, at t: Nanoseconds, save: Bool = true
    ) throws {
        let previous = record
        let e = record.salience(at: t)
        record.base = max(e, min(1, e + 0.1))
        record.lifecycle.lastReinforcedAt = t
        record.updatedAt = t
        record.auditLog.append(AuditEntry(action: "reinforce", actor: actor, timestamp: t, rationale: "consolidation"))
        if save { try tx.updateMemoryRecord(record, previous: previous, reindex: false) }
    }
}
