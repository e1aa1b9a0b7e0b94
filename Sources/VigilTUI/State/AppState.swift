import Foundation
import VigilCore

public enum Screen: Int, CaseIterable, Sendable {
    case decisions, pending, memory, agents

    public var title: String {
        switch self {
        case .decisions: "Decisions"
        case .pending: "Pending"
        case .memory: "Memory"
        case .agents: "Agents"
        }
    }
}

public enum Detail: Sendable, Equatable {
    case decision(DecisionDetail)
    case memory(MemoryDetail)
    case missing(String)
}

/// A list's rows and where the cursor is. The selection is an id, so refreshes never move it.
public struct ListState<Row: Identifiable & Equatable & Sendable>: Sendable, Equatable where Row.ID == String {
    public var rows: [Row] = []
    public var selectedID: String?
    /// The first row on screen.
    public var top = 0
    public var loaded = false
    public var error: String?
    /// Rows that arrived above the view while the operator was scrolled away or paused.
    public var newCount = 0
    /// More rows exist after the last loaded one.
    public var hasMore = false

    public init() {}

    public var selectedIndex: Int? { selectedID.flatMap { id in rows.firstIndex { $0.id == id } } }
    public var selected: Row? { selectedIndex.map { rows[$0] } }
}

public enum DialogKind: Sendable, Equatable {
    case approve, reject
    case reinforce, penalize, retract, contest
    /// Take a pending request out of the queue for a while (the field holds the duration).
    case snooze
    /// Show a HIGH or HYPER memory's payload; the field holds the reason written to its audit log.
    case reveal

    /// The outcome as a status message says it (`retracted m1`).
    public var pastTense: String {
        switch self {
        case .approve: "approved"
        case .reject: "rejected"
        case .reinforce: "reinforced"
        case .penalize: "penalized"
        case .retract: "retracted"
        case .contest: "contested"
        case .snooze: "snoozed"
        case .reveal: "revealed"
        }
    }

    public var verb: String {
        switch self {
        case .approve: "Approve"
        case .reject: "Reject"
        case .reinforce: "Reinforce"
        case .penalize: "Penalize"
        case .retract: "Retract"
        case .contest: "Contest"
        case .snooze: "Snooze"
        case .reveal: "Reveal"
        }
    }
}

public enum DialogFocus: Sendable, Equatable { case field, cancel, confirm }

/// A confirm dialog, bound to one request or record id whatever happens to the list behind it.
public struct ConfirmDialog: Sendable, Equatable {
    public var kind: DialogKind
    public var targetID: String
    public var lines: [String]
    public var rationale = ""
    public var requireRationale: Bool
    public var focus: DialogFocus
    /// After a refusal (already resolved, expired…) the dialog shows this and no confirm button.
    public var notice: String?
    public var busy = false
    /// For approvals: when the request expires (confirm turns off then).
    public var expiresAt: Date?
    /// Every request the dialog acts on when it acts on several (marked rows, a snooze of marked rows); empty for one.
    public var targetIDs: [String] = []
    /// The request's own message (a gated call's command or edit), shown whole: wrapped, never cut.
    public var message: String?

    /// Approve or reject several requests at once.
    public var isBulk: Bool { !targetIDs.isEmpty && (kind == .approve || kind == .reject) }

    /// The field as a snooze length, when this is a snooze dialog and it is one.
    public var snoozeSeconds: TimeInterval? { kind == .snooze ? snoozeDuration(rationale) : nil }

    public var canConfirm: Bool {
        if kind == .snooze { return notice == nil && snoozeSeconds != nil }
        return notice == nil && !busy && !(requireRationale && rationale.trimmingCharacters(in: .whitespaces).isEmpty)
    }
}

public enum Prompt: Sendable, Equatable {
    case filter(String)
    case palette(String)
}

public struct StatusMessage: Sendable, Equatable {
    public enum Severity: Sendable { case info, warning, error }
    public var text: String
    public var severity: Severity
    public var until: Date
}

