import Foundation
import Testing
import VigilCore
import VigilTestSupport

@Suite("Memory revisions, pruning and metrics (Membrane checklist 40–57)")
struct MemoryRevisionTests {
    let actor = RevisionActor(actor: "op", rationale: "why")

    @Test("40–41: retract keeps the record, at salience 0, out of Retrieve unless inactive is asked for", arguments: TestStore.all)
    func retract(store: TestStore) throws {
        let f = try MemoryFixture(store: store)
        let s = try f.observation("a", "b", "c")
        try f.engine.retract(id: s.id, by: actor)
        let json = try f.json(s.id)
        #expect(json["salience"] == 0 && json["payload"]?["revision"]?["status"] == "retracted")
        #expect(json["audit_log"]?.arrayValue?.last?["action"] == "delete")
        #expect(try f.retrieve().records.isEmpty)
        #expect(try f.retrieve(includeInactive: true).records.map(\.record.id) == [s.id])
        #expect(try f.retrieve(minSalience: 0.1, includeInactive: true).records.isEmpty)
        let episode = try f.event()
        try expectMemoryError(f, "FAILED_PRECONDITION", "episodic memory is immutable") { try f.engine.retract(id: episode.id, by: actor) }
        try expectMemoryError(f, "NOT_FOUND") { try f.engine.retract(id: "nope", by: actor) }
    }

    @Test("42, 50: supersede links both ways and keeps the old record's history", arguments: TestStore.all)
    func supersede(store: TestStore) throws {
        let f = try MemoryFixture(store: store)
        let s1 = try f.observation("db", "uses", "mysql")
        let new = try f.engine.supersede(oldID: s1.id, newRecord: MemoryFixture.suppliedRecord(), by: actor)
        #expect(new.relations.contains { $0.predicate == "supersedes" && $0.targetID == s1.id && $0.weight == 1 })
        #expect(new.payload["revision"]?["supersedes"]?.stringValue == s1.id)
        let old = try f.json(s1.id)
        #expect(old["payload"]?["revision"]?["superseded_by"]?.stringValue == new.id)
        #expect(old["payload"]?["revision"]?["status"] == "retracted" && old["salience"] == 0)
        #expect(old["audit_log"]?.arrayValue?.contains { $0["rationale"]?.stringValue?.hasPrefix("superseded by ") == true } == true)
        #expect(old["audit_log"]?.arrayValue?.first?["action"] == "create")
        #expect(!(try f.retrieve().records.map(\.record.id)).contains(s1.id))
        for _ in 0..<3 { _ = try f.engine.sweep() }
        #expect(try f.get(s1.id).id == s1.id, "history survives prune runs within retention")
    }

