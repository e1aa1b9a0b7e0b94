import Foundation
import Synchronization
import VigilCore

/// The store on a PostgreSQL database that several vigil servers share.
///
/// The engines' transactions are synchronous closures, so this store speaks to PostgreSQL through libpq, its own
/// blocking client, from a small pool of connections: a write takes a connection, runs `BEGIN` … `COMMIT` around the
/// body and hands it back. Rows a write reads and then changes are locked (`SELECT … FOR UPDATE`), so a decision's
/// chain head, an approval and a memory record change one writer at a time across every server; a transaction that
/// PostgreSQL rolls back for a deadlock or a serialization failure runs again (the body is pure with respect to the
/// store). Reads run in `REPEATABLE READ READ ONLY` transactions, a consistent snapshot like SQLite's.
public final class PostgresStore: Store {
    /// Connections a store keeps open at most.
    public static let defaultPoolSize = 8
    /// Times a write is retried after PostgreSQL rolled it back for a deadlock or a serialization failure.
    static let retries = 5

    package let postgresLocation: PostgresLocation
    package var location: String { postgresLocation.redacted }
    /// The URL as given, password included: for tools that open their own connection, never for printing.
    package var connectionURL: String { postgresLocation.url }
    package let localDirectory: String

    private let pool: ConnectionPool
    private let statistics = Mutex<(transactions: Int, jobs: Int)>((0, 0))

    /// Connects, checks the schema and applies pending migrations (one server at a time, under an advisory lock).
    ///
    /// - Parameters:
    ///   - url: `postgres://user[:password]@host[:port]/database[?sslmode=…]`.
    ///   - localDirectory: where this machine keeps the receipt signing key (created 0700 if missing).
    ///   - durability: `.full` makes sure each connection's `synchronous_commit` is at least `on` (a server or URL
    ///     setting of `off` is raised; `local`, `remote_write` and `remote_apply` are kept); `.fast` sets it `off`,
    ///     so a crash of the server's machine may lose the last commits, as SQLite's `NORMAL` may.
    public init(
        url: String, localDirectory: String, poolSize: Int = PostgresStore.defaultPoolSize, durability: Durability = .full
    ) throws(StoreError) {
        let location = try PostgresLocation(url)
        postgresLocation = location
        self.localDirectory = localDirectory
        if !FileManager.default.fileExists(atPath: localDirectory) {
            do {
                try FileManager.default.createDirectory(
                    atPath: localDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw StoreError.cannotOpen(path: localDirectory, reason: "cannot create the folder for this server's signing key")
            }
        }
        pool = ConnectionPool(location: location, size: max(1, poolSize), setup: Self.durabilitySetup(durability))
        do {
            try pool.withConnection { connection in try Self.migrate(connection, location: location) }
        } catch {
            throw error as? StoreError ?? .postgres(sqlstate: "", message: "\(error)")
        }
    }

    /// What each new connection runs first for `durability`.
    static func durabilitySetup(_ durability: Durability) -> String {
        switch durability {
        case .full: return "SELECT set_config('synchronous_commit', 'on', false) WHERE current_setting('synchronous_commit') = 'off'"
        case .fast: return "SET synchronous_commit = off"
        }
    }

    /// `synchronous_commit` as the store's connections have it.
    package func synchronousCommit() throws -> String {
        try pool.withConnection { connection in
            try Self.translatingFailures(postgresLocation) { try connection.query("SHOW synchronous_commit").first { $0.string(0) } ?? "" }
        }
    }

    /// Applies the migrations this vigil knows and the database lacks; refuses a database a newer vigil migrated.
    private static func migrate(_ connection: PostgresConnection, location: PostgresLocation) throws(StoreError) {
        try translatingFailures(location) {
            try connection.execute("SELECT pg_advisory_lock($1)", [PostgresMigrations.lockKey])
            defer { _ = try? connection.execute("SELECT pg_advisory_unlock($1)", [PostgresMigrations.lockKey]) }
            try connection.run("""
                CREATE TABLE IF NOT EXISTS vigil_migrations (
                    identifier TEXT COLLATE "C" PRIMARY KEY,
                    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
                )
                """)
            let applied = Set(try connection.query("SELECT identifier FROM vigil_migrations").map { $0.string(0) })
            let known = Set(PostgresMigrations.all.map(\.identifier))
            if !applied.subtracting(known).isEmpty { throw StoreError.newerSchema(path: location.redacted) }
            for migration in PostgresMigrations.all where !applied.contains(migration.identifier) {
                try inTransaction(connection) {
                    try connection.run(migration.sql)
                    try connection.execute("INSERT INTO vigil_migrations (identifier) VALUES ($1)", [migration.identifier])
                }
            }
        }
    }

    /// `body` between `BEGIN` and `COMMIT` on a connection of the store's own (not a ``write(_:)``), rolled back if
    /// it throws.
    private static func inTransaction(_ connection: PostgresConnection, _ body: () throws -> Void) throws {
        try connection.run("BEGIN")
        do {
            try body()
            try connection.run("COMMIT")
        } catch {
            try? connection.run("ROLLBACK")
            throw error
        }
    }

    /// Runs `body`, turning a PostgreSQL failure (or any other error) into the store's error.
    static func translatingFailures<T>(_ location: PostgresLocation, _ body: () throws -> T) throws(StoreError) -> T {
        do {
            return try body()
        } catch let error as StoreError {
            throw error
        } catch let failure as PostgresFailure {
            throw storeError(failure, location: location)
        } catch {
            throw StoreError.postgres(sqlstate: "", message: "\(error)")
        }
    }

    /// A PostgreSQL failure as the store's error.
    static func storeError(_ failure: PostgresFailure, location: PostgresLocation) -> StoreError {
        if failure.connectionLost { return .connectionLost(location: location.redacted) }
        if failure.sqlstate == "55P03" || failure.sqlstate == "40001" || failure.sqlstate == "40P01" { return .busy }
        return .postgres(sqlstate: failure.sqlstate ?? "", message: failure.message)
    }

    package func write<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        try transaction(begin: "BEGIN ISOLATION LEVEL READ COMMITTED", forWriting: true, body)
    }

