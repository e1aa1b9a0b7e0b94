import Foundation
import Testing
import VigilCore
import VigilStoreSQLite
import VigilTestSupport

@Suite("Memory retrieval, trust and ranking (Membrane checklist 22–39)")
struct MemoryRetrieveTests {
    @Test("22–23: trust and request validation", arguments: TestStore.all)
    func validation(store: TestStore) throws {
        let f = try MemoryFixture(store: store)
        var r = RetrieveRequest()
        try expectMemoryError(f, "INVALID_ARGUMENT", "trust context is required") { _ = try f.engine.retrieve(r) }
        r.trust = TrustContextRequest(maxSensitivity: "")
        try expectMemoryError(f, "INVALID_ARGUMENT", "trust.max_sensitivity is required") { _ = try f.engine.retrieve(r) }
        r.trust = TrustContextRequest(maxSensitivity: "top")
        try expectMemoryError(f, "INVALID_ARGUMENT", "must be one of") { _ = try f.engine.retrieve(r) }
        try expectMemoryError(f, "INVALID_ARGUMENT", "memory_types must be one of") { _ = try f.retrieve(types: ["episodic", "facts"]) }
        try expectMemoryError(f, "INVALID_ARGUMENT", "min_salience must be non-negative and finite") { _ = try f.retrieve(minSalience: -0.1) }
        try expectMemoryError(f, "INVALID_ARGUMENT", "min_salience must be non-negative and finite") { _ = try f.retrieve(minSalience: .nan) }
        try expectMemoryError(f, "INVALID_ARGUMENT", "limit must be between 0 and 10000") { _ = try f.retrieve(limit: -1) }
        try expectMemoryError(f, "INVALID_ARGUMENT", "limit must be between 0 and 10000") { _ = try f.retrieve(limit: 10001) }
    }

    @Test("24: one level above is redacted, two or more omitted", arguments: TestStore.all)
    func trustLevels(store: TestStore) throws {
        let f = try MemoryFixture(store: store)
        let ids = try ["public", "low", "medium", "high"].map { try f.event($0, sensitivity: $0, scope: "s", tags: ["x"]).id }
        let result = try f.retrieve(trust: "low")
        let byID = Dictionary(uniqueKeysWithValues: result.recordsJSON.map { ($0["id"]!.stringValue!, $0) })
        #expect(byID[ids[0]]?["payload"] != JSONValue.null && byID[ids[1]]?["payload"] != JSONValue.null)
        let redacted = try #require(byID[ids[2]])
        #expect(redacted["payload"] == JSONValue.null && redacted["provenance"] == ["sources": .array([])])
        #expect(redacted["audit_log"] == .array([]) && redacted["relations"] == nil)
        #expect(redacted["lifecycle"]?["decay"]?["half_life_seconds"] == 0)
        #expect(redacted["lifecycle"]?["last_reinforced_at"] == "0001-01-01T00:00:00Z")
        #expect(redacted["scope"] == "s" && redacted["tags"] == ["x"] && redacted["sensitivity"] == "medium")
        #expect(redacted["confidence"] == 0.8 && redacted["salience"] == 1 && redacted["created_at"] != nil)
        #expect(byID[ids[3]] == nil)
    }

    @Test("25: scopes filter before sensitivity, and never redact", arguments: TestStore.all)
    func scopes(store: TestStore) throws {
        let f = try MemoryFixture(store: store)
        let other = try f.event("b", sensitivity: "low", scope: "b")
        let unscoped = try f.event("u", sensitivity: "low")
        let mediumOther = try f.event("m", sensitivity: "medium", scope: "b")
        let ids = Set(try f.retrieve(trust: "low", scopes: ["a"]).records.map(\.record.id))
        #expect(!ids.contains(other.id) && ids.contains(unscoped.id) && !ids.contains(mediumOther.id))
    }

    @Test("26: RetrieveByID denies what the caller may not fully see", arguments: TestStore.all)
    func byID(store: TestStore) throws {
        let f = try MemoryFixture(store: store)
        let medium = try f.event("m", sensitivity: "medium")
        try expectMemoryError(f, "PERMISSION_DENIED", "access denied by trust context") {
            _ = try f.engine.retrieveByID(medium.id, trust: TrustContextRequest(maxSensitivity: "low"))
        }
        try expectMemoryError(f, "NOT_FOUND", "record not found") {
            _ = try f.engine.retrieveByID("nope", trust: TrustContextRequest(maxSensitivity: "low"))
        }
        try expectMemoryError(f, "INVALID_ARGUMENT", "trust context is required") { _ = try f.engine.retrieveByID(medium.id, trust: nil) }
    }

