import Foundation
import VigilCore

// The Pending screen: the approvals queue with marks for bulk resolution, snoozes, and the filter and sort the
// operator chose. The store's pending rows come in through `approvalsLoaded`; what the list shows is derived here.

/// The pending queue's filter: `agent:ID policy:ID intent:PREFIX sort:expiry|age` and words the title must contain.
public struct ApprovalFilter: Sendable, Equatable {
    public enum Sort: String, Sendable { case expiry, age }
    public var agent: String?
    public var policy: String?
    public var intentPrefix: String?
    public var words: [String] = []
    /// `expiry`: soonest to expire first (the store's order); `age`: oldest request first.
    public var sort: Sort = .expiry

    public init() {}

    public static func parse(_ input: String) -> Result<ApprovalFilter, FilterError> {
        var filter = ApprovalFilter()
        for term in input.split(separator: " ").map(String.init) {
            guard let colon = term.firstIndex(of: ":") else {
                filter.words.append(term.lowercased())
                continue
            }
            let field = String(term[..<colon])
            let value = String(term[term.index(after: colon)...])
            switch field {
            case "agent": filter.agent = value
            case "policy": filter.policy = value
            case "intent": filter.intentPrefix = value
            case "sort":
                guard let sort = Sort(rawValue: value) else { return .failure(FilterError(message: "sort must be expiry or age")) }
                filter.sort = sort
            default:
                return .failure(FilterError(message: "unknown field \(field):; queue filters are agent:, policy:, intent:, sort:expiry|age and words"))
            }
        }
        return .success(filter)
    }

    public func matches(_ row: ApprovalRow) -> Bool {
        if let agent, row.agentID != agent, row.agentID != "agent_" + agent { return false }
        if let policy, row.policy != policy { return false }
        if let intentPrefix, !row.intent.hasPrefix(intentPrefix) { return false }
        let text = (row.title + " " + row.intent + " " + (row.message ?? "")).lowercased()
        return words.allSatisfy { text.contains($0) }
    }

    /// `rows` filtered and sorted (ties keep the store's order).
    public func apply(_ rows: [ApprovalRow]) -> [ApprovalRow] {
        let kept = rows.filter(matches)
        switch sort {
        case .expiry: return kept
        case .age:
            return kept.enumerated().sorted { ($0.element.requestedAt, $0.offset) < ($1.element.requestedAt, $1.offset) }.map(\.element)
        }
    }
}

/// How long a snooze lasts: `15` (minutes), `15m`, `2h`, `30s`; from 1 second to a day.
public func snoozeDuration(_ text: String) -> TimeInterval? {
    let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
    guard let last = trimmed.last else { return nil }
    let (number, unit): (Substring, Double) = switch last {
    case "s": (trimmed.dropLast(), 1)
    case "m": (trimmed.dropLast(), 60)
    case "h": (trimmed.dropLast(), 3600)
    default: (Substring(trimmed), 60)
    }
    guard let count = Double(number), count.isFinite, count > 0 else { return nil }
    let seconds = count * unit
    return (1...86400).contains(seconds) ? seconds : nil
}

/// One request's answer in a bulk resolution: `nil` refusal when it was resolved as asked.
public struct BulkResult: Sendable, Equatable {
    public var id: String
    public var refusal: String?

    public init(id: String, refusal: String?) { (self.id, self.refusal) = (id, refusal) }
}

extension AppState {
    /// The rows the Pending list shows: the store's pending rows less the snoozed ones, filtered and sorted.
    func visibleQueue() -> [ApprovalRow] {
        let filter = (try? ApprovalFilter.parse(filters[.pending] ?? "").get()) ?? ApprovalFilter()
        return filter.apply(queue.filter { snoozed[$0.id].map { $0 <= now } ?? true })
    }
}

/// Re-derives the Pending list from the queue (after a load, a snooze, a filter).
func showQueue(_ state: inout AppState) {
    apply(&state.approvals, state.visibleQueue(), appended: false, height: state.listHeight)
    if state.screen == .pending, state.approvals.selectedID == nil { state.detail = nil }
    // A mark on a request that left the queue is dropped; a snoozed one keeps its mark for when it returns.
    state.marked.formIntersection(Set(state.queue.map(\.id)))
}

