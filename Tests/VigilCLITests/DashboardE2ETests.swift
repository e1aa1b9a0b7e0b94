import Foundation
import Testing
import VigilCore
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The real `vigil` binary in tmux: a second process asks for approval, the operator approves with keys.
@Suite("Dashboard end to end (tmux)", .enabled(if: VigilProcess.isAvailable && TmuxSession.isAvailable), .timeLimit(.minutes(3)))
struct DashboardE2ETests {
    struct Home {
        let directory: TemporaryDirectory
        let common: [String]
        let environment: [String: String]

        init() throws {
            directory = try TemporaryDirectory()
            let config = directory.file("config.toml")
            try DecisionFixture.configTOML.write(toFile: config, atomically: true, encoding: .utf8)
            common = ["--db", directory.file("vigil.db"), "--config", config]
            environment = [
                "HOME": directory.path, "XDG_CONFIG_HOME": directory.path + "/config", "XDG_DATA_HOME": directory.path + "/data",
                "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "TERM": "xterm-256color",
                "LANG": "C.UTF-8", "VIGIL_THEME_DIR": repositoryRoot.appendingPathComponent("themes").path,
            ]
        }
    }

    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    var repositoryRoot: URL { Self.repositoryRoot }

    @Test("an agent's request appears live; 2, a, a typed rationale, Enter, Tab, Enter approves it as that operator",
          .enabled(if: pythonMCPAvailable))
    func approveThroughTheKeys() async throws {
        let home = try Home()
        let agent = try JSONParser.parse(try await VigilProcess.run(["agents", "add", "shopper", "--grant", "*", "--json"] + home.common, home: home.directory.path).stdout)
        let key = try #require(agent["api_key"]?.stringValue)
        let tmux = try TmuxSession(
            [VigilProcess.binary] + home.common + ["--operator", "alice", "--mcp", "127.0.0.1:0", "--grpc", "127.0.0.1:0"],
            environment: home.environment)
        // The dashboard serves the endpoints itself and shows where.
        let first = await tmux.waitFor { $0.contains("MCP http://127.0.0.1:") && $0.contains("Pending 0") }
        let screen = try #require(first, "\(tmux.lastScreen)")
        let url = try #require(screen.split(separator: " ").first { $0.hasPrefix("http://127.0.0.1:") }.map(String.init))

        // A second process: the official MCP Python SDK runs the approval workflow against the dashboard's endpoint.
        let agentProcess = try RunningProcess(
            "/usr/bin/env", ["python3", repositoryRoot.appendingPathComponent("Tests/interop/tracemem_approval_workflow.py").path],
            environment: home.environment.merging([
                "TRACEMEM_MCP_URL": url, "TRACEMEM_API_KEY": key, "RECEIPT_FILE": home.directory.file("receipt.json"),
            ]) { $1 })
        defer { agentProcess.terminate() }
        let approvalLine = try #require(await agentProcess.waitForLine(timeout: 60) { $0.hasPrefix("APPROVAL ") }, "\(agentProcess.text)")
        let approvalID = String(approvalLine.dropFirst("APPROVAL ".count))

        #expect(await tmux.waitFor("Pending 1"), "\(tmux.lastScreen)")
        try tmux.send("2")
        // The queue itself, not the decision list behind it: its EXPIRES column and the request.
        #expect(await tmux.waitFor(timeout: 15) { $0.contains("EXPIRES") && $0.contains("▶") && $0.contains("billing.discount.grant") } != nil,
                "\(tmux.lastScreen)")
        try tmux.send("a")
        #expect(await tmux.waitFor("Approve request"), "\(tmux.lastScreen)")
        // The finance route requires a rationale: focus starts in the field.
        try tmux.type("loyal customer since 2019")
        #expect(await tmux.waitFor("loyal customer since 2019"), "\(tmux.lastScreen)")
        try tmux.send("Enter")  // to Cancel
        try tmux.send("Tab")  // to Approve
        try tmux.send("Enter")
        #expect(await tmux.waitFor("Pending 0"), "\(tmux.lastScreen)")

        #expect(await agentProcess.waitForExit(timeout: 60), "\(agentProcess.text)")
        #expect(agentProcess.exitCode == 0, "\(agentProcess.text)")
        #expect(agentProcess.text.contains("COMMITTED TMEM_"))
        let listed = try JSONParser.parse(
            try await VigilProcess.run(["approvals", "list", "--status", "approved", "--json"] + home.common, home: home.directory.path).stdout)
        let approval = try #require(listed["approvals"]?.arrayValue?.first { $0["approval_id"]?.stringValue == approvalID })
        #expect(approval["resolved_by"]?.stringValue == "alice")
        #expect(approval["rationale"]?.stringValue == "loyal customer since 2019")

