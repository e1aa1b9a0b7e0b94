import Foundation
import VigilCore

/// The gate's answer: what the agent does with the call, and why (the model reads a denial's reason).
public struct HookAnswer: Sendable, Equatable {
    public enum Permission: String, Sendable, Equatable, CaseIterable {
        /// Run it without the agent's own prompt.
        case allow
        /// Block it; the reason goes to the model.
        case deny
        /// Fall back to the agent's own permission prompt, reason shown to the user.
        case ask
    }

    public var permission: Permission
    public var reason: String
    /// The decision the answer was recorded in, when there is one.
    public var decisionID: String?

    public init(_ permission: Permission, _ reason: String, decisionID: String? = nil) {
        (self.permission, self.reason, self.decisionID) = (permission, reason, decisionID)
    }

    /// The standard output both Claude Code and Codex read (exit code 0): one JSON line.
    public var output: String {
        let json: JSONValue = [
            "hookSpecificOutput": [
                "hookEventName": "PreToolUse", "permissionDecision": .string(permission.rawValue),
                "permissionDecisionReason": .string(reason),
            ],
        ]
        return json.canonicalText
    }
}