/// Space on the Pending list: marks or unmarks the selected request and moves down.
func toggleMark(_ state: inout AppState) -> [Effect] {
    guard state.screen == .pending, let row = state.approvals.selected else { return [] }
    if state.marked.remove(row.id) == nil { state.marked.insert(row.id) }
    return move(&state, .down)
}

/// `a`/`x` with requests marked: one dialog for all of them, which states how many, which agents and which policies.
func openBulkDialog(_ state: inout AppState, approve: Bool) -> [Effect] {
    let rows = state.approvals.rows.filter { state.marked.contains($0.id) }
    guard !rows.isEmpty else { return [] }
    func tally(_ values: [String]) -> String {
        var counts: [String: Int] = [:]
        for value in values { counts[value, default: 0] += 1 }
        return counts.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { $0.value == 1 ? $0.key : "\($0.key) ×\($0.value)" }
            .joined(separator: ", ")
    }
    var lines = [
        "\(rows.count) request\(rows.count == 1 ? "" : "s") · agents: \(tally(rows.map(\.agentID)))",
        "policies: \(tally(rows.map { $0.policy ?? "none" }))",
    ]
    for row in rows.prefix(6) { lines.append("  \(DisplayWidth.middle(row.id, 14))  \(row.agentID)  \(row.title)") }
    if rows.count > 6 { lines.append("  … and \(rows.count - 6) more") }
    let required = !approve || rows.contains(where: \.requireRationale)
    state.dialog = ConfirmDialog(
        kind: approve ? .approve : .reject, targetID: rows[0].id, lines: lines, requireRationale: required,
        focus: required ? .field : .cancel, targetIDs: rows.map(\.id))
    return []
}

/// `z` on the Pending list: how long to snooze the selected (or every marked) request.
func openSnoozeDialog(_ state: inout AppState) -> [Effect] {
    guard state.screen == .pending, let row = state.approvals.selected else { return [] }
    let targets = state.marked.isEmpty ? [row.id] : state.approvals.rows.filter { state.marked.contains($0.id) }.map(\.id)
    let what = targets.count == 1 ? "\(DisplayWidth.middle(targets[0], 16)) · \(row.agentID) · \(row.title)" : "\(targets.count) marked requests"
    var dialog = ConfirmDialog(
        kind: .snooze, targetID: targets[0],
        lines: [what, "Leaves the queue undecided; returns by itself; expires on time."],
        requireRationale: true, focus: .field, targetIDs: targets)
    dialog.rationale = "15m"
    state.dialog = dialog
    return []
}

/// The snooze dialog confirmed.
func snooze(_ state: inout AppState, _ dialog: ConfirmDialog) {
    guard let seconds = snoozeDuration(dialog.rationale) else { return }
    let until = state.now + seconds
    for id in dialog.targetIDs { state.snoozed[id] = until }
    state.dialog = nil
    showQueue(&state)
    let back = Timestamp.format(until).dropFirst(11).prefix(8)
    state.message = StatusMessage(
        text: "snoozed \(dialog.targetIDs.count == 1 ? DisplayWidth.middle(dialog.targetIDs[0], 16) : "\(dialog.targetIDs.count) requests") until \(back) UTC",
        severity: .info, until: state.now + 6)
}

/// On each tick: snoozes that ended bring their requests back.
func wakeSnoozed(_ state: inout AppState) {
    let woken = state.snoozed.filter { $0.value <= state.now }.map(\.key)
    guard !woken.isEmpty else { return }
    for id in woken { state.snoozed[id] = nil }
    showQueue(&state)
    if woken.contains(where: { id in state.queue.contains { $0.id == id } }) {
        state.message = StatusMessage(
            text: woken.count == 1 ? "\(DisplayWidth.middle(woken[0], 16)) is back from snooze" : "\(woken.count) requests are back from snooze",
            severity: .warning, until: state.now + 6)
    }
}

