import Foundation
import VigilCore

/// A hook event as a vigil decision: its intent, the inputs its policy sees, the context its trace keeps, and the
/// title and message an operator reads. Pure.
public struct GateCall: Sendable, Equatable {
    public var intent: String
    /// `agent:session`, the decision's actor.
    public var actor: String
    /// What the policy evaluates (see ``inputs(for:agent:)``).
    public var inputs: JSONObject
    /// The hook event as the trace keeps it (the engine sanitizes it like any decision's data).
    public var context: JSONObject
    /// One line for lists: `Bash: git push --force`.
    public var title: String
    /// What the approval request says: the whole command or the file and the change, the working directory and
    /// the session.
    public var message: String

    /// The built-in tool → intent map; `[gate.intents]` in the configuration adds to it and overrides it.
    public static let defaultIntents: [String: String] = [
        "Bash": "ops.command.execute", "Write": "code.change.apply", "Edit": "code.change.apply",
        "MultiEdit": "code.change.apply", "NotebookEdit": "code.change.apply", "Read": "code.file.read",
        "Glob": "code.file.read", "Grep": "code.file.read", "LS": "code.file.read", "WebFetch": "web.fetch.execute",
        "WebSearch": "web.search.execute", "Task": "agent.task.delegate", "TodoWrite": "agent.plan.update",
    ]

    public init(event: HookEvent, agent: CodingAgent, intents: [String: String] = [:]) {
        intent = Self.intent(for: event.toolName, overrides: intents)
        actor = event.sessionID.isEmpty ? agent.rawValue : "\(agent.rawValue):\(event.sessionID)"
        inputs = Self.inputs(for: event, agent: agent)
        let clipped = Self.clipped(event.toolInput)
        var context: JSONObject = [
            "hook_event": .string(event.eventName), "tool_name": .string(event.toolName), "tool_input": .object(clipped),
            "cwd": .string(event.cwd), "session_id": .string(event.sessionID), "agent": .string(agent.rawValue),
        ]
        if let mode = event.permissionMode { context["permission_mode"] = .string(mode) }
        if let id = event.toolUseID { context["tool_use_id"] = .string(id) }
        self.context = context
        let subject = Self.subject(of: event)
        title = String("\(event.toolName): \(subject.replacingOccurrences(of: "\n", with: " "))".prefix(200))
        var lines = ["\(agent.displayName) wants to run \(event.toolName) in \(event.cwd.isEmpty ? "an unknown directory" : event.cwd)"]
        switch event.toolName {
        case "Bash":
            lines.append("$ " + (event.toolInput["command"]?.stringValue ?? ""))
            if let description = event.toolInput["description"]?.stringValue, !description.isEmpty { lines.append("# " + description) }
        case "Edit":
            lines.append("file \(subject)")
            lines.append("- " + (event.toolInput["old_string"]?.stringValue ?? "").replacingOccurrences(of: "\n", with: "\n- "))
            lines.append("+ " + (event.toolInput["new_string"]?.stringValue ?? "").replacingOccurrences(of: "\n", with: "\n+ "))
        case "Write":
            let content = event.toolInput["content"]?.stringValue ?? ""
            lines.append("file \(subject) (\(content.utf8.count) bytes)")
            lines.append(contentsOf: content.split(separator: "\n", omittingEmptySubsequences: false).prefix(40).map { "+ " + $0 })
        default:
            if !subject.isEmpty { lines.append(subject) }
        }
        lines.append("session \(event.sessionID.isEmpty ? "unknown" : event.sessionID)")
        message = String(lines.joined(separator: "\n").prefix(4000))
    }

    /// The most of one text value a decision keeps (a `Write` carries a whole file): longer ones keep their start,
    /// their length and their SHA-256.
    public static let maximumTextBytes = 16 << 10

