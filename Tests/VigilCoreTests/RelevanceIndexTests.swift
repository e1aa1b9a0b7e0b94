import Foundation
import Testing
import VigilCore
import VigilTestSupport

@Suite("The in-memory relevance index")
struct RelevanceIndexTests {
    /// A store with varied records, an engine ranking through FTS5 and one ranking in memory.
    func corpus(_ store: TestStore) throws -> (MemoryFixture, MemoryEngine) {
        let f = try MemoryFixture(store: store)
        let words = ["deploy", "rollout", "database", "cache", "Café", "naïve", "redis", "postgres", "queue", "kafka", "plan"]
        for i in 0..<150 {
            // "the" is in every record, so its idf is clamped and Retrieve defers it.
            let text = (0..<(3 + i % 9)).map { words[(i * 5 + $0 * 7) % words.count] }.joined(separator: " ") + " the"
            switch i % 4 {
            case 0: try f.event(text, sensitivity: ["public", "low", "medium", "high"][i % 4], tags: i % 3 == 0 ? ["ops"] : [])
            case 1: try f.observation(words[i % words.count], "relates_to", .string(text))
            case 2:
                var r = IngestToolOutputRequest()
                r.source = "t"; r.toolName = words[i % words.count]; r.args = JSONValue.object(["q": .string(text)]).canonicalBytes
                _ = try f.engine.ingestToolOutput(r)
            default:
                var r = IngestWorkingStateRequest()
                r.source = "t"; r.threadID = "th\(i)"; r.state = "planning"; r.contextSummary = text
                _ = try f.engine.ingestWorkingState(r)
            }
            f.advance(53)
        }
        let indexed = MemoryEngine(store: f.store, clock: f.clock, inMemoryRelevance: true)
        return (f, indexed)
    }

    @Test("its bm25 equals the store's full-text ranking, to the bit", arguments: TestStore.all, ["deploy", "database rollout", "cafe naive", "plan queue kafka ops", "the redis", "nothing"])
    func scoresMatchFTS5(store: TestStore, task: String) throws {
        let (f, indexed) = try corpus(store)
        let fts = try f.engine.textRelevance(task)
        let memory = try indexed.textRelevance(task)
        #expect(memory == fts)
        #expect(task == "nothing" || !fts.isEmpty)
    }

    @Test("Retrieve ranks the same with and without it, also after other writers change the store", arguments: TestStore.all)
    func retrieveAgrees(store: TestStore) throws {
        let (f, indexed) = try corpus(store)
        func compare(_ label: String) throws {
            for task in ["", "deploy rollout", "postgres cache", "kafka", "the", "the queue", "the naive plan"] {
                for limit: Int32 in [1, 5, 0] {
                    var r = RetrieveRequest()
                    r.taskDescriptor = task
                    r.trust = TrustContextRequest(maxSensitivity: "medium")
                    r.limit = limit
                    let a = try f.engine.retrieve(r).records.map(\.record.id)
                    let b = try indexed.retrieve(r).records.map(\.record.id)
                    #expect(a == b, "\(label): task '\(task)' limit \(limit)")
                }
            }
        }
        try compare("fresh")
        // Another "process": a second store on the same database writes; the index must catch up.
        let other = MemoryEngine(store: try f.secondStore(), clock: f.clock)
        var r = IngestEventRequest()
        r.source = "other"; r.eventKind = "note"; r.ref = "x"; r.summary = "deploy rollout postgres emergency"
        let added = try other.ingestEvent(r)
        let victim = try f.retrieve("kafka", limit: 1).records[0].record
        if victim.type != .episodic { try other.retract(id: victim.id, by: RevisionActor(actor: "x")) }
        try other.reinforce(id: added.id, by: RevisionActor(actor: "x"))
        f.advance(3600)
        try compare("after writes")
        #expect(try indexed.retrieve({ var q = RetrieveRequest(); q.taskDescriptor = "emergency"; q.trust = TrustContextRequest(maxSensitivity: "hyper"); q.limit = 1; return q }()).records.first?.record.id == added.id)
    }
}
