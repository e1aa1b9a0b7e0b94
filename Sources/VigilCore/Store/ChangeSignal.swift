import GRDB

/// A cheap "did anything change?" signal for readers in any process: `PRAGMA data_version` on one dedicated
/// connection.
///
/// `data_version` changes whenever another connection commits, so a dashboard can poll it every 250 ms for a few
/// microseconds and re-query only when it moves.
///
/// - Important: The value only means something when compared with an earlier value from the *same* signal; never
///   compare values from two signals.
public final class ChangeSignal: Sendable {
    private let connection: DatabaseQueue

    /// Opens a dedicated connection to the store's file.
    public init(store: Store) throws(StoreError) {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(Store.busyTimeout)
        do {
            connection = try DatabaseQueue(path: store.path, configuration: configuration)
        } catch {
            throw StoreError.from(error, path: store.path)
        }
    }

    /// The current `data_version` of this signal's connection.
    public func version() throws(StoreError) -> Int {
        do {
            return try connection.read { db in try Int.fetchOne(db, sql: "PRAGMA data_version") ?? 0 }
        } catch {
            throw StoreError.from(error, path: "")
        }
    }
}
