import Foundation
import Testing
import VigilCore
import VigilTestSupport

/// `vigil gate` as Claude Code and Codex run it: recorded hook events piped into the real binary, answered by a real
/// `vigil serve` over MCP on loopback, with the README's starter policy; the exact standard output and exit code of
/// every answer.
@Suite("vigil gate with the real binary", .enabled(if: VigilProcess.isAvailable), .timeLimit(.minutes(5)))
struct GateE2ETests {
    /// The README's starter policy, as written.
    static func readmePolicy() throws -> String { try readmeBlock("gate-policy", language: "toml") }

    /// A store with the starter policy, a `vigil serve` on it, the gate's agent and key.
    final class Server: @unchecked Sendable {
        let home: TemporaryDirectory
        let db: String
        let config: String
        let process: RunningProcess
        let url: String
        let key: String

        init() async throws {
            home = try TemporaryDirectory()
            db = home.file("vigil.db")
            config = home.file("config.toml")
            try GateE2ETests.readmePolicy().write(toFile: config, atomically: true, encoding: .utf8)
            let added = try await VigilProcess.run(["agents", "add", "claude-code", "--json", "--db", db, "--config", config], home: home.path)
            key = try #require(try JSONParser.parse(added.stdout)["api_key"]?.stringValue, "\(added.stderr)")
            (process, url) = try await RunningProcess.serve(
                ["--db", db, "--config", config, "--mcp", "127.0.0.1:0", "--grpc", "127.0.0.1:0"],
                environment: ["HOME": home.path, "XDG_CONFIG_HOME": home.path + "/config", "XDG_DATA_HOME": home.path + "/data", "PATH": "/usr/bin:/bin"])
        }

        deinit { process.terminate() }

        var environment: [String: String] { ["VIGIL_URL": url, "VIGIL_AGENT_KEY": key] }

        /// `vigil gate AGENT` with `event` on standard input.
        func gate(_ event: String, agent: String = "claude-code", _ flags: [String] = [], environment extra: [String: String] = [:]) async throws -> VigilProcess.Output {
            try await VigilProcess.run(["gate", agent, "--config", config] + flags, home: home.path, stdin: event, extraEnvironment: environment.merging(extra) { $1 })
        }

        /// The same, started in the background (it waits for an operator).
        func startGate(_ event: String, _ flags: [String] = []) throws -> SpawnedChild {
            try SpawnedChild(
                VigilProcess.binary, ["gate", "claude-code", "--config", config] + flags,
                environment: ["HOME": home.path, "XDG_CONFIG_HOME": home.path + "/config", "PATH": "/usr/bin:/bin"].merging(environment) { $1 },
                stdin: event)
        }

        func vigil(_ arguments: [String]) async throws -> VigilProcess.Output {
            try await VigilProcess.run(arguments + ["--db", db, "--config", config], home: home.path)
        }

