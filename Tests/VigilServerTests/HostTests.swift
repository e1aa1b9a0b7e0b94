import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
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
        let endpoints = await VigilHost(
            decisions: f.engine, memory: MemoryEngine(store: f.store, clock: f.clock), principals: f.principals,
            settings: .loopbackAnyPort
        ).start(startup: .seconds(60))
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

    @Test("an endpoint whose port is taken is reported and left off while the other serves; with fallback it moves to a free port")
    func takenPort() async throws {
        let f = try DecisionFixture()
        let held = try LoopbackHTTPListener()
        var settings = HostSettings.loopbackAnyPort
        settings.mcp.port = held.port
        let host = VigilHost(decisions: f.engine, memory: MemoryEngine(store: f.store), principals: f.principals, settings: settings)

        let partial = await host.start(startup: .seconds(60))
        defer { partial.stop() }
        #expect(partial.mcpURL == nil)
        #expect(partial.grpcPort != nil)
        #expect(partial.failures.map(\.endpoint) == [.mcp])
        #expect(partial.failures.first?.portTaken == true, "\(partial.failures)")
        #expect(partial.status.contains("MCP 127.0.0.1:\(held.port) unavailable (port taken?)"), "\(partial.status)")

        settings.fallbackToAnyPort = true
        let moved = await VigilHost(decisions: f.engine, memory: MemoryEngine(store: f.store), principals: f.principals, settings: settings)
            .start(startup: .seconds(60))
        defer { moved.stop() }
        let url = try #require(moved.mcpURL)
        #expect(moved.failures.isEmpty)
        #expect(!url.hasSuffix(":\(held.port)"))
        // The moved endpoint answers.
        let (_, response) = try await URLSession.shared.data(from: URL(string: url + "/healthz")!)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
    }
}
