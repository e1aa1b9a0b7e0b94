import Foundation
import Synchronization

extension StoreTransfer {
    /// What an import is doing, for a progress line: checking (`bytes` of the file's `size`), or loading (`done` of
    /// `total` lines).
    package enum ImportProgress: Sendable {
        case checking(bytes: UInt64, size: UInt64)
        case loaded(done: Int, total: Int)
    }

    /// Lines loaded per transaction.
    static let importBatch = 500

    /// Loads an export file into `store`, all or nothing as far as the file's contents go.
    ///
    /// First every line is read and checked, the file split among `workers` threads; a line that cannot be read is
    /// refused with its number and nothing is loaded. Then the lines are read again and loaded in transactions of
    /// ``importBatch`` lines, one thread reading and parsing while the caller's thread writes. A line already in the
    /// store is skipped (see ``load(_:into:)``). The store is opened (`open`) only once the file has passed.
    ///
    /// The batches need not wait for the disk as they commit (`open` may give a store with ``Durability/fast``):
    /// nobody is told they succeeded until the end, where ``Store/syncToDisk()`` makes all of them durable before this
    /// returns. A crash before then loses at most the last batches, which importing the file again adds.
    package static func importFile(
        path: String, into open: () throws -> any Store, workers: Int = ProcessInfo.processInfo.activeProcessorCount,
        progress: (ImportProgress) -> Void = { _ in }
    ) throws -> Counts {
        let total = try check(path: path, workers: min(max(workers, 1), 8), progress: progress)
        let store = try open()
        var counts = Counts()
        try pipelined(produce: { hand in
            var batch: [ParsedLine] = []
            batch.reserveCapacity(importBatch)
            var last = 0
            try LineReader.forEachLine(path: path) { number, bytes in
                batch.append(try parse(bytes: bytes, number: number))
                last = number
                if batch.count == importBatch {
                    guard hand((batch, last)) else { throw CancellationError() }
                    batch.removeAll(keepingCapacity: true)
                }
            }
            if !batch.isEmpty { _ = hand((batch, last)) }
        }, consume: { (batch: ([ParsedLine], Int)) in
            counts += try load(batch.0, into: store)
            progress(.loaded(done: batch.1, total: total))
        })
        try store.syncToDisk()
        return counts
    }

    /// Reads and checks every line, in parallel parts; returns how many lines the file has.
    static func check(path: String, workers: Int, progress: (ImportProgress) -> Void) throws -> Int {
        let parts = try LineReader.split(path: path, parts: workers)
        let size = parts.last?.upperBound ?? 0
        let checked = Atomic<UInt64>(0)
        // Each part's line count, or the first line it refused (numbered within the part).
        let outcomes = Mutex<[Int: Result<Int, ImportError>]>([:])
        let failure = Mutex<(any Error)?>(nil)
        onThreads(parts.count, { part in
            var unreported: UInt64 = 0
            do {
                let lines = try LineReader.forEachLine(path: path, range: parts[part]) { number, bytes in
                    // Lines as vigil writes them are checked without making their strings; others are read in full.
                    if !ExportLineDecoder.check(bytes) { _ = try parse(bytes: bytes, number: number) }
                    unreported += UInt64(bytes.count + 1)
                    if unreported > 1 << 20 {
                        checked.add(unreported, ordering: .relaxed)
                        unreported = 0
                    }
                }
                outcomes.withLock { $0[part] = .success(lines) }
            } catch let error as ImportError {
                outcomes.withLock { $0[part] = .failure(error) }
            } catch {
                failure.withLock { $0 = error }
            }
        }, whileWaiting: {
            // The caller's thread reports while the parts are read.
            progress(.checking(bytes: min(checked.load(ordering: .relaxed), size), size: size))
        })
        if let error = failure.withLock({ $0 }) { throw error }
        // The first refusal in file order, renumbered by the lines of the parts before it.
        var before = 0
        for part in parts.indices {
            switch outcomes.withLock({ $0[part] }) {
            case .success(let lines)?: before += lines
            case .failure(.malformed(let line, let reason))?: throw ImportError.malformed(line: before + line, reason: reason)
            case nil: break
            }
        }
        progress(.checking(bytes: size, size: size))
        return before
    }
}
