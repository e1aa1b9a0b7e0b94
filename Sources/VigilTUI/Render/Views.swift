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
            switch action {
            case .approve, .reject: state.screen == .pending || state.screen == .decisions
            case .mark, .snooze: state.screen == .pending
            case .reinforce, .penalize, .retract, .contest: state.screen == .memory
            case .reveal:
                if case .memory(let m) = state.detail, state.screen == .memory, ["high", "hyper"].contains(m.row.sensitivity),
                    state.options.allowReveal, state.revealed?.id != m.row.id
                {
                    true
                } else {
                    false
                }
            case .screenDecisions, .screenPending, .screenMemory, .screenAgents: state.size.columns >= 120
            default: true
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

func badge(_ sensitivity: String) -> String {
    switch sensitivity {
    case "public": "PUB"
    case "low": "LOW"
    case "medium": "MED"
    case "high": "HIGH"
    case "hyper": "HYPER"
    default: sensitivity.uppercased()
    }
}

func statusWord(_ status: String) -> String { status == "needs_approval" ? "pending" : status }

func emptyMessage(_ state: AppState) -> String {
    let filtered = state.filters[state.screen] != nil
    switch state.screen {
    case .decisions where state.replay != nil:
        return "No decision would change under \(state.replay!.path). Esc goes back to the live decisions."
    case .decisions:
        return filtered ? "No decisions match \(state.filters[.decisions]!). / then Enter on an empty filter clears it."
            : "No decisions yet. Decisions from agents appear here as they happen."
    case .pending:
        if !state.queue.isEmpty {
            let snoozed = state.queue.filter { state.snoozed[$0.id].map { $0 > state.now } ?? false }.count
            return filtered ? "No pending request matches \(state.filters[.pending]!)\(snoozed > 0 ? " (\(snoozed) snoozed)" : "")."
                : snoozed == 1 ? "The pending request is snoozed; it comes back on its own."
                : "All \(snoozed) pending requests are snoozed; they come back on their own."
        }
        return "No pending approvals. Requests from agents appear here."
    case .memory:
        return filtered ? "No memories match \(state.filters[.memory]!)." : "No memories yet. Records agents ingest appear here."
    case .agents: return "No agents yet. Add one with `vigil agents add NAME`."
    }
}

func drawList(_ grid: inout CellGrid, _ state: AppState, row: Int, column: Int, width: Int, height: Int, focused: Bool) {
    var title = state.screen.title
    if state.screen == .decisions, let replay = state.replay {
        title = "Replay: \(replay.rows.count) would change of \(replay.replayed) replayed"
            + (replay.skipped > 0 ? " · \(replay.skipped) not replayable" : "")
            + " · under \((replay.path as NSString).lastPathComponent) · Esc leaves"
    } else if state.screen == .decisions, state.decisions.newCount > 0 {
        title += " · +\(state.decisions.newCount) new ↑"
    }
    if state.screen == .pending {
        if !state.marked.isEmpty { title += " · \(state.marked.count) marked" }
        let snoozed = state.snoozed.filter { id, until in until > state.now && state.queue.contains { $0.id == id } }.count
        if snoozed > 0 { title += " · \(snoozed) snoozed" }
        if let filter = state.filters[.pending] { title += " · \(filter)" }
    }
    drawBox(&grid, title: title, row: row, column: column, width: width, height: height, focused: focused)
    let inner = (row: row + 1, column: column + 1, width: width - 2, height: height - 2)
    let loaded: Bool
    let count: Int
    switch state.screen {
    case .decisions: (loaded, count) = (state.decisions.loaded, state.decisions.rows.count)
    case .pending: (loaded, count) = (state.approvals.loaded, state.approvals.rows.count)
    case .memory: (loaded, count) = (state.memory.loaded, state.memory.rows.count)
    case .agents: (loaded, count) = (state.agents.loaded, state.agents.rows.count)
    }
    if !loaded {
        grid.put("loading…", row: inner.row, column: inner.column + 1, width: inner.width - 1, role: .textDim)
        return
    }
    if count == 0 {
        grid.put(emptyMessage(state), row: inner.row, column: inner.column + 1, width: inner.width - 1, role: .textDim)
        return
    }
    switch state.screen {
    case .decisions where state.replay != nil:
        let list = state.decisions
        drawTable(
            &grid, row: inner.row, column: inner.column, width: inner.width, height: inner.height,
            columns: [Column(title: "AGE", width: 4, rightAligned: true), Column(title: "BEFORE → AFTER (the new rules)", width: 0),
                      Column(title: "AGENT", width: 14), Column(title: "POLICY", width: 16)],
            rows: list.rows.map { d in
                [(relative(d.createdAt, state.now), .timelineTime), (d.title ?? "", ThemeRole.status(d.status == "allow" ? "approved" : (d.status == "deny" ? "rejected" : "needs_approval"))),
                 (d.agentID, .textNormal), (d.policy ?? "", .policyException)]
            }, selected: list.selectedIndex, top: list.top, focused: focused)
    case .decisions:
        let list = state.decisions
        drawTable(
            &grid, row: inner.row, column: inner.column, width: inner.width, height: inner.height,
            columns: [Column(title: "AGE", width: 4, rightAligned: true), Column(title: "STATUS", width: 9), Column(title: "INTENT", width: 0),
                      Column(title: "AGENT", width: 14), Column(title: "MODE", width: 10), Column(title: "POLICY", width: 12)],
            rows: list.rows.map { d in
                [(relative(d.createdAt, state.now), .timelineTime),
                 ((d.pendingApprovalID != nil ? "●" : "") + statusWord(d.status), ThemeRole.status(d.status)),
                 (d.title.map { "\(d.intent): \($0)" } ?? d.intent, .textNormal), (d.agentID, .textNormal),
                 (d.mode, .textDim), (d.policy ?? "", .policyException)]
            }, selected: list.selectedIndex, top: list.top, focused: focused)
    case .pending:
        let list = state.approvals
        drawTable(
            &grid, row: inner.row, column: inner.column, width: inner.width, height: inner.height,
            columns: [Column(title: "", width: 1), Column(title: "EXPIRES", width: 8), Column(title: "REQUEST", width: 0),
                      Column(title: "AGENT", width: 14), Column(title: "AGE", width: 4, rightAligned: true), Column(title: "POLICY", width: 14)],
            rows: list.rows.map { a in
                let left = countdown(a.expiresAt, state.now)
                return [(state.marked.contains(a.id) ? "●" : "", .statusPending),
                        (left, left == "expired" ? .statusExpired : .statusPending), (a.title, .textNormal), (a.agentID, .textNormal),
                        (relative(a.requestedAt, state.now), .timelineTime), (a.policy ?? "", .policyException)]
            }, selected: list.selectedIndex, top: list.top, focused: focused)
    case .memory:
        let list = state.memory
        drawTable(
            &grid, row: inner.row, column: inner.column, width: inner.width, height: inner.height,
            columns: [Column(title: "TYPE", width: 10), Column(title: "SALIENCE", width: 13), Column(title: "SENS", width: 5),
                      Column(title: "SUMMARY", width: 0), Column(title: "STATE", width: 9)],
            rows: list.rows.map { m in
                [(m.type, .textNormal), (salienceBar(m.salience) + String(format: " %.2f", m.salience), .salienceBar),
                 (badge(m.sensitivity), ThemeRole.sensitivity(m.sensitivity)), (m.summary, .textNormal),
                 (m.status, m.status == "active" ? .revisionActive : (m.status == "contested" ? .revisionContested : .revisionRetracted))]
            }, selected: list.selectedIndex, top: list.top, focused: focused)
    case .agents:
        let list = state.agents
        drawTable(
            &grid, row: inner.row, column: inner.column, width: inner.width, height: inner.height,
            columns: [Column(title: "AGENT", width: 0), Column(title: "KIND", width: 8), Column(title: "OPEN", width: 5, rightAligned: true),
                      Column(title: "PENDING", width: 7, rightAligned: true), Column(title: "DECISIONS", width: 9, rightAligned: true),
                      Column(title: "WAIT p50/p95", width: 12, rightAligned: true), Column(title: "LAST SEEN", width: 9)],
            rows: list.rows.map { a in
                let wait = state.activity?.waits.first { $0.agentID == a.id }
                return [(a.id + (a.active ? "" : " (disabled)"), a.active ? .textNormal : .textDim), (a.kind, .textDim), ("\(a.open)", .textNormal),
                 ("\(a.pending)", a.pending > 0 ? .statusPending : .textNormal), ("\(a.decisions)", .textNormal),
                 (wait.map { "\(shortDuration($0.p50))/\(shortDuration($0.p95))" } ?? "—", wait == nil ? .textDim : .textNormal),
                 (a.lastSeen.map { relative($0, state.now) } ?? "never", .timelineTime)]
            }, selected: list.selectedIndex, top: list.top, focused: focused)
    }
}

// MARK: Detail

func timelineLine(_ event: TimelineEvent, start: Date?) -> (String, String, String, ThemeRole) {
    let offset: String
    if let start, let time = Timestamp.parse(event.timestamp) {
        let seconds = time.timeIntervalSince(start)
        offset = seconds < 60 ? String(format: "+%.3f", seconds) : String(format: "+%d:%02d", Int(seconds) / 60, Int(seconds) % 60)
    } else {
        offset = ""
    }
    let b = event.body
    func s(_ key: String) -> String { b[key]?.stringValue ?? "" }
    switch event.type {
    case "created", "decision_created":
        return (offset, "created", "intent \(s("intent")) · mode \(s("automation_mode")) · agent \(event.actor)", .timelineKind)
    case "context", "note":
        let summary = s("summary")
        let context = b["context"].map { $0.canonicalText } ?? ""
        return (offset, "note", summary.isEmpty ? context : summary, .timelineKind)
    case "read":
        return (offset, "read", "product \(s("product")) · \(b["result_count"]?.integerValue.map { "\($0) rows" } ?? s("purpose"))", .timelineKind)
    case "evaluate", "policy_eval":
        let outcome = s("outcome")
        let role: ThemeRole = outcome == "allow" ? .policyAllow : (outcome == "deny" ? .policyDeny : .policyException)
        return (offset, "policy", "\(s("policy_id")) → \(outcome)\(s("message").isEmpty ? "" : " · " + s("message"))", role)
    case "approval_requested":
        return (offset, "approval", "requested · \(s("title")) · route \(b["approval_route_id"]?.stringValue ?? "default")", .statusPending)
    case "approval_resolved":
        let rationale = s("rationale")
        return (offset, "approval", "\(s("status")) by \(s("resolved_by"))\(rationale.isEmpty ? "" : " · " + rationale)", ThemeRole.status(s("status")))
    case "write":
        return (offset, "write", "product \(s("product")) · \(s("operation")) \(b["row_count"]?.integerValue.map { "\($0)" } ?? "")", .timelineKind)
    case "closed", "close":
        return (offset, "closed", "\(s("action")) \(s("reason"))", ThemeRole.status(s("action") == "commit" ? "committed" : "aborted"))
    default:
        return (offset, event.type, b.canonicalText, .timelineKind)
    }
}

func drawDetail(_ grid: inout CellGrid, _ state: AppState, row: Int, column: Int, width: Int, height: Int, focused: Bool) {
    var lines: [(String, ThemeRole)] = []
    var title = "Detail"
    switch state.detail {
    case nil where state.screen == .agents:
        title = "Metrics"
        lines = state.metrics.isEmpty ? [("loading…", .textDim)] : state.metrics.map { ($0, ThemeRole.textNormal) }
    case nil:
        lines = [("Select a row to see its detail.", .textDim)]
    case .missing(let id):
        lines = [("not found: \(id)", .textDim)]
    case .decision(let d):
        title = "Decision \(DisplayWidth.middle(d.decision.id, 20))"
        if let approval = d.approval, approval.status == "pending" {
            lines.append(("⚑ approval pending · expires in \(countdown(approval.expiresAt, state.now)) · a approve · x reject", .badgePending))
            lines.append(("  \(approval.title)", .textEmphasis))
            if let policy = approval.policy { lines.append(("  policy \(policy): \(approval.policyMessage ?? "")", .policyException)) }
        }
        lines.append(("\(d.decision.intent) · \(statusWord(d.decision.status)) · mode \(d.decision.mode) · agent \(d.decision.agentID)", .textEmphasis))
        let zone = state.options.timeZone
        lines.append(("opened \(Timestamp.local(d.decision.createdAt, in: zone))\(d.closedAt.map { " · closed \(Timestamp.local($0, in: zone))" } ?? "")", .textDim))
        lines.append(("", .textNormal))
        let start = Timestamp.parse(d.decision.createdAt)
        for event in d.events {
            let (offset, kind, text, role) = timelineLine(event, start: start)
            lines.append((DisplayWidth.pad(offset, 9) + DisplayWidth.pad(kind, 9) + text, role))
        }
        if !d.memories.isEmpty {
            lines.append(("", .textNormal))
            lines.append(("Linked memories", .textEmphasis))
            for m in d.memories { lines.append(("  \(m.role) · \(DisplayWidth.middle(m.id, 16)) · \(m.type) · \(m.summary)", .textLink)) }
        }
    case .memory(let m):
        title = "Memory " + (state.trail.isEmpty ? DisplayWidth.middle(m.row.id, 20) : "› " + state.trail.map { DisplayWidth.middle($0, 12) }.joined(separator: " › "))
        lines.append(("\(m.row.type) · \(badge(m.row.sensitivity)) · \(m.row.status) · salience \(String(format: "%.2f", m.row.salience)) · confidence \(String(format: "%.2f", m.confidence))", .textEmphasis))
        lines.append(("id \(m.row.id) · scope \(m.scope.isEmpty ? "—" : m.scope)", .textDim))
        lines.append(("created \(Timestamp.local(m.createdAt, in: state.options.timeZone))", .textDim))
        if !m.tags.isEmpty { lines.append(("tags \(m.tags.joined(separator: ", "))", .textDim)) }
        lines.append(("", .textNormal))
        if let revealed = state.revealed, revealed.id == m.row.id {
            lines.append(("Payload · revealed by \(state.options.operatorName) · in the audit log", .messageWarn))
            lines += revealed.lines.map { ("  " + $0, ThemeRole.textNormal) }
        } else {
            lines.append(("Payload", .textEmphasis))
            lines += m.payload.map { ("  " + $0, ["high", "hyper"].contains(m.row.sensitivity) ? ThemeRole.sensitivityMasked : .textNormal) }
        }
        lines.append(("Provenance", .textEmphasis))
        lines += m.provenance.map { ("  " + $0, ThemeRole.textNormal) }
        lines.append(("Relations", .textEmphasis))
        if m.relations.isEmpty { lines.append(("  none", .textDim)) }
        for (i, r) in m.relations.enumerated() {
            let cursor = focused && i == state.relationIndex
            lines.append(((cursor ? "▶ " : "  ") + "\(r.predicate) → \(r.targetID)\(r.inStore ? (cursor ? "  (Enter follows, Esc comes back)" : "") : "  not in this store")",
                          cursor ? .selectionFocused : (r.inStore ? .textLink : .textDim)))
        }
        if !m.decisions.isEmpty {
            lines.append(("Used by", .textEmphasis))
            lines += m.decisions.map { ("  " + $0, ThemeRole.textLink) }
        }
        lines.append(("Audit", .textEmphasis))
        lines += m.audit.map { ("  " + $0, ThemeRole.textNormal) }
    }
    drawBox(&grid, title: title, row: row, column: column, width: width, height: height, focused: focused)
    let visible = max(0, height - 2)
    let scroll = min(state.detailScroll, max(0, lines.count - visible))
    for (i, line) in lines.dropFirst(scroll).prefix(visible).enumerated() {
        grid.put(line.0, row: row + 1 + i, column: column + 2, width: width - 3, role: line.1)
    }
}

// MARK: Overlays

func drawDialog(_ grid: inout CellGrid, _ state: AppState, _ dialog: ConfirmDialog) {
    let width = min(state.size.columns - 4, 72)
    var body = dialog.lines
    if let expiry = dialog.expiresAt { body.append("expires in \(countdown(Timestamp.format(expiry), state.now))") }
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
        grid.put(line, row: top + 1 + i, column: left + 2, width: width - 4, role: .dialogBody)
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
    let width = min(state.size.columns - 4, 76)
    let height = min(state.size.rows - 2, lines.count + 2)
    let top = max(1, (state.size.rows - height) / 2)
    let left = (state.size.columns - width) / 2
    grid.fill(row: top, column: left, width: width, height: height, role: .dialogBody)
    drawBox(&grid, title: "Help · any key closes", row: top, column: left, width: width, height: height, focused: true)
    for (i, line) in lines.prefix(height - 2).enumerated() {
        grid.put(line.0, row: top + 1 + i, column: left + 2, width: width - 4, role: line.1)
    }
}