        try tmux.send("q")
        let ended = await tmux.waitFor(timeout: 10) { _ in tmux.exitStatus() != nil }
        #expect(ended != nil)
        #expect(tmux.exitStatus() == 0)
    }

    @Test("mark three pending requests with Space, approve them in one dialog; snooze the fourth and see it come back")
    func bulkApproveAndSnooze() async throws {
        let f = try DecisionFixture(now: Date())
        let config = f.directory.file("config.toml")
        try DecisionFixture.configTOML.write(toFile: config, atomically: true, encoding: .utf8)
        var intents: [String: String] = [:]  // approval id → its decision's intent
        for n in 1...4 {
            let id = try f.open(intent: "deploy.service\(n).execute")
            let approval = try f.call("decision_request_approval", ["decision_id": .string(id), "message": .string("rollout \(n)")])
            intents[approval["approval_id"]!.stringValue!] = "deploy.service\(n).execute"
        }
        let home = try Home()
        let common = ["--db", f.databasePath, "--config", config]
        let tmux = try TmuxSession(
            [VigilProcess.binary] + common + ["--operator", "alice", "--no-serve"], environment: home.environment)
        #expect(await tmux.waitFor("Pending 4"), "\(tmux.lastScreen)")
        try tmux.send("2")
        #expect(await tmux.waitFor(timeout: 15) { $0.contains("EXPIRES") && $0.contains("deploy.service4.execute") } != nil, "\(tmux.lastScreen)")
        for _ in 0..<3 { try tmux.send("Space") }
        #expect(await tmux.waitFor("3 marked"), "\(tmux.lastScreen)")
        try tmux.send("a")
        #expect(await tmux.waitFor("Approve 3 requests"), "\(tmux.lastScreen)")
        #expect(tmux.lastScreen.contains("3 requests · agents: agent_a ×3"), "\(tmux.lastScreen)")
        #expect(tmux.lastScreen.contains("Rationale (optional)"), "\(tmux.lastScreen)")
        try tmux.send("BTab")  // focus starts on Cancel: back to the field
        try tmux.type("release train 42")
        #expect(await tmux.waitFor("release train 42"), "\(tmux.lastScreen)")
        try tmux.send("Enter")  // to Cancel
        try tmux.send("Tab")  // to Approve
        try tmux.send("Enter")
        #expect(await tmux.waitFor("All 3 approved."), "\(tmux.lastScreen)")
        try tmux.send("Enter")
        #expect(await tmux.waitFor("Pending 1"), "\(tmux.lastScreen)")

        let listed = try JSONParser.parse(
            try await VigilProcess.run(["approvals", "list", "--status", "approved", "--json"] + common, home: home.directory.path).stdout)
        let approved = listed["approvals"]?.arrayValue ?? []
        let approvedIDs = Set(approved.compactMap { $0["approval_id"]?.stringValue })
        #expect(approvedIDs.count == 3 && approvedIDs.isSubset(of: Set(intents.keys)))
        #expect(approved.allSatisfy { $0["resolved_by"] == "alice" && $0["rationale"] == "release train 42" }, "\(approved)")
        let remaining = try #require(Set(intents.keys).subtracting(approvedIDs).first)
        let remainingIntent = intents[remaining]!

        // The fourth: snoozed for 3 s, out of the queue, then back on its own, still pending.
        #expect(await tmux.waitFor(timeout: 15) { $0.contains("▶") && $0.contains(remainingIntent) } != nil, "\(tmux.lastScreen)")
        try tmux.send("z")
        #expect(await tmux.waitFor("Snooze for: 15m"), "\(tmux.lastScreen)")
        for _ in 0..<3 { try tmux.send("BSpace") }
        try tmux.type("3s")
        try tmux.send("Enter")
        try tmux.send("Tab")
        try tmux.send("Enter")
        #expect(await tmux.waitFor("1 snoozed"), "\(tmux.lastScreen)")
        #expect(tmux.lastScreen.contains("The pending request is snoozed"), "\(tmux.lastScreen)")
        #expect(await tmux.waitFor(timeout: 20) { $0.contains("▶") && $0.contains(remainingIntent) && !$0.contains("1 snoozed") } != nil,
                "\(tmux.lastScreen)")
        let pending = try JSONParser.parse(
            try await VigilProcess.run(["approvals", "list", "--json"] + common, home: home.directory.path).stdout)
        #expect(pending["approvals"]?.arrayValue?.map { $0["approval_id"]?.stringValue } == [remaining], "a snooze decides nothing")
        try tmux.send("q")
        #expect(await tmux.waitFor(timeout: 10) { _ in tmux.exitStatus() != nil } != nil)
    }

    @Test(":replay PATH lists the decisions new rules would decide otherwise; a broken file is named; Esc goes back")
    func replay() async throws {
        let f = try DecisionFixture(now: Date())
        let config = f.directory.file("config.toml")
        try DecisionFixture.configTOML.write(toFile: config, atomically: true, encoding: .utf8)
        for pct in [5, 15] {
            let id = try f.open(intent: "billing.discount.grant\(pct)")
            try f.call("decision_evaluate", ["decision_id": .string(id), "policy_id": "discount_cap_v1", "inputs": ["record": ["discount_pct": .int(Int64(pct))]]])
        }
        let home = try Home()
        let rules = home.directory.file("new.toml")
        try DecisionFixture.configTOML.replacingOccurrences(of: #"op = "gt", value = 10 }"#, with: #"op = "gt", value = 20 }"#)
            .write(toFile: rules, atomically: true, encoding: .utf8)
        let broken = home.directory.file("broken.toml")
        try "[[policies]]\npolicy_id = 7\n".write(toFile: broken, atomically: true, encoding: .utf8)
        let tmux = try TmuxSession(
            [VigilProcess.binary, "--db", f.databasePath, "--config", config, "--operator", "alice", "--no-serve"],
            environment: home.environment.merging(["COLUMNS": "160"]) { $1 })
        try tmux.resize(columns: 160, rows: 40)
        #expect(await tmux.waitFor(timeout: 15) { $0.contains("AGE  STATUS") && $0.contains("billing.discount.gran") } != nil, "\(tmux.lastScreen)")
        try tmux.send(":")
        try tmux.type("replay \(broken)")
        try tmux.send("Enter")
        #expect(await tmux.waitFor("policies[0].policy_id"), "\(tmux.lastScreen)")
        try tmux.send(":")
        try tmux.type("replay \(rules)")
        try tmux.send("Enter")
        #expect(await tmux.waitFor("1 would change of 2 replayed"), "\(tmux.lastScreen)")
        #expect(tmux.lastScreen.contains("requires_exception → allow"), "\(tmux.lastScreen)")
        #expect(!tmux.lastScreen.contains("billing.discount.grant5 "), "\(tmux.lastScreen)")
        try tmux.send("Enter")
        #expect(await tmux.waitFor("billing.discount.grant15 · "), "the decision opens: \(tmux.lastScreen)")
        try tmux.send("Escape")
        try tmux.send("Escape")
        #expect(await tmux.waitFor(timeout: 15) { !$0.contains("Replay: ") && $0.contains("━ Decisions ━") && $0.contains("AGE  STATUS") } != nil,
                "\(tmux.lastScreen)")
        try tmux.send("q")
        #expect(await tmux.waitFor(timeout: 10) { _ in tmux.exitStatus() != nil } != nil)
    }

    @Test("too small shows the sizes, growing back restores the layout; read-only refuses a; q exits 0")
    func resizeAndReadOnly() async throws {
        let home = try Home()
        let tmux = try TmuxSession([VigilProcess.binary] + home.common + ["--operator", "bob", "--read-only", "--no-serve"], environment: home.environment)
        #expect(await tmux.waitFor("READ-ONLY"), "\(tmux.lastScreen)")
        #expect(await tmux.waitFor("No decisions yet"), "\(tmux.lastScreen)")
        try tmux.resize(columns: 52, rows: 14)
        #expect(await tmux.waitFor("Terminal too small: 52 × 14"), "\(tmux.lastScreen)")
        #expect(tmux.lastScreen.contains("vigil needs at least 60 × 16."))
        try tmux.resize(columns: 100, rows: 30)
        #expect(await tmux.waitFor("1 Decisions"), "\(tmux.lastScreen)")
        try tmux.send("2")
        try tmux.send("a")
        #expect(await tmux.waitFor("read-only mode"), "\(tmux.lastScreen)")
        try tmux.send("3")
        #expect(await tmux.waitFor("No memories yet"), "\(tmux.lastScreen)")
        try tmux.send("q")
        let ended = await tmux.waitFor(timeout: 10) { _ in tmux.exitStatus() != nil }
        #expect(ended != nil)
        #expect(tmux.exitStatus() == 0)
    }

    @Test("without a terminal the dashboard refuses with a clear message")
    func notATerminal() async throws {
        let home = try Home()
        let run = try await VigilProcess.run(home.common + ["--no-serve"], home: home.directory.path)
        #expect(run.status == 64)
        #expect(run.stderr.contains("needs a terminal"), "\(run.stderr)")
    }
}

