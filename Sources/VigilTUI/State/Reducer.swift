import Foundation
import VigilCore

/// What can happen to the dashboard.
public enum Action: Sendable, Equatable {
    case key(KeyEvent)
    case resized(Size)
    case tick(Date)
    /// Another process (or this one) committed: re-query what is visible.
    case dataChanged
    case pollSucceeded(Date)
    case pollFailed(String)
    case decisionsLoaded([DecisionRow], appended: Bool, hasMore: Bool)
    case approvalsLoaded([ApprovalRow])
    case memoryLoaded([MemoryRow])
    case agentsLoaded([AgentRow])
    case metricsLoaded([String], at: Date)
    case activityLoaded(Activity, at: Date)
    case pendingLoaded(count: Int, ids: Set<String>)
    case detailLoaded(Detail)
    case loadFailed(String)
    /// The store's answer to a dialog's confirm: `nil` on success, else the reason it was refused.
    case actionFinished(targetID: String, refusal: String?, message: String)
    /// The store's answers to a bulk approve or reject, one per request, in the dialog's order.
    case bulkFinished([BulkResult])
    /// A reveal was written to the record's audit log: its payload, whole.
    case revealed(RevealedPayload)
    /// A policy what-if finished.
    case replayLoaded(ReplayView)
    case quitRequested
}

/// Work the reducer asks for; the runner executes it and answers with actions.
public enum Effect: Sendable, Equatable {
    case loadDecisions(after: DashboardReader.DecisionCursor?, filter: String?)
    case loadApprovals
    case loadMemory(query: MemoryQuery)
    case loadAgents
    case loadMetrics
    /// The at-a-glance figures (sparklines, approval waits).
    case loadActivity
    case loadPending
    case loadDecisionDetail(String)
    case loadMemoryDetail(String)
    case resolveApproval(id: String, approve: Bool, rationale: String?)
    /// Each request resolved on its own (one may have expired or been resolved meanwhile); answered by `bulkFinished`.
    case resolveApprovals(ids: [String], approve: Bool, rationale: String?)
    case memoryAction(kind: DialogKind, id: String, rationale: String)
    /// Write the reveal to the record's audit log, then answer with its payload (`revealed`) or a refusal.
    case revealMemory(id: String, rationale: String)
    /// Replay stored evaluations under the policies of the configuration file at `path` (read here, sent to a remote).
    case replayPolicies(path: String)
    case bell
    case quit
}

/// The memory browser's query: free text plus `type:`, `sens:` and `sal:` filters.
public struct MemoryQuery: Sendable, Equatable {
    public var text = ""
    public var types: [String] = []
    public var maxSensitivity = "hyper"
    public var minSalience = 0.0

    public init() {}

    /// Parses `type:semantic sens:<=medium sal:>0.5 deploy`; unknown fields are an error naming them.
    public static func parse(_ input: String) -> Result<MemoryQuery, FilterError> {
        var query = MemoryQuery()
        var words: [String] = []
        for term in input.split(separator: " ").map(String.init) {
            guard let colon = term.firstIndex(of: ":") else { words.append(term); continue }
            let field = String(term[..<colon])
            var value = String(term[term.index(after: colon)...])
            switch field {
            case "type":
                let valid = ["episodic", "working", "semantic", "competence", "plan_graph"]
                guard valid.contains(value) else { return .failure(FilterError(message: "type must be one of \(valid.joined(separator: ", "))")) }
                query.types.append(value)
            case "sens":
                for prefix in ["<=", "<"] where value.hasPrefix(prefix) { value.removeFirst(prefix.count) }
                guard ["public", "low", "medium", "high", "hyper"].contains(value) else {
                    return .failure(FilterError(message: "sens must be public, low, medium, high or hyper"))
                }
                query.maxSensitivity = value
            case "sal":
                for prefix in [">=", ">"] where value.hasPrefix(prefix) { value.removeFirst(prefix.count) }
                guard let number = Double(value), number >= 0 else { return .failure(FilterError(message: "sal takes a number, e.g. sal:>0.5")) }
                query.minSalience = number
            default:
                return .failure(FilterError(message: "unknown field \(field):; memory filters are type:, sens:, sal: and words"))
            }
        }
        query.text = words.joined(separator: " ")
        return .success(query)
    }
}

