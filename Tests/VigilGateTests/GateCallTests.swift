import Foundation
import Testing
import VigilCore
import VigilGate

@Suite("Gate: hook events, their decisions and answers")
struct GateCallTests {
    @Test("a PreToolUse event parses; unknown fields are ignored; bad input is named")
    func parse() throws {
        let event = try HookEvent.parse(Array(#"""
            {"session_id":"abc123","transcript_path":"/t.jsonl","cwd":"/home/u/shop","permission_mode":"default",
             "hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"git push --force","timeout":120000},
             "tool_use_id":"toolu_1","agent_id":"sub","prompt_id":"p"}
            """#.utf8))
        #expect(event.sessionID == "abc123" && event.cwd == "/home/u/shop" && event.toolName == "Bash")
        #expect(event.toolInput["command"] == "git push --force" && event.permissionMode == "default" && event.toolUseID == "toolu_1")
        #expect(throws: GateError.emptyInput) { try HookEvent.parse(Array(" \n".utf8)) }
        #expect(throws: GateError.missingField("tool_name")) { try HookEvent.parse(Array(#"{"cwd":"/"}"#.utf8)) }
        #expect(throws: GateError.unsupportedEvent("PostToolUse")) {
            try HookEvent.parse(Array(#"{"hook_event_name":"PostToolUse","tool_name":"Bash"}"#.utf8))
        }
        #expect { try HookEvent.parse(Array("{not json".utf8)) } throws: { ($0 as? GateError).map { if case .malformedInput = $0 { true } else { false } } ?? false }
        #expect { try HookEvent.parse(Array("[1]".utf8)) } throws: { ($0 as? GateError).map { if case .malformedInput = $0 { true } else { false } } ?? false }
        #expect { try HookEvent.parse(Array(#"{"tool_name":"Bash","tool_input":"ls"}"#.utf8)) } throws: {
            ($0 as? GateError).map { if case .malformedInput = $0 { true } else { false } } ?? false
        }
    }

    @Test("tools map to intents (configurable); MCP tools to mcp.server.tool; anything else to agent.tool.NAME", arguments: [
        ("Bash", "ops.command.execute"), ("Write", "code.change.apply"), ("Edit", "code.change.apply"), ("Read", "code.file.read"),
        ("WebFetch", "web.fetch.execute"), ("mcp__github__create_issue", "mcp.github.create_issue"), ("mcp__My Server__Do.It", "mcp.my_server.do_it"),
        ("FancyNewTool", "agent.tool.fancynewtool"),
    ])
    func intents(tool: String, intent: String) {
        #expect(GateCall.intent(for: tool) == intent)
        #expect(GateCall.intent(for: tool, overrides: [tool: "custom.tool.run"]) == "custom.tool.run")
    }

    @Test("policy inputs: command, file path (inside the working directory or not), URL, MCP server and tool")
    func inputs() {
        func inputs(_ tool: String, _ input: JSONObject) -> JSONObject {
            GateCall.inputs(for: HookEvent(sessionID: "s", cwd: "/home/u/shop", toolName: tool, toolInput: input), agent: .claudeCode)
        }
        let bash = inputs("Bash", ["command": "rm -rf build"])
        #expect(bash["command"] == "rm -rf build" && bash["tool"] == "Bash" && bash["agent"] == "claude-code" && bash["cwd"] == "/home/u/shop")
        #expect(inputs("Write", ["file_path": "/home/u/shop/src/a.swift", "content": "x"])["path_in_cwd"] == true)
        #expect(inputs("Write", ["file_path": "/home/u/shop-old/a.swift"])["path_in_cwd"] == false, "a sibling with the same prefix is outside")
        #expect(inputs("Edit", ["file_path": "/home/u/shop/../../../etc/hosts"])["file_path"] == "/etc/hosts")
        #expect(inputs("Edit", ["file_path": "src/x.swift"])["file_path"] == "/home/u/shop/src/x.swift")
        #expect(inputs("WebFetch", ["url": "https://example.com"])["url"] == "https://example.com")
        let mcp = inputs("mcp__github__create_issue", ["title": "t"])
        #expect(mcp["mcp_server"] == "github" && mcp["mcp_tool"] == "create_issue" && mcp["input"]?["title"] == "t")
    }

    @Test("the operator reads the whole command, or the file and the change, with the working directory and session")
    func message() {
        let call = GateCall(event: HookEvent(sessionID: "abc", cwd: "/w", toolName: "Edit", toolInput: [
            "file_path": "/w/a.txt", "old_string": "one\ntwo", "new_string": "uno",
        ]), agent: .claudeCode)
        #expect(call.title == "Edit: /w/a.txt" && call.actor == "claude-code:abc" && call.intent == "code.change.apply")
        #expect(call.message == "Claude Code wants to run Edit in /w\nfile /w/a.txt\n- one\n- two\n+ uno\nsession abc")
        let long = String(repeating: "x", count: 500)
        let bash = GateCall(event: HookEvent(sessionID: "", cwd: "/w", toolName: "Bash", toolInput: ["command": .string("echo \(long)")]), agent: .codex)
        #expect(bash.title.count == 200 && bash.message.contains(long) && bash.actor == "codex")
    }

    @Test("a whole file in a Write is clipped in the decision, keeping its start, length and SHA-256")
    func clipped() {
        let content = String(repeating: "a", count: 100_000)
        let call = GateCall(event: HookEvent(sessionID: "s", cwd: "/w", toolName: "Write", toolInput: ["file_path": "/w/big.txt", "content": .string(content)]), agent: .claudeCode)
        let kept = call.context["tool_input"]?["content"]?.stringValue ?? ""
        #expect(kept.utf8.count < 17_000 && kept.contains("[clipped: 100000 bytes, sha256 \(Encoding.sha256Hex(content))]"))
        #expect(call.inputs["input"]?["content"]?.stringValue == kept && call.context["tool_input"]?["file_path"] == "/w/big.txt")
    }

    @Test("the answer is the JSON both agents read")
    func output() {
        let answer = HookAnswer(.deny, "vigil: rejected by alice: \"not on Friday\"")
        let json = try? JSONParser.parse(answer.output)
        #expect(json?["hookSpecificOutput"]?["hookEventName"] == "PreToolUse")
        #expect(json?["hookSpecificOutput"]?["permissionDecision"] == "deny")
        #expect(json?["hookSpecificOutput"]?["permissionDecisionReason"] == "vigil: rejected by alice: \"not on Friday\"")
        #expect(!answer.output.contains("\n"))
    }

    @Test("[gate] settings: policy, fallback (never allow), wait, intents; a wrong key is named")
    func settings() throws {
        let config = try VigilConfig(toml: """
            [gate]
            policy_id = "my_gate"
            fallback = "ask"
            wait_seconds = 120
            [gate.intents]
            Bash = "shell.command.run"
            """)
        let settings = try GateSettings(agent: .codex, config: config)
        #expect(settings.policyID == "my_gate" && settings.fallback == .ask && settings.waitSeconds == 120 && settings.intents["Bash"] == "shell.command.run")
        #expect(settings.hookTimeoutSeconds == 180)
        for (toml, key) in [("fallback = \"allow\"", "gate.fallback"), ("wait_seconds = 0", "gate.wait_seconds"), ("polcy_id = \"x\"", "gate.polcy_id")] {
            #expect { try GateSettings(agent: .codex, config: try VigilConfig(toml: "[gate]\n\(toml)\n")) } throws: {
                if case .invalid(let named, _)? = $0 as? ConfigError { named == key } else { false }
            }
        }
    }
}

@Suite("Policies for tool calls: regular expressions and globs")
struct ToolPolicyTests {
    @Test("matches and glob operators; a bad regular expression is a configuration error naming the key")
    func operators() throws {
        let config = try VigilConfig(toml: #"""
            [[policies]]
            policy_id = "coding_agent"
            version = "1"
            [[policies.rules]]
            id = "force_push"
            when = { field = "command", op = "matches", value = "git\\s+push\\s+.*(--force|-f\\b)" }
            outcome = "requires_exception"
            [[policies.rules]]
            id = "secrets"
            when = { field = "file_path", op = "glob", value = ["**/.env*", "**/*.pem", "/etc/**"] }
            outcome = "deny"
            [policies.default]
            outcome = "allow"
            """#)
        let policy = try #require(config.policy("coding_agent"))
        func outcome(_ inputs: JSONObject) -> String { policy.evaluate(.object(inputs)).ruleID }
        #expect(outcome(["command": "git push --force origin main"]) == "force_push")
        #expect(outcome(["command": "git push -f"]) == "force_push")
        #expect(outcome(["command": "git push origin main"]) == "default")
        #expect(outcome(["file_path": "/home/u/shop/.env.local"]) == "secrets")
        #expect(outcome(["file_path": "/home/u/shop/certs/server.pem"]) == "secrets")
        #expect(outcome(["file_path": "/etc/hosts"]) == "secrets")
        #expect(outcome(["file_path": "/home/u/shop/src/env.swift"]) == "default")
        #expect { try VigilConfig(toml: """
            [[policies]]
            policy_id = "p"
            version = "1"
            [[policies.rules]]
            id = "r"
            when = { field = "command", op = "matches", value = "(unclosed" }
            outcome = "deny"
            [policies.default]
            outcome = "allow"
            """) } throws: {
            if case .invalid(let key, let message)? = $0 as? ConfigError { key == "policies[0].rules[0].when.value" && message.contains("regular expression") } else { false }
        }
    }

    @Test("globs: * and ? stay in a segment, ** crosses them, [..] is a class", arguments: [
        ("*.pem", "key.pem", true), ("*.pem", "dir/key.pem", false), ("**/*.pem", "dir/sub/key.pem", true), ("**/*.pem", "key.pem", true),
        ("/etc/**", "/etc/ssh/sshd_config", true), ("/etc/**", "/etcetera", false), ("src/?.swift", "src/a.swift", true),
        ("src/?.swift", "src/ab.swift", false), ("[ab].txt", "a.txt", true), ("[!ab].txt", "a.txt", false), ("a+b.txt", "a+b.txt", true),
        ("a+b.txt", "aab.txt", false),
    ])
    func globs(glob: String, path: String, expected: Bool) {
        #expect(Glob.matches(glob, path) == expected)
    }
}
