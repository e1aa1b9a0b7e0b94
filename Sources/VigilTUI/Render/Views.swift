import Foundation
import VigilCore

/// Draws the whole dashboard for `state` into a new grid. Pure: the same state gives the same grid.
public func render(_ state: AppState) -> CellGrid {
    var grid = CellGrid(size: state.size)
    if state.tooSmall {
        drawTooSmall(&grid, state)
        return grid
    }
    drawStatusBar(&grid, state)
    let body = (top: 1, height: state.size.rows - 2)
    let columns = state.size.columns
    if columns >= 120 {
        let nav = 16
        let listWidth = (columns - nav) * 11 / 20
        drawNavigation(&grid, state, row: body.top, column: 0, width: nav, height: body.height)
        drawList(&grid, state, row: body.top, column: nav, width: listWidth, height: body.height, focused: !state.detailFocused)
        drawDetail(&grid, state, row: body.top, column: nav + listWidth, width: columns - nav - listWidth, height: body.height, focused: state.detailFocused)
    } else if columns >= 80 {
        let listHeight = body.height / 2
        drawList(&grid, state, row: body.top, column: 0, width: columns, height: listHeight, focused: !state.detailFocused)
        drawDetail(&grid, state, row: body.top + listHeight, column: 0, width: columns, height: body.height - listHeight, focused: state.detailFocused)
    } else if state.detailPushed {
        drawDetail(&grid, state, row: body.top, column: 0, width: columns, height: body.height, focused: true)
    } else {
        drawList(&grid, state, row: body.top, column: 0, width: columns, height: body.height, focused: true)
    }
    drawHintBar(&grid, state)
    if state.helpVisible { drawHelp(&grid, state) }
    if let dialog = state.dialog { drawDialog(&grid, state, dialog) }
    return grid
}

// MARK: Chrome

func drawTooSmall(_ grid: inout CellGrid, _ state: AppState) {
    let lines = [
        "Terminal too small: \(state.size.columns) × \(state.size.rows)",
        "vigil needs at least \(AppState.minimumSize.columns) × \(AppState.minimumSize.rows).",
        "q quit",
    ]
    let top = max(0, (state.size.rows - lines.count) / 2)
    for (i, line) in lines.enumerated() {
        let width = DisplayWidth.width(line)
        grid.put(line, row: top + i, column: max(0, (state.size.columns - width) / 2), role: i == 0 ? .textEmphasis : .textNormal)
    }
}

func relative(_ from: String?, _ now: Date) -> String {
    guard let from, let date = Timestamp.parse(from) else { return "" }
    let seconds = Int(now.timeIntervalSince(date))
    if seconds < 0 { return "0s" }
    if seconds < 60 { return "\(seconds)s" }
    if seconds < 3600 { return "\(seconds / 60)m" }
    if seconds < 86400 { return "\(seconds / 3600)h" }
    return "\(seconds / 86400)d"
}

func countdown(_ until: String, _ now: Date) -> String {
    guard let date = Timestamp.parse(until) else { return "" }
    let seconds = Int(date.timeIntervalSince(now).rounded(.down))
    if seconds <= 0 { return "expired" }
    if seconds < 60 { return "\(seconds)s" }
    if seconds < 3600 { return "\(seconds / 60)m\(String(format: "%02d", seconds % 60))s" }
    return "\(seconds / 3600)h\(String(format: "%02d", seconds % 3600 / 60))m"
}

