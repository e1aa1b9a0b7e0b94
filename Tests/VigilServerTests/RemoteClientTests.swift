import Foundation
import MembraneProto
import Testing
import VigilCore
import VigilRemote
import VigilServer
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The remote clients against the real endpoints on 127.0.0.1.
@Suite("Remote clients over loopback")
struct RemoteClientTests {
    @Test("MCPClient: initialize, tools/list, a tool call's content[0].text, and the spec's errors as RemoteError")
    func mcpClient() async throws {
        let server = try await MCPTestServer()
        let url = "http://127.0.0.1:\(server.port)/mcp"
        let client = MCPClient(url: url, apiKey: server.fixture.keyA, timeout: 30)
        let hello = try await client.initialize()
        #expect(hello["serverInfo"]?["name"]?.stringValue == "vigil")
        #expect(try await client.toolNames().count == 15)

        let created = try await client.callTool("decision_create", ["intent": "billing.discount.grant", "automation_mode": "execute"])
        let id = try #require(created["decision_id"]?.stringValue)
        #expect(created["automation_mode"]?.stringValue == "autonomous")
        let state = try await client.callTool("decision_get", ["decision_id": .string(id)])
        #expect(state["status"]?.stringValue == "open")

        // A business refusal: -32603 with the spec's data string.
        await #expect(throws: RemoteError.rpc(code: -32603, message: "Internal error", data: "Decision 'TMEM_NOPE' not found", httpStatus: 200)) {
            _ = try await client.callTool("decision_get", ["decision_id": "TMEM_NOPE"])
        }
        // Another agent's decision is as unknown as a missing one.
        let other = MCPClient(url: url, apiKey: server.fixture.keyB, timeout: 30)
        do {
            _ = try await other.callTool("decision_get", ["decision_id": .string(id)])
            Issue.record("agent B read agent A's decision")
        } catch {
            #expect(error.data == "Decision '\(id)' not found")
        }
        // A wrong key: HTTP 401, data Unauthorized.
        let stranger = MCPClient(url: url, apiKey: "vgl_wrong", timeout: 30)
        do {
            _ = try await stranger.callTool("decision_get", ["decision_id": .string(id)])
            Issue.record("a wrong key was accepted")
        } catch {
            guard case .rpc(-32603, _, "Unauthorized", 401) = error else { Issue.record("\(error)"); return }
        }
    }

    /// The client's timeout is far past the test's time limit: a client that retried the refused connection until
    /// its deadline would fail the test instead of answering.
    @Test("MCPClient: a closed port is a network error that names the endpoint, at once", .timeLimit(.minutes(1)))
    func mcpUnreachable() async throws {
        let port = try closedPort()
        let client = MCPClient(url: "http://127.0.0.1:\(port)/mcp", apiKey: "k", timeout: 600)
        do {
            _ = try await client.callTool("decision_get", ["decision_id": "x"])
            Issue.record("a closed port answered")
        } catch {
            guard case .network(let endpoint, _) = error else { Issue.record("\(error)"); return }
            #expect(endpoint.contains("127.0.0.1:\(port)"))
            #expect(error.description.contains(": connection refused — is the server running"), "\(error)")
        }
    }

    @Test("MembraneConnection: ingest and retrieve with the Bearer key; a wrong key is UNAUTHENTICATED")
    func membraneConnection() async throws {
        let server = try await MembraneTestServer()
        let connection = try MembraneConnection(host: "127.0.0.1", port: server.port, apiKey: "K", timeout: 30)
        var ingest = Membrane_V1_IngestEventRequest()
        ingest.source = "swift"
        ingest.eventKind = "user_message"
        ingest.ref = "m1"
        ingest.summary = "prefers dark mode"
        let bytes = try await connection.call { try await $0.ingestEvent(ingest, metadata: $1, options: $2).record }
        let record = try MembraneConnection.json(bytes)
        #expect(record["type"]?.stringValue == "episodic")

        var retrieve = Membrane_V1_RetrieveRequest()
        retrieve.taskDescriptor = "dark mode"
        retrieve.trust.maxSensitivity = "low"
        retrieve.limit = 5
        let found = try await connection.call { try await $0.retrieve(retrieve, metadata: $1, options: $2).records }
        #expect(try found.map { try MembraneConnection.json($0)["id"] } == [record["id"]])
        await connection.close()

        let wrong = try MembraneConnection(host: "127.0.0.1", port: server.port, apiKey: "not-it", timeout: 30)
        do {
            _ = try await wrong.call { try await $0.ingestEvent(ingest, metadata: $1, options: $2) }
            Issue.record("a wrong key was accepted")
        } catch {
            guard case .status("UNAUTHENTICATED", _) = error else { Issue.record("\(error)"); return }
        }
        await wrong.close()
    }

    /// As for MCP: the timeout is far past the time limit, so waiting for the connection until the deadline fails.
    @Test("MembraneConnection: a closed port is a network error that names the endpoint, at once", .timeLimit(.minutes(1)))
    func membraneUnreachable() async throws {
        let port = try closedPort()
        let connection = try MembraneConnection(host: "127.0.0.1", port: port, apiKey: "K", timeout: 600)
        do {
            _ = try await connection.call { try await $0.getMetrics(.init(), metadata: $1, options: $2) }
            Issue.record("a closed port answered")
        } catch {
            guard case .network(let endpoint, _) = error else { Issue.record("\(error)"); return }
            #expect(endpoint == "127.0.0.1:\(port)")
        }
        await connection.close()
    }

    /// A port on 127.0.0.1 that nothing listens on (bound, then closed).
    private func closedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try #require(withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } } == 0)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
