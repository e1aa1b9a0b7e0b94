import VigilTUI

/// Where the dashboard's data comes from and where its actions go: the local store
/// (``LocalDashboardSource``) or a remote vigil over its endpoints (``RemoteDashboardSource``).
///
/// The reducer asks for data with ``Effect``s; a source answers each with the ``Action`` that carries the result,
/// and tells the dashboard when something changed.
public protocol DashboardSource: Sendable {
    /// Runs one effect and returns what it found (or why it could not).
    func execute(_ effect: Effect, operatorName: String) async -> Action

    /// Runs until cancelled: posts `.dataChanged` when the data changed, and `.pollSucceeded` / `.pollFailed` so the
    /// status line can say whether the source is reachable.
    func watch(post: @escaping @Sendable (Action) -> Void) async
}
