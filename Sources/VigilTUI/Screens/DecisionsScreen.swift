import Foundation
import VigilCore

// The Decisions screen: the live list with its filter, a decision's timeline (also the Pending screen's detail), and
// a policy what-if (`:replay PATH`) shown in its place until Esc.

/// Decision filters: `status:pending agent:NAME` plus words matched against intent, agent and title.
public struct DecisionFilter: Sendable, Equatable {
    public var statuses: [DecisionStatus] = []
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
                guard let status = DecisionStatus(rawValue: value == "pending" ? DecisionStatus.needsApproval.rawValue : value) else {
                    return .failure(FilterError(message: "status must be open, pending, approved, rejected, committed or aborted"))
                }
                filter.statuses.append(status)
            case "agent": filter.agent = PrincipalRegistry.agentID(value)  // `agent:claude-code` as people write it
            default: return .failure(FilterError(message: "unknown field \(field):; decision filters are status:, agent: and words"))
            }
        }
        filter.text = words.joined(separator: " ")
        return .success(filter)
    }
}

/// One decision a policy what-if would decide otherwise.
public struct ReplayRow: Sendable, Equatable, Identifiable {
    /// The decision's id.
    public var id: String
    public var agentID: String
    public var intent: String
    public var before: PolicyOutcome?
    public var after: PolicyOutcome?
    /// The new rules' rule that decided.
    public var rule: String
    public var policy: String
    public var timestamp: String
    /// Further evaluations of the same decision that change too.
    public var more = 0

    /// `requires_exception → allow (rule default) +1 more`.
    public var title: String {
        "\(before?.rawValue ?? "?") → \(after?.rawValue ?? "?") (rule \(rule))" + (more > 0 ? " +\(more) more" : "")
    }
}

/// A policy what-if (`:replay PATH`) shown in the Decisions list: one row per decision whose outcome would change.
public struct ReplayView: Sendable, Equatable {
    public var path: String
    public var replayed: Int
    public var skipped: Int
    public var list = ListState<ReplayRow>()

    public var rows: [ReplayRow] { list.rows }

    public init(path: String, replayed: Int, skipped: Int, rows: [ReplayRow]) {
        (self.path, self.replayed, self.skipped) = (path, replayed, skipped)
        list.rows = rows
        list.loaded = true
        list.selectedID = rows.first?.id
    }

    /// From a replay report's JSON (`PolicyReplay.Report.json`, `operator_policies_replay`): a decision with several
    /// changed evaluations is one row naming the first and counting the rest.
    public init(path: String, report: JSONValue) {
        var rows: [ReplayRow] = []
        for change in report["changes"]?.arrayValue ?? [] {
            let id = change["decision_id"]?.stringValue ?? ""
            if let index = rows.firstIndex(where: { $0.id == id }) {
                rows[index].more += 1
                continue
            }
            rows.append(ReplayRow(
                id: id, agentID: change["agent_id"]?.stringValue ?? "", intent: change["intent"]?.stringValue ?? "",
                before: PolicyOutcome(rawValue: change["before"]?.stringValue ?? ""), after: PolicyOutcome(rawValue: change["after"]?.stringValue ?? ""),
                rule: change["rule_after"]?.stringValue ?? "", policy: change["policy_id"]?.stringValue ?? "",
                timestamp: change["timestamp"]?.stringValue ?? ""))
        }
        self.init(
            path: path, replayed: Int(report["replayed"]?.integerValue ?? 0), skipped: Int(report["not_replayable"]?.integerValue ?? 0),
            rows: rows)
    }
}

enum DecisionsScreen: ScreenModel {
    static func listTitle(_ state: AppState) -> String {
        if let replay = state.replay {
            return "Replay: \(replay.rows.count) would change of \(replay.replayed) replayed"
                + (replay.skipped > 0 ? " · \(replay.skipped) not replayable" : "")
                + " · under \((replay.path as NSString).lastPathComponent) · Esc leaves"
        }
        return Screen.decisions.title + (state.decisions.newCount > 0 ? " · +\(state.decisions.newCount) new ↑" : "")
    }

    static func listStatus(_ state: AppState) -> (loaded: Bool, count: Int) {
        if let replay = state.replay { return (true, replay.rows.count) }
        return (state.decisions.loaded, state.decisions.rows.count)
    }

    static func emptyMessage(_ state: AppState) -> String {
        if let replay = state.replay { return "No decision would change under \(replay.path). Esc goes back to the live decisions." }
        return state.filters[.decisions].map { "No decisions match \($0). / then Enter on an empty filter clears it." }
            ?? "No decisions yet. Decisions from agents appear here as they happen."
    }

    static func table(_ state: AppState) -> ScreenTable {
        if let replay = state.replay {
            return ScreenTable(
                replay.list,
                columns: [Column(title: "AGE", width: 4, rightAligned: true), Column(title: "BEFORE → AFTER (the new rules)", width: 0),
                          Column(title: "AGENT", width: 14), Column(title: "POLICY", width: 16)]
            ) { r in
                [(relative(r.timestamp, state.now), .timelineTime), (r.title, outcomeRole(r.after)), (r.agentID, .textNormal),
                 (r.policy, .policyException)]
            }
        }
        return ScreenTable(
            state.decisions,
            columns: [Column(title: "AGE", width: 4, rightAligned: true), Column(title: "STATUS", width: 9), Column(title: "INTENT", width: 0),
                      Column(title: "AGENT", width: 14), Column(title: "MODE", width: 10), Column(title: "POLICY", width: 12)]
        ) { d in
            [(relative(d.createdAt, state.now), .timelineTime),
             ((d.pendingApprovalID != nil ? "●" : "") + statusWord(d.status), ThemeRole.status(d.status)),
             (d.title.map { "\(d.intent): \($0)" } ?? d.intent, .textNormal), (d.agentID, .textNormal),
             (d.mode.rawValue, .textDim), (d.policy ?? "", .policyException)]
        }
    }

