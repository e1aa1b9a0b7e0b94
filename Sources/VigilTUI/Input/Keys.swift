import Foundation
import VigilCore

/// A key as the terminal reports it.
public enum KeyEvent: Sendable, Equatable, Hashable {
    case char(Character)
    case ctrl(Character)
    case up, down, left, right, home, end, pageUp, pageDown
    case enter, esc, tab, backTab, backspace
    case function(Int)

    /// Parses a keymap key name (`j`, `G`, `Enter`, `S-Tab`, `C-n`, `F1`…).
    public init?(name: String) {
        switch name {
        case "Enter": self = .enter
        case "Esc": self = .esc
        case "Tab": self = .tab
        case "S-Tab": self = .backTab
        case "Space": self = .char(" ")
        case "Backspace": self = .backspace
        case "Up": self = .up
        case "Down": self = .down
        case "Left": self = .left
        case "Right": self = .right
        case "Home": self = .home
        case "End": self = .end
        case "PgUp": self = .pageUp
        case "PgDn": self = .pageDown
        default:
            if name.hasPrefix("C-"), name.count == 3, let c = name.last { self = .ctrl(c); return }
            if name.hasPrefix("F"), let n = Int(name.dropFirst()), (1...12).contains(n) { self = .function(n); return }
            guard name.count == 1, let c = name.first else { return nil }
            self = .char(c)
        }
    }

    /// The name help and hints show.
    public var name: String {
        switch self {
        case .char(" "): "Space"
        case .char(let c): String(c)
        case .ctrl(let c): "C-\(c)"
        case .up: "↑"
        case .down: "↓"
        case .left: "←"
        case .right: "→"
        case .home: "Home"
        case .end: "End"
        case .pageUp: "PgUp"
        case .pageDown: "PgDn"
        case .enter: "Enter"
        case .esc: "Esc"
        case .tab: "Tab"
        case .backTab: "S-Tab"
        case .backspace: "Backspace"
        case .function(let n): "F\(n)"
        }
    }
}

/// Where a binding applies. Keys resolve from the focused context outwards to `global`.
public enum KeyContext: String, CaseIterable, Sendable {
    case global, list, decisions, approvals, memory, detail
}

/// Every action a key can trigger: its keymap name, description, context, default keys and whether it writes.
public enum ActionID: String, CaseIterable, Sendable {
    case quit, help, palette, refresh, pause
    case screenDecisions = "screen_decisions", screenPending = "screen_pending", screenMemory = "screen_memory"
    case screenAgents = "screen_agents"
    case nextPane = "next_pane", previousPane = "previous_pane", open, back
    case down, up, first, last, pageDown = "page_down", pageUp = "page_up"
    case filter
    case approve, reject, mark, snooze
    case reinforce, penalize, retract, contest, reveal
    case history, diff, diffBase = "diff_base"

    /// The keys that switch screens (shown in the hint bar only where no navigation pane lists the screens).
    public var isScreenSwitch: Bool { [.screenDecisions, .screenPending, .screenMemory, .screenAgents].contains(self) }

    public var context: KeyContext {
        switch self {
        case .quit, .help, .palette, .refresh, .pause, .screenDecisions, .screenPending, .screenMemory, .screenAgents,
            .nextPane, .previousPane, .back:
            .global
        case .down, .up, .first, .last, .pageDown, .pageUp, .filter, .open: .list
        case .approve, .reject, .mark, .snooze: .approvals
        case .reinforce, .penalize, .retract, .contest, .reveal, .history, .diff, .diffBase: .memory
        }
    }

    public var defaultKeys: [KeyEvent] {
        switch self {
        case .quit: [.char("q")]
        case .help: [.char("?"), .function(1)]
        case .palette: [.char(":")]
        case .refresh: [.char("r")]
        case .pause: [.char("p")]
        case .screenDecisions: [.char("1")]
        case .screenPending: [.char("2")]
        case .screenMemory: [.char("3")]
        case .screenAgents: [.char("4")]
        case .nextPane: [.tab]
        case .previousPane: [.backTab]
        case .open: [.enter]
        case .back: [.esc]
        case .down: [.char("j"), .down]
        case .up: [.char("k"), .up]
        case .first: [.char("g"), .home]
        case .last: [.char("G"), .end]
        case .pageDown: [.ctrl("d"), .pageDown]
        case .pageUp: [.ctrl("u"), .pageUp]
        case .filter: [.char("/")]
        case .approve: [.char("a")]
        case .reject: [.char("x")]
        case .mark: [.char(" ")]
        case .snooze: [.char("z")]
        case .reinforce: [.char("+")]
        case .penalize: [.char("-")]
        case .retract: [.char("x")]
        case .contest: [.char("c")]
        case .reveal: [.char("v")]
        case .history: [.char("h")]
        case .diff: [.char("d")]
        case .diffBase: [.char(" ")]
        }
    }

