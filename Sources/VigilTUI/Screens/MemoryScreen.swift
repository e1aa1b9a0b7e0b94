import Foundation
import VigilCore

// The Memory screen: the browser's query, its rows and columns, a record's detail (relations to follow, a payload to
// reveal), its history (lineage, payload diffs, salience over time) and the curation dialogs.

/// One row of the memory browser: the core's row, the same from every source.
public typealias MemoryRow = MemoryBrowserRow

/// The memory detail: the record's fields as display lines, its relations (navigable) and audit log.
public struct MemoryDetail: Sendable, Equatable {
    public struct Relation: Sendable, Equatable {
        public var predicate: String
        public var targetID: String
        public var inStore: Bool
        public init(predicate: String, targetID: String, inStore: Bool) { (self.predicate, self.targetID, self.inStore) = (predicate, targetID, inStore) }
    }
    public var row: MemoryRow
    public var confidence: Double
    public var scope: String
    public var tags: [String]
    public var createdAt: String
    public var provenance: [String]
    public var payload: [String]
    public var relations: [Relation]
    public var audit: [String]
    public var decisions: [String]

    public init(row: MemoryRow, confidence: Double, scope: String, tags: [String], createdAt: String, provenance: [String],
                payload: [String], relations: [Relation], audit: [String], decisions: [String]) {
        (self.row, self.confidence, self.scope, self.tags, self.createdAt) = (row, confidence, scope, tags, createdAt)
        (self.provenance, self.payload, self.relations, self.audit, self.decisions) = (provenance, payload, relations, audit, decisions)
    }
}

/// A memory payload an operator revealed, as display lines.
public struct RevealedPayload: Sendable, Equatable {
    public var id: String
    public var lines: [String]

    public init(id: String, lines: [String]) { (self.id, self.lines) = (id, lines) }
}

/// A record's history (`h`) as the detail pane shows it: the lineage with a cursor, a revision marked as the diff's
/// base (Space), and the diff on screen (`d`).
public struct HistoryView: Sendable, Equatable {
    public struct Diff: Sendable, Equatable {
        public var fromID: String
        public var toID: String
        /// `nil` when a side is masked (HIGH or HYPER): nothing is compared.
        public var changes: [PayloadChange]?
    }

    public var history: MemoryHistory
    /// The lineage row the cursor is on.
    public var cursor: Int
    public var baseID: String?
    public var diff: Diff?

    public init(history: MemoryHistory) {
        self.history = history
        cursor = history.revisions.firstIndex { $0.id == history.id } ?? 0
    }
}

/// The memory browser's query: free text plus `type:`, `sens:` and `sal:` filters.
public struct MemoryQuery: Sendable, Equatable {
    public var text = ""
    public var types: [MemoryType] = []
    public var maxSensitivity = Sensitivity.hyper
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
                guard let type = MemoryType(rawValue: value) else {
                    return .failure(FilterError(message: "type must be one of \(MemoryType.allCases.map(\.rawValue).joined(separator: ", "))"))
                }
                query.types.append(type)
            case "sens":
                for prefix in ["<=", "<"] where value.hasPrefix(prefix) { value.removeFirst(prefix.count) }
                guard let level = Sensitivity(rawValue: value) else {
                    return .failure(FilterError(message: "sens must be public, low, medium, high or hyper"))
                }
                query.maxSensitivity = level
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

enum MemoryScreen: ScreenModel {
    static func listTitle(_ state: AppState) -> String { Screen.memory.title }

    static func listStatus(_ state: AppState) -> (loaded: Bool, count: Int) { (state.memory.loaded, state.memory.rows.count) }

    static func emptyMessage(_ state: AppState) -> String {
        state.filters[.memory].map { "No memories match \($0)." } ?? "No memories yet. Records agents ingest appear here."
    }

    static func table(_ state: AppState) -> ScreenTable {
        ScreenTable(
            state.memory,
            columns: [Column(title: "TYPE", width: 10), Column(title: "SALIENCE", width: 13), Column(title: "SENS", width: 5),
                      Column(title: "SUMMARY", width: 0), Column(title: "STATE", width: 9)]
        ) { m in
            [(m.type.rawValue, .textNormal), (salienceBar(m.salience) + String(format: " %.2f", m.salience), .salienceBar),
             (badge(m.sensitivity), ThemeRole.sensitivity(m.sensitivity)), (m.summary, .textNormal),
             (m.status.rawValue, statusRole(m.status))]
        }
    }

