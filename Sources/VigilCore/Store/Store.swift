import Foundation
import GRDB

/// The one SQLite database that both engines share: WAL mode, a busy timeout, versioned migrations, safe to open
/// from many processes at once.
///
/// Only the store and its `Store+*.swift` extensions speak SQL. Engines run their work inside ``write(_:)`` and
/// ``read(_:)`` closures that receive a ``StoreTransaction`` and call methods named for what they mean.
public final class Store: Sendable {
    /// Seconds a writer waits for another process's lock before giving up with ``StoreError/busy``.
    public static let busyTimeout: TimeInterval = 5

    public let path: String
    let pool: DatabasePool

    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    public init(path: String) throws(StoreError) {
        self.path = path
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw StoreError.cannotOpen(path: path, reason: "cannot create directory \(directory)")
            }
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(Self.busyTimeout)
        configuration.label = "vigil"
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL")
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            let migrator = Migrations.migrator
            try pool.read { db in
                if try migrator.hasBeenSuperseded(db) { throw StoreError.newerSchema(path: path) }
            }
            try migrator.migrate(pool)
        } catch {
            throw StoreError.from(error, path: path)
        }
    }

    /// Runs `body` in one IMMEDIATE write transaction; any thrown error rolls everything back.
    ///
    /// Errors thrown by `body` itself pass through unchanged; SQLite failures become ``StoreError``.
    func write<T>(_ body: (StoreTransaction) throws -> T) throws -> T {
        do {
            return try pool.write { db in try body(StoreTransaction(db: db)) }
        } catch let error as DatabaseError {
            throw StoreError.from(error, path: path)
        }
    }

    /// Runs `body` in one read transaction on a snapshot of the database.
    func read<T>(_ body: (StoreTransaction) throws -> T) throws -> T {
        do {
            return try pool.read { db in try body(StoreTransaction(db: db)) }
        } catch let error as DatabaseError {
            throw StoreError.from(error, path: path)
        }
    }

    /// The applied migration identifiers, oldest first.
    public func appliedMigrations() throws(StoreError) -> [String] {
        do {
            return try pool.read { db in try Migrations.migrator.appliedIdentifiers(db).sorted() }
        } catch {
            throw StoreError.from(error, path: path)
        }
    }

    /// The journal mode in force (`wal`).
    public func journalMode() throws(StoreError) -> String {
        do {
            return try pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
        } catch {
            throw StoreError.from(error, path: path)
        }
    }
}

/// The handle engines receive inside a store transaction. It never escapes the closure.
struct StoreTransaction {
    let db: Database
}
