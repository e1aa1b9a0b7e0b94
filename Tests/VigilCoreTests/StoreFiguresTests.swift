import Foundation
import Testing
import VigilCore
import VigilTestSupport

/// What `/metrics` reads from the store, on every store.
@Suite("Store figures for metrics")
struct StoreFiguresTests {
    @Test("decisions by status, pending approvals, memories by type and sensitivity, resolutions after a watermark",
          arguments: TestStore.all)
    func figures(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let waiting = try f.open()
        let approved = try f.open()
        _ = try f.call("decision_request_approval", ["decision_id": .string(waiting)])
        let approval = try f.call("decision_request_approval", ["decision_id": .string(approved)])["approval_id"]!
        f.clock.advance(by: 90)
        _ = try f.callAsOperator("operator_approval_resolve", ["approval_id": approval, "resolution": "approve"])
        let memory = MemoryEngine(store: f.store, clock: f.clock)
        for (ref, sensitivity) in [("a", Sensitivity.low), ("b", .low), ("c", .high)] {
            var event = IngestEventRequest()
            event.source = "t"; event.eventKind = "note"; event.ref = ref; event.summary = "figure \(ref)"; event.sensitivity = sensitivity.rawValue
            _ = try memory.ingestEvent(event)
        }

        let figures = try StoreFigures.read(from: f.store, resolvedAfter: "")
        #expect(figures.pendingApprovals == 1)
        #expect(Dictionary(uniqueKeysWithValues: figures.decisionsByStatus.map { ($0.status, $0.count) }) == ["needs_approval": 1, "approved": 1])
        #expect(figures.memories.map { "\($0.type)/\($0.sensitivity.rawValue)=\($0.count)" } == ["episodic/low=2", "episodic/high=1"])
        #expect(figures.resolvedApprovals.count == 1)
        let span = try #require(figures.resolvedApprovals.first)
        #expect(span.status == "approved")
        let wait = try #require(span.resolvedAt.flatMap(Timestamp.parse)).timeIntervalSince(try #require(Timestamp.parse(span.requestedAt)))
        #expect(abs(wait - 90) < 0.01)
        // After the watermark of that resolution: nothing new.
        #expect(try StoreFigures.read(from: f.store, resolvedAfter: span.resolvedAt!).resolvedApprovals.isEmpty)
    }
}
