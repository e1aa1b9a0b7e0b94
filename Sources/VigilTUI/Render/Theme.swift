import Foundation
import VigilCore

/// Every named style the views use (tui.md §8.3). Shipped themes define all of them; a test enforces it.
public enum ThemeRole: String, CaseIterable, Sendable {
    case textNormal = "text.normal", textDim = "text.dim", textEmphasis = "text.emphasis", textLink = "text.link"
    case borderNormal = "border.normal", borderFocused = "border.focused", titleNormal = "title.normal"
    case titleFocused = "title.focused", barStatus = "bar.status", barHint = "bar.hint", hintKey = "hint.key"
    case hintLabel = "hint.label"
    case selectionFocused = "selection.focused", selectionUnfocused = "selection.unfocused", markRow = "mark.row"
    case statusOpen = "status.open", statusPending = "status.pending", statusApproved = "status.approved"
    case statusRejected = "status.rejected", statusCommitted = "status.committed", statusAborted = "status.aborted"
    case statusExpired = "status.expired"
    case policyAllow = "policy.allow", policyException = "policy.exception", policyDeny = "policy.deny"
    case sensitivityPublic = "sensitivity.public", sensitivityLow = "sensitivity.low"
    case sensitivityMedium = "sensitivity.medium", sensitivityHigh = "sensitivity.high"
    case sensitivityHyper = "sensitivity.hyper", sensitivityMasked = "sensitivity.masked"
    case salienceBar = "salience.bar", salienceTrack = "salience.track"
    case revisionActive = "revision.active", revisionContested = "revision.contested"
    case revisionRetracted = "revision.retracted"
    case badgePending = "badge.pending", badgePaused = "badge.paused", badgeReadonly = "badge.readonly"
    case badgeStale = "badge.stale", badgeNew = "badge.new"
    case messageInfo = "message.info", messageWarn = "message.warn", messageError = "message.error"
    case dialogBody = "dialog.body", dialogButton = "dialog.button", dialogButtonFocused = "dialog.button_focused"
    case dialogDanger = "dialog.danger", inputField = "input.field", inputError = "input.error"
    case timelineTime = "timeline.time", timelineKind = "timeline.kind", chartSpark = "chart.spark"
    case diffAdded = "diff.added", diffRemoved = "diff.removed", diffChanged = "diff.changed"

    /// One letter per role for the role map in snapshots (legend: ``ThemeRole/legend``).
    public var letter: Character {
        let index = Self.allCases.firstIndex(of: self)!
        let alphabet = Array("._-=BbTtSHKkFfmoparcxeAEDsLMhyXZgGvwuCqQ!PNRn~?IJWdOi12345")
        return alphabet[index % alphabet.count]
    }

    public static var legend: String {
        allCases.map { "\($0.letter)=\($0.rawValue)" }.joined(separator: " ")
    }

    public static func status(_ status: DecisionStatus) -> ThemeRole {
        switch status {
        case .open: .statusOpen
        case .needsApproval: .statusPending
        case .approved: .statusApproved
        case .rejected: .statusRejected
        case .committed: .statusCommitted
        case .aborted: .statusAborted
        }
    }

    public static func status(_ status: ApprovalStatus) -> ThemeRole {
        switch status {
        case .pending: .statusPending
        case .approved: .statusApproved
        case .rejected: .statusRejected
        case .expired: .statusExpired
        case .none: .textNormal
        }
    }

    public static func sensitivity(_ level: Sensitivity) -> ThemeRole {
        switch level {
        case .public: .sensitivityPublic
        case .low: .sensitivityLow
        case .medium: .sensitivityMedium
        case .high: .sensitivityHigh
        case .hyper: .sensitivityHyper
        }
    }
}

/// A colour as a theme file writes it.
public enum ThemeColor: Sendable, Equatable {
    /// The terminal's own foreground or background.
    case terminalDefault
    /// One of the 16 ANSI colours (0–15).
    case ansi(Int)
    /// `#rrggbb`, with an optional 16-colour fallback.
    case rgb(UInt8, UInt8, UInt8, fallback: Int?)

