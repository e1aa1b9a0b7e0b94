import Foundation
import VigilCore
import VigilRemote

/// How the gate decides: which policy, what to answer when it cannot, how long to wait for an operator.
///
/// From `[gate]` in the configuration (`policy_id`, `fallback`, `wait_seconds`, and `[gate.intents]` mapping tool
/// names to intents), then flags.
public struct GateSettings: Sendable, Equatable {
    public var agent: CodingAgent
    /// The policy every tool call is evaluated under (it must exist on the vigil that decides).
    public var policyID = "coding_agent"
    /// The answer when the gate cannot decide (vigil unreachable, bad input, no operator in time): `deny` or `ask`.
    public var fallback = HookAnswer.Permission.deny
    /// How long a call waits for an operator; always below the hook's own timeout (``hookTimeoutSeconds``).
    public var waitSeconds = 600.0
    /// How often the approval is looked at while waiting (the server allows 60 reads a minute per decision).
    public var pollSeconds = 1.25
    /// Tool name → intent, over ``GateCall/defaultIntents``.
    public var intents: [String: String] = [:]

    public init(agent: CodingAgent) { self.agent = agent }

    /// The `timeout` `vigil gate install` writes into the hook entry: the wait plus a minute to answer.
    public var hookTimeoutSeconds: Int { Int(waitSeconds.rounded(.up)) + 60 }

    /// Reads `[gate]` of a loaded configuration; a wrong value names its key.
    public init(agent: CodingAgent, config: VigilConfig) throws(ConfigError) {
        self.init(agent: agent)
        guard let gate = config.raw["gate"] else { return }
        guard case .object(let table) = gate else { throw ConfigError.invalid(key: "gate", message: "must be a table") }
        for key in table.keys where !["policy_id", "fallback", "wait_seconds", "intents"].contains(key) {
            throw ConfigError.invalid(key: "gate.\(key)", message: "unknown key (gate takes policy_id, fallback, wait_seconds and [gate.intents])")
        }
        if let value = table["policy_id"] {
            guard let id = value.stringValue, Identifier.isValidPolicyID(id) else {
                throw ConfigError.invalid(key: "gate.policy_id", message: "must be a policy id ([a-z0-9_.-]{1,128})")
            }
            policyID = id
        }
        if let value = table["fallback"] {
            guard let word = value.stringValue, let permission = HookAnswer.Permission(rawValue: word), permission != .allow else {
                throw ConfigError.invalid(key: "gate.fallback", message: "must be \"deny\" or \"ask\" (a gate never falls back to allow)")
            }
            fallback = permission
        }
        if let value = table["wait_seconds"] {
            guard let seconds = value.numberValue, (1...3600).contains(seconds) else {
                throw ConfigError.invalid(key: "gate.wait_seconds", message: "must be a number of seconds from 1 to 3600")
            }
            waitSeconds = seconds
        }
        if let value = table["intents"] {
            guard case .object(let map) = value else { throw ConfigError.invalid(key: "gate.intents", message: "must be a table of tool = \"intent\"") }
            for (tool, intent) in map {
                guard let text = intent.stringValue, !text.isEmpty, text.count <= 256 else {
                    throw ConfigError.invalid(key: "gate.intents.\(tool)", message: "must be an intent such as \"ops.command.execute\"")
                }
                intents[tool] = text
            }
        }
    }
}

/// Where the gate's tool calls go: a running vigil over MCP, or a decision engine in this process.
public protocol GateTransport: Sendable {
    func call(_ tool: String, _ arguments: JSONObject) async throws(GateError) -> JSONValue
}

/// MCP over HTTP to `vigil serve` (`VIGIL_URL`, `VIGIL_AGENT_KEY`).
public struct MCPGateTransport: GateTransport {
    let client: MCPClient

    public init(url: String, apiKey: String, timeout: Double = 10) {
        client = MCPClient(url: url, apiKey: apiKey, timeout: timeout)
    }

