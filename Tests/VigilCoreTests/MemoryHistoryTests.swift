import Foundation
import Testing
import VigilCore
import VigilTestSupport

@Suite("Memory history: lineage, payload diffs, salience over time")
struct MemoryHistoryTests {
    let actor = RevisionActor(actor: "op", rationale: "why")

    @Test("the lineage walks supersede, fork, merge and contest both ways; each revision names what it came from", arguments: TestStore.all)
    func lineage(store: TestStore) throws {
        let f = try MemoryFixture(store: store)
        let s1 = try f.observation("db", "uses", "mysql")
        f.advance(1)
        let s2 = try f.engine.supersede(oldID: s1.id, newRecord: MemoryFixture.suppliedRecord(), by: actor)
        f.advance(1)
        let fork = try f.engine.fork(sourceID: s2.id, forkedRecord: MemoryFixture.suppliedRecord(), by: actor)
        f.advance(1)
        let other = try f.observation("cache", "uses", "redis")
        f.advance(1)
        let merged = try f.engine.merge(ids: [fork.id, other.id], mergedRecord: MemoryFixture.suppliedRecord(), by: actor)
        f.advance(1)
        let critic = try f.observation("db", "uses", "oracle")
        try f.engine.contest(id: merged.id, contestingRef: critic.id, by: actor)
        let unrelated = try f.observation("x", "y", "z")
        let secret = try f.observation("vault", "holds", "the key", sensitivity: "high")

        let history = try #require(try f.engine.history(of: s2.id))
        #expect(history.id == s2.id && !history.truncated)
        #expect(history.revisions.map(\.id) == [s1.id, s2.id, fork.id, other.id, merged.id, critic.id], "oldest first")
        #expect(history.revision(s1.id)?.edges == [] && history.revision(s1.id)?.status == .superseded)
        #expect(history.revision(s2.id)?.edges == [.init(link: .supersedes, targetID: s1.id)])
        #expect(history.revision(fork.id)?.edges == [.init(link: .forkedFrom, targetID: s2.id)])
        #expect(history.revision(fork.id)?.status == .superseded, "merged away")
        #expect(history.revision(merged.id)?.edges == [
            .init(link: .mergedFrom, targetID: fork.id), .init(link: .mergedFrom, targetID: other.id), .init(link: .contestedBy, targetID: critic.id),
        ])
        #expect(history.revision(merged.id)?.status == .contested)
        #expect(history.revision(unrelated.id) == nil)
        #expect(try f.engine.history(of: critic.id)?.revisions.map(\.id) == history.revisions.map(\.id), "the same family from any member")
        #expect(try f.engine.history(of: "nope") == nil)

        let changes = PayloadDiff.changes(
            from: try #require(history.revision(s1.id)?.payload), to: try #require(history.revision(s2.id)?.payload))
        #expect(changes.contains(PayloadChange(kind: .changed, path: "object", before: "mysql", after: "postgres")), "\(changes)")
        #expect(changes.contains { $0.kind == .added && $0.path == "revision.supersedes" && $0.after == .string(s1.id) }, "\(changes)")

        let masked = try #require(try f.engine.history(of: secret.id))
        #expect(masked.revisions.count == 1 && masked.revisions[0].payload == nil, "HIGH and HYPER payloads stay masked")
        #expect(MemoryHistory(json: history.json) == history && MemoryHistory(json: masked.json) == masked)
    }

    @Test("each audited change records the salience it left; between them the curve decays; it ends where the record is", arguments: TestStore.all)
    func salience(store: TestStore) throws {
        let f = try MemoryFixture(store: store)
        let s = try f.observation("db", "uses", "mysql")
        let halfLife = s.lifecycle.decay.halfLifeSeconds
        f.advance(TimeInterval(halfLife))
        let beforeReinforce = try f.get(s.id)
        let reinforced = try f.engine.reinforce(id: s.id, by: actor)
        f.advance(60)
        let penalized = try f.engine.penalize(id: s.id, amount: 0.2, by: actor)
        f.advance(TimeInterval(halfLife) / 2)
        let stored = try f.get(s.id)
        let history = try #require(try f.engine.history(of: s.id))

        #expect(history.points.map(\.action) == ["create", "reinforce", "decay"])
        #expect(stored.auditLog.map(\.salience) == history.points.map(\.salience).map(Optional.some), "read back from the store as written")
        let (created, reinforcedAt, penalizedAt) = (history.points[0], history.points[1], history.points[2])
        #expect(abs(created.salience - s.salience(at: s.createdAt)) < 1e-12)
        #expect(abs(reinforcedAt.salience - reinforced.salience(at: reinforcedAt.time)) < 1e-12)
        #expect(abs(penalizedAt.salience - penalized.salience(at: penalizedAt.time)) < 1e-12)
        #expect(penalizedAt.salience < reinforcedAt.salience, "a penalty lowers it")
        let justBefore = reinforcedAt.time - 1_000_000
        #expect(abs(try #require(history.salience(at: justBefore)) - beforeReinforce.salience(at: justBefore)) < 1e-9, "decayed by the record's own curve")
        #expect(abs(try #require(history.salience(at: history.now)) - f.engine.currentSalience(of: stored)) < 1e-9)
        #expect(history.salience(at: created.time - 1) == nil)
        let curve = history.curve(samples: 12)
        #expect(curve.count == 12 && abs(curve[11] - f.engine.currentSalience(of: stored)) < 1e-9)
        #expect(curve.allSatisfy { (0...1).contains($0) })
    }

    @Test("a payload diff names added, removed and changed keys and array elements by path")
    func diff() {
        let old: JSONObject = ["a": 1, "b": ["c": "x", "gone": true], "list": [1, 2, 3], "same": "s"]
        let new: JSONObject = ["a": 2, "b": ["c": "x", "new": .null], "list": [1, 5], "same": "s", "type": ["was": "object"]]
        #expect(PayloadDiff.changes(from: old, to: new) == [
            PayloadChange(kind: .changed, path: "a", before: 1, after: 2),
            PayloadChange(kind: .removed, path: "b.gone", before: true, after: nil),
            PayloadChange(kind: .added, path: "b.new", before: nil, after: .null),
            PayloadChange(kind: .changed, path: "list[1]", before: 2, after: 5),
            PayloadChange(kind: .removed, path: "list[2]", before: 3, after: nil),
            PayloadChange(kind: .added, path: "type", before: nil, after: ["was": "object"]),
        ])
        #expect(PayloadDiff.changes(from: old, to: old).isEmpty)
        #expect(PayloadDiff.changes(from: ["k": [1]], to: ["k": "1"]) == [PayloadChange(kind: .changed, path: "k", before: [1], after: "1")])
    }
}