    static let names = [
        "black", "red", "green", "yellow", "blue", "magenta", "cyan", "white", "bright-black", "bright-red",
        "bright-green", "bright-yellow", "bright-blue", "bright-magenta", "bright-cyan", "bright-white",
    ]

    static func parse(_ word: String) -> ThemeColor? {
        if word == "default" { return .terminalDefault }
        if let index = names.firstIndex(of: word) { return .ansi(index) }
        guard word.hasPrefix("#") else { return nil }
        let parts = word.dropFirst().split(separator: "/", maxSplits: 1)
        guard let hex = parts.first, hex.count == 6, let value = UInt32(hex, radix: 16) else { return nil }
        var fallback: Int?
        if parts.count == 2 {
            guard let index = names.firstIndex(of: String(parts[1])) else { return nil }
            fallback = index
        }
        return .rgb(UInt8(value >> 16), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF), fallback: fallback)
    }

    /// The xterm-256 index for 256-colour terminals (never 0–15 for hex: those are the user's palette).
    public var xterm256: Int {
        switch self {
        case .terminalDefault: return -1
        case .ansi(let n): return n
        case .rgb(let r, let g, let b, _):
            let levels = [0, 95, 135, 175, 215, 255]
            func nearest(_ v: UInt8) -> Int { levels.indices.min { abs(levels[$0] - Int(v)) < abs(levels[$1] - Int(v)) }! }
            let (ri, gi, bi) = (nearest(r), nearest(g), nearest(b))
            let cube = 16 + 36 * ri + 6 * gi + bi
            let cubeError = [(r, ri), (g, gi), (b, bi)].reduce(0) { $0 + abs(Int($1.0) - levels[$1.1]) }
            let grey = min(23, max(0, (Int(r) + Int(g) + Int(b)) / 3 - 3) / 10)
            let greyValue = 8 + 10 * grey
            let greyError = abs(Int(r) - greyValue) + abs(Int(g) - greyValue) + abs(Int(b) - greyValue)
            return greyError < cubeError ? 232 + grey : cube
        }
    }

    /// The colour on a 16-colour terminal.
    public var ansi16: Int {
        switch self {
        case .terminalDefault: return -1
        case .ansi(let n): return n
        case .rgb(let r, let g, let b, let fallback):
            if let fallback { return fallback }
            let bright = Int(r) + Int(g) + Int(b) > 382
            let index = (r > 127 ? 1 : 0) | (g > 127 ? 2 : 0) | (b > 127 ? 4 : 0)
            return index + (bright && index != 7 ? 8 : 0)
        }
    }
}

/// A role's look: `FG [on BG] [ATTR…]`.
public struct ThemeStyle: Sendable, Equatable {
    public var foreground: ThemeColor = .terminalDefault
    public var background: ThemeColor = .terminalDefault
    public var bold = false, dim = false, underline = false, reverse = false

    public init() {}

    /// Parses a theme value; `nil` when it does not follow the grammar.
    public static func parse(_ text: String) -> ThemeStyle? {
        var style = ThemeStyle()
        var words = text.split(separator: " ").map(String.init)
        guard let first = words.first, let fg = ThemeColor.parse(first) else { return nil }
        style.foreground = fg
        words.removeFirst()
        if words.first == "on" {
            guard words.count >= 2, let bg = ThemeColor.parse(words[1]) else { return nil }
            style.background = bg
            words.removeFirst(2)
        }
        for word in words {
            switch word {
            case "bold": style.bold = true
            case "dim": style.dim = true
            case "underline": style.underline = true
            case "reverse": style.reverse = true
            default: return nil
            }
        }
        return style
    }
}

/// A theme: a style for every role.
public struct Theme: Sendable, Equatable {
    public var name: String
    public var styles: [ThemeRole: ThemeStyle]