    package func read<T>(_ body: (any StoreTransaction) throws -> T) throws -> T {
        try readPostgres(body)
    }

    /// A read transaction with the concrete transaction, for what only this store answers (its size, a snapshot).
    private func readPostgres<T>(_ body: (PostgresTransaction) throws -> T) throws -> T {
        try transaction(begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", forWriting: false, body)
    }

    private func transaction<T>(begin: String, forWriting: Bool, _ body: (PostgresTransaction) throws -> T) throws -> T {
        let location = postgresLocation
        defer { if forWriting { statistics.withLock { $0.transactions += 1; $0.jobs += 1 } } }
        var attempt = 0
        var fresh = false
        while true {
            attempt += 1
            var began = false
            do {
                let value = try pool.withConnection(fresh: fresh) { connection in
                    // BEGIN travels with the first statement, and statements whose answers nobody reads travel with
                    // the next one or with COMMIT (PostgresConnection.enqueue): a decision event is two round trips.
                    connection.begin(begin)
                    do {
                        let value = try body(PostgresTransaction(connection: connection, forWriting: forWriting))
                        try connection.commit()
                        return value
                    } catch {
                        began = connection.transactionReachedServer
                        connection.rollback()
                        throw error
                    }
                }
                return value
            } catch let failure as PostgresFailure {
                if failure.isRetryable, attempt <= Self.retries { continue }
                // An idle connection the server dropped (it restarted): nothing ran, so once more on a new one.
                if failure.connectionLost, !began, !fresh {
                    fresh = true
                    continue
                }
                throw Self.storeError(failure, location: location)
            }
        }
    }

    package var writeStatistics: (transactions: Int, jobs: Int) { statistics.withLock { $0 } }

    package func appliedMigrations() throws(StoreError) -> [String] {
        try Self.translatingFailures(postgresLocation) {
            try pool.withConnection { connection in
                try connection.query("SELECT identifier FROM vigil_migrations ORDER BY identifier").map { $0.string(0) }
            }
        }
    }

    package func changeSignal() throws(StoreError) -> any StoreChangeSignal {
        try PostgresChangeSignal(location: postgresLocation)
    }

    package func usage() -> StoreUsage {
        let bytes = (try? readPostgres { tx in try tx.databaseSize() }) ?? 0
        return StoreUsage(name: postgresLocation.database + " on " + postgresLocation.host, bytes: bytes, logBytes: nil)
    }

    /// Nothing to do here: PostgreSQL's autovacuum makes deleted rows' room reusable (a plain `VACUUM FULL` would
    /// give it back to the file system, but locks each table while it runs; the README shows it for an operator).
    package func reclaimSpace() throws -> Int64 { 0 }

    /// Commits made under `durability = "fast"` (`synchronous_commit = off`) reach the disk a moment after they were
    /// acknowledged. One commit that waits for its own flush waits for theirs too (the log is flushed in order); it
    /// needs a transaction id, or it would write nothing to wait for.
    package func syncToDisk() throws {
        try pool.withConnection { connection in
            try Self.translatingFailures(postgresLocation) {
                try Self.inTransaction(connection) {
                    try connection.run("SET LOCAL synchronous_commit = on")
                    _ = try connection.query("SELECT txid_current()").first { $0.int64(0) }
                }
            }
        }
    }

    /// An ordinary write: PostgreSQL keeps deleted tuples on disk until (auto)vacuum reclaims them, which is what the
    /// README tells an operator who must be sure.
    package func erasing<T>(_ body: (any StoreTransaction) throws -> T) throws -> T { try write(body) }

    package func snapshot() throws -> String {
        try readPostgres { tx in try tx.snapshot() }
    }
}

/// A fixed number of connections, opened on demand and handed to one caller at a time; a broken one is dropped and
/// the next caller that needs one opens a fresh one.
final class ConnectionPool: Sendable {
    private let location: PostgresLocation
    private let idle = Mutex<[PostgresConnection]>([])
    private let available: DispatchSemaphore
    /// Run on each new connection before its first use (session settings).
    private let setup: String?