public struct FilterError: Error, Sendable, Equatable {
    public var message: String
}

/// Decision filters: `status:pending agent:NAME` plus words matched against intent, agent and title.
public struct DecisionFilter: Sendable, Equatable {
    public var statuses: [String] = []
    public var agent: String?
    public var text = ""

    public init() {}

    public static func parse(_ input: String) -> Result<DecisionFilter, FilterError> {
        var filter = DecisionFilter()
        var words: [String] = []
        for term in input.split(separator: " ").map(String.init) {
            guard let colon = term.firstIndex(of: ":") else { words.append(term); continue }
            let field = String(term[..<colon])
            let value = String(term[term.index(after: colon)...])
            switch field {
            case "status":
                let stored = value == "pending" ? "needs_approval" : value
                guard DecisionStatus(rawValue: stored) != nil else {
                    return .failure(FilterError(message: "status must be open, pending, approved, rejected, committed or aborted"))
                }
                filter.statuses.append(stored)
            case "agent": filter.agent = value
            default: return .failure(FilterError(message: "unknown field \(field):; decision filters are status:, agent: and words"))
            }
        }
        filter.text = words.joined(separator: " ")
        return .success(filter)
    }
}

/// The dashboard's one state transition. Pure: no clock, no I/O.
public func reduce(_ state: inout AppState, _ action: Action) -> [Effect] {
    switch action {
    case .key(let key):
        return handleKey(&state, key)
    case .resized(let size):
        state.size = size
        return []
    case .tick(let now):
        state.now = now
        if let message = state.message, message.until <= now { state.message = nil }
        if var dialog = state.dialog, let expiry = dialog.expiresAt, expiry <= now, dialog.notice == nil {
            dialog.notice = "This request expired at \(Timestamp.format(expiry).prefix(19).replacingOccurrences(of: "T", with: " ")). Nothing was decided."
            state.dialog = dialog
        }
        wakeSnoozed(&state)
        return []
    case .dataChanged:
        return refresh(state, ordered: false)
    case .pollSucceeded(let time):
        state.lastUpdate = time
        state.pollError = nil
        return []
    case .pollFailed(let reason):
        state.pollError = reason
        return []
    case .decisionsLoaded(let rows, let appended, let hasMore):
        if state.replay != nil { return [] }
        if state.paused, !appended {
            state.decisions.newCount = max(0, rows.firstIndex { $0.id == state.decisions.rows.first?.id } ?? 0)
            return []
        }
        apply(&state.decisions, rows, appended: appended, height: state.listHeight)
        state.decisions.hasMore = hasMore
        if state.screen == .decisions, state.decisions.selectedID == nil { state.detail = nil }
        return detailEffects(state)
    case .approvalsLoaded(let rows):
        guard !state.paused else { return [] }
        let previous = state.approvals.selectedID
        state.queue = rows
        showQueue(&state)
        if let previous, state.approvals.selectedID != previous, state.dialog?.targetID != previous, state.message == nil,
            state.snoozed[previous] == nil
        {
            state.message = StatusMessage(text: "\(DisplayWidth.middle(previous, 14)) left the queue (resolved or expired)", severity: .info, until: state.now + 5)
        }
        return state.screen == .pending ? detailEffects(state) : []
    case .memoryLoaded(let rows):
        guard !state.paused else { return [] }
        apply(&state.memory, rows, appended: false, height: state.listHeight)
        if state.screen == .memory, state.memory.selectedID == nil, state.trail.isEmpty { state.detail = nil }
        return state.trail.isEmpty ? detailEffects(state) : []
    case .agentsLoaded(let rows):
        guard !state.paused else { return [] }
        apply(&state.agents, rows, appended: false, height: state.listHeight)
        return []
    case .metricsLoaded(let lines, let time):
        state.metrics = lines
        state.metricsAt = time
        return []
    case .activityLoaded(let activity, let time):
        state.activity = activity
        state.activityAt = time
        return []
    case .pendingLoaded(let count, let ids):
        state.pendingCount = count
        var effects: [Effect] = []
        if let seen = state.seenPending {
            let fresh = ids.subtracting(seen)
            if !fresh.isEmpty {
                state.pendingFlashUntil = state.now + 10
                state.message = StatusMessage(
                    text: fresh.count == 1 ? "new approval request" : "\(fresh.count) new approval requests", severity: .warning,
                    until: state.now + 10)
                if state.options.bell, state.lastBell.map({ state.now.timeIntervalSince($0) >= 10 }) ?? true {
                    state.lastBell = state.now
                    effects.append(.bell)
                }
            }
            state.seenPending = seen.union(ids)
        } else {
            state.seenPending = ids
        }
        return effects
    case .detailLoaded(let detail):
        guard !state.paused || state.detail == nil else { return [] }
        state.detail = detail
        return []
    case .loadFailed(let reason):
        state.message = StatusMessage(text: "error: \(reason)", severity: .error, until: state.now + 10)
        return []
    case .actionFinished(let target, let refusal, let text):
        if let refusal {
            if var dialog = state.dialog, dialog.targetID == target {
                dialog.busy = false
                dialog.notice = refusal
                state.dialog = dialog
            }
            return []
        }
        if state.dialog?.targetID == target { state.dialog = nil }
        state.message = StatusMessage(text: text, severity: .info, until: state.now + 6)
        return refresh(state, ordered: false)
    case .bulkFinished(let results):
        return bulkFinished(&state, results)
    case .replayLoaded(let view):
        state.replay = view
        state.screen = .decisions
        state.detailFocused = false
        state.detailPushed = false
        state.detail = nil
        state.decisions.selectedID = nil
        state.decisions.top = 0
        apply(&state.decisions, view.rows, appended: false, height: state.listHeight)
        state.decisions.hasMore = false
        state.message = StatusMessage(
            text: "\(view.rows.count) decision\(view.rows.count == 1 ? "" : "s") would change under \(view.path); Enter opens one, Esc leaves",
            severity: .info, until: state.now + 8)
        return detailEffects(state)
    case .revealed(let payload):
        if state.dialog?.targetID == payload.id { state.dialog = nil }
        state.revealed = payload
        state.message = StatusMessage(
            text: "revealed \(DisplayWidth.middle(payload.id, 16)) — your name, the time and the reason are in its audit log",
            severity: .info, until: state.now + 6)
        return [.loadMemoryDetail(payload.id)]
    case .quitRequested:
        state.shouldQuit = true
        return [.quit]
    }
}