/// Every request of a bulk resolution answered: the dialog lists each one's result.
func bulkFinished(_ state: inout AppState, _ results: [BulkResult]) -> [Effect] {
    let done = results.filter { $0.refusal == nil }.count
    if var dialog = state.dialog {
        let verb = dialog.kind.pastTense
        dialog.busy = false
        dialog.notice = results.count == done
            ? "All \(done) \(verb)."
            : "\(done) of \(results.count) \(verb); \(results.count - done) not (see each row)."
        dialog.lines = results.map { result in
            "\(result.refusal == nil ? "✓" : "✗") \(DisplayWidth.middle(result.id, 16))  " + (result.refusal ?? verb)
        }
        state.dialog = dialog
    }
    for result in results { state.marked.remove(result.id) }
    return refresh(state, ordered: false)
}

enum PendingScreen: ScreenModel {
    static func listTitle(_ state: AppState) -> String {
        var title = Screen.pending.title
        if !state.marked.isEmpty { title += " · \(state.marked.count) marked" }
        let snoozed = state.snoozed.filter { id, until in until > state.now && state.queue.contains { $0.id == id } }.count
        if snoozed > 0 { title += " · \(snoozed) snoozed" }
        if let filter = state.filters[.pending] { title += " · \(filter)" }
        return title
    }

    static func listStatus(_ state: AppState) -> (loaded: Bool, count: Int) { (state.approvals.loaded, state.approvals.rows.count) }

    static func emptyMessage(_ state: AppState) -> String {
        guard !state.queue.isEmpty else { return "No pending approvals. Requests from agents appear here." }
        let snoozed = state.queue.filter { state.snoozed[$0.id].map { $0 > state.now } ?? false }.count
        if let filter = state.filters[.pending] { return "No pending request matches \(filter)\(snoozed > 0 ? " (\(snoozed) snoozed)" : "")." }
        return snoozed == 1 ? "The pending request is snoozed; it comes back on its own."
            : "All \(snoozed) pending requests are snoozed; they come back on their own."
    }

    static func table(_ state: AppState) -> ScreenTable {
        ScreenTable(
            state.approvals,
            columns: [Column(title: "", width: 1), Column(title: "EXPIRES", width: 8), Column(title: "REQUEST", width: 0),
                      Column(title: "AGENT", width: 14), Column(title: "AGE", width: 4, rightAligned: true), Column(title: "POLICY", width: 14)]
        ) { a in
            let left = countdown(a.expiresAt, state.now)
            return [(state.marked.contains(a.id) ? "●" : "", .statusPending),
                    (left, left == "expired" ? .statusExpired : .statusPending), (a.title, .textNormal), (a.agentID, .textNormal),
                    (relative(a.requestedAt, state.now), .timelineTime), (a.policy ?? "", .policyException)]
        }
    }

    static func hints(_ action: ActionID, _ state: AppState) -> Bool { [.approve, .reject, .mark, .snooze].contains(action) }

    static func handle(_ action: ActionID, _ state: inout AppState) -> [Effect]? {
        switch action {
        case .approve, .reject:
            if !state.marked.isEmpty { return openBulkDialog(&state, approve: action == .approve) }
            return openApprovalDialog(&state, approve: action == .approve)
        case .mark: return toggleMark(&state)
        case .snooze: return openSnoozeDialog(&state)
        case .open:
            guard let approval = state.approvals.selected else { return nil }
            if state.size.columns < 80 { state.detailPushed = true }
            state.detailFocused = true
            return [.loadDecisionDetail(approval.decisionID)]
        default: return nil
        }
    }
}

/// `a`/`x` on one request: the selected one on the Pending list, or the pending request of the decision on screen.
func openApprovalDialog(_ state: inout AppState, approve: Bool) -> [Effect] {
    var approval: ApprovalRow?
    switch state.screen {
    case .pending: approval = state.approvals.selected
    case .decisions:
        if case .decision(let detail) = state.detail, detail.decision.id == DecisionsScreen.selectedID(state),
            detail.decision.pendingApprovalID != nil
        {
            approval = detail.approval
        }
    default: break
    }
    guard let approval, approval.status == .pending else {
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
    var dialog = ConfirmDialog(
        kind: approve ? .approve : .reject, targetID: approval.id, lines: lines, requireRationale: required,
        focus: required ? .field : .cancel, expiresAt: Timestamp.parse(approval.expiresAt))
    if let message = approval.message, !message.isEmpty { dialog.message = message }
    state.dialog = dialog
    return []
}
