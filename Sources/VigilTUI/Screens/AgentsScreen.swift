import Foundation
import VigilCore

// The Agents screen: every principal with its decision counts and approval waits; the store's aggregates in the
// detail pane; Enter lists the selected agent's decisions.

enum AgentsScreen: ScreenModel {
    static func listTitle(_ state: AppState) -> String { Screen.agents.title }

    static func listStatus(_ state: AppState) -> (loaded: Bool, count: Int) { (state.agents.loaded, state.agents.rows.count) }

    static func emptyMessage(_ state: AppState) -> String { "No agents yet. Add one with `vigil agents add NAME`." }

    static func table(_ state: AppState) -> ScreenTable {
        ScreenTable(
            state.agents,
            columns: [Column(title: "AGENT", width: 0), Column(title: "KIND", width: 8), Column(title: "OPEN", width: 5, rightAligned: true),
                      Column(title: "PENDING", width: 7, rightAligned: true), Column(title: "DECISIONS", width: 9, rightAligned: true),
                      Column(title: "WAIT p50/p95", width: 12, rightAligned: true), Column(title: "LAST SEEN", width: 9)]
        ) { a in
            let wait = state.activity?.waits.first { $0.agentID == a.id }
            return [(a.id + (a.active ? "" : " (disabled)"), a.active ? .textNormal : .textDim), (a.kind.rawValue, .textDim), ("\(a.open)", .textNormal),
                    ("\(a.pending)", a.pending > 0 ? .statusPending : .textNormal), ("\(a.decisions)", .textNormal),
                    (wait.map { "\(shortDuration($0.p50))/\(shortDuration($0.p95))" } ?? "—", wait == nil ? .textDim : .textNormal),
                    (a.lastSeen.map { relative($0, state.now) } ?? "never", .timelineTime)]
        }
    }

    static func hints(_ action: ActionID, _ state: AppState) -> Bool { false }

    static func handle(_ action: ActionID, _ state: inout AppState) -> [Effect]? {
        guard action == .open, let agent = state.agents.selected else { return nil }
        state.filters[.decisions] = "agent:\(agent.id)"
        return switchTo(&state, .decisions)
    }

    /// The detail pane: the store's aggregates (decisions by status, memory metrics, file sizes).
    static func metrics(_ state: AppState) -> DetailContent {
        DetailContent(title: "Metrics", lines: state.metrics.isEmpty ? [("loading…", .textDim)] : state.metrics.map { ($0, ThemeRole.textNormal) })
    }
}