    /// A call the server rate-limited (HTTP 429) is tried again after its `Retry-After` (``MCPClient``'s standard
    /// retries) before the gate gives up and answers its fallback.
    public func call(_ tool: String, _ arguments: JSONObject) async throws(GateError) -> JSONValue {
        do {
            return try await client.callTool(tool, arguments)
        } catch {
            switch error {
            case .rpc(_, let message, let data, let status):
                throw .refused(status == 429 ? "rate limited: \(data ?? message)" : data ?? message)
            case .network, .timeout, .http: throw .unreachable(error.description)
            default: throw .refused(error.description)
            }
        }
    }
}

/// The decision engine in this process, as `agent` (`vigil gate … --db PATH`).
public struct EngineGateTransport: GateTransport {
    let engine: DecisionEngine
    let agent: Principal

    public init(engine: DecisionEngine, agent: Principal) { (self.engine, self.agent) = (engine, agent) }

    public func call(_ tool: String, _ arguments: JSONObject) async throws(GateError) -> JSONValue {
        do {
            return .object(try engine.call(tool: tool, arguments: arguments, caller: .agent(agent)))
        } catch let error as DecisionError {
            throw .refused(error.data)
        } catch {
            throw .unreachable("\(error)")
        }
    }
}

/// A coding agent's tool call through vigil: one decision per call, evaluated by the gate's policy, waiting for an
/// operator when the policy asks for one. Never fails open by accident: whatever goes wrong answers the fallback.
public struct Gate: Sendable {
    public let settings: GateSettings
    let transport: any GateTransport
    let sleep: @Sendable (Double) async -> Void

    public init(settings: GateSettings, transport: any GateTransport) {
        self.settings = settings
        self.transport = transport
        sleep = { seconds in try? await Task.sleep(for: .milliseconds(Int(seconds * 1000))) }
    }

    /// The answer for standard input's bytes.
    public func answer(input: [UInt8]) async -> HookAnswer {
        do {
            return await answer(try HookEvent.parse(input))
        } catch {
            return fallback(because: error.description)
        }
    }

    /// The answer for one event.
    public func answer(_ event: HookEvent) async -> HookAnswer {
        let call = GateCall(event: event, agent: settings.agent, intents: settings.intents)
        var decisionID: String?
        do {
            let created = try await transport.call("decision_create", [
                "intent": .string(call.intent), "automation_mode": "autonomous", "actor": .string(call.actor),
                "metadata": ["gate": .string(settings.agent.rawValue), "tool": .string(event.toolName), "title": .string(call.title)],
            ])
            guard let id = created["decision_id"]?.stringValue else { throw GateError.refused("decision_create answered without a decision_id") }
            decisionID = id
            _ = try await transport.call("decision_add_context", [
                "decision_id": .string(id), "context": .object(call.context), "summary": .string(call.title),
            ])
            let evaluation = try await transport.call("decision_evaluate", [
                "decision_id": .string(id), "policy_id": .string(settings.policyID), "inputs": .object(call.inputs),
            ])
            let message = evaluation["rationale"]?["message"]?.stringValue ?? ""
            let rule = evaluation["rationale"]?["rule_id"]?.stringValue ?? "default"
            let because = "policy \(settings.policyID), rule \(rule)" + (message.isEmpty ? "" : ": \(message)")
            switch PolicyOutcome(rawValue: evaluation["outcome"]?.stringValue ?? "") {
            case .allow:
                return try await finish(id, HookAnswer(.allow, "vigil: allowed by \(because)", decisionID: id), commit: true)
            case .deny:
                return try await finish(id, HookAnswer(.deny, "vigil: denied by \(because)", decisionID: id), commit: false)
            case .requiresException:
                return try await waitForOperator(id, call: call)
            case nil:
                throw GateError.refused("decision_evaluate answered without an outcome")
            }
        } catch let error as GateError {
            if let decisionID { _ = try? await transport.call("decision_close", ["decision_id": .string(decisionID), "action": "abort", "reason": .string("gate error: \(error)")]) }
            return fallback(because: policyHint(error), decisionID: decisionID)
        } catch {
            return fallback(because: "\(error)", decisionID: decisionID)
        }
    }

