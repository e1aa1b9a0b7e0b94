import Foundation
import VigilCore

/// The coding agents whose hooks `vigil gate` answers. Both speak the same hook protocol (spec/coding-agent-gate.md).
public enum CodingAgent: String, Sendable, Equatable, CaseIterable {
    case claudeCode = "claude-code"
    case codex

    /// The name a person reads.
    public var displayName: String { self == .claudeCode ? "Claude Code" : "Codex" }
}

/// What went wrong before the gate could decide; every case becomes the fallback answer with this text as its reason.
public enum GateError: Error, Equatable, CustomStringConvertible {
    case emptyInput
    case oversizeInput(bytes: Int, limit: Int)
    case malformedInput(String)
    case missingField(String)
    case unsupportedEvent(String)
    /// vigil could not be reached or refused the call.
    case unreachable(String)
    case refused(String)
    case configuration(String)

    public var description: String {
        switch self {
        case .emptyInput: "no hook event on standard input (the agent sends one JSON object)"
        case .oversizeInput(let bytes, let limit): "the hook event is \(bytes) bytes, more than the \(limit) the gate reads"
        case .malformedInput(let detail): "the hook event is not a JSON object: \(detail)"
        case .missingField(let name): "the hook event has no \(name)"
        case .unsupportedEvent(let name): "vigil gates PreToolUse events, not \(name)"
        case .unreachable(let detail): "vigil is unreachable: \(detail)"
        case .refused(let detail): "vigil refused the call: \(detail)"
        case .configuration(let detail): detail
        }
    }
}

/// One `PreToolUse` hook event as the agent writes it to standard input. Unknown fields are ignored.
public struct HookEvent: Sendable, Equatable {
    public var sessionID: String
    public var cwd: String
    public var eventName: String
    public var toolName: String
    public var toolInput: JSONObject
    public var permissionMode: String?
    public var toolUseID: String?
    public var transcriptPath: String?

    /// The most the gate reads: a `Write` carries the whole file.
    public static let maximumBytes = 8 << 20

    public init(
        sessionID: String, cwd: String, eventName: String = "PreToolUse", toolName: String, toolInput: JSONObject,
        permissionMode: String? = nil, toolUseID: String? = nil, transcriptPath: String? = nil
    ) {
        (self.sessionID, self.cwd, self.eventName, self.toolName, self.toolInput) = (sessionID, cwd, eventName, toolName, toolInput)
        (self.permissionMode, self.toolUseID, self.transcriptPath) = (permissionMode, toolUseID, transcriptPath)
    }

    public static func parse(_ bytes: [UInt8]) throws(GateError) -> HookEvent {
        guard bytes.contains(where: { !$0.isASCIIWhitespace }) else { throw .emptyInput }
        guard bytes.count <= maximumBytes else { throw .oversizeInput(bytes: bytes.count, limit: maximumBytes) }
        let json: JSONValue
        do {
            json = try JSONParser.parse(bytes: bytes)
        } catch {
            throw .malformedInput("\(error)")
        }
        guard case .object(let object) = json else { throw .malformedInput("it is \(json.typeDescription)") }
        func text(_ key: String) -> String? { object[key]?.stringValue }
        let event = text("hook_event_name") ?? "PreToolUse"
        guard event == "PreToolUse" else { throw .unsupportedEvent(event) }
        guard let tool = text("tool_name"), !tool.isEmpty else { throw .missingField("tool_name") }
        let input: JSONObject
        switch object["tool_input"] {
        case .object(let o)?: input = o
        case nil, .null?: input = [:]
        default: throw .malformedInput("tool_input is not an object")
        }
        return HookEvent(
            sessionID: text("session_id") ?? "", cwd: text("cwd") ?? "", eventName: event, toolName: tool, toolInput: input,
            permissionMode: text("permission_mode"), toolUseID: text("tool_use_id"), transcriptPath: text("transcript_path"))
    }
}

extension UInt8 {
    fileprivate var isASCIIWhitespace: Bool { self == 0x20 || self == 0x0A || self == 0x0D || self == 0x09 }
}
