import Foundation
import Testing
import VigilCore
import VigilDashboard
import VigilServer
import VigilTestSupport
import VigilTUI

/// One fixture, three sources: the dashboard on a SQLite file, on a PostgreSQL database holding a copy of the same rows,
/// and on a remote vigil serving that SQLite file. The same effect must load the same rows from each.
@Suite("The dashboard's sources agree", .timeLimit(.minutes(2)))
struct SourceParityTests {
    /// Decisions in every state (one pending, one that asked a policy), memories of several kinds, one contested.
    static func fixture() throws -> (DecisionFixture, [String: String]) {
        let f = try DecisionFixture(store: .sqlite, now: Date())
        var ids: [String: String] = [:]
        ids["open"] = try f.open()
        let asked = try f.open()
        _ = try f.call("decision_evaluate", [
            "decision_id": .string(asked), "policy_id": "discount_cap_v1", "inputs": ["record": ["discount_pct": 15]],
        ])
        _ = try f.call("decision_request_approval", ["decision_id": .string(asked), "message": "15% for a loyal customer"])
        ids["pending"] = asked
        let done = try f.open(as: f.agentB)
        try f.call("decision_add_context", ["decision_id": .string(done), "context": ["note": "walrus"]], as: f.agentB)
        try f.call("decision_close", ["decision_id": .string(done), "action": "commit"], as: f.agentB)
        ids["committed"] = done
        let memory = MemoryEngine(store: f.store, clock: f.clock)
        var event = IngestEventRequest()
        event.source = "t"; event.eventKind = "note"; event.ref = done; event.summary = "a walrus was seen"
        ids["event"] = try memory.ingestEvent(event).id
        var fact = IngestObservationRequest()
        fact.source = "t"; fact.subject = "db"; fact.predicate = "uses"; fact.object = JSONValue.string("postgres").canonicalBytes
        let fact1 = try memory.ingestObservation(fact)
        ids["fact"] = fact1.id
        try memory.contest(id: fact1.id, contestingRef: "obs-2", by: RevisionActor(actor: "curator"))
        // Each status a record can have, which the remote must tell from the wire record alone.
        func observation(_ object: String) throws -> String {
            var o = IngestObservationRequest()
            o.source = "t"; o.subject = "svc"; o.predicate = "runs"; o.object = JSONValue.string(object).canonicalBytes
            return try memory.ingestObservation(o).id
        }
        let curator = RevisionActor(actor: "curator", rationale: "tidy")
        ids["retracted"] = try observation("v1")
        try memory.retract(id: ids["retracted"]!, by: curator)
        ids["superseded"] = try observation("v2")
        _ = try memory.supersede(oldID: ids["superseded"]!, newRecord: MemoryFixture.suppliedRecord(), by: curator)
        ids["merged"] = try observation("v3")
        _ = try memory.merge(ids: [ids["merged"]!, try observation("v4")], mergedRecord: MemoryFixture.suppliedRecord(), by: curator)
        ids["contested without ref"] = try observation("v5")
        try memory.contest(id: ids["contested without ref"]!, contestingRef: "", by: curator)
        ids["penalized"] = try observation("v6")
        try memory.penalize(id: ids["penalized"]!, amount: 5, by: curator)
        var secret = IngestObservationRequest()
        secret.source = "t"; secret.subject = "vault"; secret.predicate = "holds"; secret.object = JSONValue.string("the key").canonicalBytes
        secret.sensitivity = "high"
        ids["secret"] = try memory.ingestObservation(secret).id
        return (f, ids)
    }

    /// The effects whose answers are compared.
    static func effects(_ ids: [String: String]) -> [(String, Effect)] {
        [
            ("decisions", .loadDecisions(after: nil, filter: nil)),
            ("approvals", .loadApprovals),
            ("pending", .loadPending),
            ("agents", .loadAgents),
            ("memory", .loadMemory(query: MemoryQuery())),
            ("pending decision", .loadDecisionDetail(ids["pending"]!)),
            ("committed decision", .loadDecisionDetail(ids["committed"]!)),
            ("event memory", .loadMemoryDetail(ids["event"]!)),
            ("contested memory", .loadMemoryDetail(ids["fact"]!)),
        ] + ["retracted", "superseded", "merged", "contested without ref", "penalized"].map { ("\($0) memory", .loadMemoryDetail(ids[$0]!)) }
            + ["superseded", "merged", "penalized", "secret"].map { ("\($0) history", .loadMemoryHistory(ids[$0]!)) }
    }