    /// The policy asked for a person: the request goes to the operators' queue with the whole call, and the gate
    /// waits for their answer up to the deadline.
    func waitForOperator(_ id: String, call: GateCall) async throws -> HookAnswer {
        let request = try await transport.call("decision_request_approval", [
            "decision_id": .string(id), "title": .string(call.title), "message": .string(call.message),
            "expires_in_seconds": .int(Int64(max(60, settings.waitSeconds.rounded(.up)))),
        ])
        let approvalID = request["approval_id"]?.stringValue ?? ""
        let deadline = Date().addingTimeInterval(settings.waitSeconds)
        while Date() < deadline {
            await sleep(min(settings.pollSeconds, max(0.05, deadline.timeIntervalSinceNow)))
            guard let state = try await currentState(id) else { continue }
            switch state["approval_status"]?.stringValue {
            case "approved", "rejected":
                let approved = state["approval_status"]?.stringValue == "approved"
                let (who, rationale) = try await resolution(id, approvalID: approvalID)
                let reason = "vigil: \(approved ? "approved" : "rejected") by \(who)" + (rationale.isEmpty ? "" : ": \(rationale)")
                return try await finish(id, HookAnswer(approved ? .allow : .deny, reason, decisionID: id), commit: approved)
            case "expired":
                return try await finish(id, expired(id), commit: false)
            default:
                continue
            }
        }
        return try await finish(id, expired(id), commit: false)
    }

    /// The decision's state; `nil` when the server asked to slow down (the next poll tries again).
    private func currentState(_ id: String) async throws(GateError) -> JSONValue? {
        do {
            return try await transport.call("decision_get", ["decision_id": .string(id)])
        } catch {
            if case .refused(let detail) = error, detail.hasPrefix("rate limited") { return nil }
            throw error
        }
    }

    private func expired(_ id: String) -> HookAnswer {
        fallback(because: "no operator answered within \(Self.duration(settings.waitSeconds)) (policy \(settings.policyID) asked for one)", decisionID: id)
    }

    /// Who resolved the approval and why, from the decision's trace.
    private func resolution(_ id: String, approvalID: String) async throws -> (String, String) {
        let trace = try await transport.call("decision_trace", ["decision_id": .string(id)])
        let resolved = (trace["events"]?.arrayValue ?? []).last {
            $0["type"] == "approval_resolved" && (approvalID.isEmpty || $0["approval_id"]?.stringValue == approvalID)
        }
        return (resolved?["resolved_by"]?.stringValue ?? "an operator", resolved?["rationale"]?.stringValue ?? "")
    }

    /// Commits or aborts the decision; the close event's reason is the answer given (`allow: vigil: …`), so the
    /// trace ends with what the agent was told.
    private func finish(_ id: String, _ answer: HookAnswer, commit: Bool) async throws -> HookAnswer {
        _ = try await transport.call("decision_close", [
            "decision_id": .string(id), "action": .string(commit ? "commit" : "abort"),
            "reason": .string(String("\(answer.permission.rawValue): \(answer.reason)".prefix(1000))),
        ])
        return answer
    }

    func fallback(because reason: String, decisionID: String? = nil) -> HookAnswer {
        Self.fallbackAnswer(settings, because: reason, decisionID: decisionID)
    }

    /// What the gate answers when it cannot decide: the configured fallback, saying why.
    public static func fallbackAnswer(_ settings: GateSettings, because reason: String, decisionID: String? = nil) -> HookAnswer {
        HookAnswer(settings.fallback, "vigil gate: \(reason); answering \(settings.fallback.rawValue) (the gate's fallback)", decisionID: decisionID)
    }

    /// A refusal that names a missing policy says how to add it.
    private func policyHint(_ error: GateError) -> String {
        if case .refused(let detail) = error, detail.contains(settings.policyID), detail.lowercased().contains("not found") || detail.lowercased().contains("unknown") {
            return "\(error) — the vigil that decides has no policy \(settings.policyID); add one to its configuration (README: Gate Claude Code or Codex)"
        }
        return error.description
    }

    static func duration(_ seconds: Double) -> String {
        seconds >= 60 && seconds.truncatingRemainder(dividingBy: 60) == 0 ? "\(Int(seconds / 60)) min" : "\(Int(seconds)) s"
    }
}
