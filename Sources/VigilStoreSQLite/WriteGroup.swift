import Foundation
import GRDB
import VigilCore

/// Group commit for ``Store/write(_:)``: callers queue jobs, one leader at a time runs every queued job in a single
/// transaction (a savepoint each) and commits once.
///
/// Each waiting caller sleeps on its own semaphore and is woken exactly once: when its job is finished, or when it
/// becomes the leader. A leader that has finished its own batch hands the lead to the oldest queued job, so followers
/// never queue on a lock one after another to learn that their work is already done (a lock convoy that, under load,
/// cost a context switch per follower inside the serial section).
///
/// Thread-safety: `pending`, `leading` and every job's `isLeader` are guarded by `queueLock`. A job's `error` and
/// `finished` are written by the leader before it signals the job's semaphore and read by the owner after waiting on
/// it, which orders the accesses.
final class WriteGroup: @unchecked Sendable {
    final class Job {
        /// The work; dropped as soon as it has run, because ``Store/write(_:)`` lends it without escaping and its
        /// caller may return while the leader still holds this job.
        private var work: ((Database) throws -> Void)?
        /// Set once the job's fate is sealed: `nil` error means its work is committed.
        var finished = false
        var error: (any Error)?
        /// Set when the previous leader hands the lead to this job.
        var isLeader = false
        let wake = DispatchSemaphore(value: 0)

        init(_ work: @escaping (Database) throws -> Void) { self.work = work }

        /// Runs the work once and lets go of it.
        func run(_ db: Database) throws {
            defer { work = nil }
            try work?(db)
        }

        /// Ends the job without running it: its transaction never began.
        func abandon(_ error: any Error) {
            work = nil
            self.error = error
        }
    }

    /// SQLite ended the transaction itself (a full disk, an I/O error): nothing in the batch so far survived.
    struct TransactionAborted: Error {}

    private let queueLock = NSLock()
    private var pending: [Job] = []
    /// Whether some thread is running batches (it will hand over or stop before returning).
    private var leading = false
    private var transactions = 0
    private var jobs = 0

    /// Write transactions run and jobs they carried since the store opened (guarded by `queueLock`).
    var statistics: (transactions: Int, jobs: Int) {
        queueLock.lock()
        defer { queueLock.unlock() }
        return (transactions, jobs)
    }

    /// Most jobs one transaction takes, so a burst never holds the write lock for long.
    static let maximumBatch = 256

    /// Queues `job`, waits until it is finished (leading batches when its turn comes) and returns its error (`nil`:
    /// committed).
    func perform(_ job: Job, pool: DatabasePool) -> (any Error)? {
        queueLock.lock()
        pending.append(job)
        if leading {
            queueLock.unlock()
            job.wake.wait()
            if job.finished { return job.error }
            queueLock.lock()
            precondition(job.isLeader, "a queued job wakes finished or leading")
        } else {
            leading = true
        }
        // The lead is ours: run batches until our own job is done, then pass the lead on.
        while true {
            let take = min(pending.count, Self.maximumBatch)
            var batch = Array(pending.prefix(take))
            pending.removeFirst(take)
            queueLock.unlock()
            let ran = batch
            var transactionsRun = 0
            while !batch.isEmpty {
                batch = run(batch, pool: pool)
                transactionsRun += 1
            }
            for other in ran where other !== job { other.wake.signal() }
            queueLock.lock()
            transactions += transactionsRun
            jobs += ran.count
            guard job.finished else { continue }
            if let next = pending.first {
                next.isLeader = true
                queueLock.unlock()
                next.wake.signal()
            } else {
                leading = false
                queueLock.unlock()
            }
            return job.error
        }
    }

    /// Runs `batch` in one transaction; returns the jobs it did not get to (after SQLite aborted the transaction).
    private func run(_ batch: [Job], pool: DatabasePool) -> [Job] {
        var ran: [Job] = []
        var leftover: [Job] = []
        if batch.count == 1, let job = batch.first {
            // Alone: no savepoint needed, the transaction is the job's own.
            do {
                try pool.write { db in try job.run(db) }
            } catch {
                job.error = error
            }
            job.finished = true
            return []
        }
        do {
            try pool.write { db in
                for (index, job) in batch.enumerated() {
                    ran.append(job)
                    do {
                        try db.inSavepoint {
                            try job.run(db)
                            return .commit
                        }
                    } catch {
                        job.error = error
                    }
                    if !db.isInsideTransaction {
                        leftover = Array(batch[(index + 1)...])
                        throw job.error ?? TransactionAborted()
                    }
                }
            }
        } catch {
            // Nothing that ran is committed: each gets its own error, or the one that ended the transaction.
            for job in ran where job.error == nil { job.error = error }
            if ran.isEmpty {
                // The transaction never began (another process kept the lock past the busy timeout, an I/O
                // error): no job ran, and every one gets that error.
                for job in batch { job.abandon(error) }
                ran = batch
                leftover = []
            }
        }
        for job in ran { job.finished = true }
        return leftover
    }
}
