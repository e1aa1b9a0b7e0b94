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
    case historyLoaded(MemoryHistory)
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
    /// A record's lineage, revisions and salience over time; answered by `historyLoaded`.
    case loadMemoryHistory(String)
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

public struct FilterError: Error, Sendable, Equatable {
    public var message: String
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
    case .historyLoaded(let history):
        // Only for the record still on screen (the cursor may have moved on meanwhile).
        guard state.screen == .memory, history.id == (state.trail.last ?? state.memory.selectedID) else { return [] }
        var view = HistoryView(history: history)
        if let previous = state.history, previous.history.id == history.id {
            (view.cursor, view.baseID, view.diff) = (min(previous.cursor, history.revisions.count - 1), previous.baseID, previous.diff)
        }
        state.history = view
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
        return DecisionsScreen.show(view, &state)
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
    case .decisions: return DecisionsScreen.selectedID(state).map { [.loadDecisionDetail($0)] } ?? []
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
        // Longer than the terminal, it scrolls; any other key closes it.
        let lines = HelpOverlay.lines(state).count
        let page = HelpOverlay.page(state, lines: lines)
        let last = max(0, lines - page)
        switch key {
        case .down, .char("j"): state.helpScroll = min(last, state.helpScroll + 1)
        case .up, .char("k"): state.helpScroll = max(0, state.helpScroll - 1)
        case .pageDown, .char(" "): state.helpScroll = min(last, state.helpScroll + page)
        case .pageUp: state.helpScroll = max(0, state.helpScroll - page)
        case .home: state.helpScroll = 0
        case .end: state.helpScroll = last
        default:
            state.helpVisible = false
            state.helpScroll = 0
        }
        return []
    }
    guard let action = state.keymap.action(for: key, in: state.contexts()) else { return [] }
    if action.writes, state.options.readOnly {
        state.message = StatusMessage(text: "read-only mode: \(action.rawValue) is disabled", severity: .warning, until: state.now + 5)
        return []
    }
    // The screen's own meaning of the key first (approve on Pending, follow a relation in Memory…), then the shared one.
    if let effects = state.screen.model.handle(action, &state) { return effects }
    switch action {
    case .quit:
        state.shouldQuit = true
        return [.quit]
    case .help:
        state.helpVisible = true
        state.helpScroll = 0
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
        if state.detailPushed || state.detailFocused {
            state.detailPushed = false
            state.detailFocused = false
        }
        return []
    case .open:
        if state.size.columns < 80 { state.detailPushed = true }
        state.detailFocused = true
        return detailEffects(state)
    case .down, .up, .first, .last, .pageDown, .pageUp:
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
    case .approve, .reject, .mark, .snooze, .reinforce, .penalize, .retract, .contest, .reveal, .history, .diff, .diffBase:
        // Keys of another screen's context (the keymap resolves them only where they apply).
        return []
    }
}

func switchTo(_ state: inout AppState, _ screen: Screen) -> [Effect] {
    state.replay = nil
    state.screen = screen
    state.revealed = nil
    state.history = nil
    state.detailFocused = false
    state.detailPushed = false
    state.detail = nil
    state.trail = []
    state.detailScroll = 0
    return refresh(state, ordered: true)
}

/// Moves a list's cursor by `action` and keeps it in the viewport; true when it moved (or went to the top).
@discardableResult
func step<Row>(_ list: inout ListState<Row>, _ action: ActionID, height: Int) -> Bool {
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

func move(_ state: inout AppState, _ action: ActionID) -> [Effect] {
    let height = state.listHeight
    var effects: [Effect] = []
    state.revealed = nil
    switch state.screen {
    case .decisions:
        step(&state.decisions, action, height: height)
        // Near the end of what is loaded: fetch the next page after the last row (keyset, never OFFSET).
        if state.decisions.hasMore, let index = state.decisions.selectedIndex, index >= state.decisions.rows.count - height / 2 - 1,
            let last = state.decisions.rows.last
        {
            effects.append(.loadDecisions(after: .init(createdAt: last.createdAt, id: last.id), filter: state.filters[.decisions]))
        }
    case .pending: step(&state.approvals, action, height: height)
    case .memory:
        step(&state.memory, action, height: height)
        state.trail = []
        state.history = nil
    case .agents: step(&state.agents, action, height: height)
    }
    state.detailScroll = 0
    return effects + detailEffects(state)
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
        state.helpScroll = 0
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