func drawStatusBar(_ grid: inout CellGrid, _ state: AppState) {
    grid.fill(row: 0, column: 0, width: state.size.columns, height: 1, role: .barStatus)
    var x = 0
    func add(_ text: String, _ role: ThemeRole) {
        guard x < state.size.columns else { return }
        x += grid.put(text, row: 0, column: x, role: role)
    }
    add(" \(state.options.databaseName)", .barStatus)
    if state.size.columns < 120 {
        // Narrow: the screens fold into the status bar, the current one named, the others by number.
        for screen in Screen.allCases {
            add(" ", .barStatus)
            add(screen == state.screen ? "[\(screen.rawValue + 1) \(screen.title)]" : "\(screen.rawValue + 1)",
                screen == state.screen ? .titleFocused : .barStatus)
        }
    }
    add(" · ", .barStatus)
    let flashing = state.pendingFlashUntil.map { $0 > state.now } ?? false
    add("Pending \(state.pendingCount)", flashing ? .badgePending : (state.pendingCount > 0 ? .statusPending : .barStatus))
    add(" · op \(state.options.operatorName) · ", .barStatus)
    if let error = state.pollError {
        add("error: \(error)", .badgeStale)
    } else if let last = state.lastUpdate {
        let age = max(0, Int(state.now.timeIntervalSince(last)))
        add("updated \(age)s ago", age > 5 ? .badgeStale : .barStatus)
    } else {
        add("loading…", .barStatus)
    }
    if let filter = state.filters[state.screen] { add(" · filter \(filter)", .barStatus) }
    if state.paused { add(" PAUSED", .badgePaused) }
    if state.options.readOnly { add(" READ-ONLY", .badgeReadonly) }
    if state.options.monochrome { add(" mono", .barStatus) }
    if !state.options.endpoints.isEmpty { add(" · " + state.options.endpoints.joined(separator: " "), .barStatus) }
    if let activity = state.activity {
        // The last hour in 12 five-minute cells, when the bar has room for them: decisions made (sum) and requests
        // waiting (the most at once).
        let made = stride(from: 0, to: 60, by: 5).map { activity.decisionsPerMinute.dropFirst($0).prefix(5).reduce(0, +) }
        let waiting = stride(from: 0, to: 60, by: 5).map { activity.waitingPerMinute.dropFirst($0).prefix(5).max() ?? 0 }
        let rate = " \(activity.decisionsPerMinute.suffix(5).reduce(0, +) / 5)/min"
        guard x + 12 + 12 + DisplayWidth.width(rate) + 23 <= state.size.columns else { return }
        add(" · decisions ", .barStatus)
        add(sparkline(made), .salienceBar)
        add(rate + " · waiting ", .barStatus)
        add(sparkline(waiting), .salienceBar)
    }
}

/// One block character per value, scaled to the largest (all blank-low when every value is 0).
func sparkline(_ values: [Int]) -> String {
    let blocks = Array("▁▂▃▄▅▆▇█")
    let top = max(1, values.max() ?? 0)
    return String(values.map { value in value == 0 ? blocks[0] : blocks[max(1, min(7, Int((Double(value) / Double(top) * 7).rounded())))] })
}

/// A wait as the Agents screen shows it: `45s`, `12m`, `3h`, `2d`.
func shortDuration(_ seconds: Double) -> String {
    switch seconds {
    case ..<60: return "\(Int(seconds.rounded()))s"
    case ..<3600: return "\(Int((seconds / 60).rounded()))m"
    case ..<86400: return "\(Int((seconds / 3600).rounded()))h"
    default: return "\(Int((seconds / 86400).rounded()))d"
    }
}

func drawHintBar(_ grid: inout CellGrid, _ state: AppState) {
    let row = state.size.rows - 1
    grid.fill(row: row, column: 0, width: state.size.columns, height: 1, role: .barHint)
    if let prompt = state.prompt {
        let (label, text) = switch prompt {
        case .filter(let t): ("/", t)
        case .palette(let t): (":", t)
        }
        grid.put(label + text + "▏", row: row, column: 0, role: .inputField, pad: true)
        return
    }
    if let message = state.message {
        let role: ThemeRole = switch message.severity {
        case .info: .messageInfo
        case .warning: .messageWarn
        case .error: .messageError
        }
        let prefix = message.severity == .warning && !message.text.hasPrefix("warning") ? "warning: " : ""
        grid.put(" " + prefix + message.text, row: row, column: 0, role: role, pad: true)
        return
    }
    let contexts = state.contexts()
    let actions = ActionID.allCases
        .filter { contexts.contains($0.context) && !(state.options.readOnly && $0.writes) && $0 != .help }
        .filter { !state.keymap.keys($0).isEmpty && $0.hintPriority < 5 }
        .filter { action in
            switch action.context {
            case .approvals, .memory, .decisions: state.screen.model.hints(action, state)
            default: !action.isScreenSwitch || state.size.columns >= 120
            }
        }
        .sorted { $0.hintPriority < $1.hintPriority }
    var x = 1
    let help = "? help"
    for action in actions {
        let key = state.keymap.keys(action)[0].name
        let label = action.summary.split(separator: " (").first.map(String.init) ?? action.summary
        let width = DisplayWidth.width(key) + 1 + DisplayWidth.width(label) + 3
        guard x + width + DisplayWidth.width(help) < state.size.columns else { break }
        x += grid.put(key, row: row, column: x, role: .hintKey)
        x += grid.put(" " + label + " · ", row: row, column: x, role: .hintLabel)
    }
    x += grid.put("?", row: row, column: x, role: .hintKey)
    grid.put(" help", row: row, column: x, role: .hintLabel)
}

