import NIOPosix

/// Where the endpoints run engine calls, which block on SQLite.
///
/// Swift concurrency's pool has one thread per core (two here). A handler that blocked one of them on a database
/// call would leave the whole server with a single thread to parse, authenticate and answer everything else, and
/// concurrent writers could never meet in one group commit. These threads are meant to block: while some wait for
/// the commit that carries their write, others parse the next requests and join that commit.
public enum BlockingWork {
    /// Threads for blocking engine calls; more than the concurrent clients we expect, so requests rarely queue here.
    public static let threadCount = 32

    static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: threadCount)
        pool.start()
        return pool
    }()

    /// Runs `body` on a blocking-work thread and returns its result.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.runIfActive(body)
    }
}
