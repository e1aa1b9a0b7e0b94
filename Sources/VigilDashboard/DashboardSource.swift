import Foundation
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

/// A watcher's loop: reads a fingerprint of the source every `interval`; posts `.dataChanged` when it differs from
/// the last one, `.pollSucceeded` after every read, and `.pollFailed` (with `describe`'s reason) when a read fails,
/// then retries after 1, 2, 4… up to 10 s.
func pollForChanges<Fingerprint: Equatable>(
    every interval: Duration, post: @Sendable (Action) -> Void, describe: (any Error, Int) -> String,
    read: () async throws -> Fingerprint
) async {
    var last: Fingerprint?
    var backoff = 1.0
    while !Task.isCancelled {
        do {
            let current = try await read()
            if let last, last != current { post(.dataChanged) }
            last = current
            post(.pollSucceeded(Date()))
            backoff = 1
            try? await Task.sleep(for: interval)
        } catch {
            post(.pollFailed(describe(error, Int(backoff))))
            try? await Task.sleep(for: .seconds(backoff))
            backoff = min(10, backoff * 2)
        }
    }
}
