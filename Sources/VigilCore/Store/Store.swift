/// The one database both engines share: a SQLite file by default (`VigilStoreSQLite`), or a PostgreSQL database that
/// several servers share.
///
/// Only a store speaks SQL. Engines run their work inside ``write(_:)`` and ``read(_:)`` closures that receive a
/// ``StoreTransaction`` and call methods named for what they mean; each implementation lives in its own target, so
/// the compiler keeps SQL out of the rules.
package protocol Store: AnyObject, Sendable {
    /// Where the store lives, safe to print: a file path, or a database URL without its password.
    var location: String { get }

    /// The folder where this process keeps what belongs with the store on this machine only: the receipt signing
    /// key. Beside the file for SQLite.
    var localDirectory: String { get }

    /// Runs `body` atomically in a write transaction; any error it throws undoes everything it wrote.
    ///
    /// Errors thrown by `body` itself pass through unchanged; database failures become ``StoreError``. `body` must not
    /// call `write` again. Rows that `body` reads and then changes are its alone until it returns: a concurrent writer
    /// (in this process or another) waits, so a read-modify-write of a decision's chain head stays linear.
    func write<T>(_ body: (any StoreTransaction) throws -> T) throws -> T

    /// Runs `body` in one read transaction on a consistent view of the database.
    func read<T>(_ body: (any StoreTransaction) throws -> T) throws -> T

    /// The applied migration identifiers, oldest first.
    func appliedMigrations() throws(StoreError) -> [String]

    /// A new cheap "did anything change?" signal for readers in this process.
    func changeSignal() throws(StoreError) -> any StoreChangeSignal

    /// Write transactions this process has run and the ``write(_:)`` calls they carried (a store may fold many calls
    /// into one transaction under load).
    var writeStatistics: (transactions: Int, jobs: Int) { get }

    /// How much room the store takes now (best effort: zero when it cannot tell).
    func usage() -> StoreUsage

    /// Runs `body` as one write whose deletions leave no readable copy behind: on SQLite with `secure_delete` on (the
    /// bytes of deleted rows are overwritten), then the full-text indexes merged (so deleted words leave their
    /// segments), the free pages cut and the write-ahead log checkpointed and truncated. On PostgreSQL an ordinary
    /// write: deleted tuples remain on disk until (auto)vacuum reclaims them.
    func erasing<T>(_ body: (any StoreTransaction) throws -> T) throws -> T

    /// Gives the room deleted rows took back to the file system where the store can do so without holding writers
    /// off for long (SQLite: an incremental vacuum; PostgreSQL: nothing, autovacuum reuses it). Returns the bytes
    /// given back.
    func reclaimSpace() throws -> Int64

    /// Makes every write committed so far durable, whatever ``Durability`` the store was opened with: what a bulk
    /// load that commits its batches under `.fast` calls before it says it is done. (SQLite: the database file and
    /// its write-ahead log `fsync`ed; PostgreSQL: one commit that waits for the log's flush.)
    func syncToDisk() throws

    /// A textual dump of every vigil table but derived search indexes, rows sorted, for tests that prove a refused
    /// call changed nothing.
    func snapshot() throws -> String
}

extension DecisionEngine {
    /// The store's snapshot; see ``Store/snapshot()``.
    package func debugSnapshot() throws -> String { try store.snapshot() }
}

/// How much room a store takes.
package struct StoreUsage: Sendable, Equatable {
    /// A short name for the store: the file's name, or the database's.
    package var name: String
    package var bytes: Int64
    /// The write-ahead log that has not been copied back yet, when the store keeps one of its own.
    package var logBytes: Int64?

    package init(name: String, bytes: Int64, logBytes: Int64?) {
        self.name = name
        self.bytes = bytes
        self.logBytes = logBytes
    }
}

/// A cheap "did anything change?" signal: a number that moves whenever any process commits to the store, so a
/// dashboard can poll it for a few microseconds and re-query only when it moves.
///
/// - Important: The value only means something when compared with an earlier value from the *same* signal; never
///   compare values from two signals.
package protocol StoreChangeSignal: Sendable {
    func version() throws(StoreError) -> Int
}