    static func statusRole(_ status: MemoryStatus) -> ThemeRole {
        switch status {
        case .active: .revisionActive
        case .contested: .revisionContested
        case .retracted, .superseded: .revisionRetracted
        }
    }

    static func hints(_ action: ActionID, _ state: AppState) -> Bool {
        switch action {
        case .reinforce, .penalize, .retract, .contest, .history: true
        case .diff, .diffBase: state.history != nil
        case .reveal:
            if case .memory(let m) = state.detail, m.row.sensitivity >= .high, state.options.allowReveal, state.revealed?.id != m.row.id {
                true
            } else {
                false
            }
        default: false
        }
    }

    static func handle(_ action: ActionID, _ state: inout AppState) -> [Effect]? {
        switch action {
        case .reinforce, .penalize, .retract, .contest:
            guard let row = state.memory.selected else { return [] }
            let kind: DialogKind = switch action {
            case .reinforce: .reinforce
            case .penalize: .penalize
            case .retract: .retract
            default: .contest
            }
            state.dialog = ConfirmDialog(
                kind: kind, targetID: row.id,
                lines: ["\(row.type.rawValue) · \(badge(row.sensitivity)) · salience \(String(format: "%.2f", row.salience))", row.summary],
                requireRationale: kind == .retract || kind == .contest, focus: kind == .retract || kind == .contest ? .field : .cancel)
            return []
        case .reveal:
            return openRevealDialog(&state)
        case .history:
            if state.history != nil {
                state.history = nil
                return []
            }
            guard case .memory(let detail) = state.detail else { return [] }
            state.detailFocused = true
            state.detailScroll = 0
            return [.loadMemoryHistory(detail.row.id)]
        case .diffBase, .diff:
            guard var view = state.history, view.history.revisions.indices.contains(view.cursor) else { return [] }
            let revision = view.history.revisions[view.cursor]
            if action == .diffBase {
                view.baseID = view.baseID == revision.id ? nil : revision.id
                state.history = view
                return []
            }
            let base = view.baseID ?? view.history.id
            guard base != revision.id else {
                state.message = StatusMessage(
                    text: "this is the record itself: move to another revision, or mark one with Space first", severity: .info, until: state.now + 5)
                return []
            }
            let from = view.history.revision(base)?.payload
            let to = revision.payload
            view.diff = HistoryView.Diff(
                fromID: base, toID: revision.id, changes: from.flatMap { from in to.map { PayloadDiff.changes(from: from, to: $0) } })
            state.history = view
            state.detailScroll = 0
            return []
        case .down, .up:
            guard state.detailFocused else { return nil }
            if var view = state.history {
                // In the history the cursor walks the lineage.
                view.cursor = max(0, min(view.history.revisions.count - 1, view.cursor + (action == .down ? 1 : -1)))
                state.history = view
                return []
            }
            guard case .memory(let detail) = state.detail, !detail.relations.isEmpty else { return nil }
            // In a memory's detail the cursor walks its relations; Enter follows the one it is on.
            state.relationIndex = max(0, min(detail.relations.count - 1, state.relationIndex + (action == .down ? 1 : -1)))
            return []
        case .open where state.detailFocused:
            if let view = state.history, view.history.revisions.indices.contains(view.cursor) {
                let target = view.history.revisions[view.cursor].id
                guard target != view.history.id else { return [] }
                follow(&state, target)
                return [.loadMemoryDetail(target), .loadMemoryHistory(target)]
            }
            guard case .memory(let detail) = state.detail, detail.relations.indices.contains(state.relationIndex) else { return nil }
            let relation = detail.relations[state.relationIndex]
            guard relation.inStore else {
                state.message = StatusMessage(text: "\(relation.targetID) is not in this store", severity: .info, until: state.now + 4)
                return []
            }
            follow(&state, relation.targetID)
            return [.loadMemoryDetail(relation.targetID)]
        case .back:
            if var view = state.history, view.diff != nil {
                view.diff = nil
                state.history = view
                return []
            }
            guard !state.trail.isEmpty else {
                if state.history != nil {
                    state.history = nil
                    return []
                }
                return nil
            }
            state.trail.removeLast()
            state.relationIndex = 0
            let back = state.trail.last ?? state.memory.selectedID
            return detailEffects(state) + (state.history != nil ? back.map { [.loadMemoryHistory($0)] } ?? [] : [])
        default:
            return nil
        }
    }