/// Replaces a list's rows, keeping the selected id on the same screen line (rows never jump under the cursor).
func apply<Row>(_ list: inout ListState<Row>, _ rows: [Row], appended: Bool, height: Int) {
    let oldLine = (list.selectedIndex ?? 0) - list.top
    let oldIndex = list.selectedIndex
    list.rows = appended ? list.rows + rows.filter { row in !list.rows.contains { $0.id == row.id } } : rows
    list.loaded = true
    list.error = nil
    if let id = list.selectedID, let index = list.rows.firstIndex(where: { $0.id == id }) {
        if !appended, list.top == 0 {
            // At the head the viewport stays at the head: new rows appear above the selection, which keeps its id.
        } else {
            // Scrolled away: the selected row keeps its screen line and the rows that arrived above are counted.
            if !appended, let old = oldIndex, index > old { list.newCount += index - old }
            list.top = max(0, min(index - oldLine, index))
        }
    } else if !list.rows.isEmpty {
        // The selected row left: the cursor stays on the same screen line, now holding the next row.
        let index = min(max(0, oldIndex ?? 0), list.rows.count - 1)
        list.selectedID = list.rows[index].id
        list.top = max(0, min(list.top, index))
    } else {
        list.selectedID = nil
        list.top = 0
    }
    if let index = list.selectedIndex, index >= list.top + height { list.top = index - height + 1 }
}