    static func outcomeRole(_ outcome: PolicyOutcome?) -> ThemeRole {
        switch outcome {
        case .allow: .policyAllow
        case .deny: .policyDeny
        case .requiresException, nil: .policyException
        }
    }

    static func hints(_ action: ActionID, _ state: AppState) -> Bool { action == .approve || action == .reject }

    static func handle(_ action: ActionID, _ state: inout AppState) -> [Effect]? {
        switch action {
        case .approve, .reject:
            return openApprovalDialog(&state, approve: action == .approve)
        case .down, .up, .first, .last, .pageDown, .pageUp:
            guard !state.detailFocused, var replay = state.replay else { return nil }
            step(&replay.list, action, height: state.listHeight)
            state.replay = replay
            state.detailScroll = 0
            return detailEffects(state)
        case .back:
            guard state.replay != nil, !state.detailPushed, !state.detailFocused else { return nil }
            state.replay = nil
            state.detail = nil
            return refresh(state, ordered: true)
        default:
            return nil
        }
    }

    /// A replay arrived: it takes the list's place, cursor on its first row.
    static func show(_ view: ReplayView, _ state: inout AppState) -> [Effect] {
        state.replay = view
        state.screen = .decisions
        state.detailFocused = false
        state.detailPushed = false
        state.detail = nil
        state.message = StatusMessage(
            text: "\(view.rows.count) decision\(view.rows.count == 1 ? "" : "s") would change under \(view.path); Enter opens one, Esc leaves",
            severity: .info, until: state.now + 8)
        return detailEffects(state)
    }

    /// The decision on screen: its replay row's when a replay is shown.
    static func selectedID(_ state: AppState) -> String? { state.replay.map { $0.list.selectedID } ?? state.decisions.selectedID }

    // MARK: Detail

    static func detail(_ d: DecisionDetail, _ state: AppState, width: Int) -> DetailContent {
        var lines: [(String, ThemeRole)] = []
        if let approval = d.approval, approval.status == .pending {
            lines.append(("⚑ approval pending · expires in \(countdown(approval.expiresAt, state.now)) · a approve · x reject", .badgePending))
            lines.append(("  \(approval.title)", .textEmphasis))
            if let policy = approval.policy { lines.append(("  policy \(policy): \(approval.policyMessage ?? "")", .policyException)) }
            if let message = approval.message, !message.isEmpty {
                lines += messageLines(message, width: max(1, width - 2)).map { ("  " + $0.0, $0.1) }
            }
        }
        lines.append(("\(d.decision.intent) · \(statusWord(d.decision.status)) · mode \(d.decision.mode.rawValue) · agent \(d.decision.agentID)", .textEmphasis))
        let zone = state.options.timeZone
        lines.append(("opened \(Timestamp.local(d.decision.createdAt, in: zone))\(d.closedAt.map { " · closed \(Timestamp.local($0, in: zone))" } ?? "")", .textDim))
        lines.append(("", .textNormal))
        let start = Timestamp.parse(d.decision.createdAt)
        for event in d.events {
            let (offset, kind, text, role) = timelineLine(event, start: start)
            lines.append((DisplayWidth.pad(offset, 9) + DisplayWidth.pad(kind, 9) + text, role))
        }
        // A gated tool call: the call itself, whole, from the hook input in the trace.
        if let call = d.events.first(where: { $0.body["context"]?["tool_name"] != nil })?.body["context"] {
            lines.append(("", .textNormal))
            lines.append(("Tool call", .textEmphasis))
            lines += toolCallLines(call, width: max(1, width - 2)).map { ("  " + $0.0, $0.1) }
        }
        if !d.memories.isEmpty {
            lines.append(("", .textNormal))
            lines.append(("Linked memories", .textEmphasis))
            for m in d.memories { lines.append(("  \(m.role) · \(DisplayWidth.middle(m.id, 16)) · \(m.type) · \(m.summary)", .textLink)) }
        }
        return DetailContent(title: "Decision \(DisplayWidth.middle(d.decision.id, 20))", lines: lines)
    }

    static func timelineLine(_ event: TimelineEvent, start: Date?) -> (String, String, String, ThemeRole) {
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
            return (offset, "policy", "\(s("policy_id")) → \(s("outcome"))\(s("message").isEmpty ? "" : " · " + s("message"))",
                    outcomeRole(PolicyOutcome(rawValue: s("outcome"))))
        case "approval_requested":
            return (offset, "approval", "requested · \(s("title")) · route \(b["approval_route_id"]?.stringValue ?? "default")", .statusPending)
        case "approval_resolved":
            let rationale = s("rationale")
            return (offset, "approval", "\(s("status")) by \(s("resolved_by"))\(rationale.isEmpty ? "" : " · " + rationale)",
                    ApprovalStatus(rawValue: s("status")).map(ThemeRole.status) ?? .textNormal)
        case "write":
            return (offset, "write", "product \(s("product")) · \(s("operation")) \(b["row_count"]?.integerValue.map { "\($0)" } ?? "")", .timelineKind)
        case "closed", "close":
            return (offset, "closed", "\(s("action")) \(s("reason"))", ThemeRole.status(s("action") == "commit" ? DecisionStatus.committed : .aborted))
        default:
            return (offset, event.type, b.canonicalText, .timelineKind)
        }
    }
}
