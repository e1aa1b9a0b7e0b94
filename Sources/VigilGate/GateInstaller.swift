import Foundation
import VigilCore

/// Adds and removes the `PreToolUse` hook entry that runs `vigil gate` in a coding agent's settings file, beside
/// whatever else is there: other hooks and other settings are kept, a second install changes nothing, uninstall
/// removes exactly the entry install wrote. A file that is not a JSON object is refused and left untouched.
public enum GateInstaller {
    public enum Scope: String, Sendable, CaseIterable {
        /// `~/.claude/settings.json`, `~/.codex/hooks.json`.
        case user
        /// `.claude/settings.json` (shared with the project), `.codex/hooks.json`.
        case project
        /// `.claude/settings.local.json` (yours, not committed). Claude Code only.
        case local
    }

    public enum Change: String, Sendable, Equatable {
        case added, updated, unchanged, removed, absent
    }

    public enum InstallError: Error, Equatable, CustomStringConvertible {
        case notJSON(path: String, detail: String)
        case unsupportedScope(CodingAgent, Scope)
        case unwritable(path: String, detail: String)

        public var description: String {
            switch self {
            case .notJSON(let path, let detail):
                "\(path) is not a JSON object (\(detail)); it was left as it is — fix it, then run the command again"
            case .unsupportedScope(let agent, let scope): "\(agent.displayName) has no \(scope.rawValue) settings file; use --scope user or project"
            case .unwritable(let path, let detail): "cannot write \(path): \(detail)"
            }
        }
    }

    /// The settings file for `agent` at `scope`; `home` and `project` are the user's home and the project's root.
    public static func settingsPath(_ agent: CodingAgent, _ scope: Scope, home: String, project: String) throws(InstallError) -> String {
        func join(_ base: String, _ path: String) -> String { (base as NSString).appendingPathComponent(path) }
        switch (agent, scope) {
        case (.claudeCode, .user): return join(home, ".claude/settings.json")
        case (.claudeCode, .project): return join(project, ".claude/settings.json")
        case (.claudeCode, .local): return join(project, ".claude/settings.local.json")
        case (.codex, .user): return join(home, ".codex/hooks.json")
        case (.codex, .project): return join(project, ".codex/hooks.json")
        case (.codex, .local): throw .unsupportedScope(agent, scope)
        }
    }