    static func clipped(_ input: JSONObject) -> JSONObject {
        input.mapValues { value in
            guard case .string(let text) = value, text.utf8.count > maximumTextBytes else {
                if case .object(let inner) = value { return .object(clipped(inner)) }
                return value
            }
            let head = String(decoding: text.utf8.prefix(maximumTextBytes), as: UTF8.self)
            return .string(head + "… [clipped: \(text.utf8.count) bytes, sha256 \(Encoding.sha256Hex(Array(text.utf8)))]")
        }
    }

    /// `mcp__server__tool` → `mcp.server.tool`; a mapped tool → its intent; any other → `agent.tool.<name>`.
    /// Every segment is reduced to what an intent may hold (lower case, digits, `_`, `-`).
    public static func intent(for tool: String, overrides: [String: String] = [:]) -> String {
        if let mapped = overrides[tool] ?? defaultIntents[tool] { return mapped }
        func segment(_ s: Substring) -> String {
            let cleaned = String(s.lowercased().map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" ? $0 : "_" })
            return cleaned.isEmpty ? "_" : String(cleaned.prefix(64))
        }
        if tool.hasPrefix("mcp__") {
            let parts = tool.dropFirst(5).components(separatedBy: "__")
            if parts.count >= 2 { return "mcp.\(segment(Substring(parts[0]))).\(segment(Substring(parts.dropFirst().joined(separator: "__"))))" }
        }
        return "agent.tool.\(segment(Substring(tool)))"
    }

    /// What policies match on, flat so rules stay short:
    /// - `tool`, `agent`, `cwd`, `session_id`, `permission_mode`;
    /// - `command` (Bash), `file_path` (absolute, as the agent sent it), `path_in_cwd` (true when the file is the
    ///   working directory or below it), `url` (WebFetch), `pattern` (Grep, Glob);
    /// - `mcp_server`, `mcp_tool` for `mcp__server__tool`;
    /// - `input`, the tool input as sent (for any other field).
    public static func inputs(for event: HookEvent, agent: CodingAgent) -> JSONObject {
        var inputs: JSONObject = [
            "tool": .string(event.toolName), "agent": .string(agent.rawValue), "cwd": .string(event.cwd),
            "session_id": .string(event.sessionID), "input": .object(clipped(event.toolInput)),
        ]
        if let mode = event.permissionMode { inputs["permission_mode"] = .string(mode) }
        let input = event.toolInput
        if let command = input["command"]?.stringValue { inputs["command"] = .string(command) }
        if let path = (input["file_path"] ?? input["notebook_path"] ?? input["path"])?.stringValue {
            let absolute = path.hasPrefix("/") || event.cwd.isEmpty ? path : (event.cwd as NSString).appendingPathComponent(path)
            let normalized = (absolute as NSString).standardizingPath
            inputs["file_path"] = .string(normalized)
            if !event.cwd.isEmpty {
                let root = (event.cwd as NSString).standardizingPath
                inputs["path_in_cwd"] = .bool(normalized == root || normalized.hasPrefix(root.hasSuffix("/") ? root : root + "/"))
            }
        }
        if let url = input["url"]?.stringValue { inputs["url"] = .string(url) }
        if let pattern = input["pattern"]?.stringValue { inputs["pattern"] = .string(pattern) }
        if event.toolName.hasPrefix("mcp__") {
            let parts = event.toolName.dropFirst(5).components(separatedBy: "__")
            if parts.count >= 2 {
                inputs["mcp_server"] = .string(parts[0])
                inputs["mcp_tool"] = .string(parts.dropFirst().joined(separator: "__"))
            }
        }
        return inputs
    }

    /// The thing the call acts on: the command, the file, the URL, the pattern.
    static func subject(of event: HookEvent) -> String {
        let input = event.toolInput
        for key in ["command", "file_path", "notebook_path", "url", "pattern", "query", "path", "description"] {
            if let value = input[key]?.stringValue, !value.isEmpty { return value }
        }
        return input.isEmpty ? "" : JSONValue.object(input).canonicalText
    }
}
