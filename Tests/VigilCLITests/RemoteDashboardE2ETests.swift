import Foundation
import Testing
import VigilSDK
import VigilTestSupport

import struct VigilCore.JSONParser

/// `vigil serve` and a remote dashboard in tmux: an agent (the Swift SDK over MCP) asks, the operator approves with
/// keys in a dashboard that reaches the store only through the endpoints.
@Suite("Remote dashboard end to end (tmux)", .enabled(if: VigilProcess.isAvailable && TmuxSession.isAvailable), .timeLimit(.minutes(3)))
struct RemoteDashboardE2ETests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("a request made over MCP is approved across the wire; the agent sees it; a wrong key is refused")
    func approveAcrossTheWire() async throws {
        let home = try TemporaryDirectory()
        let config = home.file("config.toml")
        try DecisionFixture.configTOML.write(toFile: config, atomically: true, encoding: .utf8)
        let common = ["--db", home.file("vigil.db"), "--config", config]
        func key(_ arguments: [String]) async throws -> String {
            let added = try JSONParser.parse(try await VigilProcess.run(["agents", "add"] + arguments + ["--json"] + common, home: home.path).stdout)
            return try #require(added["api_key"]?.stringValue)
        }
        let agentKey = try await key(["shopper", "--grant", "*"])
        let operatorKey = try await key(["ops", "--operator"])
        let environment = [
            "HOME": home.path, "XDG_CONFIG_HOME": home.path + "/config", "XDG_DATA_HOME": home.path + "/data",
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "TERM": "xterm-256color", "LANG": "C.UTF-8",
            "VIGIL_THEME_DIR": Self.repositoryRoot.appendingPathComponent("themes").path,
        ]
        let server = try RunningProcess(VigilProcess.binary, ["serve", "--mcp", "127.0.0.1:0", "--grpc", "127.0.0.1:0"] + common, environment: environment)
        defer { server.terminate() }
        let mcp = try #require(await server.waitForLine(timeout: 30) { $0.contains("MCP endpoint listening on http://") }, "\(server.text)")
        let url = try #require(mcp.split(separator: " ").first { $0.hasPrefix("http://") }.map(String.init))
        let grpc = try #require(await server.waitForLine(timeout: 30) { $0.contains("Membrane gRPC endpoint listening on ") }, "\(server.text)")
        let grpcAddress = try #require(grpc.split(separator: " ").last.map(String.init))

        // A wrong key is refused before the dashboard opens.
        let refused = try await VigilProcess.run(["--remote", url, "--operator-key", agentKey], home: home.path)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("the remote refused the key: Permission denied: operator role required"), "\(refused.stderr)")

        // The agent asks.
        let agent = try TraceMemClient(apiKey: agentKey, mcpURL: url, timeout: 30)
        let decision = try await agent.createDecision(intent: "billing.discount.grant", automationMode: "autonomous")
        _ = try await decision.evaluate(policy: "discount_cap_v1", inputs: ["record": ["discount_pct": 15]])
        let approval = try await decision.requestApproval(message: "15% for a loyal customer")

        // The operator answers from a dashboard that only has the remote's addresses and an operator key.
        let tmux = try TmuxSession(
            [VigilProcess.binary, "--remote", url, "--remote-grpc", grpcAddress],
            environment: environment.merging(["VIGIL_OPERATOR_KEY": operatorKey]) { $1 })
        #expect(await tmux.waitFor(timeout: 20) { $0.contains("remote 127.0.0.1") && $0.contains("Pending 1") && $0.contains("op key holder") } != nil,
                "\(tmux.lastScreen)")
        try tmux.send("2")
        #expect(await tmux.waitFor { $0.contains("EXPIRES") && $0.contains("▶") && $0.contains("agent_shopper") } != nil, "\(tmux.lastScreen)")
        try tmux.send("a")
        #expect(await tmux.waitFor { $0.contains("Approve request") && $0.contains("Rationale (required)") } != nil, "\(tmux.lastScreen)")
        try tmux.type("approved remotely")
        #expect(await tmux.waitFor("approved remotely"), "\(tmux.lastScreen)")
        try tmux.send("Enter")  // to Cancel
        try tmux.send("Tab")  // to Approve
        try tmux.send("Enter")
        // The notice names who the remote recorded, from the key.
        #expect(await tmux.waitFor { $0.contains("Pending 0") && $0.contains("approved by ops") } != nil, "\(tmux.lastScreen)")

        #expect(try await decision.waitForApproval(every: 1, timeout: 30) == "approved")
        let listed = try JSONParser.parse(try await VigilProcess.run(["approvals", "list", "--status", "approved", "--json"] + common, home: home.path).stdout)
        let resolved = try #require(listed["approvals"]?.arrayValue?.first { $0["approval_id"]?.stringValue == approval.approvalID })
        // Over the wire the key decides who resolved it.
        #expect(resolved["resolved_by"]?.stringValue == "ops")
        #expect(resolved["rationale"]?.stringValue == "approved remotely")

        // Memory browses through gRPC Retrieve.
        let memory = try MembraneClient(address: grpcAddress, apiKey: agentKey)
        _ = try await memory.ingestEvent(eventKind: "user_message", ref: "m1", summary: "remote memories show up")
        try tmux.send("3")
        #expect(await tmux.waitFor(timeout: 15) { $0.contains("remote memories show up") } != nil, "\(tmux.lastScreen)")
        // Agents lists every principal on the remote, the operator without decisions too.
        try tmux.send("4")
        #expect(await tmux.waitFor(timeout: 30) { screen in
            screen.contains("KIND") && screen.split(separator: "\n").contains { $0.contains("ops") && $0.contains("operator") }
                && screen.split(separator: "\n").contains { $0.contains("agent_shop") && $0.contains(" agent ") }
        } != nil, "\(tmux.lastScreen)")
        try tmux.send("q")
        #expect(await tmux.waitFor(timeout: 10) { _ in tmux.exitStatus() != nil } != nil)
        #expect(tmux.exitStatus() == 0)
    }
}