extension DashboardE2ETests {
    /// A TCP listener on 127.0.0.1 holding a port for the duration of a test.
    final class HeldPort {
        let socket: Int32
        let port: Int

        init() throws {
            let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = 0
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            try #require(bound == 0 && listen(fd, 1) == 0)
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            socket = fd
            port = Int(UInt16(bigEndian: address.sin_port))
        }

        deinit { close(socket) }
    }

    @Test("a taken port is named in the status line and the dashboard goes on with the other endpoint")
    func portTaken() async throws {
        let home = try Home()
        let held = try HeldPort()
        let tmux = try TmuxSession(
            [VigilProcess.binary] + home.common + ["--operator", "carol", "--mcp", "127.0.0.1:\(held.port)", "--grpc", "127.0.0.1:0"],
            environment: home.environment, columns: 160, rows: 30)
        #expect(await tmux.waitFor("MCP 127.0.0.1:\(held.port) unavailable (port taken?)"), "\(tmux.lastScreen)")
        #expect(tmux.lastScreen.contains("gRPC 127.0.0.1:"))
        #expect(tmux.lastScreen.contains("No decisions yet"))
        try tmux.send("q")
        #expect(await tmux.waitFor(timeout: 10) { _ in tmux.exitStatus() != nil } != nil)
        #expect(tmux.exitStatus() == 0)
    }
}
