import Foundation
import VigilCore

/// What one screen owns, as lazygit's contexts and k9s's renderers do: its list's title, columns and cells, what
/// an empty list says, and the keys that mean something only there. The shared reducer (`Reducer.swift`) and views
/// (`Views.swift`) handle what every screen has in common (moving, filtering, dialogs, layout) and dispatch the rest
/// here through ``Screen/model``, so adding a screen adds a file rather than growing those two.
protocol ScreenModel {
    /// The list box's title.
    static func listTitle(_ state: AppState) -> String
    /// Whether the list has loaded, and how many rows it holds.
    static func listStatus(_ state: AppState) -> (loaded: Bool, count: Int)
    /// What the list says when it has no rows.
    static func emptyMessage(_ state: AppState) -> String
    /// The list's columns and cells, and where the cursor and viewport are.
    static func table(_ state: AppState) -> ScreenTable
    /// A key's action when it means something particular on this screen; `nil` leaves it to the shared handling.
    static func handle(_ action: ActionID, _ state: inout AppState) -> [Effect]?
    /// Whether a key's hint belongs in the hint bar on this screen now (only asked for screen-specific actions).
    static func hints(_ action: ActionID, _ state: AppState) -> Bool
}

/// A screen's list as the shared table draws it.
struct ScreenTable {
    var columns: [Column]
    var rows: [[(String, ThemeRole)]]
    var selected: Int?
    var top: Int

    init<Row>(_ list: ListState<Row>, columns: [Column], cells: (Row) -> [(String, ThemeRole)]) {
        (self.columns, rows, selected, top) = (columns, list.rows.map(cells), list.selectedIndex, list.top)
    }
}

extension Screen {
    /// The file that owns this screen.
    var model: any ScreenModel.Type {
        switch self {
        case .decisions: DecisionsScreen.self
        case .pending: PendingScreen.self
        case .memory: MemoryScreen.self
        case .agents: AgentsScreen.self
        }
    }
}

/// A detail pane's content: its title and styled lines.
struct DetailContent {
    var title: String
    var lines: [(String, ThemeRole)]
    /// The line a cursor is on (a lineage row, a relation): the pane scrolls to keep it in view.
    var cursorLine: Int?
}
