import CSQLite
import Foundation
import GRDB
import VigilCore
import Synchronization

/// Copies the write-ahead log back into the database file on a background queue, instead of inside a writer's
/// commit.
///
/// SQLite's automatic checkpoint runs in whichever commit pushes the log past 1,000 pages: that commit copies every
/// page and syncs the file while it still holds the write lock, so every writer queued behind it waits (under load,
/// about a tenth of the write path's time). The store turns it off on its own writer connection and calls
/// ``logGrew(pages:)`` after each commit; past ``threshold`` pages this schedules one passive checkpoint, which never
/// waits for readers or writers and lets them go on while it copies. Other processes on the same file keep SQLite's
/// automatic checkpoint.
///
/// SQLite starts the log over only when a writer finds it fully copied back. Under a steady stream of commits a
/// background checkpoint can keep missing that moment; past ``restartThreshold`` pages the checkpoint is a RESTART
/// one, which briefly holds off new writers so the log does start over, so it never grows without bound.
final class Checkpointer: Sendable {
    /// Log pages that trigger a checkpoint: SQLite's own automatic threshold.
    static let threshold: Int32 = 1000
    /// Log pages (about 40 MB) past which a checkpoint makes sure the log starts over.
    static let restartThreshold: Int32 = 10_000
    /// Seconds a checkpoint waits for a lock before giving up until a later commit.
    static let busyTimeout: TimeInterval = 0.1

    private let path: String
    private let queue = DispatchQueue(label: "vigil.checkpoint", qos: .utility)
    /// Whether a checkpoint is scheduled or running; commits in the meantime do not schedule another.
    private let busy = Atomic<Bool>(false)
    /// The connection checkpoints run on, opened on first use and used only on `queue`.
    private let connection = Mutex<DatabaseQueue?>(nil)
    /// Checkpoints run, for tests and benches.
    private let completed = Atomic<Int>(0)

    init(path: String) { self.path = path }

    var checkpointsRun: Int { completed.load(ordering: .relaxed) }

    /// Called after each commit on the writer connection with the log's size in pages.
    func logGrew(pages: Int32) {
        guard pages >= Self.threshold,
            busy.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else { return }
        let kind: Database.CheckpointMode = pages >= Self.restartThreshold ? .restart : .passive
        queue.async { [self] in
            defer { busy.store(false, ordering: .releasing) }
            // When it fails, the next commit past the threshold tries again; SQLite also checkpoints when the last
            // connection closes.
            _ = run(kind)
        }
    }

    /// Copies the whole log back and empties it now, unless a reader of an older snapshot or a writer is in the way
    /// for longer than ``busyTimeout``: after a bulk load, so whoever opens the store next has no log to read
    /// through. Whether it did.
    func truncateNow() -> Bool {
        queue.sync { run(.truncate) }
    }

    /// A checkpoint on this checkpointer's own connection (on `queue`).
    private func run(_ kind: Database.CheckpointMode) -> Bool {
        do {
            let database = try connection.withLock { queue in
                if let queue { return queue }
                var configuration = Configuration()
                // Short: a RESTART checkpoint holds off new writers while it waits for readers, so it gives up
                // soon (and tries again at a later commit) rather than stall them for the store's 5 s.
                configuration.busyMode = .timeout(Self.busyTimeout)
                configuration.label = "vigil.checkpoint"
                let opened = try DatabaseQueue(path: path, configuration: configuration)
                queue = opened
                return opened
            }
            try database.writeWithoutTransaction { db in _ = try db.checkpoint(kind) }
            completed.add(1, ordering: .relaxed)
            return true
        } catch {
            return false
        }
    }

    /// Turns off SQLite's automatic checkpoint on `db` (a writer connection) and reports its commits to `self`.
    ///
    /// The hook holds `self` unretained. SQLite calls it only from a commit on that connection, and commits happen only
    /// inside the store's own calls, while the store (which holds its checkpointer) is alive.
    func install(on db: Database) throws {
        try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
        sqlite3_wal_hook(
            db.sqliteConnection,
            { context, _, _, pages in
                Unmanaged<Checkpointer>.fromOpaque(context!).takeUnretainedValue().logGrew(pages: pages)
                return SQLITE_OK
            },
            Unmanaged.passUnretained(self).toOpaque())
    }
}