func drawBox(_ grid: inout CellGrid, title: String, row: Int, column: Int, width: Int, height: Int, focused: Bool) {
    guard width >= 2, height >= 2 else { return }
    let role: ThemeRole = focused ? .borderFocused : .borderNormal
    let (h, v, tl, tr, bl, br) = focused ? ("━", "┃", "┏", "┓", "┗", "┛") : ("─", "│", "┌", "┐", "└", "┘")
    grid.put(tl + String(repeating: h, count: width - 2) + tr, row: row, column: column, width: width, role: role)
    for y in (row + 1)..<(row + height - 1) {
        grid.put(v, row: y, column: column, role: role)
        grid.put(v, row: y, column: column + width - 1, role: role)
    }
    grid.put(bl + String(repeating: h, count: width - 2) + br, row: row + height - 1, column: column, width: width, role: role)
    grid.put(" \(title) ", row: row, column: column + 2, width: width - 4, role: focused ? .titleFocused : .titleNormal)
}

func drawNavigation(_ grid: inout CellGrid, _ state: AppState, row: Int, column: Int, width: Int, height: Int) {
    drawBox(&grid, title: "vigil", row: row, column: column, width: width, height: height, focused: false)
    for screen in Screen.allCases {
        let label = screen == .pending ? "\(screen.rawValue + 1) Pending \(state.pendingCount)" : "\(screen.rawValue + 1) \(screen.title)"
        grid.put(label, row: row + 1 + screen.rawValue, column: column + 1, width: width - 2,
                 role: screen == state.screen ? .selectionFocused : .textNormal, pad: true)
    }
}

// MARK: Lists

struct Column {
    var title: String
    var width: Int  // 0 = flexible
    var rightAligned = false
}

func drawTable(
    _ grid: inout CellGrid, row: Int, column: Int, width: Int, height: Int, columns: [Column], rows: [[(String, ThemeRole)]],
    selected: Int?, top: Int, focused: Bool
) {
    // Drop columns from the right (lowest priority) until the fixed ones fit beside a flexible one of ≥ 10.
    var visible = columns
    while visible.count > 1, visible.reduce(0, { $0 + ($1.width == 0 ? 10 : $1.width + 1) }) + 1 > width {
        if let last = visible.indices.last(where: { visible[$0].width != 0 }) { visible.remove(at: last) } else { break }
    }
    let fixed = visible.reduce(0) { $0 + ($1.width == 0 ? 0 : $1.width + 1) }
    let flexible = max(1, width - 1 - fixed)
    func widths() -> [Int] { visible.map { $0.width == 0 ? flexible : $0.width } }
    var x = column + 1
    for (c, w) in zip(visible, widths()) {
        grid.put(c.title, row: row, column: x, width: w, role: .textDim, pad: true)
        x += w + 1
    }
    let indices = visible.map { v in columns.firstIndex { $0.title == v.title }! }
    for line in 0..<max(0, height - 1) {
        let index = top + line
        guard index < rows.count else { break }
        let y = row + 1 + line
        let isSelected = index == selected
        grid.put(isSelected ? "▶" : " ", row: y, column: column, role: isSelected ? .selectionFocused : .textNormal)
        var x = column + 1
        for (i, w) in zip(indices, widths()) {
            let (text, role) = rows[index][i]
            let content = visible[indices.firstIndex(of: i)!].rightAligned
                ? String(repeating: " ", count: max(0, w - DisplayWidth.width(text))) + text : text
            grid.put(content, row: y, column: x, width: w, role: role, pad: true)
            x += w + 1
        }
        if isSelected { grid.restyle(row: y, column: column, width: width, role: focused ? .selectionFocused : .selectionUnfocused) }
    }
}

func salienceBar(_ value: Double) -> String {
    let eighths = Int((min(1, max(0, value)) * 64).rounded())
    let blocks = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
    var bar = String(repeating: "█", count: eighths / 8) + blocks[eighths % 8]
    bar += String(repeating: " ", count: max(0, 8 - DisplayWidth.width(bar)))
    return bar
}

func badge(_ sensitivity: Sensitivity) -> String {
    switch sensitivity {
    case .public: "PUB"
    case .low: "LOW"
    case .medium: "MED"
    case .high: "HIGH"
    case .hyper: "HYPER"
    }
}

func statusWord(_ status: DecisionStatus) -> String { status == .needsApproval ? "pending" : status.rawValue }

