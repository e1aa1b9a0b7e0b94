import GRDB
import VigilCore
import VigilStorePostgres

/// A raw connection to a fixture's store, for tests that play the attacker: disable triggers, alter rows.
public struct StoreTamper {
    private enum Target {
        case sqlite(DatabaseQueue)
        case postgres(url: String)
    }
    private let target: Target

    /// A raw connection to the SQLite file at `path`.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        self.init(target: .sqlite(try DatabaseQueue(path: path, configuration: configuration)))
    }

    private init(target: Target) { self.target = target }

    /// A raw connection to the store `fixture` runs on.
    public init(_ fixture: DecisionFixture) throws {
        switch fixture.storeKind {
        case .sqlite: try self.init(path: fixture.databasePath)
        case .postgres: self.init(target: .postgres(url: try Self.postgresURL(fixture.store)))
        }
    }

    private static func postgresURL(_ store: any Store) throws -> String {
        guard let store = store as? PostgresStore else { throw StoreError.invalidLocation(reason: "not a PostgreSQL store") }
        return store.connectionURL
    }

    /// Runs raw SQL.
    public func execute(_ sql: String) throws {
        switch target {
        case .sqlite(let queue): try queue.write { db in try db.execute(sql: sql) }
        case .postgres(let url): try PostgresAdmin.execute(url: url, sql)
        }
    }

    /// Lifts the append-only guard on decision events, as an attacker with database access could.
    public func allowEventEdits() throws {
        switch target {
        case .sqlite: try execute("DROP TRIGGER decision_events_no_update")
        case .postgres: try execute("DROP TRIGGER decision_events_no_update ON decision_events")
        }
    }

    /// Holds the database's write lock, as another process would, while `body` runs (SQLite only).
    public func holdingWriteLock<T>(_ body: () throws -> T) throws -> T {
        guard case .sqlite(let queue) = target else { return try body() }
        return try queue.writeWithoutTransaction { db in
            try db.execute(sql: "BEGIN IMMEDIATE")
            defer { try? db.execute(sql: "ROLLBACK") }
            return try body()
        }
    }

    /// Runs a query and returns its first column as text.
    public func strings(_ sql: String) throws -> [String] {
        switch target {
        case .sqlite(let queue): return try queue.read { db in try String.fetchAll(db, sql: sql) }
        case .postgres(let url): return try PostgresAdmin.strings(url: url, sql)
        }
    }
}
