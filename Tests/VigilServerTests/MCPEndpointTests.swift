import Foundation
import Testing
import VigilCore
import VigilServer
import VigilTestSupport

@Suite("The MCP endpoint over real HTTP (TraceMem checklist 1–25)", .timeLimit(.minutes(2)))
struct MCPEndpointTests {
    @Test("1–3, 7: initialize, versions, session header, ping and notifications")
    func initialize() async throws {
        let server = try await MCPTestServer()
        let first = try await server.rpc("initialize", ["protocolVersion": "2024-11-05"])
        #expect(first.status == 200 && first.headers["content-type"] == "application/json")
        #expect(first.json?["result"]?["protocolVersion"] == "2024-11-05")
        #expect(first.json?["result"]?["capabilities"]?["tools"] == [:])
        #expect(first.json?["result"]?["serverInfo"]?["name"] == "vigil")
        #expect(!(first.headers["mcp-session-id"] ?? "").isEmpty)
        let mcp = try await server.request(path: "/mcp", body: Data(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2024-11-05"}}"#.utf8), key: server.fixture.keyA)
        #expect(mcp.json?["result"] == first.json?["result"])
        for version in ["2025-03-26", "2025-06-18", "2025-11-25"] {
            #expect(try await server.rpc("initialize", ["protocolVersion": .string(version)]).json?["result"]?["protocolVersion"]?.stringValue == version)
        }
        #expect(try await server.rpc("initialize", ["protocolVersion": "1999-01-01"]).json?["result"]?["protocolVersion"] == "2025-11-25")
        #expect(try await server.rpc("initialize").json?["result"]?["protocolVersion"] == "2024-11-05")
        #expect(try await server.rpc("ping").json?["result"] == [:])
        let note = try await server.request(body: Data(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#.utf8), key: server.fixture.keyA)
        #expect(note.status == 202 && note.body.isEmpty)
    }

    @Test("4–6, 8–9: tools/list by role; stateless calls; JSON despite Accept")
    func toolsList() async throws {
        let server = try await MCPTestServer()
        let agent = try await server.rpc("tools/list")
        let names = agent.json?["result"]?["tools"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        #expect(Set(names) == Set(DecisionEngine.agentTools) && names.count == 15)
        for tool in agent.json?["result"]?["tools"]?.arrayValue ?? [] {
            #expect(tool["inputSchema"]?["type"] == "object" && tool["inputSchema"]?["additionalProperties"] == true)
        }
        let op = try await server.rpc("tools/list", key: server.fixture.keyO)
        let opNames = Set(op.json?["result"]?["tools"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? [])
        #expect(opNames == ["operator_decisions_list", "operator_approvals_list", "operator_approval_resolve",
                            "operator_agents_list", "operator_decision_memories", "operator_memories_list", "operator_memory_reveal",
                            "operator_memory_history", "operator_activity", "operator_policies_replay", "decision_get", "decision_trace",
                            "decision_receipt"])
        let accept = try await server.request(
            body: Data(#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#.utf8), key: server.fixture.keyA,
            headers: ["Content-Type": "application/json", "Accept": "application/json, text/event-stream"])
        #expect(accept.headers["content-type"] == "application/json")
        let stale = try await server.request(
            body: Data(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"capabilities_get"}}"#.utf8),
            key: server.fixture.keyA, headers: ["Content-Type": "application/json", "Mcp-Session-Id": "does-not-exist"])
        #expect(stale.status == 200 && stale.json?["result"]?["structuredContent"]?["agent_id"] == "agent_a")
    }

    @Test("10–17: framing, methods, batches, limits, routes and origins")
    func framing() async throws {
        let server = try await MCPTestServer()
        let key = server.fixture.keyA
        func raw(_ text: String) async throws -> MCPTestServer.Reply { try await server.request(body: Data(text.utf8), key: key) }
        let parse = try await raw("{")
        #expect(parse.json?["error"]?["code"] == -32700 && parse.json?["id"] == JSONValue.null)
        #expect(try await raw(#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#).json?["error"]?["code"] == -32600)
        #expect(try await raw(#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#).json?["id"] == 1)
        #expect(try await raw(#"{"jsonrpc":"2.0","id":2}"#).json?["error"]?["code"] == -32600)
        let unknown = try await server.rpc("foo/bar")
        #expect(unknown.json?["error"]?["code"] == -32601 && unknown.json?["error"]?["data"] == "Method 'foo/bar' not found")
        #expect(try await server.rpc("tools/call", ["name": "nope"]).json?["error"]?["data"] == "Tool 'nope' not found")
        #expect(try await server.rpc("tools/call", [:]).json?["error"]?["data"] == "name is required")
        #expect(try await server.rpc("tools/call", ["name": "capabilities_get", "arguments": "x"]).json?["error"]?["data"] == "arguments must be an object")
        let batch = try await raw(#"[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"method":"tools/list"}]"#)
        #expect(batch.json?.arrayValue?.map { $0["id"]! } == [1, 2])
        #expect(try await raw("[]").json?["error"]?["data"] == "Empty batch")
        let big = try await server.request(body: Data(repeating: 0x20, count: 1_048_577), key: key)
        #expect(big.status == 413 && big.json?["error"]?["code"] == -32600)
        let text = try await server.request(body: Data("{}".utf8), key: key, headers: ["Content-Type": "text/plain"])
        #expect(text.status == 415)
        let get = try await server.request("GET")
        #expect(get.status == 405 && get.headers["allow"] == "POST, DELETE")
        #expect(try await server.request("GET", path: "/healthz").status == 200)
        #expect(try await server.request("GET", path: "/.well-known/oauth").status == 404)
        let evil = try await server.request(body: Data(#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#.utf8), key: key,
                                            headers: ["Content-Type": "application/json", "Origin": "http://evil.example"])
        #expect(evil.status == 403 && evil.json?["error"]?["data"] == "Forbidden origin")
        let local = try await server.request(body: Data(#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#.utf8), key: key,
                                             headers: ["Content-Type": "application/json", "Origin": "http://localhost:3000"])
        #expect(local.status == 200)
        #expect(try await server.request("DELETE", key: key).status == 204)
    }

    @Test("18–23: authentication and roles")
    func authentication() async throws {
        let server = try await MCPTestServer()
        let ping = Data(#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#.utf8)
        let none = try await server.request(body: ping)
        #expect(none.status == 401 && none.headers["www-authenticate"] == "Agent")
        #expect(none.json?["error"]?["code"] == -32603 && none.json?["error"]?["message"] == "Internal error")
        #expect(none.json?["error"]?["data"] == "Unauthorized")
        #expect(try await server.request(body: ping, key: "wrong").status == 401)
        #expect(try await server.request(body: ping, key: server.fixture.keyA, scheme: "Bearer").status == 200)
        #expect(try await server.request(body: ping, key: server.fixture.keyA, scheme: "agent").status == 200)
        try server.fixture.principals.revoke("agent_b")
        #expect(try await server.request(body: ping, key: server.fixture.keyB).status == 401)
        let agentAsOperator = try await server.tool("operator_approval_resolve", ["approval_id": "appr_x", "resolution": "approve"])
        #expect(agentAsOperator.status == 403 && agentAsOperator.json?["error"]?["data"] == "Permission denied: operator role required")
        let operatorAsAgent = try await server.tool("decision_create", ["intent": "x", "automation_mode": "autonomous"], key: server.fixture.keyO)
        #expect(operatorAsAgent.status == 403)
        #expect(operatorAsAgent.json?["error"]?["data"] == "Permission denied: operator keys cannot call agent tools")
    }

    @Test("24–25: rate limits per key and per decision")
    func rateLimits() async throws {
        let server = try await MCPTestServer()
        for _ in 0..<20 { #expect(try await server.rpc("ping").status == 200) }
        let limited = try await server.rpc("ping")
        #expect(limited.status == 429 && limited.json?["error"]?["data"] == "Rate limit exceeded")
        #expect(Int(limited.headers["retry-after"] ?? "") ?? 0 >= 1)
        #expect(try await server.rpc("ping", key: server.fixture.keyB).status == 200, "another key is unaffected")
        let id = try server.fixture.open(as: server.fixture.agentB)
        for i in 0..<60 {
            server.fixture.clock.advance(by: 0.5)
            let reply = try await server.tool("decision_get", ["decision_id": .string(id)], key: server.fixture.keyB)
            #expect(reply.status == 200, "call \(i + 1)")
        }
        server.fixture.clock.advance(by: 0.5)
        #expect(try await server.tool("decision_get", ["decision_id": .string(id)], key: server.fixture.keyB).status == 429)
    }

    @Test("26: a tool result is content[0].text JSON equal to structuredContent; errors keep their data strings")
    func toolResults() async throws {
        let server = try await MCPTestServer()
        let created = try await server.tool("decision_create", ["intent": "billing.refund.issue", "automation_mode": "autonomous"])
        let result = try #require(created.json?["result"])
        let text = try #require(result["content"]?.arrayValue?.first?["text"]?.stringValue)
        #expect(try JSONParser.parse(text) == result["structuredContent"])
        #expect(result["structuredContent"]?["status"] == "open" && result["isError"] == nil)
        let invalid = try await server.tool("decision_create", ["intent": "x", "automation_mode": "manual"])
        #expect(invalid.status == 200 && invalid.json?["error"]?["code"] == -32602 && invalid.json?["error"]?["data"] == "invalid automation_mode")
        let override = try await server.tool("decision_create", ["intent": "x", "automation_mode": "override"])
        #expect(override.status == 403)
    }
}
