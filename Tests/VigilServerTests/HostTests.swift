import Foundation
import Testing
import VigilCore
import VigilServer
import VigilTestSupport

@Suite("Every host of the endpoints sweeps", .timeLimit(.minutes(1)))
struct HostTests {
    @Test("endpoints served beside the dashboard or the demo expire overdue approvals on their own, as vigil serve does",
          arguments: TestStore.all)
    func loopbackEndpointsSweep(store: TestStore) async throws {
        let f = try DecisionFixture(
            store: store,
            configTOML: DecisionFixture.configTOML.replacingOccurrences(
                of: "default_expires_in_seconds = 3600", with: "default_expires_in_seconds = 3600\nsweep_interval = 0.05"))
        let id = try f.open()
        let approvalID = try f.call("decision_request_approval", ["decision_id": .string(id)])["approval_id"]!.stringValue!
        let endpoints = await LoopbackEndpoints.start(
            decisions: f.engine, memory: MemoryEngine(store: f.store, clock: f.clock), principals: f.principals,
            mcpHost: "127.0.0.1", mcpPort: 0, grpcHost: "127.0.0.1", grpcPort: 0, membraneKey: nil, requireAuth: true,
            ratePerSecond: 0, startup: .seconds(60))
        defer { endpoints.stop() }
        f.clock.advance(by: 7200)
        // No call touches the decision: only the sweeper can expire it.
        let deadline = ContinuousClock.now + .seconds(20)
        // Read the row as stored: the operator list would expire it itself.
        func stored() throws -> ApprovalStatus? { try f.engine.store.read { tx in try tx.approval(approvalID)?.status } }
        #expect(try stored() == .pending)
        while ContinuousClock.now < deadline, try stored() == .pending { try await Task.sleep(for: .milliseconds(20)) }
        #expect(try stored() == .expired)
    }
}