    /// Opens another record in the detail; Esc comes back. Cycle-safe: a record already on the trail pops back to it.
    static func follow(_ state: inout AppState, _ id: String) {
        if let index = state.trail.firstIndex(of: id) {
            state.trail.removeSubrange((index + 1)...)
        } else {
            state.trail.append(id)
        }
        state.relationIndex = 0
        state.revealed = nil
    }

    /// `v` on a memory's detail: HIGH and HYPER payloads are masked; revealing one asks why and audits it.
    static func openRevealDialog(_ state: inout AppState) -> [Effect] {
        guard case .memory(let detail) = state.detail else { return [] }
        guard detail.row.sensitivity >= .high else {
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
                "\(DisplayWidth.middle(detail.row.id, 20)) · \(detail.row.type.rawValue) · \(badge(detail.row.sensitivity))",
                "Your name, the time and your reason go to this record's audit log.",
            ],
            requireRationale: true, focus: .field)
        return []
    }

    // MARK: Detail

    static func detail(_ m: MemoryDetail, _ state: AppState, focused: Bool) -> DetailContent {
        let title = "Memory " + (state.trail.isEmpty ? DisplayWidth.middle(m.row.id, 20) : "› " + state.trail.map { DisplayWidth.middle($0, 12) }.joined(separator: " › "))
        var lines: [(String, ThemeRole)] = []
        lines.append(("\(m.row.type.rawValue) · \(badge(m.row.sensitivity)) · \(m.row.status.rawValue) · salience \(String(format: "%.2f", m.row.salience)) · confidence \(String(format: "%.2f", m.confidence))", .textEmphasis))
        if let view = state.history, view.history.id == m.row.id {
            let history = historyLines(view, state, focused: focused)
            return DetailContent(
                title: title + " · history", lines: lines + history.lines, cursorLine: history.cursorLine.map { $0 + lines.count })
        }
        lines.append(("id \(m.row.id) · scope \(m.scope.isEmpty ? "—" : m.scope)", .textDim))
        lines.append(("created \(Timestamp.local(m.createdAt, in: state.options.timeZone))", .textDim))
        if !m.tags.isEmpty { lines.append(("tags \(m.tags.joined(separator: ", "))", .textDim)) }
        lines.append(("", .textNormal))
        if let revealed = state.revealed, revealed.id == m.row.id {
            lines.append(("Payload · revealed by \(state.options.operatorName) · in the audit log", .messageWarn))
            lines += revealed.lines.map { ("  " + $0, ThemeRole.textNormal) }
        } else {
            lines.append(("Payload", .textEmphasis))
            lines += m.payload.map { ("  " + $0, m.row.sensitivity >= .high ? ThemeRole.sensitivityMasked : .textNormal) }
        }
        lines.append(("Provenance", .textEmphasis))
        lines += m.provenance.map { ("  " + $0, ThemeRole.textNormal) }
        lines.append(("Relations", .textEmphasis))
        if m.relations.isEmpty { lines.append(("  none", .textDim)) }
        var cursorLine: Int?
        for (i, r) in m.relations.enumerated() {
            let cursor = focused && i == state.relationIndex
            if cursor { cursorLine = lines.count }
            lines.append(((cursor ? "▶ " : "  ") + "\(r.predicate) → \(r.targetID)\(r.inStore ? (cursor ? "  (Enter follows, Esc comes back)" : "") : "  not in this store")",
                          cursor ? .selectionFocused : (r.inStore ? .textLink : .textDim)))
        }
        if !m.decisions.isEmpty {
            lines.append(("Used by", .textEmphasis))
            lines += m.decisions.map { ("  " + $0, ThemeRole.textLink) }
        }
        lines.append(("Audit", .textEmphasis))
        lines += m.audit.map { ("  " + $0, ThemeRole.textNormal) }
        return DetailContent(title: title, lines: lines, cursorLine: cursorLine)
    }