    /// Whether a hook command is one `vigil gate` install wrote for `agent`.
    static func isGateCommand(_ command: String, _ agent: CodingAgent) -> Bool {
        let words = command.split(separator: " ").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "'\"")) }
        guard let gate = words.firstIndex(of: "gate"), gate > 0, gate + 1 < words.count else { return false }
        return (words[gate - 1] as NSString).lastPathComponent == "vigil" && words[gate + 1] == agent.rawValue
    }

    /// `settings` with the gate's entry added (or brought up to date): one matcher group of its own under
    /// `hooks.PreToolUse`, after the existing ones.
    public static func installing(_ command: String, timeout: Int, for agent: CodingAgent, into settings: JSONObject) -> (JSONObject, Change) {
        var settings = settings
        var hooks = settings["hooks"]?.objectValue ?? [:]
        var groups = hooks["PreToolUse"]?.arrayValue ?? []
        let entry: JSONValue = ["type": "command", "command": .string(command), "timeout": .int(Int64(timeout))]
        var change = Change.added
        for (g, group) in groups.enumerated() {
            guard var items = group["hooks"]?.arrayValue else { continue }
            for (i, item) in items.enumerated() where isGateCommand(item["command"]?.stringValue ?? "", agent) {
                if item == entry, group["matcher"] == "*" { return (settings, .unchanged) }
                items[i] = entry
                var updated = group.objectValue ?? [:]
                updated["hooks"] = .array(items)
                updated["matcher"] = "*"
                groups[g] = .object(updated)
                change = .updated
            }
        }
        if change == .added { groups.append(["matcher": "*", "hooks": [entry]]) }
        hooks["PreToolUse"] = .array(groups)
        settings["hooks"] = .object(hooks)
        return (settings, change)
    }

    /// `settings` without the gate's entry; a matcher group it leaves empty goes too, and so do `PreToolUse` and
    /// `hooks` when nothing else is in them.
    public static func uninstalling(for agent: CodingAgent, from settings: JSONObject) -> (JSONObject, Change) {
        guard var hooks = settings["hooks"]?.objectValue, let groups = hooks["PreToolUse"]?.arrayValue else { return (settings, .absent) }
        var removed = false
        var kept: [JSONValue] = []
        for group in groups {
            guard var object = group.objectValue, let items = object["hooks"]?.arrayValue else {
                kept.append(group)
                continue
            }
            let remaining = items.filter { !isGateCommand($0["command"]?.stringValue ?? "", agent) }
            if remaining.count == items.count {
                kept.append(group)
                continue
            }
            removed = true
            if !remaining.isEmpty {
                object["hooks"] = .array(remaining)
                kept.append(.object(object))
            }
        }
        guard removed else { return (settings, .absent) }
        var settings = settings
        if kept.isEmpty { hooks["PreToolUse"] = nil } else { hooks["PreToolUse"] = .array(kept) }
        if hooks.isEmpty { settings["hooks"] = nil } else { settings["hooks"] = .object(hooks) }
        return (settings, .removed)
    }

    /// Reads a settings file, and the order its keys were written in: a missing or empty file is an empty object;
    /// anything but a JSON object is refused.
    static func load(_ path: String) throws(InstallError) -> (settings: JSONObject, order: JSONKeyOrder) {
        guard let data = FileManager.default.contents(atPath: path) else { return ([:], JSONKeyOrder()) }
        if data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return ([:], JSONKeyOrder()) }
        let bytes = [UInt8](data)
        do {
            guard case .object(let object) = try JSONParser.parse(bytes: bytes) else {
                throw InstallError.notJSON(path: path, detail: "the top level is not an object")
            }
            return (object, JSONKeyOrder(bytes: bytes))
        } catch let error as InstallError {
            throw error
        } catch {
            throw .notJSON(path: path, detail: "\(error)")
        }
    }

    /// How a hook entry's keys are written when the file has none to follow: as both agents' documentation shows them.
    static let preferredKeys = ["matcher", "hooks", "type", "command", "timeout"]

    /// Writes a settings file atomically (through a temporary file beside it), creating its folder; keys stay in the
    /// order `order` has (the file as it was), new ones follow.
    public static func write(_ settings: JSONObject, to path: String, keeping order: JSONKeyOrder = JSONKeyOrder()) throws(InstallError) {
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let text = JSONValue.object(settings).prettyText(keeping: order, preferred: preferredKeys) + "\n"
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .unwritable(path: path, detail: error.localizedDescription)
        }
    }

    /// Installs the gate's hook into the settings file at `path`.
    public static func install(_ command: String, timeout: Int, for agent: CodingAgent, at path: String) throws(InstallError) -> Change {
        let (original, order) = try load(path)
        let (settings, change) = installing(command, timeout: timeout, for: agent, into: original)
        if change != .unchanged { try write(settings, to: path, keeping: order) }
        return change
    }

    /// Removes the gate's hook from the settings file at `path`.
    public static func uninstall(for agent: CodingAgent, at path: String) throws(InstallError) -> Change {
        guard FileManager.default.fileExists(atPath: path) else { return .absent }
        let (original, order) = try load(path)
        let (settings, change) = uninstalling(for: agent, from: original)
        if change == .removed { try write(settings, to: path, keeping: order) }
        return change
    }
}

/// Where `vigil gate` finds the vigil it asks and its key when `VIGIL_URL` and `VIGIL_AGENT_KEY` are not set: a
/// 0600 file `vigil gate install` writes (`$XDG_CONFIG_HOME/vigil/gate/<agent>.json`), so no key goes into a
/// settings file that may be committed.
public struct GateCredentials: Sendable, Equatable {
    public var url: String
    public var key: String

    public init(url: String, key: String) { (self.url, self.key) = (url, key) }

    public static func path(for agent: CodingAgent, environment: [String: String]) -> String {
        let configHome = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) as NSString).appendingPathComponent(".config")
        return (configHome as NSString).appendingPathComponent("vigil/gate/\(agent.rawValue).json")
    }

    public static func load(_ path: String) -> GateCredentials? {
        guard let data = FileManager.default.contents(atPath: path),
            let json = try? JSONParser.parse(bytes: [UInt8](data)),
            let url = json["url"]?.stringValue, let key = json["key"]?.stringValue
        else { return nil }
        return GateCredentials(url: url, key: key)
    }

    /// Writes the file readable by its owner only.
    public func save(_ path: String) throws(GateInstaller.InstallError) {
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let text = JSONValue.object(["url": .string(url), "key": .string(key)]).prettyText + "\n"
            FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            try handle.truncate(atOffset: 0)
            try handle.write(contentsOf: Data(text.utf8))
        } catch {
            throw .unwritable(path: path, detail: error.localizedDescription)
        }
    }
}