    @Test("SQLite, PostgreSQL and remote sources load the same rows for the same effects")
    func parity() async throws {
        let (f, ids) = try Self.fixture()
        var sources: [(String, any DashboardSource)] = [
            ("sqlite", LocalDashboardSource(engines: .init(store: f.store, decisions: f.engine, memory: MemoryEngine(store: f.store, clock: f.clock))))
        ]
        // The same rows in PostgreSQL, copied so ids and times are identical.
        var keep: [Any] = []
        if TestStore.postgresServer != nil {
            let directory = try TemporaryDirectory()
            let postgres = try TestStore.postgres.open(in: directory)
            _ = try StoreCopier.copy(from: f.store, to: postgres, productTables: [], verify: { _ in true })
            let engine = try DecisionEngine(store: postgres, config: f.config)
            sources.append(("postgres", LocalDashboardSource(engines: .init(store: postgres, decisions: engine, memory: MemoryEngine(store: postgres, clock: f.clock)))))
            keep.append(directory)
        }
        // A remote vigil serving the SQLite file.
        let endpoints = await VigilHost(
            decisions: f.engine, memory: MemoryEngine(store: f.store, clock: f.clock, inMemoryRelevance: true),
            principals: f.principals, settings: .loopbackAnyPort
        ).start(startup: .seconds(60))
        defer { endpoints.stop() }
        let mcpURL = try #require(endpoints.mcpURL)
        let remote = try RemoteDashboardSource(
            mcpURL: mcpURL, grpcHost: "127.0.0.1", grpcPort: try #require(endpoints.grpcPort), operatorKey: f.keyO)
        sources.append(("remote", remote))

        // The agents view's metrics: the Decisions and Memory blocks agree (the last block names the source).
        var metrics: [[String]] = []
        for (_, source) in sources {
            guard case .metricsLoaded(let lines, _) = await source.execute(.loadMetrics, operatorName: "op_o") else {
                Issue.record("metrics failed"); continue
            }
            metrics.append(Array(lines.prefix { $0 != "Store" && $0 != "Remote" }))
        }
        #expect(Set(metrics.map { $0.joined(separator: "\n") }).count == 1, "\(metrics)")

        for (name, effect) in Self.effects(ids) {
            var answers: [(String, Action)] = []
            for (label, source) in sources { answers.append((label, await source.execute(effect, operatorName: "op_o"))) }
            let reference = answers[0]
            if case .loadFailed(let reason) = reference.1 { Issue.record("\(name) failed on sqlite: \(reason)") }
            for other in answers.dropFirst() {
                #expect(other.1 == reference.1, "\(name): \(other.0) differs from \(reference.0)\n\(other.1)\nvs\n\(reference.1)")
            }
        }
        // Policy what-if: the same rows from every source (the remote replays over its own store).
        let rules = try TemporaryDirectory()
        let rulesPath = rules.file("new.toml")
        try DecisionFixture.configTOML.replacingOccurrences(of: #"op = "gt", value = 10 }"#, with: #"op = "gt", value = 20 }"#)
            .write(toFile: rulesPath, atomically: true, encoding: .utf8)
        var replays: [(String, Action)] = []
        for (label, source) in sources { replays.append((label, await source.execute(.replayPolicies(path: rulesPath), operatorName: "op_o"))) }
        guard case .replayLoaded(let view) = replays[0].1 else { Issue.record("replay: \(replays[0].1)"); return }
        #expect(view.rows.map(\.id) == [ids["pending"]!] && view.rows.first?.title == "requires_exception → allow (rule default)", "\(view)")
        for other in replays.dropFirst() { #expect(other.1 == replays[0].1, "replay: \(other.0) differs") }
        let broken = rules.file("broken.toml")
        try "[[policies]]\npolicy_id = 7\n".write(toFile: broken, atomically: true, encoding: .utf8)
        for (label, source) in sources {
            let answer = await source.execute(.replayPolicies(path: broken), operatorName: "op_o")
            guard case .loadFailed(let reason) = answer else { Issue.record("\(label): \(answer)"); continue }
            #expect(reason.contains("policies[0].policy_id"), "\(label): \(reason)")
        }

        // Reveal, last (it writes): every source shows the same payload and writes its own audit entry.
        var revealedLines: [[String]] = []
        for (label, source) in sources {
            let answer = await source.execute(.revealMemory(id: ids["secret"]!, rationale: "parity \(label)"), operatorName: "op_o")
            guard case .revealed(let payload) = answer else { Issue.record("\(label): \(answer)"); continue }
            revealedLines.append(payload.lines)
        }
        #expect(Set(revealedLines).count == 1 && revealedLines.first?.contains { $0.contains("the key") } == true, "\(revealedLines)")
        let audit = try f.store.read { tx in try tx.memoryRecord(ids["secret"]!) }?.auditLog.filter { $0.action == "reveal" } ?? []
        #expect(audit.map(\.rationale).contains("parity sqlite") && audit.map(\.rationale).contains("parity remote"), "\(audit)")
        _ = keep
    }
}
