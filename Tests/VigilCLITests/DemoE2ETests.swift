import Foundation
import Testing
import VigilCore
import VigilTestSupport

/// `vigil demo`, the real binary: simulated agents over loopback MCP and gRPC, the dashboard in tmux.
@Suite("vigil demo end to end", .enabled(if: VigilProcess.isAvailable), .timeLimit(.minutes(3)))
struct DemoE2ETests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("decisions and memories appear live; an approval through the keys reaches the agent, which commits",
          .enabled(if: TmuxSession.isAvailable))
    func approveADemoRequest() async throws {
        let home = try TemporaryDirectory()
        let db = home.file("demo.db")
        let environment = [
            "HOME": home.path, "XDG_CONFIG_HOME": home.path + "/config", "XDG_DATA_HOME": home.path + "/data",
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "TERM": "xterm-256color", "LANG": "C.UTF-8",
            "VIGIL_THEME_DIR": Self.repositoryRoot.appendingPathComponent("themes").path,
        ]
        // Two agents: the decision agent opens with a discount that needs finance review; the other remembers.
        // Long enough that every step below happens while it runs, on a CI runner loaded by every other suite (with
        // 20 s it once ended before the memory screen was reached).
        let tmux = try TmuxSession(
            [VigilProcess.binary, "demo", "--duration", "45", "--agents", "2", "--rate", "6", "--db", db, "--operator", "alice",
             "--mcp", "127.0.0.1:0", "--grpc", "127.0.0.1:0"],
            environment: environment)

        // The list's INTENT column is narrow beside the detail pane, so the intent shows whole only when the cursor happens
        // to rest on that row; its prefix is on screen either way.
        #expect(await tmux.waitFor(timeout: 20) { $0.contains("billing.disc") && $0.contains("Pending 1") } != nil, "\(tmux.lastScreen)")
        try tmux.send("2")
        #expect(await tmux.waitFor { $0.contains("EXPIRES") && $0.contains("▶") && $0.contains("agent_shopper") } != nil, "\(tmux.lastScreen)")
        try tmux.send("a")
        // The finance route requires a rationale, so focus starts in the field.
        #expect(await tmux.waitFor { $0.contains("Approve request") && $0.contains("Rationale (required)") } != nil, "\(tmux.lastScreen)")
        try tmux.type("demo approval")
        #expect(await tmux.waitFor("demo approval"), "\(tmux.lastScreen)")
        try tmux.send("Enter")  // to Cancel
        try tmux.send("Tab")  // to Approve
        try tmux.send("Enter")
        #expect(await tmux.waitFor { !$0.contains("Approve request") } != nil, "\(tmux.lastScreen)")

        // Memories arrive from the memory agent and from the decision agent's outcomes.
        try tmux.send("3")
        #expect(await tmux.waitFor { $0.contains("SALIENCE") && $0.contains("episodic") } != nil, "\(tmux.lastScreen)")

        // The demo ends on its own and restores the terminal.
        let ended = await tmux.waitFor(timeout: 70) { _ in tmux.exitStatus() != nil }
        #expect(ended != nil, "\(tmux.lastScreen)")
        #expect(tmux.exitStatus() == 0, "\(tmux.lastScreen)")
        #expect(tmux.lastScreen.contains("demo ran"), "\(tmux.lastScreen)")

        // The agent saw the approval (it noted so in its trace) and committed.
        let approved = try JSONParser.parse(
            try await VigilProcess.run(["approvals", "list", "--status", "approved", "--json", "--db", db], home: home.path).stdout)
        let approval = try #require(approved["approvals"]?.arrayValue?.first, "\(approved)")
        #expect(approval["resolved_by"]?.stringValue == "alice")
        #expect(approval["rationale"]?.stringValue == "demo approval")
        let decisionID = try #require(approval["decision_id"]?.stringValue)
        let trace = try JSONParser.parse(
            try await VigilProcess.run(["decisions", "trace", decisionID, "--json", "--db", db], home: home.path).stdout)
        #expect(trace["status"]?.stringValue == "committed", "\(trace)")
        let events = trace["events"]?.arrayValue ?? []
        #expect(events.contains { $0["type"]?.stringValue == "context" && ($0["summary"]?.stringValue ?? "").contains("seen: approved") },
                "\(events)")
        #expect(events.contains { $0["type"]?.stringValue == "write" }, "\(events)")
    }

    @Test("--headless runs the agents without a terminal and prints what they did")
    func headless() async throws {
        let home = try TemporaryDirectory()
        let run = try await VigilProcess.run(
            ["demo", "--headless", "--duration", "4", "--agents", "3", "--rate", "10", "--mcp", "127.0.0.1:0", "--grpc", "127.0.0.1:0"],
            home: home.path)
        #expect(run.status == 0, "\(run.stderr)")
        let summary = try #require(run.stdout.split(separator: "\n").first { $0.hasPrefix("demo ran") }, "\(run.stdout)")
        // Decisions over MCP and memories over gRPC both happened.
        #expect(!summary.contains(" 0 decisions"), "\(summary)")
        #expect(!summary.contains(" 0 memories"), "\(summary)")
        #expect(run.stdout.contains("the temporary store was removed"))
    }

    @Test("without a terminal the demo says to use --headless; bad numbers are refused")
    func refusals() async throws {
        let home = try TemporaryDirectory()
        let run = try await VigilProcess.run(["demo"], home: home.path)
        #expect(run.status == 64)
        #expect(run.stderr.contains("needs a terminal") && run.stderr.contains("--headless"), "\(run.stderr)")
        let agents = try await VigilProcess.run(["demo", "--agents", "0"], home: home.path)
        #expect(agents.status != 0)
        #expect(agents.stderr.contains("--agents must be between 1 and 64"), "\(agents.stderr)")
    }
}
