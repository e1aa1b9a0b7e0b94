import GRDB
import VigilCore

/// The SQLite store's change signal: `PRAGMA data_version` on one dedicated connection, which changes whenever
/// another connection (of any process) commits.
final class SQLiteChangeSignal: StoreChangeSignal {
    private let connection: DatabaseQueue

    /// Opens a dedicated connection to the store's file.
    init(store: SQLiteStore) throws(StoreError) {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(SQLiteStore.busyTimeout)
        do {
            connection = try DatabaseQueue(path: store.path, configuration: configuration)
        } catch {
            throw StoreError.from(error, path: store.path)
        }
    }

    /// The current `data_version` of this signal's connection.
    func version() throws(StoreError) -> Int {
        do {
            return try connection.read { db in try Int.fetchOne(db, sql: "PRAGMA data_version") ?? 0 }
        } catch {
            throw StoreError.from(error, path: "")
        }
    }
}
