import GRDB

/// A raw connection to a store file, for tests that play the attacker: disable triggers, alter rows.
public struct StoreTamper {
    let queue: DatabaseQueue

    public init(path: String) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        queue = try DatabaseQueue(path: path, configuration: configuration)
    }

    /// Runs raw SQL.
    public func execute(_ sql: String) throws {
        try queue.write { db in try db.execute(sql: sql) }
    }

    /// Holds the database's write lock, as another process would, while `body` runs.
    public func holdingWriteLock<T>(_ body: () throws -> T) throws -> T {
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "BEGIN IMMEDIATE")
            defer { try? db.execute(sql: "ROLLBACK") }
            return try body()
        }
    }

    /// Runs a query and returns its first column as text.
    public func strings(_ sql: String) throws -> [String] {
        try queue.read { db in try String.fetchAll(db, sql: sql) }
    }
}