        /// Waits (with a deadline) for a pending request and returns its id.
        func pendingApproval(timeout: TimeInterval = 20) async throws -> String {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                let list = try JSONParser.parse(try await vigil(["approvals", "list", "--json"]).stdout)
                if let id = list["approvals"]?.arrayValue?.first?["approval_id"]?.stringValue { return id }
                try await Task.sleep(for: .milliseconds(100))
            }
            throw CLIError("no pending approval within \(timeout) s")
        }
    }

    static func event(_ tool: String, _ input: JSONObject, cwd: String = "/home/dev/shop", session: String = "sess-1") -> String {
        JSONValue.object([
            "session_id": .string(session), "transcript_path": "/home/dev/.claude/projects/shop/sess-1.jsonl", "cwd": .string(cwd),
            "permission_mode": "default", "hook_event_name": "PreToolUse", "tool_name": .string(tool), "tool_input": .object(input),
            "tool_use_id": "toolu_01",
        ]).canonicalText
    }

    static func answer(_ permission: String, _ reason: String) -> String {
        JSONValue.object(["hookSpecificOutput": [
            "hookEventName": "PreToolUse", "permissionDecision": .string(permission), "permissionDecisionReason": .string(reason),
        ]]).canonicalText + "\n"
    }

    @Test("allow and deny by policy, for every tool type: the exact answer, exit 0, and a decision committed or aborted")
    func policyAnswers() async throws {
        let s = try await Server()
        let allowed = "vigil: allowed by policy coding_agent, rule default: reads, tests and ordinary edits inside the project"
        let cases: [(String, String, String)] = [
            (Self.event("Bash", ["command": "swift test --filter Gate", "description": "run the tests"]), "allow", allowed),
            (Self.event("Read", ["file_path": "/home/dev/shop/Package.swift"]), "allow", allowed),
            (Self.event("Edit", ["file_path": "/home/dev/shop/src/a.swift", "old_string": "a", "new_string": "b"]), "allow", allowed),
            (Self.event("WebFetch", ["url": "https://example.com", "prompt": "summarize"]), "allow", allowed),
            (Self.event("mcp__github__create_issue", ["title": "t"]), "allow", allowed),
            (Self.event("SomeFutureTool", [:]), "allow", allowed),
            (Self.event("Bash", ["command": "rm -rf /"]), "deny",
             "vigil: denied by policy coding_agent, rule destructive: plainly destructive: it would wipe the machine, a home folder or a disk"),
            (Self.event("Bash", ["command": "sudo mkfs.ext4 /dev/sda1"]), "deny",
             "vigil: denied by policy coding_agent, rule destructive: plainly destructive: it would wipe the machine, a home folder or a disk"),
        ]
        for (event, permission, reason) in cases {
            let output = try await s.gate(event)
            #expect(output.status == 0 && output.stdout == Self.answer(permission, reason), "\(event)\n\(output.stdout)\(output.stderr)")
        }
        let listed = try JSONParser.parse(try await s.vigil(["decisions", "list", "--agent", "claude-code", "--json", "--limit", "50"]).stdout)
        let decisions = listed["decisions"]?.arrayValue ?? []
        #expect(decisions.count == cases.count, "decisions list --agent claude-code finds every gated call")
        #expect(decisions.filter { $0["status"] == "committed" }.count == 6 && decisions.filter { $0["status"] == "aborted" }.count == 2)
        #expect(Set(decisions.compactMap { $0["intent"]?.stringValue }) == [
            "ops.command.execute", "code.file.read", "code.change.apply", "web.fetch.execute", "mcp.github.create_issue", "agent.tool.somefuturetool",
        ])
        // The trace holds the hook input, the evaluation and the answer given, and verifies.
        let denied = try #require(decisions.first { $0["status"] == "aborted" }?["decision_id"]?.stringValue)
        let trace = try JSONParser.parse(try await s.vigil(["decisions", "trace", denied, "--json"]).stdout)
        let events = trace["events"]?.arrayValue ?? []
        #expect(events.contains { $0["context"]?["tool_input"]?["command"] != nil }, "the hook input")
        #expect(events.contains { $0["type"] == "evaluate" && $0["outcome"] == "deny" }, "the evaluation")
        #expect(events.last?["reason"]?.stringValue?.hasPrefix("deny: vigil: denied by policy coding_agent") == true, "the answer given: \(events.last ?? .null)")
        #expect(try await s.vigil(["decisions", "verify", denied]).status == 0)
    }

    @Test("the flagged call waits for an operator: approved → allow with the rationale, rejected → deny with it, no answer → the fallback")
    func operatorAnswers() async throws {
        let s = try await Server()
        // Approved.
        let write = try s.startGate(Self.event("Write", ["file_path": "/etc/motd", "content": "hello"]))
        let first = try await s.pendingApproval()
        let approved = try await s.vigil(["approvals", "approve", first, "--operator", "alice", "--rationale", "fine for the demo box"])
        #expect(approved.status == 0, "\(approved.stderr)")
        #expect(await write.exited() == 0)
        #expect(write.stdout == Self.answer("allow", "vigil: approved by alice: fine for the demo box"))
        // Rejected: the reason reaches the model.
        let push = try s.startGate(Self.event("Bash", ["command": "git push --force origin main"]))
        let second = try await s.pendingApproval()
        let pending = try JSONParser.parse(try await s.vigil(["approvals", "list", "--json"]).stdout)["approvals"]?.arrayValue?.first
        #expect(pending?["message"]?.stringValue?.contains("$ git push --force origin main") == true, "the operator sees the whole command")
        #expect(pending?["message"]?.stringValue?.contains("/home/dev/shop") == true && pending?["message"]?.stringValue?.contains("sess-1") == true)
        _ = try await s.vigil(["approvals", "reject", second, "--operator", "alice", "--rationale", "never force-push main; open a PR"])
        #expect(await push.exited() == 0)
        #expect(push.stdout == Self.answer("deny", "vigil: rejected by alice: never force-push main; open a PR"))
        // No answer in time: the fallback, and the request leaves the queue.
        let drop = try await s.gate(Self.event("Bash", ["command": "psql -c 'DROP TABLE users'"]), ["--wait", "2"])
        #expect(drop.status == 0 && drop.stdout == Self.answer(
            "deny", "vigil gate: no operator answered within 2 s (policy coding_agent asked for one); answering deny (the gate's fallback)"))
        let ask = try await s.gate(Self.event("Bash", ["command": "rm -rf build"]), ["--wait", "1", "--fallback", "ask"])
        #expect(ask.stdout == Self.answer(
            "ask", "vigil gate: no operator answered within 1 s (policy coding_agent asked for one); answering ask (the gate's fallback)"))
        let left = try JSONParser.parse(try await s.vigil(["approvals", "list", "--json"]).stdout)["approvals"]?.arrayValue ?? []
        #expect(left.isEmpty, "an unanswered request is withdrawn with its decision")
        let decisions = try JSONParser.parse(try await s.vigil(["decisions", "list", "--agent", "claude-code", "--json"]).stdout)["decisions"]?.arrayValue ?? []
        #expect(decisions.map { $0["status"]?.stringValue ?? "" }.sorted() == ["aborted", "aborted", "aborted", "committed"])
    }

    @Test("bad input and no server answer the fallback with a reason, exit 0; Codex gets the same protocol")
    func failures() async throws {
        let s = try await Server()
        let cases: [(String, [String], [String: String], String)] = [
            ("", [], [:], "vigil gate: no hook event on standard input (the agent sends one JSON object); answering deny (the gate's fallback)"),
            ("{not json", [], [:], ""),
            (#"{"cwd":"/tmp"}"#, [], [:], "vigil gate: the hook event has no tool_name; answering deny (the gate's fallback)"),
            (#"{"hook_event_name":"PostToolUse","tool_name":"Bash"}"#, [], [:],
             "vigil gate: vigil gates PreToolUse events, not PostToolUse; answering deny (the gate's fallback)"),
            (Self.event("Bash", ["command": "ls"]), [], ["VIGIL_URL": "http://127.0.0.1:9/mcp"], ""),
            (Self.event("Bash", ["command": "ls"]), ["--fallback", "ask"], ["VIGIL_URL": "http://127.0.0.1:9/mcp"], ""),
            (Self.event("Bash", ["command": "ls"]), [], ["VIGIL_AGENT_KEY": "tm_wrong"], ""),
            (Self.event("Bash", ["command": "ls"]), ["--policy", "no_such_policy"], [:], ""),
        ]
        for (input, flags, environment, exact) in cases {
            let output = try await s.gate(input, flags, environment: environment)
            #expect(output.status == 0, "\(input): \(output.stderr)")
            let answer = try JSONParser.parse(output.stdout)["hookSpecificOutput"]
            let expected = flags.contains("ask") ? "ask" : "deny"
            #expect(answer?["permissionDecision"]?.stringValue == expected, "\(input) \(flags): \(output.stdout)")
            let reason = answer?["permissionDecisionReason"]?.stringValue ?? ""
            if !exact.isEmpty { #expect(output.stdout == Self.answer(expected, exact)) }
            #expect(reason.hasPrefix("vigil gate: ") && !reason.contains(s.key), "\(reason)")
            if environment["VIGIL_URL"] != nil { #expect(reason.contains("unreachable"), "\(reason)") }
            if flags.contains("no_such_policy") { #expect(reason.contains("no_such_policy"), "\(reason)") }
        }
        let codex = try await s.gate(Self.event("Bash", ["command": "ls -la"]), agent: "codex")
        #expect(codex.stdout == Self.answer("allow", "vigil: allowed by policy coding_agent, rule default: reads, tests and ordinary edits inside the project"))
        let noServer = try await VigilProcess.run(["gate", "claude-code"], home: s.home.path, stdin: Self.event("Bash", ["command": "ls"]))
        #expect(noServer.stdout.contains("no vigil to ask: set VIGIL_URL and VIGIL_AGENT_KEY"), "\(noServer.stdout)")
    }

    @Test("--db decides in this process, registering the agent on first use")
    func inProcess() async throws {
        let home = try TemporaryDirectory()
        let config = home.file("config.toml")
        try Self.readmePolicy().write(toFile: config, atomically: true, encoding: .utf8)
        let db = home.file("local.db")
        let read = try await VigilProcess.run(["gate", "claude-code", "--db", db, "--config", config], home: home.path, stdin: Self.event("Read", ["file_path": "/home/dev/shop/a"]))
        #expect(read.stdout == Self.answer("allow", "vigil: allowed by policy coding_agent, rule default: reads, tests and ordinary edits inside the project"), "\(read.stderr)")
        let wipe = try await VigilProcess.run(["gate", "claude-code", "--db", db, "--config", config], home: home.path, stdin: Self.event("Bash", ["command": "rm -rf ~"]))
        #expect(try JSONParser.parse(wipe.stdout)["hookSpecificOutput"]?["permissionDecision"] == "deny")
        let list = try JSONParser.parse(try await VigilProcess.run(["decisions", "list", "--agent", "claude-code", "--json", "--db", db], home: home.path).stdout)
        #expect(list["decisions"]?.arrayValue?.count == 2)
    }

    @Test("install adds one entry beside existing hooks, a second run changes nothing, uninstall removes exactly it; a broken file is refused untouched")
    func install() async throws {
        let home = try TemporaryDirectory()
        let project = home.file("shop")
        try FileManager.default.createDirectory(atPath: project + "/.claude", withIntermediateDirectories: true)
        let existing = #"""
            {"model": "opus", "hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "~/bin/audit.sh"}]}],
             "PostToolUse": [{"matcher": "*", "hooks": [{"type": "command", "command": "say done"}]}]}}
            """#
        let settings = project + "/.claude/settings.json"
        try existing.write(toFile: settings, atomically: true, encoding: .utf8)
        let db = home.file("vigil.db")
        let first = try await VigilProcess.run(["gate", "install", "claude-code", "--scope", "project", "--project", project, "--db", db, "--json"], home: home.path)
        #expect(first.status == 0, "\(first.stderr)")
        let report = try JSONParser.parse(first.stdout)
        #expect(report["change"] == "added" && report["settings"]?.stringValue == settings && report["timeout_seconds"] == 660)
        let installed = try JSONParser.parse(try String(contentsOfFile: settings, encoding: .utf8))
        #expect(installed["model"] == "opus" && installed["hooks"]?["PostToolUse"]?.arrayValue?.count == 1)
        let groups = installed["hooks"]?["PreToolUse"]?.arrayValue ?? []
        #expect(groups.count == 2 && groups[0]["hooks"]?.arrayValue?.first?["command"] == "~/bin/audit.sh", "the existing hook is kept, first")
        let command = groups[1]["hooks"]?.arrayValue?.first?["command"]?.stringValue ?? ""
        #expect(command.hasSuffix("vigil gate claude-code") && command.hasPrefix("/") && groups[1]["matcher"] == "*" && groups[1]["hooks"]?.arrayValue?.first?["timeout"] == 660)
        // The key is in a 0600 file, not in the settings; the agent exists in the store.
        let credentials = home.file("config/vigil/gate/claude-code.json")
        let mode = try FileManager.default.attributesOfItem(atPath: credentials)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let saved = try JSONParser.parse(try String(contentsOfFile: credentials, encoding: .utf8))
        #expect(saved["url"] == "http://127.0.0.1:7420/mcp" && saved["key"]?.stringValue?.isEmpty == false)
        #expect(!(try String(contentsOfFile: settings, encoding: .utf8)).contains(saved["key"]?.stringValue ?? "-"))
        #expect(try await VigilProcess.run(["agents", "list", "--json", "--db", db], home: home.path).stdout.contains("agent_claude-code"))
        // Again: nothing changes, byte for byte.
        let before = try Data(contentsOf: URL(fileURLWithPath: settings))
        let second = try await VigilProcess.run(["gate", "install", "claude-code", "--scope", "project", "--project", project, "--db", db, "--json"], home: home.path)
        #expect(try JSONParser.parse(second.stdout)["change"] == "unchanged")
        #expect(try Data(contentsOf: URL(fileURLWithPath: settings)) == before)
        // Uninstall: exactly the entry goes.
        let removed = try await VigilProcess.run(["gate", "uninstall", "claude-code", "--scope", "project", "--project", project, "--json"], home: home.path)
        #expect(try JSONParser.parse(removed.stdout)["change"] == "removed")
        #expect(try JSONParser.parse(try String(contentsOfFile: settings, encoding: .utf8)) == JSONParser.parse(existing))
        // A settings file that is not JSON is refused and left as it was.
        let local = project + "/.claude/settings.local.json"
        try "{ \"hooks\": [oops".write(toFile: local, atomically: true, encoding: .utf8)
        let broken = try await VigilProcess.run(["gate", "install", "claude-code", "--scope", "local", "--project", project, "--db", db], home: home.path)
        #expect(broken.status != 0 && broken.stderr.contains("is not a JSON object") && broken.stderr.contains(local))
        #expect(try String(contentsOfFile: local, encoding: .utf8) == "{ \"hooks\": [oops")
        // Codex: the user's ~/.codex/hooks.json, created when missing.
        let codex = try await VigilProcess.run(["gate", "install", "codex", "--db", db], home: home.path)
        #expect(codex.status == 0 && codex.stdout.contains("codex_hooks = true"), "\(codex.stdout)\(codex.stderr)")
        let hooks = try JSONParser.parse(try String(contentsOfFile: home.file(".codex/hooks.json"), encoding: .utf8))
        #expect(hooks["hooks"]?["PreToolUse"]?.arrayValue?.first?["hooks"]?.arrayValue?.first?["command"]?.stringValue?.hasSuffix("vigil gate codex") == true)
        #expect(try await VigilProcess.run(["gate", "install", "codex", "--scope", "local", "--db", db], home: home.path).status != 0)
    }
}

@Suite("vigil gate in front of the dashboard (tmux)", .enabled(if: VigilProcess.isAvailable && TmuxSession.isAvailable), .timeLimit(.minutes(3)))
struct GateDashboardE2ETests {
    @Test("a script playing Claude Code pipes `git push --force` into vigil gate; the dashboard shows the command; the operator rejects it with a reason; the gate denies with that reason; the decision is aborted and its trace verifies")
    func rejectInTheDashboard() async throws {
        let home = try DashboardE2ETests.Home()
        let config = home.common[3]
        try GateE2ETests.readmePolicy().write(toFile: config, atomically: true, encoding: .utf8)
        let added = try await VigilProcess.run(["agents", "add", "claude-code", "--json"] + home.common, home: home.directory.path)
        let key = try #require(try JSONParser.parse(added.stdout)["api_key"]?.stringValue, "\(added.stderr)")
        let tmux = try TmuxSession(
            [VigilProcess.binary] + home.common + ["--operator", "alice", "--mcp", "127.0.0.1:0", "--grpc", "127.0.0.1:0"],
            environment: home.environment)
        let first = try #require(await tmux.waitFor { $0.contains("MCP http://127.0.0.1:") && $0.contains("Pending 0") }, "\(tmux.lastScreen)")
        let url = try #require(first.split(separator: " ").first { $0.hasPrefix("http://127.0.0.1:") }.map(String.init))

        let event = GateE2ETests.event("Bash", ["command": "git push --force origin main", "description": "publish the fix"])
        let agent = try RunningProcess(
            "/bin/sh", ["-c", #"printf '%s' "$EVENT" | "$VIGIL" gate claude-code --config "$CONFIG""#],
            environment: home.environment.merging([
                "EVENT": event, "VIGIL": VigilProcess.binary, "CONFIG": config, "VIGIL_URL": url + "/mcp", "VIGIL_AGENT_KEY": key,
            ]) { $1 })
        defer { agent.terminate() }

        #expect(await tmux.waitFor("Pending 1", timeout: 30), "\(tmux.lastScreen)")
        try tmux.send("2")
        #expect(await tmux.waitFor(timeout: 15) { $0.contains("EXPIRES") && $0.contains("▶") && $0.contains("Bash: git push --force") } != nil, "\(tmux.lastScreen)")
        try tmux.send("x")
        #expect(await tmux.waitFor(timeout: 15) { $0.contains("Reject request") && $0.contains("$ git push --force origin main") && $0.contains("/home/dev/shop") } != nil,
                "the dialog shows the whole command and where it runs: \(tmux.lastScreen)")
        try tmux.type("never force-push main; open a PR")
        #expect(await tmux.waitFor("open a PR"), "\(tmux.lastScreen)")
        try tmux.send("Enter")  // to Cancel
        try tmux.send("Tab")  // to Reject
        try tmux.send("Enter")
        #expect(await tmux.waitFor("Pending 0"), "\(tmux.lastScreen)")

        #expect(await agent.waitForExit(timeout: 30), "\(agent.text)")
        #expect(agent.exitCode == 0)
        #expect(agent.text.contains(GateE2ETests.answer("deny", "vigil: rejected by alice: never force-push main; open a PR").trimmingCharacters(in: .newlines)),
                "\(agent.text)")
        let listed = try JSONParser.parse(
            try await VigilProcess.run(["decisions", "list", "--agent", "claude-code", "--json"] + home.common, home: home.directory.path).stdout)
        let decision = try #require(listed["decisions"]?.arrayValue?.first)
        #expect(decision["status"] == "aborted" && decision["intent"] == "ops.command.execute")
        let id = try #require(decision["decision_id"]?.stringValue)
        let verify = try await VigilProcess.run(["decisions", "verify", id] + home.common, home: home.directory.path)
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }
}