/// The loads that bring the visible panes up to date.
func refresh(_ state: AppState, ordered: Bool) -> [Effect] {
    var effects: [Effect] = [.loadPending]
    // The at-a-glance figures move by the minute: at most every 10 s, or when asked.
    if ordered || state.activityAt.map({ state.now.timeIntervalSince($0) >= 10 }) ?? true { effects.append(.loadActivity) }
    guard !state.paused else { return effects }
    switch state.screen {
    case .decisions where state.replay != nil: break
    case .decisions: effects.append(.loadDecisions(after: nil, filter: state.filters[.decisions]))
    case .pending: effects.append(.loadApprovals)
    case .memory:
        if case .success(let query) = MemoryQuery.parse(state.filters[.memory] ?? "") { effects.append(.loadMemory(query: query)) }
    case .agents:
        effects.append(.loadAgents)
        // The aggregates cost more than a page (seconds at a million memories): on entering the view and on `r`,
        // else at most every 30 s while the view is visible.
        if ordered || state.metricsAt.map({ state.now.timeIntervalSince($0) >= 30 }) ?? true { effects.append(.loadMetrics) }
    }
    return effects + detailEffects(state)
}

/// The detail load for the current selection.
func detailEffects(_ state: AppState) -> [Effect] {
    switch state.screen {
    case .decisions: return state.decisions.selectedID.map { [.loadDecisionDetail($0)] } ?? []
    case .pending: return state.approvals.selected.map { [.loadDecisionDetail($0.decisionID)] } ?? []
    case .memory:
        if let followed = state.trail.last { return [.loadMemoryDetail(followed)] }
        return state.memory.selectedID.map { [.loadMemoryDetail($0)] } ?? []
    case .agents: return []
    }
}

func handleKey(_ state: inout AppState, _ key: KeyEvent) -> [Effect] {
    if key == .ctrl("c") {
        state.shouldQuit = true
        return [.quit]
    }
    if state.tooSmall {
        if key == .char("q") {
            state.shouldQuit = true
            return [.quit]
        }
        return []
    }
    if state.dialog != nil { return dialogKey(&state, key) }
    if let prompt = state.prompt { return promptKey(&state, prompt, key) }
    if state.helpVisible {
        state.helpVisible = false
        return []
    }
    guard let action = state.keymap.action(for: key, in: state.contexts()) else { return [] }
    if action.writes, state.options.readOnly {
        state.message = StatusMessage(text: "read-only mode: \(action.rawValue) is disabled", severity: .warning, until: state.now + 5)
        return []
    }
    switch action {
    case .quit:
        state.shouldQuit = true
        return [.quit]
    case .help:
        state.helpVisible = true
        return []
    case .palette:
        state.prompt = .palette("")
        return []
    case .filter:
        state.prompt = .filter(state.filters[state.screen] ?? "")
        return []
    case .refresh:
        state.decisions.newCount = 0
        return refresh(state, ordered: true)
    case .pause:
        state.paused.toggle()
        if !state.paused {
            state.decisions.newCount = 0
            return refresh(state, ordered: true)
        }
        return []
    case .screenDecisions: return switchTo(&state, .decisions)
    case .screenPending: return switchTo(&state, .pending)
    case .screenMemory: return switchTo(&state, .memory)
    case .screenAgents: return switchTo(&state, .agents)
    case .nextPane, .previousPane:
        state.detailFocused.toggle()
        state.detailScroll = 0
        return []
    case .back:
        if state.screen == .memory, !state.trail.isEmpty {
            state.trail.removeLast()
            state.relationIndex = 0
            return detailEffects(state)
        }
        if state.detailPushed || state.detailFocused {
            state.detailPushed = false
            state.detailFocused = false
            return []
        }
        if state.replay != nil, state.screen == .decisions {
            state.replay = nil
            state.decisions.selectedID = nil
            state.detail = nil
            return refresh(state, ordered: true)
        }
        return []
    case .open:
        if state.size.columns < 80 { state.detailPushed = true }
        if state.screen == .agents, let agent = state.agents.selected {
            state.filters[.decisions] = "agent:\(agent.id)"
            return switchTo(&state, .decisions)
        }
        if state.screen == .pending, let approval = state.approvals.selected {
            state.detailFocused = true
            return [.loadDecisionDetail(approval.decisionID)]
        }
        if state.screen == .memory, case .memory(let detail) = state.detail, state.detailFocused,
            detail.relations.indices.contains(state.relationIndex)
        {
            let relation = detail.relations[state.relationIndex]
            guard relation.inStore else {
                state.message = StatusMessage(text: "\(relation.targetID) is not in this store", severity: .info, until: state.now + 4)
                return []
            }
            // Follow a relation; cycle-safe: a target already on the trail pops back to it.
            if let index = state.trail.firstIndex(of: relation.targetID) {
                state.trail.removeSubrange((index + 1)...)
            } else {
                state.trail.append(relation.targetID)
            }
            state.relationIndex = 0
            return [.loadMemoryDetail(relation.targetID)]
        }
        state.detailFocused = true
        return detailEffects(state)
    case .down, .up, .first, .last, .pageDown, .pageUp:
        if state.detailFocused, state.screen == .memory, case .memory(let detail) = state.detail, !detail.relations.isEmpty,
            action == .down || action == .up
        {
            // In a memory's detail the cursor walks its relations; Enter follows the one it is on.
            state.relationIndex = max(0, min(detail.relations.count - 1, state.relationIndex + (action == .down ? 1 : -1)))
            return []
        }
        if state.detailFocused {
            switch action {
            case .down: state.detailScroll += 1
            case .up: state.detailScroll = max(0, state.detailScroll - 1)
            case .first: state.detailScroll = 0
            case .pageDown: state.detailScroll += state.listHeight
            case .pageUp: state.detailScroll = max(0, state.detailScroll - state.listHeight)
            default: break
            }
            return []
        }
        return move(&state, action)
    case .approve, .reject:
        if state.screen == .pending, !state.marked.isEmpty { return openBulkDialog(&state, approve: action == .approve) }
        return openApprovalDialog(&state, approve: action == .approve)
    case .mark:
        return toggleMark(&state)
    case .reveal:
        return openRevealDialog(&state)
    case .snooze:
        return openSnoozeDialog(&state)
    case .reinforce, .penalize, .retract, .contest:
        guard state.screen == .memory, let row = state.memory.selected else { return [] }
        let kind: DialogKind = switch action {
        case .reinforce: .reinforce
        case .penalize: .penalize
        case .retract: .retract
        default: .contest
        }
        state.dialog = ConfirmDialog(
            kind: kind, targetID: row.id,
            lines: ["\(row.type) · \(row.sensitivity.uppercased()) · salience \(String(format: "%.2f", row.salience))", row.summary],
            requireRationale: kind == .retract || kind == .contest, focus: kind == .retract || kind == .contest ? .field : .cancel)
        return []
    }
}

