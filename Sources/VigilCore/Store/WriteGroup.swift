import Foundation
import GRDB

/// Group commit for ``Store/write(_:)``: callers queue jobs, one leader at a time runs every queued job in a single
/// transaction (a savepoint each) and commits once.
///
/// Thread-safety: `pending` is guarded by `queueLock`; a job's fields are written only by the leader while it holds
/// `leaderLock` and read by the job's owner after it has taken `leaderLock` in turn, which orders the accesses.
final class WriteGroup: @unchecked Sendable {
    final class Job {
        let run: (Database) throws -> Void
        /// Set once the job's fate is sealed: `nil` error means its work is committed.
        var finished = false
        var error: (any Error)?

        init(_ run: @escaping (Database) throws -> Void) { self.run = run }
    }

    /// SQLite ended the transaction itself (a full disk, an I/O error): nothing in the batch so far survived.
    struct TransactionAborted: Error {}

    private let queueLock = NSLock()
    private let leaderLock = NSLock()
    private var pending: [Job] = []
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

    /// Queues `job`, runs batches until it is finished and returns its error (`nil`: committed).
    func perform(_ job: Job, pool: DatabasePool) -> (any Error)? {
        queueLock.lock()
        pending.append(job)
        queueLock.unlock()
        leaderLock.lock()
        defer { leaderLock.unlock() }
        while !job.finished {
            queueLock.lock()
            let take = min(pending.count, Self.maximumBatch)
            var batch = Array(pending.prefix(take))
            pending.removeFirst(take)
            queueLock.unlock()
            while !batch.isEmpty { batch = run(batch, pool: pool) }
        }
        return job.error
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
            count(jobs: 1)
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
        }
        for job in ran { job.finished = true }
        count(jobs: ran.count)
        return leftover
    }

    private func count(jobs ran: Int) {
        queueLock.lock()
        transactions += 1
        jobs += ran
        queueLock.unlock()
    }
}
