import Foundation
import Testing
import VigilCore
import VigilTestSupport

/// One corpus loaded into every store: `decision_search` and Retrieve must return the same results in the same order,
/// whatever full-text engine the store uses (FTS5 on SQLite, tsvector with GIN on PostgreSQL).
@Suite("Search ranks the same on every store", .enabled(if: TestStore.all.count > 1))
struct SearchParityTests {
    static let words = [
        "deploy", "rollout", "database", "cache", "migration", "refund", "discount", "secrets", "rotation", "kafka",
        "queue", "billing", "invoice", "postgres", "redis", "canary", "incident", "latency", "budget", "review",
    ]

    /// The same words, in the same order, for record `i`.
    static func text(_ i: Int) -> String {
        (0..<(2 + i % 7)).map { words[(i * 7 + $0 * 3) % words.count] }.joined(separator: " ")
    }

    /// Loads the corpus into a fresh decision fixture on `store`.
    func decisions(_ store: TestStore) throws -> DecisionFixture {
        let f = try DecisionFixture(store: store)
        for i in 0..<80 {
            try f.call("decision_record", [
                "title": .string("record \(i)"), "category": "architecture", "context": .string(Self.text(i)),
                "decision": .string(Self.text(i + 3)), "rationale": .string(i % 3 == 0 ? "billing.refund.issue" : "n/a"),
            ])
            f.clock.advance(by: 1)
        }
        return f
    }

    /// Loads the corpus into a fresh memory fixture on `store`.
    func memories(_ store: TestStore) throws -> MemoryFixture {
        let f = try MemoryFixture(store: store)
        for i in 0..<120 {
            switch i % 3 {
            case 0: try f.event("memory \(i): " + Self.text(i), tags: i % 4 == 0 ? ["ops"] : [])
            case 1: try f.observation("memory \(i)", "concerns", .string(Self.text(i)))
            default:
                var r = IngestWorkingStateRequest()
                r.source = "t"; r.threadID = "th\(i)"; r.state = "planning"; r.contextSummary = "memory \(i): " + Self.text(i)
                _ = try f.engine.ingestWorkingState(r)
            }
            f.advance(37)
        }
        return f
    }

    static let queries = ["deploy", "database migration", "refund", "billing.refund", "kafka queue latency", "canary incident", "nothing"]

    @Test("decision_search: the same titles in the same order, with the same totals")
    func decisionSearch() throws {
        let fixtures = try TestStore.all.map(decisions)
        for query in Self.queries {
            let answers = try fixtures.map { f in
                let result = try f.call("decision_search", ["query": .string(query), "limit": 20])
                let titles = result["results"]!.arrayValue!.map { $0["title"]!.stringValue! }
                return "\(result["total"]!.integerValue!): " + titles.joined(separator: ", ")
            }
            #expect(Set(answers).count == 1, "query '\(query)': \(answers)")
            #expect(query == "nothing" || !answers[0].hasPrefix("0:"), "query '\(query)' found nothing")
        }
    }

    @Test("Retrieve: the same records in the same order, with the same bm25 scores")
    func retrieve() throws {
        let fixtures = try TestStore.all.map(memories)
        for query in Self.queries + [""] {
            for limit: Int32 in [5, 20] {
                let answers = try fixtures.map { f in
                    let result = try f.retrieve(query, limit: limit)
                    return result.records.map { item in "\(item.record.summaryText)@\(item.record.salience(at: result.now))" }
                }
                #expect(Set(answers.map { $0.joined(separator: " | ") }).count == 1, "query '\(query)' limit \(limit): \(answers)")
            }
            let relevance = try fixtures.map { f in
                try f.engine.textRelevance(query).map { (try f.get($0.key).summaryText, $0.value) }
                    .sorted { $0.0 < $1.0 }.map { "\($0.0)=\($0.1)" }
            }
            #expect(Set(relevance).count == 1, "query '\(query)': bm25 differs")
        }
    }
}
