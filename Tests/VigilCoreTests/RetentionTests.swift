import Foundation
import Testing
import VigilCore
import VigilStoreSQLite
import VigilTestSupport

/// `[retention]`: what goes, what stays, what is left behind, on every store.
@Suite("Retention")
struct RetentionTests {
    /// A committed decision with a read, a write, an approval and a receipt: every kind of row a decision owns.
    func fullDecision(_ f: DecisionFixture, memory: MemoryEngine, canary: String) throws -> (id: String, receipt: JSONValue) {
        let id = try f.open()
        try f.call("decision_add_context", ["decision_id": .string(id), "context": ["ticket": .string(canary)]])
        try f.call("decision_read", ["decision_id": .string(id), "product": "orders_read_v1", "purpose": "order_support"])
        try f.call("decision_write", [
            "decision_id": .string(id), "product": "orders_insert", "purpose": "order_support", "idempotency_key": "k1",
            "mutation": ["data": ["customer_id": "c1", "amount": 12.5]],
        ])
        let approval = try f.call("decision_request_approval", ["decision_id": .string(id)])["approval_id"]!
        try f.callAsOperator("operator_approval_resolve", ["approval_id": approval, "resolution": "approve"])
        try f.call("decision_close", ["decision_id": .string(id), "action": "commit"])
        var event = IngestEventRequest()
        event.source = "t"; event.eventKind = "note"; event.ref = id; event.summary = "what \(id) did"
        _ = try memory.ingestEvent(event)
        return (id, .object(try f.call("decision_receipt", ["decision_id": .string(id)])))
    }

    @Test("closed decisions past the limit go with every row of theirs and leave a tombstone; open and recent ones stay",
          arguments: TestStore.all)
    func decisions(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let memory = MemoryEngine(store: f.store, clock: f.clock)
        let (old, receipt) = try fullDecision(f, memory: memory, canary: "bygone walrus")
        let aborted = try f.open()
        try f.call("decision_close", ["decision_id": .string(aborted), "action": "abort"])
        let stillOpen = try f.open()
        f.clock.advance(by: 100 * 86_400)
        let (recent, _) = try fullDecision(f, memory: memory, canary: "recent walrus")

        var settings = RetentionSettings()
        settings.decisionDays = 90
        let retention = Retention(store: f.store, settings: settings, clock: f.clock)
        let plan = try retention.plan()
        #expect(plan.decisions == 2 && plan.approvals == 1, "\(plan)")
        let oldEvents = try f.events(old).count + f.events(aborted).count
        #expect(plan.events == oldEvents)
        let before = try f.store.snapshot()
        let done = try retention.run()
        #expect(done.decisions == plan.decisions && done.events == plan.events && done.approvals == plan.approvals, "\(done) vs \(plan)")

        // Nothing of theirs is left but their tombstones: no event, evidence, buffer, approval, receipt, search word or
        // link to a memory. (The memory the agent kept of it is the agent's, under the memory rules.)
        let after = try f.store.snapshot()
        var table = ""
        for line in after.split(separator: "\n") {
            if line.hasPrefix("## ") { table = String(line.dropFirst(3)); continue }
            for id in [old, aborted] where line.contains(id) {
                #expect(table == "decision_tombstones" || (table.hasPrefix("memory_") && table != "memory_decision_links"),
                        "\(id) is still in \(table): \(line)")
            }
        }
        #expect(before.contains("bygone walrus") && !after.contains("bygone walrus"))
        #expect(after.contains("recent walrus"))
        // The orders the decision wrote are business data, not its trace: they stay.
        #expect(after.contains("c1"))
        for id in [stillOpen, recent] { #expect(try f.engine.verifyChain(decisionID: id).isIntact) }
        let search = try f.call("decision_search", ["query": "walrus"])
        #expect(!search.description.contains(old) && search.description.contains(recent), "\(search)")

        // A receipt for the pruned decision: the signature still verifies, the trace is reported pruned, not broken.
        let check = try f.engine.verifyReceipt(receipt)
        let tombstone = try #require(check.pruned)
        #expect(tombstone.reason == "retention: closed over 90 days ago" && tombstone.status == "committed")
        #expect(check.headHash == receipt["receipt_data"]?["chain_head_hash"]?.stringValue)
        // Changing what the receipt states still fails it.
        var tampered = receipt.objectValue!
        tampered["status"] = "aborted"
        #expect(throws: ReceiptVerification.Failure.self) { try f.engine.verifyReceipt(.object(tampered)) }
        #expect(try f.engine.verifyChain(decisionID: old).pruned != nil)

        // Twice is once.
        #expect(try retention.run().isEmpty)
    }

    @Test("memories by age per type and below the salience floor go, each leaving a tombstone",
          arguments: TestStore.all)
    func memories(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let memory = MemoryEngine(store: f.store, clock: f.clock)
        func ingest(_ ref: String) throws -> String {
            var event = IngestEventRequest()
            event.source = "t"; event.eventKind = "note"; event.ref = ref; event.summary = "memory \(ref)"
            return try memory.ingestEvent(event).id
        }
        let old = try ingest("old")
        f.clock.advance(by: 40 * 86_400)
        let fresh = try ingest("fresh")

        var settings = RetentionSettings()
        settings.memoryDays = [.episodic: 30]
        let byAge = Retention(store: f.store, settings: settings, clock: f.clock)
        #expect(try byAge.plan().memoriesByType == [.episodic: 1])
        #expect(try byAge.run().memoriesByType == [.episodic: 1])
        #expect(try memory.tombstone(old)?.reason == "retention: episodic unchanged for 30 days")
        #expect(try memory.tombstone(fresh) == nil)

        // Far later, everything unpinned has decayed: the floor takes what is auto_prune.
        f.clock.advance(by: 3_650 * 86_400)
        var floor = RetentionSettings()
        floor.salienceFloor = 0.05
        let byFloor = Retention(store: f.store, settings: floor, clock: f.clock)
        let planned = try byFloor.plan().memoriesBelowFloor
        #expect(planned >= 1)
        #expect(try byFloor.run().memoriesBelowFloor == planned)
        #expect(try memory.tombstone(fresh)?.reason == "retention: salience below 0.05")
    }

    @Test("a SQLite file gives the room back after a run")
    func fileShrinks() throws {
        let f = try DecisionFixture(store: .sqlite)
        let filler = String(repeating: "pallet manifest line; ", count: 600)
        for i in 0..<300 {
            let id = try f.open()
            try f.call("decision_add_context", ["decision_id": .string(id), "context": ["manifest": .string("\(i) \(filler)")]])
            try f.call("decision_close", ["decision_id": .string(id), "action": "commit"])
        }
        let sqlite = try #require(f.store as? SQLiteStore)
        #expect(try sqlite.vacuumState().autoVacuum == 2, "a new store vacuums incrementally")
        let pagesBefore = try sqlite.pageCount()
        f.clock.advance(by: 2 * 86_400)
        var settings = RetentionSettings()
        settings.decisionDays = 1
        let report = try Retention(store: f.store, settings: settings, clock: f.clock).run()
        #expect(report.decisions == 300)
        #expect(report.bytesReclaimed > 2_000_000, "\(report)")
        #expect(try sqlite.vacuumState().freePages == 0)
        #expect(try sqlite.pageCount() < pagesBefore / 2)
    }
}