func switchTo(_ state: inout AppState, _ screen: Screen) -> [Effect] {
    if state.replay != nil {
        state.replay = nil
        state.decisions.selectedID = nil
    }
    state.screen = screen
    state.revealed = nil
    state.detailFocused = false
    state.detailPushed = false
    state.detail = nil
    state.trail = []
    state.detailScroll = 0
    return refresh(state, ordered: true)
}

func move(_ state: inout AppState, _ action: ActionID) -> [Effect] {
    let height = state.listHeight
    func step<Row>(_ list: inout ListState<Row>) -> Bool {
        guard !list.rows.isEmpty else { return false }
        let current = list.selectedIndex ?? 0
        let target: Int
        switch action {
        case .down: target = current + 1
        case .up: target = current - 1
        case .first: target = 0
        case .last: target = list.rows.count - 1
        case .pageDown: target = current + height
        case .pageUp: target = current - height
        default: target = current
        }
        let clamped = max(0, min(list.rows.count - 1, target))
        list.selectedID = list.rows[clamped].id
        if clamped < list.top { list.top = clamped }
        if clamped >= list.top + height { list.top = clamped - height + 1 }
        if action == .first { list.newCount = 0 }
        return clamped != current || action == .first
    }
    var effects: [Effect] = []
    state.revealed = nil
    switch state.screen {
    case .decisions:
        _ = step(&state.decisions)
        // Near the end of what is loaded: fetch the next page after the last row (keyset, never OFFSET).
        if state.decisions.hasMore, let index = state.decisions.selectedIndex, index >= state.decisions.rows.count - height / 2 - 1,
            let last = state.decisions.rows.last
        {
            effects.append(.loadDecisions(after: .init(createdAt: last.createdAt, id: last.id), filter: state.filters[.decisions]))
        }
    case .pending: _ = step(&state.approvals)
    case .memory:
        _ = step(&state.memory)
        state.trail = []
    case .agents: _ = step(&state.agents)
    }
    state.detailScroll = 0
    return effects + detailEffects(state)
}