    @Test("27: text relevance ranks; without text, salience then newest then id; always deterministic", arguments: TestStore.all)
    func ranking(store: TestStore) throws {
        let f = try MemoryFixture(store: store)
        let a = try f.observation("cache", "uses", "redis")
        let b = try f.observation("database", "uses", "postgres")
        let ranked = try f.retrieve("which database").records.map(\.record.id)
        #expect(ranked == [b.id, a.id])
        #expect(try f.retrieve("which database").records.map(\.record.id) == ranked)
        let plain = try f.retrieve("").records.map(\.record.id)
        #expect(plain == [a.id, b.id].sorted(), "equal salience and creation time: id ascending")
        f.advance(1)
        let c = try f.observation("queue", "uses", "kafka")
        #expect(try f.retrieve("", types: ["semantic"]).records.map(\.record.id).first == c.id, "fresher salience first")
    }

    @Test("28–29: read-time decay from the last reinforcement, unaffected by reads and sweeps", arguments: TestStore.all)
    func decay(store: TestStore) throws {
        let f = try MemoryFixture(store: store)
        let id = try f.event().id
        f.advance(3600)
        for _ in 0..<3 { _ = try f.retrieve(); try f.engine.sweep() }
        #expect(abs(try f.get(id).salience(at: f.engine.currentTime) - 0.5) < 1e-9)
        f.advance(3600)
        _ = try f.engine.sweep()
        #expect(abs(try f.retrieve().records[0].record.salience(at: f.engine.currentTime) - 0.25) < 1e-9)
        #expect(try f.retrieve(minSalience: 0.3).records.isEmpty)
        #expect(try f.retrieve(minSalience: 0.2).records.map(\.record.id) == [id])
    }

    @Test("decay after k half-lives is base·2^−k within 1e−9", arguments: TestStore.all, [0.5, 1, 2, 3.25, 7, 20])
    func halfLives(store: TestStore, k: Double) throws {
        let f = try MemoryFixture(store: store)
        let id = try f.event().id
        f.advance(3600 * k)
        #expect(abs(try f.get(id).salience(at: f.engine.currentTime) - pow(2, -k)) < 1e-9)
    }

    @Test("a sweep run twice gives the same result as one run", arguments: TestStore.all)
    func sweepIdempotent(store: TestStore) throws {
        let f = try MemoryFixture(store: store)
        for i in 0..<5 { try f.event("e\(i)"); f.advance(900) }
        try f.observation("a", "b", "c")
        f.advance(5000)
        _ = try f.engine.sweep()
        let once = try f.store.snapshot()
        let saliences = try f.retrieve().recordsJSON.map { $0["salience"]! }
        _ = try f.engine.sweep()
        #expect(try f.store.snapshot() == once)
        #expect(try f.retrieve().recordsJSON.map { $0["salience"]! } == saliences)
    }

    @Test("the sweep covers every record across its short transactions", arguments: TestStore.all)
    func sweepChunks(store: TestStore) throws {
        let f = try MemoryFixture(store: store)
        let batch: [MemoryIngestRequest] = (0..<4100).map { i in
            var r = IngestEventRequest()
            (r.source, r.eventKind, r.ref, r.summary) = ("bulk", "note", "r\(i)", "note \(i)")
            return .event(r)
        }
        #expect(try f.engine.ingest(batch).count == 4100)
        f.advance(3600)
        #expect(try f.engine.sweep().persisted == 4100)
        #expect(abs(try f.engine.metrics()["avg_salience"]!.numberValue! - 0.5) < 1e-9)
    }