    public var summary: String {
        switch self {
        case .quit: "quit"
        case .help: "help"
        case .palette: "command palette"
        case .refresh: "refresh now"
        case .pause: "pause or resume live updates"
        case .screenDecisions: "decisions"
        case .screenPending: "pending approvals"
        case .screenMemory: "memory"
        case .screenAgents: "agents"
        case .nextPane: "next pane"
        case .previousPane: "previous pane"
        case .open: "open"
        case .back: "back"
        case .down: "down"
        case .up: "up"
        case .first: "first row"
        case .last: "last row"
        case .pageDown: "page down"
        case .pageUp: "page up"
        case .filter: "filter"
        case .approve: "approve (asks to confirm)"
        case .reject: "reject (asks for a reason)"
        case .mark: "mark (then a or x resolves every marked request)"
        case .snooze: "snooze (the request leaves the queue for a while)"
        case .reinforce: "reinforce (asks to confirm)"
        case .penalize: "penalize (asks to confirm)"
        case .retract: "retract (asks to confirm)"
        case .contest: "contest (asks to confirm)"
        case .reveal: "reveal a HIGH or HYPER payload (asks why; audited)"
        case .history: "history (lineage, salience over time; h again closes)"
        case .diff: "diff (the revision at the cursor against the marked one, or the record)"
        case .diffBase: "mark the diff base (d compares against it)"
        }
    }

    /// Whether the action writes to the store (hidden in read-only mode).
    public var writes: Bool {
        switch self {
        case .approve, .reject, .reinforce, .penalize, .retract, .contest, .reveal: true
        default: false
        }
    }

    /// Lower comes first in the hint bar.
    public var hintPriority: Int {
        switch self {
        case .approve, .reject, .reinforce, .penalize: 0
        case .retract, .contest, .reveal, .history: 1
        case .open, .filter: 2
        case .nextPane, .pause, .mark, .snooze, .diff, .diffBase: 3
        case .screenDecisions, .screenPending, .screenMemory, .screenAgents: 4
        case .quit: 5
        default: 9
        }
    }
}

/// The effective bindings: defaults, with a keymap file's lists replacing an action's defaults.
public struct Keymap: Sendable, Equatable {
    public private(set) var bindings: [ActionID: [KeyEvent]]
    /// Actions whose keys the user's file changed (marked `*` in help).
    public private(set) var changed: Set<ActionID> = []

    public static let defaults = Keymap(bindings: Dictionary(uniqueKeysWithValues: ActionID.allCases.map { ($0, $0.defaultKeys) }))

    public func keys(_ action: ActionID) -> [KeyEvent] { bindings[action] ?? [] }

    /// The action `key` triggers in `contexts` (innermost first, `global` last).
    public func action(for key: KeyEvent, in contexts: [KeyContext]) -> ActionID? {
        for context in contexts + [.global] {
            if let action = ActionID.allCases.first(where: { $0.context == context && keys($0).contains(key) }) {
                return action
            }
        }
        return nil
    }

    /// Reads a keymap file: `[context]` tables of `action = ["key", …]`. Errors name the file and suggest names.
    public static func load(text: String, path: String) throws -> Keymap {
        var keymap = Keymap.defaults
        let json = try TOMLFile.parse(text, path: path)
        guard let tables = json.objectValue else { return keymap }
        var claimed: [KeyContext: [KeyEvent: ActionID]] = [:]
        for (contextName, table) in tables.sorted(by: { $0.key < $1.key }) {
            guard let context = KeyContext(rawValue: contextName) else {
                let guess = KeyContext.allCases.map(\.rawValue).min { editDistance($0, contextName) < editDistance($1, contextName) }!
                throw KeymapError.invalid(path: path, message: "unknown section [\(contextName)] (did you mean [\(guess)]?)")
            }
            for (actionName, value) in (table.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
                guard let action = ActionID(rawValue: actionName), action.context == context else {
                    let candidates = ActionID.allCases.filter { $0.context == context }.map(\.rawValue)
                    let guess = candidates.min { editDistance($0, actionName) < editDistance($1, actionName) } ?? ""
                    throw KeymapError.invalid(
                        path: path, message: "unknown action \"\(actionName)\" in [\(contextName)] (did you mean \"\(guess)\"?)")
                }
                guard let names = value.arrayValue?.compactMap(\.stringValue), names.count == value.arrayValue?.count else {
                    throw KeymapError.invalid(path: path, message: "\(contextName).\(actionName) must be a list of key names")
                }
                var keys: [KeyEvent] = []
                for name in names {
                    if ["C-Enter", "S-Enter", "M-Enter", "A-Enter"].contains(name) || name.hasPrefix("M-") || name.hasPrefix("A-") {
                        throw KeymapError.invalid(
                            path: path, message: "\(name) is not bindable: terminals send it as plain Enter or as Esc plus a key")
                    }
                    guard let key = KeyEvent(name: name) else {
                        throw KeymapError.invalid(path: path, message: "unknown key \"\(name)\" for \(contextName).\(actionName)")
                    }
                    if let other = claimed[context]?[key], other != action {
                        throw KeymapError.invalid(
                            path: path, message: "\(name) is bound to both \(other.rawValue) and \(action.rawValue) in [\(contextName)]")
                    }
                    claimed[context, default: [:]][key] = action
                    keys.append(key)
                }
                keymap.bindings[action] = keys
                keymap.changed.insert(action)
            }
        }
        // A key the user bound wins over a default binding of the same key in that context.
        for (context, keys) in claimed {
            for (key, owner) in keys {
                for action in ActionID.allCases where action.context == context && action != owner && !keymap.changed.contains(action) {
                    keymap.bindings[action]?.removeAll { $0 == key }
                }
            }
        }
        return keymap
    }
}

public enum KeymapError: Error, Equatable, CustomStringConvertible {
    case invalid(path: String, message: String)
    public var description: String {
        switch self {
        case .invalid(let path, let message): "\(path): \(message)"
        }
    }
}