    public func style(_ role: ThemeRole) -> ThemeStyle { styles[role] ?? ThemeStyle() }

    /// Parses a theme file; missing roles come from `base` (the compiled-in default when nil).
    public static func parse(_ text: String, path: String, base: Theme? = nil) throws -> Theme {
        let json = try TOMLFile.parse(text, path: path)
        let name = json["theme"]?["name"]?.stringValue ?? (path as NSString).lastPathComponent
        var styles = base?.styles ?? [:]
        guard let roles = json["roles"]?.objectValue else { throw ThemeError.invalid(path: path, message: "no [roles] table") }
        for (group, members) in roles {
            guard let members = members.objectValue else {
                throw ThemeError.invalid(path: path, message: "role \(group) must be group.name")
            }
            for (member, value) in members {
                let key = "\(group).\(member)"
                guard let role = ThemeRole(rawValue: key) else {
                    let suggestion = ThemeRole.allCases.map(\.rawValue).min { editDistance($0, key) < editDistance($1, key) } ?? ""
                    throw ThemeError.invalid(path: path, message: "unknown role \"\(key)\" (did you mean \"\(suggestion)\"?)")
                }
                guard let text = value.stringValue, let style = ThemeStyle.parse(text) else {
                    throw ThemeError.invalid(path: path, message: "\(key): expected \"FG [on BG] [bold|dim|underline|reverse]…\"")
                }
                styles[role] = style
            }
        }
        return Theme(name: name, styles: styles)
    }

    /// Finds `NAME.toml` in the search path of tui.md §8.4; the shipped `default` and `monochrome` also load from the
    /// repository's `themes/` when run from a checkout.
    public static func load(named name: String, searchPath: [String]) throws -> Theme {
        for directory in searchPath {
            let path = (directory as NSString).appendingPathComponent("\(name).toml")
            if let text = try? String(contentsOfFile: path, encoding: .utf8) {
                let base = name == "default" ? nil : try? load(named: "default", searchPath: searchPath)
                return try parse(text, path: path, base: base)
            }
        }
        throw ThemeError.notFound(name: name, searched: searchPath)
    }

    /// Directories searched for themes, in order: the user's, `$VIGIL_THEME_DIR`, beside the executable, the
    /// current checkout.
    public static func searchPath(environment: [String: String], executable: String) -> [String] {
        var path: [String] = []
        let configHome = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) as NSString).appendingPathComponent(".config")
        path.append((configHome as NSString).appendingPathComponent("vigil/themes"))
        if let dir = environment["VIGIL_THEME_DIR"], !dir.isEmpty { path.append(dir) }
        var directory = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        path.append(directory.deletingLastPathComponent().appendingPathComponent("share/vigil/themes").path)
        // A development build: .build/<triple>/<config>/vigil → the checkout's themes/.
        for _ in 0..<5 {
            let candidate = directory.appendingPathComponent("themes")
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("default.toml").path) {
                path.append(candidate.path)
                break
            }
            directory = directory.deletingLastPathComponent()
        }
        path.append(FileManager.default.currentDirectoryPath + "/themes")
        return path
    }
}

public enum ThemeError: Error, Equatable, CustomStringConvertible {
    case invalid(path: String, message: String)
    case notFound(name: String, searched: [String])

    public var description: String {
        switch self {
        case .invalid(let path, let message): "\(path): \(message)"
        case .notFound(let name, let searched):
            "no theme named \(name) (looked for \(name).toml in \(searched.joined(separator: ", "))); try default, light, high-contrast or monochrome"
        }
    }
}

/// Levenshtein distance, for "did you mean" suggestions.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    var previous = Array(0...b.count)
    for i in 1...max(1, a.count) where !a.isEmpty {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in 1...max(1, b.count) where !b.isEmpty {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return a.isEmpty ? b.count : previous[b.count]
}
