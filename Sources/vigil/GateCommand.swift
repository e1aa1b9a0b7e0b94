import ArgumentParser
import Foundation
import VigilCore
import VigilGate
import VigilStores

struct GateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gate",
        abstract: "Answer a coding agent's PreToolUse hook (Claude Code, Codex) with vigil's policies and operators.",
        discussion: """
            Each tool call the agent is about to make becomes a vigil decision under the gate's policy \
            (coding_agent by default): allowed calls run, denied ones are blocked with the policy's reason, and \
            the ones the policy flags wait for an operator in the dashboard, who sees the command or the edit and \
            answers. Whatever goes wrong (vigil unreachable, bad input, no answer in time) answers the fallback, \
            deny by default: the gate never fails open.

            Set up once:   vigil gate install claude-code          (or: vigil gate install codex)
            Remove:        vigil gate uninstall claude-code
            By hand:       echo '{"tool_name":"Bash","tool_input":{"command":"ls"},"cwd":"/tmp"}' | vigil gate claude-code
            """,
        subcommands: [ClaudeCode.self, Codex.self, Install.self, Uninstall.self])

    /// How the running gate is told where vigil is and how to decide.
    struct RunOptions: ParsableArguments {
        @Option(name: .long, help: ArgumentHelp(
            "A vigil store to decide in this process instead of asking a running vigil (one machine).", valueName: "path"))
        var db: String?
        @Option(name: .long, help: ArgumentHelp("A PostgreSQL store to decide in this process.", valueName: "url"))
        var store: String?
        @Option(name: .long, help: ArgumentHelp("The configuration file ([gate] and the policies). Default: $VIGIL_CONFIG, else ~/.config/vigil/config.toml.", valueName: "path"))
        var config: String?
        @Option(name: .long, help: ArgumentHelp(
            "The running vigil's MCP URL. Default: $VIGIL_URL, else the one `vigil gate install` saved.", valueName: "url"))
        var url: String?
        @Option(name: .long, help: ArgumentHelp("The policy every call is evaluated under. Default: [gate] policy_id, else coding_agent.", valueName: "id"))
        var policy: String?
        @Option(name: .long, help: ArgumentHelp("The answer when vigil cannot decide: deny (default) or ask.", valueName: "deny|ask"))
        var fallback: HookAnswer.Permission?
        @Option(name: .long, help: ArgumentHelp("Seconds to wait for an operator (default [gate] wait_seconds, else 600).", valueName: "seconds"))
        var wait: Double?

        func validate() throws {
            if db != nil, store != nil { throw ValidationError("pass --db PATH or --store URL, not both") }
            if fallback == .allow { throw ValidationError("--fallback must be deny or ask: a gate never falls back to allow") }
            if let wait, !(1...3600).contains(wait) { throw ValidationError("--wait must be between 1 and 3600 seconds") }
        }
    }

    struct ClaudeCode: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "claude-code", abstract: "Read one Claude Code hook event on standard input; print the answer.")
        @OptionGroup var options: RunOptions
        func run() async throws { await runGate(.claudeCode, options) }
    }

    struct Codex: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "codex", abstract: "Read one Codex hook event on standard input; print the answer.")
        @OptionGroup var options: RunOptions
        func run() async throws { await runGate(.codex, options) }
    }

    struct Install: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add vigil's hook to Claude Code's or Codex's settings, beside the hooks already there.",
            discussion: """
                Writes one PreToolUse entry running `vigil gate AGENT` (a second run changes nothing) and, unless \
                VIGIL_AGENT_KEY is set, registers the agent AGENT in the store and saves its key with the URL in \
                ~/.config/vigil/gate/AGENT.json (readable by you only), never in the settings file.

                Examples:
                  vigil gate install claude-code                     ~/.claude/settings.json
                  vigil gate install claude-code --scope project     .claude/settings.json of this project
                  vigil gate install codex                           ~/.codex/hooks.json (turn on codex_hooks)
                """)
        @Argument(help: "claude-code or codex.") var agent: CodingAgent
        @Option(name: .long, help: "user (default), project or local (Claude Code: .claude/settings.local.json).")
        var scope: GateInstaller.Scope = .user
        @Option(name: .long, help: ArgumentHelp("The project folder for --scope project|local. Default: the current folder.", valueName: "dir"))
        var project: String?
        @Option(name: .long, help: ArgumentHelp("The MCP URL the gate asks. Default: $VIGIL_URL, else http://127.0.0.1:7420/mcp.", valueName: "url"))
        var url: String?
        @OptionGroup var common: CommonOptions

        func run() throws {
            try runReporting {
                let environment = ProcessInfo.processInfo.environment
                let home = environment["HOME"] ?? NSHomeDirectory()
                let settingsPath = try GateInstaller.settingsPath(agent, scope, home: home, project: project ?? FileManager.default.currentDirectoryPath)
                let config = try VigilConfig.load(path: common.paths.config)
                let settings = try GateSettings(agent: agent, config: config)
                let change = try GateInstaller.install(gateCommand(agent), timeout: settings.hookTimeoutSeconds, for: agent, at: settingsPath)
                // The key: the one in the environment, the one saved before, or a new one for the agent.
                let credentialsPath = GateCredentials.path(for: agent, environment: environment)
                let target = url ?? environment["VIGIL_URL"] ?? GateCredentials.load(credentialsPath)?.url ?? "http://127.0.0.1:7420/mcp"
                var keyNote: String
                if let key = environment["VIGIL_AGENT_KEY"], !key.isEmpty {
                    try GateCredentials(url: target, key: key).save(credentialsPath)
                    keyNote = "saved VIGIL_AGENT_KEY and \(target) in \(credentialsPath)"
                } else if let saved = GateCredentials.load(credentialsPath), saved.url == target {
                    keyNote = "kept the key saved in \(credentialsPath)"
                } else {
                    let runtime = try common.open()
                    let principalID = PrincipalRegistry.agentID(agent.rawValue)
                    let key: String
                    if try runtime.principals.principal(principalID) != nil {
                        key = try runtime.principals.issueKey(for: principalID)
                        keyNote = "issued a new key for \(principalID)"
                    } else {
                        key = try runtime.principals.add(name: agent.rawValue, kind: .agent).apiKey
                        keyNote = "registered the agent \(principalID)"
                    }
                    try GateCredentials(url: target, key: key).save(credentialsPath)
                    keyNote += " in \(runtime.paths.store != nil ? "the PostgreSQL store" : runtime.paths.database) and saved its key with \(target) in \(credentialsPath)"
                }
                let value: JSONValue = [
                    "agent": .string(agent.rawValue), "settings": .string(settingsPath), "change": .string(change.rawValue),
                    "credentials": .string(credentialsPath), "url": .string(target), "policy_id": .string(settings.policyID),
                    "timeout_seconds": .int(Int64(settings.hookTimeoutSeconds)),
                ]
                common.emit(value) {
                    var lines = [
                        "\(change == .unchanged ? "already there" : change.rawValue): the PreToolUse hook `\(gateCommand(agent))` in \(settingsPath)",
                        keyNote,
                        "every \(agent.displayName) tool call is now decided by policy \(settings.policyID) on \(target); an operator answers the flagged ones in the dashboard (`vigil`)",
                    ]
                    if agent == .codex { lines.append("Codex runs hooks only with `codex_hooks = true` under [features] in ~/.codex/config.toml") }
                    if config.policy(settings.policyID) == nil {
                        lines.append("note: \(common.paths.config) has no policy \(settings.policyID) yet: until the vigil at \(target) has one, every call answers \(settings.fallback.rawValue) (README: Gate Claude Code or Codex has a starter policy)")
                    }
                    return lines.joined(separator: "\n")
                }
            }
        }
    }

    struct Uninstall: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove exactly the hook `vigil gate install` added; other hooks stay.")
        @Argument(help: "claude-code or codex.") var agent: CodingAgent
        @Option(name: .long, help: "user (default), project or local.") var scope: GateInstaller.Scope = .user
        @Option(name: .long, help: ArgumentHelp("The project folder for --scope project|local.", valueName: "dir")) var project: String?
        @Flag(name: .long, help: "Print machine-readable JSON instead of text.") var json = false

        func run() throws {
            try runReporting {
                let environment = ProcessInfo.processInfo.environment
                let path = try GateInstaller.settingsPath(
                    agent, scope, home: environment["HOME"] ?? NSHomeDirectory(), project: project ?? FileManager.default.currentDirectoryPath)
                let change = try GateInstaller.uninstall(for: agent, at: path)
                let credentials = GateCredentials.path(for: agent, environment: environment)
                if json {
                    print(JSONValue.object(["agent": .string(agent.rawValue), "settings": .string(path), "change": .string(change.rawValue)]).prettyText)
                } else {
                    print(change == .removed ? "removed the vigil gate hook from \(path)" : "no vigil gate hook in \(path); nothing changed")
                    if FileManager.default.fileExists(atPath: credentials) {
                        print("the key in \(credentials) is kept (revoke it with `vigil agents revoke agent_\(agent.rawValue)`)")
                    }
                }
            }
        }
    }
}