/// Options fixed at start-up.
public struct DashboardOptions: Sendable, Equatable {
    public var operatorName: String
    public var databaseName: String
    public var readOnly = false
    public var bell = false
    public var monochrome = false
    public var endpoints: [String] = []
    /// `dashboard.allow_reveal`: `v` may reveal HIGH and HYPER payloads (each reveal audited).
    public var allowReveal = true
    /// Details show times in this zone, to the millisecond (the machine's; tests fix it).
    public var timeZone = TimeZone.current

    public init(operatorName: String, databaseName: String, readOnly: Bool = false, bell: Bool = false, monochrome: Bool = false,
                endpoints: [String] = [], allowReveal: Bool = true) {
        (self.operatorName, self.databaseName, self.readOnly, self.bell, self.monochrome, self.endpoints) = (operatorName, databaseName, readOnly, bell, monochrome, endpoints)
        self.allowReveal = allowReveal
    }
}

/// Everything the dashboard shows. Only ``reduce(_:_:)`` changes it.
public struct AppState: Sendable, Equatable {
    public var options: DashboardOptions
    public var keymap: Keymap
    public var size: Size
    public var now: Date
    public var screen: Screen = .decisions
    public var detailFocused = false
    /// The narrow layout shows the detail instead of the list.
    public var detailPushed = false
    public var decisions = ListState<DecisionRow>()
    public var approvals = ListState<ApprovalRow>()
    /// Every pending request as last loaded; ``approvals`` shows them less the snoozed, filtered and sorted.
    public var queue: [ApprovalRow] = []
    /// Requests marked (Space) for one bulk approve or reject.
    public var marked: Set<String> = []
    /// Requests out of the queue until a time (`z`): this dashboard's own view, nothing is written.
    public var snoozed: [String: Date] = [:]
    public var memory = ListState<MemoryRow>()
    public var agents = ListState<AgentRow>()
    public var detail: Detail?
    /// A policy what-if shown in the Decisions list instead of the live decisions, until Esc.
    public var replay: ReplayView?
    /// A payload revealed (`v`) for the record on screen: shown instead of the mask until the cursor moves on.
    public var revealed: RevealedPayload?
    /// The history (`h`) of the memory on screen, shown in its detail until `h`, Esc or the cursor moves on.
    public var history: HistoryView?
    /// Memory ids followed through relations, for Esc to come back.
    public var trail: [String] = []
    public var detailScroll = 0
    /// The relation the cursor is on in a memory's detail (`Enter` follows it).
    public var relationIndex = 0
    /// Store and memory metrics for the agents view: loaded on entering it and on `r`, else at most every 30 s.
    public var metrics: [String] = []
    public var metricsAt: Date?
    /// Decisions per minute, requests waiting, approval waits per agent: loaded at most every 10 s.
    public var activity: Activity?
    public var activityAt: Date?
    public var filters: [Screen: String] = [:]
    public var prompt: Prompt?
    public var dialog: ConfirmDialog?
    public var helpVisible = false
    /// The first help line shown, when the help is longer than the terminal (see ``HelpOverlay``).
    public var helpScroll = 0
    public var paused = false
    public var pendingCount = 0
    public var seenPending: Set<String>? = nil
    public var pendingFlashUntil: Date?
    public var lastBell: Date?
    public var lastUpdate: Date?
    public var pollError: String?
    public var message: StatusMessage?
    public var shouldQuit = false

    public init(options: DashboardOptions, keymap: Keymap = .defaults, size: Size, now: Date) {
        (self.options, self.keymap, self.size, self.now) = (options, keymap, size, now)
    }

    /// The minimum size (tui.md §2.1).
    public static let minimumSize = Size(columns: 60, rows: 16)
    public var tooSmall: Bool { size.columns < Self.minimumSize.columns || size.rows < Self.minimumSize.rows }

    /// Rows the list pane shows at the current size.
    public var listHeight: Int {
        let body = size.rows - 2  // status and hint bars
        if size.columns >= 120 || size.columns < 80 { return max(1, body - 3) }
        return max(1, (body - 3) / 2 - 1)
    }

    public func contexts() -> [KeyContext] {
        var contexts: [KeyContext] = detailFocused ? [.detail] : []
        switch screen {
        case .decisions, .pending: contexts += [.list, .approvals]
        case .memory: contexts += [.list, .memory]
        case .agents: contexts += [.list]
        }
        return contexts
    }
}
