/// Maps an SDK "action" to a TraceMem intent (`open(action:)` in the SDKs, the plugin's intent table).
public struct IntentMap: Sendable, Equatable {
    /// The seven mappings of the TraceMem SDKs.
    public static let sdkMappings: [String: String] = [
        "edit_files": "code.change.apply",
        "refactor": "code.refactor.execute",
        "run_command": "ops.command.execute",
        "deploy": "deploy.release.execute",
        "secrets": "secrets.change.propose",
        "db_change": "data.change.apply",
        "review": "code.review.assist",
    ]

    /// The four the Claude Code plugin adds.
    public static let pluginMappings: [String: String] = [
        "test": "code.test.execute",
        "debug": "code.debug.investigate",
        "config": "ops.config.change",
        "docs": "docs.update.apply",
    ]

    public private(set) var mappings: [String: String]

    /// The built-in map, extended (and overridden) by `extra`, for example from config `[intents]`.
    public init(extending extra: [String: String] = [:]) {
        mappings = Self.sdkMappings.merging(Self.pluginMappings) { a, _ in a }.merging(extra) { _, b in b }
    }

    /// The intent for `action`, or `nil` when the action is unknown.
    public func intent(for action: String) -> String? { mappings[action] }
}