    @Test("30–32: reinforce and penalize", arguments: TestStore.all)
    func reinforceAndPenalize(store: TestStore) throws {
        let f = try MemoryFixture(store: store)
        let r1 = try f.event("r").id
        let p1 = try f.event("p").id
        f.advance(3600)
        try f.engine.reinforce(id: r1, by: RevisionActor(actor: "op", rationale: "useful"))
        let reinforced = try f.json(r1)
        #expect(abs(reinforced["salience"]!.numberValue! - 0.6) < 1e-9)
        #expect(reinforced["lifecycle"]?["last_reinforced_at"]?.stringValue == MemoryTime.format(f.t0 + 3_600_000_000_000))
        #expect(reinforced["audit_log"]?.arrayValue?.last?["action"] == "reinforce")
        try f.engine.penalize(id: p1, amount: 0.2, by: RevisionActor(actor: "op", rationale: "stale"))
        let penalized = try f.json(p1)
        #expect(abs(penalized["salience"]!.numberValue! - 0.3) < 1e-9)
        #expect(penalized["lifecycle"]?["last_reinforced_at"]?.stringValue == MemoryTime.format(f.t0))
        #expect(penalized["audit_log"]?.arrayValue?.last == ["action": "decay", "actor": "op",
            "timestamp": .string(MemoryTime.format(f.t0 + 3_600_000_000_000)), "rationale": "penalty: stale"])
        f.advance(3600)
        #expect(abs(try f.json(r1)["salience"]!.numberValue! - 0.3) < 1e-9)
        #expect(abs(try f.json(p1)["salience"]!.numberValue! - 0.15) < 1e-9)
        try expectMemoryError(f, "INVALID_ARGUMENT", "amount must be non-negative and finite") {
            try f.engine.penalize(id: p1, amount: -1, by: RevisionActor())
        }
        try expectMemoryError(f, "INVALID_ARGUMENT", "amount must be non-negative and finite") {
            try f.engine.penalize(id: p1, amount: .infinity, by: RevisionActor())
        }
        try expectMemoryError(f, "NOT_FOUND") { try f.engine.reinforce(id: "nope", by: RevisionActor()) }
        try expectMemoryError(f, "NOT_FOUND") { try f.engine.penalize(id: "nope", amount: 1, by: RevisionActor()) }
    }

    @Test("33–35: floors, pins and maximum age", arguments: TestStore.all)
    func lifecycleRules(store: TestStore) throws {
        let f = try MemoryFixture(store: store)
        let old = try f.observation("x", "y", "z")
        let floored = try f.engine.supersede(
            oldID: old.id,
            newRecord: MemoryFixture.suppliedRecord(extra: ["lifecycle": ["decay": ["curve": "exponential", "half_life_seconds": 3600, "min_salience": 0.2]]]),
            by: RevisionActor(actor: "op"))
        let pinnedSource = try f.observation("p", "q", "r")
        let pinned = try f.engine.fork(
            sourceID: pinnedSource.id,
            forkedRecord: MemoryFixture.suppliedRecord(extra: ["salience": 0.7, "lifecycle": ["decay": ["curve": "exponential", "half_life_seconds": 3600], "pinned": true]]),
            by: RevisionActor(actor: "op"))
        let aged = try f.engine.fork(
            sourceID: pinnedSource.id,
            forkedRecord: MemoryFixture.suppliedRecord(extra: ["lifecycle": ["decay": ["curve": "exponential", "half_life_seconds": 86400, "max_age_seconds": 60]]]),
            by: RevisionActor(actor: "op"))
        f.advance(61)
        #expect(try f.get(aged.id).salience(at: f.engine.currentTime) == 0)
        f.advance(36000 - 61)
        #expect(abs(try f.get(floored.id).salience(at: f.engine.currentTime) - 0.2) < 1e-9)
        #expect(try f.get(pinned.id).salience(at: f.engine.currentTime) == 0.7)
        // Retrieve ranks them by the same values.
        let ranked = try f.retrieve(types: ["semantic"], limit: 2).records.map(\.record.id)
        #expect(ranked.first == pinnedSource.id || ranked.first == pinned.id)
    }

    @Test("36–37: limits, and Retrieve writes nothing", arguments: TestStore.all)
    func limitAndReadOnly(store: TestStore) throws {
        let f = try MemoryFixture(store: store)
        for i in 0..<5 { try f.event("e\(i)") }
        #expect(try f.retrieve(limit: 2).records.count == 2)
        #expect(try f.retrieve(limit: 0).records.count == 5)
        let before = try f.engine.metrics()["total_audit_entries"]
        _ = try f.retrieve("e1", limit: 3)
        #expect(try f.engine.metrics()["total_audit_entries"] == before)
    }

    @Test("38–39: selection over competence and plan_graph candidates", arguments: TestStore.all)
    func selection(store: TestStore) throws {
        let f = try MemoryFixture(store: store)
        #expect(try f.retrieve().selection == nil)
        let base = try f.observation("s", "p", "o")
        let competence = MemoryFixture.suppliedRecord(type: "competence", extra: ["confidence": 0.9],
            payload: ["kind": "competence", "skill_name": "deploy", "triggers": [["signal": "release"]], "recipe": [["step": "ship"]]])
        let one = try f.engine.fork(sourceID: base.id, forkedRecord: competence, by: RevisionActor(actor: "op"))
        let single = try #require(try f.retrieve().selection)
        let expected = (0.9 + 0.5 + 1.0) / 3
        #expect(abs(single.scores[one.id]! - expected) < 1e-9)
        #expect(abs(single.confidence - min(expected, 1)) < 1e-9)
        _ = try f.engine.fork(sourceID: base.id, forkedRecord: competence, by: RevisionActor(actor: "op"))
        let pair = try #require(try f.retrieve().selection)
        let json = pair.json(at: f.engine.currentTime)
        #expect(Set(json.objectValue!.keys) == ["Selected", "Confidence", "NeedsMore", "Scores"])
        #expect(json["Selected"]?.arrayValue?.count == 2)
        #expect(json["Selected"]?.arrayValue?.first?["skill_name"] == nil && json["Selected"]?.arrayValue?.first?["created_at"] != nil)
        #expect(pair.needsMore == (pair.confidence < 0.7))
    }

    @Test("relevance: among 1,000 records at equal salience, those matching the task come first", arguments: TestStore.all)
    func relevanceAtScale(store: TestStore) throws {
        let f = try MemoryFixture(store: store)
        let words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"]
        var matching = Set<String>()
        for i in 0..<1000 {
            let summary = (0..<6).map { words[(i * 7 + $0 * 3) % words.count] + "\($0)" }.joined(separator: " ")
            let text = i % 97 == 0 ? summary + " kubernetes rollout" : summary
            let record = try f.event(text, ref: "r\(i)")
            if i % 97 == 0 { matching.insert(record.id) }
        }
        let top = try f.retrieve("plan the kubernetes rollout", limit: 20).records.map(\.record.id)
        #expect(Set(top.prefix(matching.count)) == matching)
        #expect(top.count == 20)
        let all = try f.retrieve("plan the kubernetes rollout", limit: 0).records.map(\.record.id)
        #expect(Array(all.prefix(20)) == top, "the bounded walk and the full ranking agree")
    }

    @Test("the bounded walk agrees with a full ranking on mixed data", arguments: TestStore.all, [1, 3, 10, 25])
    func boundedMatchesFull(store: TestStore, limit: Int32) throws {
        let f = try MemoryFixture(store: store)
        let sensitivities = ["public", "low", "medium", "high"]
        for i in 0..<120 {
            switch i % 3 {
            case 0: try f.event("deploy service \(i % 7) rollout", sensitivity: sensitivities[i % 4], scope: i % 5 == 0 ? "a" : "")
            case 1: try f.observation("svc\(i % 5)", "depends_on", .string("db \(i % 4)"), sensitivity: sensitivities[(i / 3) % 4])
            default:
                var r = IngestWorkingStateRequest()
                r.source = "c"; r.threadID = "t\(i)"; r.state = "planning"; r.contextSummary = "rollout plan \(i % 9)"
                _ = try f.engine.ingestWorkingState(r)
            }
            f.advance(37)
        }
        for task in ["", "rollout", "db 3 deploy", "nothing matches this"] {
            for trust in ["low", "medium"] {
                let bounded = try f.retrieve(task, trust: trust, scopes: ["a"], limit: limit).records.map(\.record.id)
                let full = try f.retrieve(task, trust: trust, scopes: ["a"], limit: 0).records.map(\.record.id)
                #expect(bounded == Array(full.prefix(Int(limit))), "task '\(task)' trust \(trust)")
            }
        }
    }
}
