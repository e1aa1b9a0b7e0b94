import Foundation
import GRDB
import VigilCore

/// The store in one SQLite file, vigil's default: WAL mode, a busy timeout, versioned migrations, group commit, safe
/// to open from many processes at once.
///
/// Only this class and its `SQLiteTransaction+*.swift` extensions speak SQL to the file.
public final class SQLiteStore: Store {
    /// Seconds a writer waits for another process's lock before giving up with ``StoreError/busy``.
    public static let busyTimeout: TimeInterval = 5

    public let path: String
    package var location: String { path }
    /// The file's folder.
    package var localDirectory: String {
        let directory = (path as NSString).deletingLastPathComponent
        return directory.isEmpty ? "." : directory
    }
    let pool: DatabasePool
    let group = WriteGroup()
    /// Checkpoints this store's log in the background.
    let checkpointer: Checkpointer

    /// What an acknowledged commit survives (``Durability``).
    public let durability: Durability

    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    public init(path: String, durability: Durability = .full) throws(StoreError) {
        self.path = path
        self.durability = durability
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty, !FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw StoreError.cannotOpen(path: path, reason: "cannot create directory \(directory)")
            }
        }
        let checkpointer = Checkpointer(path: path)
        self.checkpointer = checkpointer
        var configuration = Configuration()
        configuration.busyMode = .timeout(Self.busyTimeout)
        configuration.label = "vigil"
        configuration.prepareDatabase { db in
            // Takes effect only on a file that has no tables yet: a new store gives deleted rows' room back to the
            // file system by incremental vacuum (retention); an older one keeps its mode until `compact()`.
            if !db.configuration.readonly { try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL") }
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            if !db.configuration.readonly { try checkpointer.install(on: db) }
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            // GRDB sets NORMAL on the writer when it turns WAL on (after prepareDatabase): the durability asked for is
            // set here, on the one connection that commits.
            if !configuration.readonly {
                try pool.writeWithoutTransaction { db in
                    try db.execute(sql: "PRAGMA synchronous = \(durability == .full ? "FULL" : "NORMAL")")
                }
            }
            let migrator = Migrations.migrator
            try pool.read { db in
                if try migrator.hasBeenSuperseded(db) { throw StoreError.newerSchema(path: path) }
            }
            try migrator.migrate(pool)
        } catch {
            throw StoreError.from(error, path: path)
        }
    }

    /// `PRAGMA synchronous` as the writer's connection has it (1 NORMAL, 2 FULL).
    package func synchronousLevel() throws -> Int {
        try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    /// Runs `body` atomically in a write transaction; any error it throws undoes everything it wrote.
    ///
    /// Concurrent writers share transactions (group commit): the first thread to find no batch running becomes the
    /// leader, runs every queued body, each in its own savepoint, and commits them together; the others wait for the
    /// commit and return their own result. A body that throws rolls back only its savepoint, so one failed request
    /// never undoes another's, and no caller returns before its work is committed. Under load this turns many small
    /// commits into few, which is what lets the endpoints keep up with many agents at once.
    ///
    /// Errors thrown by `body` itself pass through unchanged; SQLite failures become ``StoreError``. `body` must not
    /// call `write` again (GRDB forbids that anyway).
    package func write<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        try withoutActuallyEscaping(body) { body in
            var value: T?
            let job = WriteGroup.Job { db in value = try body(SQLiteTransaction(db: db)) }
            if let error = group.perform(job, pool: pool) {
                if let error = error as? DatabaseError { throw StoreError.from(error, path: path) }
                throw error
            }
            return value!
        }
    }

    /// Write transactions this process has run and the ``write(_:)`` calls they carried (group commit folds many
    /// calls into one transaction under load).
    package var writeStatistics: (transactions: Int, jobs: Int) { group.statistics }

    /// Background checkpoints run since the store opened (see ``Checkpointer``).
    public var checkpointsRun: Int { checkpointer.checkpointsRun }

    /// Runs `body` in one read transaction on a snapshot of the database.
    package func read<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        do {
            return try pool.read { db in try body(SQLiteTransaction(db: db)) }
        } catch let error as DatabaseError {
            throw StoreError.from(error, path: path)
        }
    }

    /// The applied migration identifiers, oldest first.
    package func appliedMigrations() throws(StoreError) -> [String] {
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

    package func usage() -> StoreUsage {
        let size = { (suffix: String) in
            ((try? FileManager.default.attributesOfItem(atPath: self.path + suffix)[.size] as? Int64) ?? 0) ?? 0
        }
        return StoreUsage(name: (path as NSString).lastPathComponent, bytes: size(""), logBytes: size("-wal"))
    }

    package func changeSignal() throws(StoreError) -> any StoreChangeSignal {
        try SQLiteChangeSignal(store: self)
    }

    /// Every commit is in the write-ahead log or, checkpointed, in the file (a checkpoint syncs the log before it
    /// copies pages and the file after, at either durability): once both files and their folder are synced, a crash
    /// recovers all of it. First the log is copied back and emptied where nobody is in the way, so the next process
    /// to open the store does not read through it (after an import, hundreds of megabytes).
    package func syncToDisk() throws {
        _ = checkpointer.truncateNow()
        try Self.sync(path: path)
        if FileManager.default.fileExists(atPath: path + "-wal") { try Self.sync(path: path + "-wal") }
        Self.syncDirectory(of: path)
    }
}

/// The handle engines receive inside a SQLite transaction. It never escapes the closure.
struct SQLiteTransaction: StoreTransaction {
    let db: Database

    /// `?, ?, …`: `count` parameters, comma-separated.
    static func marks(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }

    /// `values` in runs of at most `size`, in order: one statement each where SQLite's parameters are limited.
    static func chunks<T>(_ values: [T], of size: Int) -> [[T]] {
        stride(from: 0, to: values.count, by: size).map { Array(values[$0..<min($0 + size, values.count)]) }
    }

    /// Each word quoted as an FTS5 string, joined by `AND` (implicit) or `OR`.
    static func fts5(_ query: TextQuery) -> String {
        let quoted = query.words.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        return quoted.joined(separator: query.mode == .all ? " " : " OR ")
    }
}