/// `v` on a memory's detail: HIGH and HYPER payloads are masked; revealing one asks why and audits it.
func openRevealDialog(_ state: inout AppState) -> [Effect] {
    guard state.screen == .memory, case .memory(let detail) = state.detail else { return [] }
    guard ["high", "hyper"].contains(detail.row.sensitivity) else {
        state.message = StatusMessage(text: "nothing to reveal: only HIGH and HYPER payloads are masked", severity: .info, until: state.now + 4)
        return []
    }
    guard state.options.allowReveal else {
        state.message = StatusMessage(
            text: "reveal is turned off here (dashboard.allow_reveal = false in the configuration)", severity: .warning, until: state.now + 5)
        return []
    }
    if state.revealed?.id == detail.row.id { return [] }
    state.dialog = ConfirmDialog(
        kind: .reveal, targetID: detail.row.id,
        lines: [
            "\(DisplayWidth.middle(detail.row.id, 20)) · \(detail.row.type) · \(detail.row.sensitivity.uppercased())",
            "Your name, the time and your reason go to this record's audit log.",
        ],
        requireRationale: true, focus: .field)
    return []
}

func openApprovalDialog(_ state: inout AppState, approve: Bool) -> [Effect] {
    var approval: ApprovalRow?
    switch state.screen {
    case .pending: approval = state.approvals.selected
    case .decisions:
        if case .decision(let detail) = state.detail, detail.decision.id == state.decisions.selectedID,
            detail.decision.pendingApprovalID != nil
        {
            approval = detail.approval
        }
    default: break
    }
    guard let approval, approval.status == "pending" else {
        state.message = StatusMessage(text: "nothing to \(approve ? "approve" : "reject") here: select a pending request", severity: .info, until: state.now + 4)
        return []
    }
    let required = !approve || approval.requireRationale
    var lines = [
        "\(DisplayWidth.middle(approval.id, 16)) · decision \(DisplayWidth.middle(approval.decisionID, 16)) · agent \(approval.agentID)",
        approval.title == approval.intent ? approval.intent : "\(approval.intent): \(approval.title)",
    ]
    if let policy = approval.policy {
        lines.append("Policy \(policy) → exception")
        if let message = approval.policyMessage { lines.append("  \(message)") }
    }
    if let message = approval.message, !message.isEmpty { lines.append(message) }
    state.dialog = ConfirmDialog(
        kind: approve ? .approve : .reject, targetID: approval.id, lines: lines, requireRationale: required,
        focus: required ? .field : .cancel, expiresAt: Timestamp.parse(approval.expiresAt))
    return []
}

func dialogKey(_ state: inout AppState, _ key: KeyEvent) -> [Effect] {
    guard var dialog = state.dialog else { return [] }
    defer { if state.dialog != nil { state.dialog = dialog } }
    if key == .esc {
        state.dialog = nil
        return []
    }
    if dialog.notice != nil {
        // Only a way out: Enter or Esc closes the notice; nothing can be decided any more.
        if key == .enter { state.dialog = nil }
        return []
    }
    let order: [DialogFocus] = [.field, .cancel, .confirm]
    switch key {
    case .tab:
        dialog.focus = order[(order.firstIndex(of: dialog.focus)! + 1) % 3]
    case .backTab:
        dialog.focus = order[(order.firstIndex(of: dialog.focus)! + 2) % 3]
    case .left where dialog.focus != .field:
        dialog.focus = .cancel
    case .right where dialog.focus != .field:
        dialog.focus = .confirm
    case .enter:
        switch dialog.focus {
        case .field: dialog.focus = .cancel
        case .cancel:
            state.dialog = nil
            return []
        case .confirm:
            guard dialog.canConfirm else { return [] }
            if dialog.kind == .snooze {
                snooze(&state, dialog)
                return []
            }
            dialog.busy = true
            let rationale = dialog.rationale.trimmingCharacters(in: .whitespaces)
            switch dialog.kind {
            case .approve where dialog.isBulk, .reject where dialog.isBulk:
                return [.resolveApprovals(ids: dialog.targetIDs, approve: dialog.kind == .approve, rationale: rationale.isEmpty ? nil : rationale)]
            case .approve, .reject:
                return [.resolveApproval(id: dialog.targetID, approve: dialog.kind == .approve, rationale: rationale.isEmpty ? nil : rationale)]
            case .reinforce, .penalize, .retract, .contest:
                return [.memoryAction(kind: dialog.kind, id: dialog.targetID, rationale: rationale)]
            case .reveal:
                return [.revealMemory(id: dialog.targetID, rationale: rationale)]
            case .snooze:
                return []
            }
        }
    case .backspace where dialog.focus == .field:
        if !dialog.rationale.isEmpty { dialog.rationale.removeLast() }
    case .char(let c) where dialog.focus == .field:
        if dialog.rationale.count < 4000 { dialog.rationale.append(c) }
    default:
        break
    }
    return []
}