    @Test("43–46: supplied record validation", arguments: TestStore.all)
    func suppliedValidation(store: TestStore) throws {
        let f = try MemoryFixture(store: store)
        let s1 = try f.observation("db", "uses", "mysql")
        let noEvidence = MemoryFixture.suppliedRecord(payload: ["kind": "semantic", "subject": "a", "predicate": "b", "object": "c"])
        try expectMemoryError(f, "INVALID_ARGUMENT", "semantic revision requires evidence") {
            _ = try f.engine.supersede(oldID: s1.id, newRecord: noEvidence, by: actor)
        }
        try expectMemoryError(f, "NOT_FOUND") { _ = try f.engine.supersede(oldID: "nope", newRecord: MemoryFixture.suppliedRecord(), by: actor) }
        try expectMemoryError(f, "INVALID_ARGUMENT", "invalid new_record") {
            _ = try f.engine.supersede(oldID: s1.id, newRecord: Array(#"{"id":"#.utf8), by: actor)
        }
        try expectMemoryError(f, "INVALID_ARGUMENT", "type must be one of") {
            _ = try f.engine.supersede(oldID: s1.id, newRecord: MemoryFixture.suppliedRecord(type: "bogus", payload: ["kind": "semantic"]), by: actor)
        }
        try expectMemoryError(f, "INVALID_ARGUMENT") {
            _ = try f.engine.supersede(oldID: s1.id, newRecord: MemoryFixture.suppliedRecord(payload: ["kind": "working"]), by: actor)
        }
        // 45: no lifecycle key (Python to_dict()) gets the defaults.
        let defaulted = try f.engine.supersede(oldID: s1.id, newRecord: MemoryFixture.suppliedRecord(), by: actor)
        #expect(defaulted.lifecycle.decay.curve == "exponential" && defaulted.lifecycle.decay.halfLifeSeconds > 0)
        #expect(defaulted.lifecycle.lastReinforcedAt == f.engine.currentTime)
        // 46: a colliding id is refused; passing back the target's own id gets a fresh one.
        let third = try f.observation("x", "y", "z")
        let s2 = try f.observation("q", "r", "s")
        try expectMemoryError(f, "ALREADY_EXISTS", "record \(third.id) already exists") {
            _ = try f.engine.supersede(oldID: s2.id, newRecord: MemoryFixture.suppliedRecord(extra: ["id": .string(third.id)]), by: actor)
        }
        let roundTrip = try f.engine.supersede(oldID: s2.id, newRecord: MemoryFixture.suppliedRecord(extra: ["id": .string(s2.id)]), by: actor)
        #expect(roundTrip.id != s2.id && UUID(uuidString: roundTrip.id) != nil)
    }

    @Test("47: fork keeps the source active", arguments: TestStore.all)
    func fork(store: TestStore) throws {
        let f = try MemoryFixture(store: store)
        let source = try f.observation("a", "b", "c")
        let fork = try f.engine.fork(sourceID: source.id, forkedRecord: MemoryFixture.suppliedRecord(), by: actor)
        #expect(Set(try f.retrieve().records.map(\.record.id)) == [source.id, fork.id])
        #expect(fork.relations.contains { $0.predicate == "derived_from" && $0.targetID == source.id })
        #expect(try f.get(source.id).auditLog.last?.action == "fork")
        #expect(fork.auditLog.last?.action == "create")
    }

    @Test("48, 56: merge validates ids and supersedes every source", arguments: TestStore.all)
    func merge(store: TestStore) throws {
        let f = try MemoryFixture(store: store)
        let a = try f.observation("a", "b", "c")
        let b = try f.observation("d", "e", "f")
        let record = MemoryFixture.suppliedRecord()
        try expectMemoryError(f, "INVALID_ARGUMENT", "ids must not be empty") { _ = try f.engine.merge(ids: [], mergedRecord: record, by: actor) }
        try expectMemoryError(f, "INVALID_ARGUMENT", "duplicate") { _ = try f.engine.merge(ids: [a.id, a.id], mergedRecord: record, by: actor) }
        try expectMemoryError(f, "NOT_FOUND") { _ = try f.engine.merge(ids: [a.id, "nope"], mergedRecord: record, by: actor) }
        try expectMemoryError(f, "INVALID_ARGUMENT", "too many ids: 10001") {
            _ = try f.engine.merge(ids: (0..<10_001).map { "id\($0)" }, mergedRecord: record, by: actor)
        }
        let merged = try f.engine.merge(ids: [a.id, b.id], mergedRecord: record, by: actor)
        #expect(Set(merged.relations.filter { $0.predicate == "derived_from" }.map(\.targetID)) == [a.id, b.id])
        #expect(try f.retrieve().records.map(\.record.id) == [merged.id])
        #expect(try f.get(a.id).auditLog.last?.action == "merge" && f.get(b.id).auditLog.last?.action == "merge")
        #expect(merged.auditLog.last?.rationale == "merged from [\(a.id) \(b.id)]: why")
    }

    @Test("49: contest with an opaque ref", arguments: TestStore.all)
    func contest(store: TestStore) throws {
        let f = try MemoryFixture(store: store)
        let s = try f.observation("a", "b", "c")
        try f.engine.contest(id: s.id, contestingRef: "ticket-42", by: actor)
        let json = try f.json(s.id)
        #expect(json["payload"]?["revision"]?["status"] == "contested")
        #expect(json["relations"]?.arrayValue?.first?["predicate"] == "contested_by")
        #expect(json["relations"]?.arrayValue?.first?["target_id"] == "ticket-42")
        #expect(try f.retrieve().records.map(\.record.id) == [s.id])
    }

    @Test("a client that sees only the wire record can tell each status: retracted, superseded, merged, contested (with or without a ref), penalized to zero", arguments: TestStore.all)
    func statusImpliedByTheWireRecord(store: TestStore) throws {
        let f = try MemoryFixture(store: store)
        let retracted = try f.observation("a", "b", "c")
        try f.engine.retract(id: retracted.id, by: actor)
        let superseded = try f.observation("db", "uses", "mysql")
        let successor = try f.engine.supersede(oldID: superseded.id, newRecord: MemoryFixture.suppliedRecord(), by: actor)
        let (m1, m2) = (try f.observation("m", "is", "1"), try f.observation("m", "is", "2"))
        let merged = try f.engine.merge(ids: [m1.id, m2.id], mergedRecord: MemoryFixture.suppliedRecord(), by: actor)
        let contested = try f.observation("x", "is", "y")
        try f.engine.contest(id: contested.id, contestingRef: "ticket-42", by: actor)
        let contestedNoRef = try f.observation("x", "is", "z")
        try f.engine.contest(id: contestedNoRef.id, contestingRef: "", by: actor)
        let contestedThenRetracted = try f.observation("p", "is", "q")
        try f.engine.contest(id: contestedThenRetracted.id, contestingRef: "ticket-7", by: actor)
        try f.engine.retract(id: contestedThenRetracted.id, by: actor)
        let penalized = try f.observation("s", "is", "t")
        try f.engine.penalize(id: penalized.id, amount: 5, by: actor)
        let reinforcedAfterRetract = try f.observation("u", "is", "v")
        try f.engine.retract(id: reinforcedAfterRetract.id, by: actor)
        try f.engine.reinforce(id: reinforcedAfterRetract.id, by: actor)

        let ids = [retracted, superseded, successor, m1, m2, merged, contested, contestedNoRef, contestedThenRetracted, penalized,
                   reinforcedAfterRetract].map(\.id)
        for id in ids {
            let json = try f.json(id)
            let implied = MemoryStatus.implied(
                salience: json["salience"]?.numberValue ?? -1,
                audit: (json["audit_log"]?.arrayValue ?? []).map { ($0["action"]?.stringValue ?? "", $0["rationale"]?.stringValue ?? "") },
                relationPredicates: (json["relations"]?.arrayValue ?? []).compactMap { $0["predicate"]?.stringValue },
                revisionStatus: json["type"] == "semantic" ? json["payload"]?["revision"]?["status"]?.stringValue : nil)
            #expect(implied == (try f.get(id).status), "\(id): \(json)")
        }
        #expect(try f.get(penalized.id).status == .active && f.json(penalized.id)["salience"] == 0)
    }

    @Test("reveal writes who, when and why to the audit log before a HIGH payload is read; nothing else changes", arguments: TestStore.all)
    func reveal(store: TestStore) throws {
        let f = try MemoryFixture(store: store)
        let secret = try f.observation("vault", "password_hint", "the cat's name", sensitivity: "high")
        f.advance(60)
        let revealed = try f.engine.reveal(id: secret.id, by: RevisionActor(actor: "alice", rationale: "incident 42 needs it"))
        #expect(revealed.payload == secret.payload)
        let stored = try f.get(secret.id)
        let entry = try #require(stored.auditLog.last)
        #expect(entry.action == "reveal" && entry.actor == "alice" && entry.rationale == "incident 42 needs it")
        #expect(entry.timestamp == f.t0 + 60_000_000_000)
        #expect(stored.auditLog.count == secret.auditLog.count + 1)
        #expect(stored.status == .active && stored.base == secret.base && stored.updatedAt == secret.updatedAt)
        #expect(try f.json(secret.id)["audit_log"]?.arrayValue?.last?["action"] == "reveal", "Membrane clients see it in the audit log")
        try expectMemoryError(f, "INVALID_ARGUMENT", "needs a rationale") {
            try f.engine.reveal(id: secret.id, by: RevisionActor(actor: "alice", rationale: "  "))
        }
        let low = try f.observation("a", "b", "c", sensitivity: "low")
        try expectMemoryError(f, "INVALID_ARGUMENT", "not masked") { try f.engine.reveal(id: low.id, by: RevisionActor(actor: "alice", rationale: "why")) }
        try expectMemoryError(f, "NOT_FOUND") { try f.engine.reveal(id: "nope", by: RevisionActor(actor: "alice", rationale: "why")) }
        #expect(try f.get(low.id).auditLog.count == 1, "a refused reveal writes nothing")
    }

    @Test("51–52: pruning deletes only past retention, leaves a tombstone, and honours deletion policies", arguments: TestStore.all)
    func prune(store: TestStore) throws {
        let f = try MemoryFixture(store: store)
        let retracted = try f.observation("a", "b", "c")
        try f.engine.retract(id: retracted.id, by: actor)
        let source = try f.observation("d", "e", "f")
        let never = try f.engine.fork(
            sourceID: source.id,
            forkedRecord: MemoryFixture.suppliedRecord(extra: ["salience": 0, "lifecycle": ["decay": ["curve": "exponential", "half_life_seconds": 60], "deletion_policy": "never"]]),
            by: actor)
        f.advance(2_592_000 - 10)
        #expect(try f.engine.sweep().pruned.isEmpty)
        f.advance(20)
        let report = try f.engine.sweep()
        #expect(report.pruned.contains(retracted.id))
        try expectMemoryError(f, "NOT_FOUND") { _ = try f.get(retracted.id) }
        #expect(try f.engine.tombstone(retracted.id)?.reason == "auto-pruned: salience reached floor")
        #expect(try f.get(never.id).id == never.id)
        #expect(!report.pruned.contains(source.id), "the source has a recent derived_from relation? no: it is alive")
    }

    @Test("54: Go-style supplied JSON: kind for predicate, unknown keys ignored, case-insensitive keys", arguments: TestStore.all)
    func goStyleJSON(store: TestStore) throws {
        let f = try MemoryFixture(store: store)
        let source = try f.observation("a", "b", "c")
        let bytes = Array(#"""
            {"type":"semantic","Confidence":0.5,"sensitivity":"low","bogus":1,"salience":1,
             "relations":[{"kind":"supports","target_id":"x"}],
             "payload":{"kind":"semantic","subject":"s","predicate":"p","object":null,"evidence":[{"source_type":"t","source_id":"i","timestamp":""}]}}
            """#.utf8)
        let fork = try f.engine.fork(sourceID: source.id, forkedRecord: bytes, by: actor)
        #expect(fork.confidence == 0.5)
        #expect(fork.relations.first?.predicate == "supports")
    }

    @Test("55: metrics have every key, type and bucket", arguments: TestStore.all)
    func metrics(store: TestStore) throws {
        let f = try MemoryFixture(store: store)
        let empty = try f.engine.metrics()
        #expect(empty["total_records"] == 0 && empty["avg_salience"] == 0)
        try f.event()
        let m = try f.engine.metrics()
        let keys: Set<String> = ["collected_at", "total_records", "records_by_type", "avg_salience", "avg_confidence",
                                 "salience_distribution", "active_records", "pinned_records", "total_audit_entries",
                                 "memory_growth_rate", "retrieval_usefulness", "competence_success_rate",
                                 "plan_reuse_frequency", "revision_rate"]
        #expect(Set(m.objectValue!.keys) == keys)
        #expect(Set(m["records_by_type"]!.objectValue!.keys) == ["episodic", "working", "semantic", "competence", "plan_graph"])
        #expect(m["salience_distribution"]!.objectValue!.count == 5)
        #expect(m["total_records"] == 1 && m["active_records"] == 1 && m["salience_distribution"]?["0.8-1.0"] == 1)
    }

    @Test("decisions and memories link both ways", arguments: TestStore.all)
    func decisionLinks(store: TestStore) throws {
        let f = try MemoryFixture(store: store)
        let decision = "TMEM_01HZX3K9Q8M4T7V2B6N5C1D0EF"
        let produced = try f.event("deployed", ref: "deploy:\(decision)")
        let tagged = try f.event("note", tags: ["decision:\(decision)"])
        let unrelated = try f.event("other")
        let read = try f.observation("svc", "owner", "team-a")
        let trace: [JSONValue] = [["type": "context", "context": ["memory": .string(read.id)]]]
        let linked = try f.engine.memories(linkedTo: decision, trace: trace)
        #expect(Set(linked.filter { $0.role == "produced" }.map(\.record.id)) == [produced.id, tagged.id])
        #expect(linked.filter { $0.role == "read" }.map(\.record.id) == [read.id])
        #expect(try f.engine.decisions(linkedFrom: produced.id) == [decision])
        #expect(try f.engine.decisions(linkedFrom: unrelated.id).isEmpty)
        #expect(DecisionReference.find(in: "x TMEM_01HZX3K9Q8M4T7V2B6N5C1D0EFX") == [], "a longer token is not an id")
    }
}

@Suite("Memory consolidation (Membrane checklist 57)")
struct MemoryConsolidationTests {
    func seedEpisode(_ f: MemoryFixture, source: String, tools: [String]) throws -> MemoryRecord {
        let payload: JSONObject = [
            "kind": "episodic", "outcome": "success",
            "timeline": [["t": "2026-01-07T10:00:00Z", "event_kind": "fix_build", "ref": "r", "summary": "fixed the build"]],
            "tool_graph": .array(tools.enumerated().map { i, tool in
                ["id": .string("n\(i)"), "tool": .string(tool), "timestamp": "2026-01-07T10:00:00Z",
                 "depends_on": i == 0 ? [] : [.string("n\(i - 1)")]]
            }),
        ]
        let week: JSONObject = ["lifecycle": ["decay": ["curve": "exponential", "half_life_seconds": 604_800]]]
        return try f.engine.fork(sourceID: source, forkedRecord: MemoryFixture.suppliedRecord(type: "episodic", extra: week, payload: payload),
                                 by: RevisionActor(actor: "seed"))
    }

    @Test("two successful episodes with the same tools make one competence, once", arguments: TestStore.all)
    func competence(store: TestStore) throws {
        let f = try MemoryFixture(store: store)
        let source = try f.observation("seed", "for", "episodes")
        let a = try seedEpisode(f, source: source.id, tools: ["grep", "sed"])
        let b = try seedEpisode(f, source: source.id, tools: ["sed", "grep"])
        f.advance(6 * 3600)
        let first = try f.engine.consolidate()
        #expect(first.competencesCreated == 1 && first.factsCreated == 1 && first.factsReinforced == 1)
        let competences = try f.retrieve(types: ["competence"]).records.map(\.record)
        #expect(competences.count == 1)
        let skill = try #require(competences.first)
        #expect(skill.payload["skill_name"] == "skill:grep+sed")
        #expect(skill.payload["performance"]?["success_count"] == 2)
        #expect(Set(skill.relations.map(\.targetID)) == [a.id, b.id])
        let audit = try f.engine.metrics()["total_audit_entries"]
        let second = try f.engine.consolidate()
        #expect(second == ConsolidationReport(), "a second run creates and reinforces nothing")
        #expect(try f.engine.metrics()["total_audit_entries"] == audit)
        #expect(try f.retrieve(types: ["competence"]).records.count == 1)
    }

    @Test("episodes older than a day are compressed once; three-tool graphs become plans", arguments: TestStore.all)
    func compressionAndPlans(store: TestStore) throws {
        let f = try MemoryFixture(store: store)
        let source = try f.observation("seed", "for", "episodes")
        let episode = try seedEpisode(f, source: source.id, tools: ["checkout", "build", "test"])
        f.advance(25 * 3600)
        let before = try f.get(episode.id).salience(at: f.engine.currentTime)
        let report = try f.engine.consolidate()
        #expect(report.compressed == 1 && report.plansCreated == 1)
        let after = try f.get(episode.id).salience(at: f.engine.currentTime)
        #expect(abs(after - max(0.05, 0.5 * before)) < 1e-9)
        let plan = try #require(try f.retrieve(types: ["plan_graph"]).records.first?.record)
        #expect(plan.payload["nodes"]?.arrayValue?.count == 3 && plan.payload["edges"]?.arrayValue?.count == 2)
        #expect(try f.engine.consolidate().compressed == 0)
    }
}