func drawList(_ grid: inout CellGrid, _ state: AppState, row: Int, column: Int, width: Int, height: Int, focused: Bool) {
    let model = state.screen.model
    drawBox(&grid, title: model.listTitle(state), row: row, column: column, width: width, height: height, focused: focused)
    let inner = (row: row + 1, column: column + 1, width: width - 2, height: height - 2)
    let (loaded, count) = model.listStatus(state)
    if !loaded {
        grid.put("loading…", row: inner.row, column: inner.column + 1, width: inner.width - 1, role: .textDim)
        return
    }
    if count == 0 {
        grid.put(model.emptyMessage(state), row: inner.row, column: inner.column + 1, width: inner.width - 1, role: .textDim)
        return
    }
    let table = model.table(state)
    drawTable(
        &grid, row: inner.row, column: inner.column, width: inner.width, height: inner.height, columns: table.columns, rows: table.rows,
        selected: table.selected, top: table.top, focused: focused)
}

// MARK: Detail

func drawDetail(_ grid: inout CellGrid, _ state: AppState, row: Int, column: Int, width: Int, height: Int, focused: Bool) {
    let content: DetailContent = switch state.detail {
    case nil where state.screen == .agents: AgentsScreen.metrics(state)
    case nil: DetailContent(title: "Detail", lines: [("Select a row to see its detail.", .textDim)])
    case .missing(let id): DetailContent(title: "Detail", lines: [("not found: \(id)", .textDim)])
    case .decision(let d): DecisionsScreen.detail(d, state, width: width - 3)
    case .memory(let m): MemoryScreen.detail(m, state, focused: focused)
    }
    drawBox(&grid, title: content.title, row: row, column: column, width: width, height: height, focused: focused)
    let visible = max(0, height - 2)
    var scroll = min(state.detailScroll, max(0, content.lines.count - visible))
    if let cursor = content.cursorLine, visible > 0 { scroll = min(max(scroll, cursor - visible + 1), cursor) }
    for (i, line) in content.lines.dropFirst(scroll).prefix(visible).enumerated() {
        grid.put(line.0, row: row + 1 + i, column: column + 2, width: width - 3, role: line.1)
    }
}

// MARK: Overlays

func drawDialog(_ grid: inout CellGrid, _ state: AppState, _ dialog: ConfirmDialog) {
    // A request with a message (a command, an edit) gets a wider dialog when the terminal has room.
    let width = min(state.size.columns - 4, dialog.message == nil ? 72 : max(72, min(100, state.size.columns * 3 / 4)))
    var body = dialog.lines.map { ($0, ThemeRole.dialogBody) }
    if let message = dialog.message, dialog.notice == nil {
        // The request's message whole, wrapped; only what cannot fit the terminal is left to the detail pane.
        var wrapped = messageLines(message, width: width - 4)
        let room = max(1, state.size.rows - 2 - 7 - body.count - (dialog.expiresAt == nil ? 0 : 1))
        if wrapped.count > room {
            let hidden = wrapped.count - room + 1
            wrapped = Array(wrapped.prefix(room - 1)) + [("… \(hidden) more line\(hidden == 1 ? "" : "s"): Esc, then the detail pane shows them all", .textDim)]
        }
        body += wrapped
    }
    if let expiry = dialog.expiresAt { body.append(("expires in \(countdown(Timestamp.format(expiry), state.now))", .dialogBody)) }
    let height = body.count + 7
    let top = max(1, (state.size.rows - height) / 2)
    let left = (state.size.columns - width) / 2
    grid.fill(row: top, column: left, width: width, height: height, role: .dialogBody)
    let subject: String
    switch dialog.kind {
    case .approve, .reject, .snooze:
        subject = dialog.targetIDs.count > 1 ? "\(dialog.targetIDs.count) requests" : "request"
    case .reinforce, .penalize, .retract, .contest, .reveal:
        subject = "memory"
    }
    drawBox(&grid, title: "\(dialog.kind.verb) \(subject)", row: top, column: left, width: width, height: height, focused: true)
    for (i, line) in body.enumerated() {
        grid.put(line.0, row: top + 1 + i, column: left + 2, width: width - 4, role: line.1)
    }
    let fieldRow = top + 2 + body.count
    if let notice = dialog.notice {
        grid.put(notice, row: fieldRow, column: left + 2, width: width - 4, role: .messageWarn)
        grid.put("[ Close ]", row: top + height - 2, column: left + width - 12, role: .dialogButtonFocused)
        return
    }
    let label = dialog.kind == .snooze ? "Snooze for: " : "Rationale (\(dialog.requireRationale ? "required" : "optional")): "
    let used = grid.put(label, row: fieldRow, column: left + 2, width: width - 4, role: .dialogBody)
    let fieldWidth = max(1, width - 4 - used)
    let shown = String(dialog.rationale.suffix(fieldWidth - 1)) + (dialog.focus == .field ? "▏" : "")
    grid.put(shown, row: fieldRow, column: left + 2 + used, width: fieldWidth, role: dialog.focus == .field ? .inputField : .dialogBody, pad: true)
    if dialog.kind == .snooze {
        if dialog.snoozeSeconds == nil {
            grid.put("not a duration: 15 (minutes), 15m, 2h or 30s, up to a day", row: fieldRow + 1, column: left + 2, width: width - 4, role: .inputError)
        }
    } else if dialog.requireRationale, dialog.rationale.trimmingCharacters(in: .whitespaces).isEmpty {
        grid.put("a rationale is required before you can \(dialog.kind.verb.lowercased())", row: fieldRow + 1, column: left + 2, width: width - 4, role: .inputError)
    }
    let confirm = "[ \(dialog.kind.verb) ]"
    let cancel = "[ Cancel ]"
    let buttonsRow = top + height - 2
    let confirmX = left + width - 3 - DisplayWidth.width(confirm)
    let cancelX = confirmX - 2 - DisplayWidth.width(cancel)
    grid.put(cancel, row: buttonsRow, column: cancelX, role: dialog.focus == .cancel ? .dialogButtonFocused : .dialogButton)
    let confirmRole: ThemeRole = !dialog.canConfirm ? .textDim : (dialog.focus == .confirm ? .dialogButtonFocused : (dialog.kind == .reject || dialog.kind == .retract ? .dialogDanger : .dialogButton))
    grid.put(confirm, row: buttonsRow, column: confirmX, role: confirmRole)
    grid.put("Tab moves · Enter activates · Esc cancels", row: buttonsRow, column: left + 2, width: max(0, cancelX - left - 3), role: .textDim)
}