func promptKey(_ state: inout AppState, _ prompt: Prompt, _ key: KeyEvent) -> [Effect] {
    var text: String
    switch prompt {
    case .filter(let t), .palette(let t): text = t
    }
    switch key {
    case .esc:
        state.prompt = nil
        return []
    case .backspace:
        if !text.isEmpty { text.removeLast() }
    case .char(let c):
        text.append(c)
    case .enter:
        state.prompt = nil
        switch prompt {
        case .filter:
            let valid: FilterError? = switch state.screen {
            case .memory: { if case .failure(let e) = MemoryQuery.parse(text) { e } else { nil } }()
            case .decisions: { if case .failure(let e) = DecisionFilter.parse(text) { e } else { nil } }()
            case .pending: { if case .failure(let e) = ApprovalFilter.parse(text) { e } else { nil } }()
            default: nil
            }
            if let valid {
                state.message = StatusMessage(text: "error: \(valid.message)", severity: .error, until: state.now + 6)
                return []
            }
            state.filters[state.screen] = text.isEmpty ? nil : text
            if state.screen == .decisions { state.decisions.selectedID = nil }
            if state.screen == .memory { state.memory.selectedID = nil }
            if state.screen == .pending { showQueue(&state) }
            return refresh(state, ordered: true)
        case .palette:
            return paletteCommand(&state, text.trimmingCharacters(in: .whitespaces))
        }
    default:
        return []
    }
    switch prompt {
    case .filter:
        state.prompt = .filter(text)
        // Search as you type in the memory browser.
        if state.screen == .memory, case .success(let query) = MemoryQuery.parse(text) {
            state.filters[.memory] = text.isEmpty ? nil : text
            return [.loadMemory(query: query)]
        }
    case .palette:
        state.prompt = .palette(text)
    }
    return []
}

func paletteCommand(_ state: inout AppState, _ command: String) -> [Effect] {
    let words = command.split(separator: " ").map(String.init)
    switch words.first ?? "" {
    case "decisions": return switchTo(&state, .decisions)
    case "pending", "approvals": return switchTo(&state, .pending)
    case "memory": return switchTo(&state, .memory)
    case "agents": return switchTo(&state, .agents)
    case "agent" where words.count == 2:
        state.filters[.decisions] = "agent:\(words[1])"
        return switchTo(&state, .decisions)
    case "replay" where words.count >= 2:
        let path = words.dropFirst().joined(separator: " ")
        state.message = StatusMessage(text: "replaying stored evaluations under \(path)…", severity: .info, until: state.now + 30)
        return [.replayPolicies(path: path)]
    case "pause":
        state.paused = true
        return []
    case "help":
        state.helpVisible = true
        return []
    case "q", "quit":
        state.shouldQuit = true
        return [.quit]
    case "": return []
    default:
        state.message = StatusMessage(
            text: "error: unknown command :\(command) (try decisions, pending, memory, agents, agent ID, replay PATH, pause, help, q)",
            severity: .error, until: state.now + 6)
        return []
    }
}