extension CodingAgent: ExpressibleByArgument {}
extension GateInstaller.Scope: ExpressibleByArgument {}
extension HookAnswer.Permission: ExpressibleByArgument {}

/// The hook command: this executable, absolute, then `gate AGENT`.
func gateCommand(_ agent: CodingAgent) -> String {
    let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
    let quoted = executable.contains(" ") ? "'\(executable)'" : executable
    return "\(quoted) gate \(agent.rawValue)"
}

/// Reads the event, decides, prints the answer; always exits 0 (an answer, never an error the agent would ignore).
func runGate(_ agent: CodingAgent, _ options: GateCommand.RunOptions) async {
    let input = [UInt8](FileHandle.standardInput.readDataToEndOfFile())
    let environment = ProcessInfo.processInfo.environment
    var settings = GateSettings(agent: agent)
    if let fallback = options.fallback { settings.fallback = fallback }
    let answer: HookAnswer
    do {
        let paths = VigilPaths.resolve(database: options.db, store: options.store, config: options.config)
        let config = try VigilConfig.load(path: paths.config)
        settings = try GateSettings(agent: agent, config: config)
        if let fallback = options.fallback { settings.fallback = fallback }
        if let policy = options.policy { settings.policyID = policy }
        if let wait = options.wait { settings.waitSeconds = wait }
        let transport: any GateTransport
        if options.db != nil || options.store != nil {
            let runtime = try VigilRuntime.open(paths: paths, config: config)
            let principalID = PrincipalRegistry.agentID(agent.rawValue)
            let principal = try runtime.principals.principal(principalID) ?? runtime.principals.add(name: agent.rawValue, kind: .agent).principal
            transport = EngineGateTransport(engine: runtime.decisions, agent: principal)
        } else {
            let saved = GateCredentials.load(GateCredentials.path(for: agent, environment: environment))
            guard let url = options.url ?? environment["VIGIL_URL"] ?? saved?.url,
                let key = environment["VIGIL_AGENT_KEY"].flatMap({ $0.isEmpty ? nil : $0 }) ?? saved?.key
            else {
                throw GateError.configuration(
                    "no vigil to ask: set VIGIL_URL and VIGIL_AGENT_KEY, run `vigil gate install \(agent.rawValue)`, or pass --db PATH")
            }
            transport = MCPGateTransport(url: url, apiKey: key)
        }
        answer = await Gate(settings: settings, transport: transport).answer(input: input)
    } catch {
        let reason = (error as? GateError)?.description ?? CLIError(error).description
        answer = Gate.fallbackAnswer(settings, because: reason)
    }
    print(answer.output)
}