func drawHelp(_ grid: inout CellGrid, _ state: AppState) {
    let lines = HelpOverlay.lines(state)
    let page = HelpOverlay.page(state, lines: lines.count)
    let width = min(state.size.columns - 4, 76)
    let height = min(state.size.rows - 2, lines.count + 2)
    let top = max(1, (state.size.rows - height) / 2)
    let left = (state.size.columns - width) / 2
    let first = min(state.helpScroll, max(0, lines.count - page))
    let scrolls = lines.count > page
    let title = scrolls
        ? "Help \(first + 1)–\(first + page) of \(lines.count) · ↑↓ PgUp PgDn scroll · other keys close"
        : "Help · any key closes"
    grid.fill(row: top, column: left, width: width, height: height, role: .dialogBody)
    drawBox(&grid, title: title, row: top, column: left, width: width, height: height, focused: true)
    for (i, line) in lines.dropFirst(first).prefix(page).enumerated() {
        grid.put(line.0, row: top + 1 + i, column: left + 2, width: width - 4, role: line.1)
    }
}

/// The help overlay's content: every action of every context with its live keys.
enum HelpOverlay {
    static func lines(_ state: AppState) -> [(String, ThemeRole)] {
        var lines: [(String, ThemeRole)] = [("Keys (from the live keymap; * changed in keymap.toml)", .textEmphasis)]
        for context in KeyContext.allCases {
            let actions = ActionID.allCases.filter { $0.context == context }
            guard !actions.isEmpty else { continue }
            lines.append((context.rawValue.capitalized, .titleFocused))
            for action in actions {
                let keys = state.keymap.keys(action).map(\.name).joined(separator: " ")
                let changed = state.keymap.changed.contains(action) ? " *" : ""
                let unavailable = state.options.readOnly && action.writes ? " — unavailable: read-only" : ""
                lines.append(("  " + DisplayWidth.pad(keys.isEmpty ? "unbound" : keys + changed, 14) + action.summary + unavailable,
                              unavailable.isEmpty ? .textNormal : .textDim))
            }
        }
        lines.append(("Dialogs: Tab/S-Tab move focus · Enter activates · Esc always cancels, never decides", .textDim))
        return lines
    }

    /// How many of its `lines` the overlay shows at once.
    static func page(_ state: AppState, lines: Int) -> Int {
        max(1, min(state.size.rows - 2, lines + 2) - 2)
    }
}