    init(location: PostgresLocation, size: Int, setup: String? = nil) {
        self.location = location
        available = DispatchSemaphore(value: size)
        self.setup = setup
    }

    /// Runs `body` with a connection of the pool, opening one if none is idle (``StoreError`` when that fails).
    /// `fresh`: never reuse an idle connection.
    ///
    /// A thread that already holds a connection (a read inside a write, say) is not made to wait for a second one:
    /// with every connection held by such outer calls, the inner ones would wait forever. It takes one beyond the
    /// limit instead, for the moment of the inner call.
    func withConnection<T>(fresh: Bool = false, _ body: (PostgresConnection) throws -> T) throws -> T {
        let depthKey = "vigil.postgres.pool.depth"
        let thread = Thread.current
        let depth = thread.threadDictionary[depthKey] as? Int ?? 0
        if depth == 0 { available.wait() }
        thread.threadDictionary[depthKey] = depth + 1
        defer {
            thread.threadDictionary[depthKey] = depth
            if depth == 0 { available.signal() }
        }
        let reused = fresh ? nil : idle.withLock { $0.popLast() }
        let connection: PostgresConnection
        if let reused {
            connection = reused
        } else {
            connection = try PostgresConnection(location)
            if let setup {
                do {
                    try connection.run(setup)
                } catch {
                    throw PostgresStore.storeError(error, location: location)
                }
            }
        }
        defer { if connection.isHealthy { idle.withLock { $0.append(connection) } } }
        return try body(connection)
    }
}
