import Foundation
import Synchronization
import Testing
import VigilCore
import VigilTestSupport

/// Several servers on one database (PostgreSQL replicas; several processes on one SQLite file): what one decides,
/// the others respect, exactly once.
@Suite("Replicas on one database")
struct ReplicaTests {
    /// Runs `body(i)` for `count` values on as many threads at once and returns each outcome.
    func atOnce<T: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) throws -> T) async -> [Result<T, any Error>] {
        await withTaskGroup(of: (Int, Result<T, any Error>).self) { group in
            for i in 0..<count {
                group.addTask {
                    await withCheckedContinuation { continuation in
                        Thread.detachNewThread { continuation.resume(returning: (i, Result { try body(i) })) }
                    }
                }
            }
            var outcomes: [(Int, Result<T, any Error>)] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    /// `count` more engines on the fixture's database, each as another server would open it.
    func replicas(_ f: DecisionFixture, _ count: Int) throws -> [DecisionEngine] {
        try (0..<count).map { _ in try DecisionEngine(store: try f.secondStore(), config: f.config, clock: f.clock) }
    }

    @Test("four servers resolve one approval at once: one wins, three get the spec's error", arguments: TestStore.all)
    func approvalExactlyOnce(store: TestStore) async throws {
        let f = try DecisionFixture(store: store)
        let id = try f.open()
        let approvalID = try f.call("decision_request_approval", ["decision_id": .string(id)])["approval_id"]!.stringValue!
        let servers = [f.engine] + (try replicas(f, 3))
        let outcomes = await atOnce(4) { i in
            try servers[i].resolveApproval(
                ["approval_id": .string(approvalID), "resolution": i % 2 == 0 ? "approve" : "reject", "rationale": "ok"],
                operatorID: "op_o")
        }
        let winners = outcomes.compactMap { try? $0.get() }
        #expect(winners.count == 1)
        let status = try #require(winners.first?["status"]?.stringValue.flatMap(ApprovalStatus.init(rawValue:)))
        for case .failure(let error) in outcomes {
            #expect(error as? DecisionError == .approvalAlreadyResolved(approvalID, status), "\(error)")
        }
        let events = try f.events(id).filter { $0["type"] == "approval_resolved" }
        #expect(events.count == 1)
        #expect(try f.engine.verifyChain(decisionID: id).isIntact)
    }

    @Test("the same idempotency key through two servers at once writes once", arguments: TestStore.all)
    func idempotencyExactlyOnce(store: TestStore) async throws {
        let f = try DecisionFixture(store: store)
        let id = try f.open()
        let servers = [f.engine] + (try replicas(f, 3))
        let agent = f.agentA
        let outcomes = await atOnce(4) { i in
            try servers[i].call(
                tool: "decision_write",
                arguments: [
                    "decision_id": .string(id), "product": "orders_insert", "purpose": "order_support",
                    "mutation": ["records": [["customer_id": "c1", "amount": 10]]],
                    "idempotency_key": "once",
                ], caller: .agent(agent))
        }
        let results = outcomes.compactMap { try? $0.get() }
        #expect(results.count == 4, "every retry gets the first answer: \(outcomes)")
        #expect(results.filter { $0["idempotent_replay"] == true }.count == 3, "one write, three replays")
        #expect(Set(results.map { JSONValue.object($0.filter { $0.key != "idempotent_replay" }).canonicalText }).count == 1)
        try f.call("decision_close", ["decision_id": .string(id), "action": "commit"])
        #expect(try f.committedOrders().count == 1)
        #expect(try f.engine.verifyChain(decisionID: id).isIntact)
    }

    @Test("expiry and memory sweeps on every server at once: each approval expires once, nothing breaks", arguments: TestStore.all)
    func sweepsEverywhere(store: TestStore) async throws {
        let f = try DecisionFixture(store: store)
        var ids: [String] = []
        for _ in 0..<6 {
            let id = try f.open()
            _ = try f.call("decision_request_approval", ["decision_id": .string(id)])
            ids.append(id)
        }
        let memory = MemoryEngine(store: f.store, clock: f.clock)
        var event = IngestEventRequest()
        event.source = "t"; event.eventKind = "note"; event.ref = "r"; event.summary = "swept by everyone"
        let record = try memory.ingestEvent(event)
        f.clock.advance(by: 7200)
        let servers = [f.engine] + (try replicas(f, 3))
        let memories = try servers.map { MemoryEngine(store: $0.store, clock: f.clock) }
        let outcomes = await atOnce(4) { i in
            let expired = try servers[i].sweepExpiredApprovals()
            _ = try memories[i].sweep()
            return expired
        }
        let expired = try outcomes.map { try $0.get() }
        #expect(expired.reduce(0, +) == ids.count, "each approval expired by exactly one server: \(expired)")
        for id in ids {
            #expect(try f.get(id)["approval_status"] == "expired")
            #expect(try f.events(id).filter { $0["type"] == "approval_resolved" }.count == 1)
            #expect(try f.engine.verifyChain(decisionID: id).isIntact)
        }
        #expect(try memory.record(record.id) != nil)
    }

    @Test("a receipt signed by one server verifies on another; each keeps its own private key", arguments: TestStore.all)
    func receiptsAcrossServers(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let elsewhere = try TemporaryDirectory()
        let signer = try ReceiptSigner.loadOrCreate(inDirectory: elsewhere.path)
        #expect(signer.keyID != f.engine.signer.keyID)
        let other = try DecisionEngine(store: try f.secondStore(), config: f.config, clock: f.clock, signer: signer)
        let id = try f.open()
        _ = try other.call(tool: "decision_close", arguments: ["decision_id": .string(id), "action": "commit"], caller: .agent(f.agentA))
        let receipt = JSONValue.object(try f.call("decision_receipt", ["decision_id": .string(id)]))
        #expect(receipt["key_id"]?.stringValue == signer.keyID)
        #expect(try f.engine.verifyReceipt(receipt).isIntact)
    }
}
