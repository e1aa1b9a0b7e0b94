import Synchronization
import VigilCore

/// The PostgreSQL store's change signal: one connection that `LISTEN`s on `vigil_changes`, which every commit that
/// changes decisions, approvals, principals, keys or memory notifies (from any server). ``version()`` reads what has
/// arrived without waiting and without a query, so polling it every 250 ms costs next to nothing.
final class PostgresChangeSignal: StoreChangeSignal {
    private let connection: Mutex<PostgresConnection>
    private let received = Atomic<Int>(0)

    init(location: PostgresLocation) throws(StoreError) {
        let connection = try PostgresConnection(location, applicationName: "vigil-listen")
        do {
            try connection.run("LISTEN vigil_changes")
        } catch {
            throw PostgresStore.storeError(error, location: location)
        }
        self.connection = Mutex(connection)
    }

    func version() throws(StoreError) -> Int {
        do {
            let count = try connection.withLock { connection throws(PostgresFailure) in
                try connection.drainNotifications().count
            }
            if count > 0 { received.add(count, ordering: .relaxed) }
            return received.load(ordering: .relaxed)
        } catch {
            let location = connection.withLock { $0.location }
            throw PostgresStore.storeError(error, location: location)
        }
    }
}