    /// The history: salience over time, the diff when one is asked for (above the lineage, so a short pane shows it),
    /// and the lineage to walk.
    static func historyLines(_ view: HistoryView, _ state: AppState, focused: Bool) -> (lines: [(String, ThemeRole)], cursorLine: Int?) {
        let history = view.history
        let zone = state.options.timeZone
        func time(_ ns: Nanoseconds) -> String { Timestamp.local(MemoryTime.format(ns), in: zone) }
        func age(_ ns: Nanoseconds) -> String { relative(MemoryTime.format(ns), state.now) }
        var lines: [(String, ThemeRole)] = [("Salience", .textEmphasis)]
        var cursorLine: Int?
        let curve = history.curve(samples: 32)
        if let first = history.points.first, let last = curve.last {
            lines.append(("  " + salienceSparkline(curve) + String(format: "  %.2f → %.2f now", first.salience, last), .chartSpark))
            lines.append(("  over \(age(first.time)) · \(history.points.count) change\(history.points.count == 1 ? "" : "s")"
                + (history.pinned ? " · pinned" : " · half-life \(shortDuration(Double(history.halfLifeSeconds)))")
                + " · from \(time(first.time))", .textDim))
        } else {
            lines.append(("  no salience recorded (entries older than this vigil version carry none)", .textDim))
        }
        if let diff = view.diff {
            lines.append(("Diff \(DisplayWidth.middle(diff.fromID, 14)) → \(DisplayWidth.middle(diff.toID, 14)) · Esc closes", .textEmphasis))
            switch diff.changes {
            case nil: lines.append(("  masked (HIGH or HYPER): reveal it with v to compare", .sensitivityMasked))
            case let changes? where changes.isEmpty: lines.append(("  the payloads are the same", .textDim))
            case let changes?:
                for change in changes {
                    switch change.kind {
                    case .added: lines.append(("  + \(change.path): \(change.after?.canonicalText ?? "")", .diffAdded))
                    case .removed: lines.append(("  - \(change.path): \(change.before?.canonicalText ?? "")", .diffRemoved))
                    case .changed:
                        lines.append(("  ~ \(change.path): \(change.before?.canonicalText ?? "") → \(change.after?.canonicalText ?? "")", .diffChanged))
                    }
                }
            }
        }
        lines.append(("Lineage · \(history.revisions.count) revision\(history.revisions.count == 1 ? "" : "s")\(history.truncated ? " (more not shown)" : "")"
            + (focused ? " · Enter opens · Space marks · d diffs" : " · Tab walks it"), .textEmphasis))
        for (i, r) in history.revisions.enumerated() {
            let cursor = focused && i == view.cursor
            if cursor { cursorLine = lines.count }
            let mark = r.id == view.baseID ? "◆" : (r.id == history.id ? "●" : " ")
            let edges = r.edges.map { "\($0.link.phrase) \(DisplayWidth.middle($0.targetID, 12))" }.joined(separator: ", ")
            let text = "\(cursor ? "▶" : " ")\(mark) \(DisplayWidth.pad(age(r.createdAt), 4)) \(DisplayWidth.pad(DisplayWidth.middle(r.id, 14), 14)) "
                + "\(DisplayWidth.pad(r.status.rawValue, 10)) \(edges.isEmpty ? "original" : edges) · \(r.summary)"
            lines.append((text, cursor ? .selectionFocused : (r.id == history.id ? .textEmphasis : statusRole(r.status))))
        }
        return (lines, cursorLine)
    }

    /// Salience (0…1, absolute, not scaled to the largest) as one block per sample.
    static func salienceSparkline(_ values: [Double]) -> String {
        let blocks = Array("▁▂▃▄▅▆▇█")
        return String(values.map { blocks[max(0, min(7, Int(($0 * 8).rounded(.down))))] })
    }
}
