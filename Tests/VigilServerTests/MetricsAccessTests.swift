import Foundation
import Testing
import VigilCore
import VigilMetrics
import VigilServer
import VigilTestSupport

/// Who may read `GET /metrics`: anyone on loopback; beyond it, an operator key or the scrape token, nobody else.
@Suite("GET /metrics access", .timeLimit(.minutes(1)))
struct MetricsAccessTests {
    @Test("on loopback the text is open to anyone")
    func loopbackIsOpen() async throws {
        let server = try await MCPTestServer(metrics: MetricsEndpoint(host: HostMetrics(), open: true, token: nil))
        let reply = try await server.request("GET", path: "/metrics", headers: [:])
        #expect(reply.status == 200)
        #expect(String(decoding: reply.body, as: UTF8.self).contains("vigil_approvals_pending 0"))
        #expect(try await server.request("POST", path: "/metrics", headers: [:]).status == 405)
    }

    @Test("beyond loopback: 401 without a bearer, with an agent's key or a wrong token; 200 for an operator key or the token")
    func beyondLoopbackIsClosed() async throws {
        let token = "scrape-token-\(UUID().uuidString)"
        let server = try await MCPTestServer(metrics: MetricsEndpoint(host: HostMetrics(), open: false, token: token))
        let f = server.fixture
        func scrape(_ bearer: String?) async throws -> MCPTestServer.Reply {
            try await server.request("GET", path: "/metrics", key: bearer, scheme: "Bearer", headers: [:])
        }
        let anonymous = try await scrape(nil)
        #expect(anonymous.status == 401)
        #expect(anonymous.headers["www-authenticate"] == "Bearer")
        #expect(!String(decoding: anonymous.body, as: UTF8.self).contains("vigil_"))
        #expect(try await scrape(f.keyA).status == 401)
        #expect(try await scrape("wrong-\(token)").status == 401)
        #expect(try await scrape(f.keyO).status == 200)
        let withToken = try await scrape(token)
        #expect(withToken.status == 200)
        #expect(String(decoding: withToken.body, as: UTF8.self).contains("# TYPE vigil_decisions gauge"))
    }

    @Test("a server without metrics has no /metrics path")
    func off() async throws {
        let server = try await MCPTestServer()
        #expect(try await server.request("GET", path: "/metrics", headers: [:]).status == 404)
    }
}

@Suite("GET /metrics help lines")
struct MetricsHelpTests {
    @Test("a # HELP line goes before each known metric's # TYPE line; unknown metrics and the rest pass unchanged")
    func helpLines() {
        let text = "# TYPE vigil_decisions gauge\nvigil_decisions{status=\"open\"} 3.0\n# TYPE other_total counter\nother_total 1\n"
        let expected = "# HELP vigil_decisions \(HostMetrics.help["vigil_decisions"]!)\n" + text
        #expect(String(decoding: HostMetrics.withHelp(Array(text.utf8)), as: UTF8.self) == expected)
        #expect(HostMetrics.withHelp([]) == [])
    }
}
