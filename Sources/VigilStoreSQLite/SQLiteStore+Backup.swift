import Foundation
import GRDB
import VigilCore

/// Why a backup or a restore did not happen. Nothing was written to the destination in any case.
public enum BackupError: Error, Equatable, CustomStringConvertible {
    /// `vigil backup` never overwrites: the copy goes to a new file.
    case destinationExists(path: String)
    /// The source and the destination are the same file.
    case sameFile(path: String)
    /// The file is not a SQLite database, or not one vigil wrote.
    case notAStore(path: String, reason: String)
    /// SQLite's integrity check found problems in the file.
    case damaged(path: String, problems: [String])
    /// A restore would replace a store that holds data, and `--force` was not given.
    case destinationHoldsData(path: String, decisions: Int, memories: Int)

    public var description: String {
        switch self {
        case .destinationExists(let path):
            return "\(path) already exists; a backup never overwrites: choose a new file name, or remove that one first"
        case .sameFile(let path):
            return "\(path) is the store itself; back up to another file"
        case .notAStore(let path, let reason):
            return "\(path) is not a vigil store (\(reason)); restore takes a file `vigil backup` wrote"
        case .damaged(let path, let problems):
            return "\(path) failed SQLite's integrity check: \(problems.prefix(3).joined(separator: "; "))"
                + (problems.count > 3 ? " (and \(problems.count - 3) more)" : "")
        case .destinationHoldsData(let path, let decisions, let memories):
            return "\(path) holds a store (\(decisions) decisions, \(memories) memories); restoring replaces all of it. "
                + "Back it up first (`vigil backup`), stop the servers using it, then pass --force"
        }
    }
}

/// What a backup file holds, as `vigil backup` and `vigil restore` report it after checking it.
public struct BackupSummary: Sendable, Equatable {
    public var path: String
    public var bytes: Int64
    public var decisions: Int
    public var events: Int
    public var approvals: Int
    public var memories: Int
    /// The newest migration the file has, so a reader knows which vigil wrote it.
    public var schema: String

    /// "21 decisions (130 events), 1 approval, 1 memory, 1.2 MB"
    public var text: String {
        let plural = { (n: Int, word: String) in "\(n) \(word)\(n == 1 ? "" : "s")" }
        return "\(plural(decisions, "decision")) (\(plural(events, "event"))), \(plural(approvals, "approval")), "
            + "\(plural(memories, "memory").replacingOccurrences(of: "memorys", with: "memories")), "
            + String(format: "%.1f MB", Double(bytes) / 1_000_000)
    }

    public var json: JSONValue {
        [
            "path": .string(path), "bytes": .int(bytes), "decisions": .int(Int64(decisions)), "events": .int(Int64(events)),
            "approvals": .int(Int64(approvals)), "memories": .int(Int64(memories)), "schema": .string(schema),
        ]
    }
}

extension SQLiteStore {
    /// Copies the whole store to a new file at `destination` while agents keep writing: SQLite's online backup, run
    /// inside one read transaction, so the copy is the database as of one instant (writers are never held off; in WAL
    /// mode they go on appending to the log). The copy is written beside `destination` under a temporary name, synced,
    /// checked (`PRAGMA integrity_check`) and only then renamed into place, so a failed or interrupted backup leaves
    /// no half file under the name asked for.
    /// - Parameter progress: pages copied so far and pages in all, after each step of 1,024 pages.
    public func backup(to destination: String, progress: (Int, Int) -> Void = { _, _ in }) throws -> BackupSummary {
        let target = URL(fileURLWithPath: destination).standardizedFileURL.path
        if target == URL(fileURLWithPath: path).standardizedFileURL.path { throw BackupError.sameFile(path: destination) }
        if FileManager.default.fileExists(atPath: target) { throw BackupError.destinationExists(path: destination) }
        let partial = target + ".partial-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: partial) }
        do {
            let copy = try DatabaseQueue(path: partial)
            try withoutActuallyEscaping(progress) { progress in
                try pool.backup(to: copy, pagesPerStep: 1024) { step in progress(step.completedPageCount, step.totalPageCount) }
            }
            // The copy keeps WAL mode from the header it copied; leave it as one self-contained file.
            try copy.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
            try copy.close()
        } catch let error as DatabaseError {
            throw StoreError.from(error, path: destination)
        }
        try Self.sync(path: partial)
        var summary = try Self.inspect(partial)
        guard rename(partial, target) == 0 else {
            throw StoreError.cannotOpen(path: destination, reason: String(cString: strerror(errno)))
        }
        Self.syncDirectory(of: target)
        summary.path = destination
        return summary
    }

    /// Replaces the store at `destination` (created when missing) with the backup at `source`, through SQLite's
    /// online backup into the live file, so a process that still has it open sees the restored store rather than a
    /// torn one. The backup is checked first (integrity, a vigil schema no newer than this vigil's); a destination
    /// that holds decisions or memories is replaced only with `force`. After the copy the store is migrated to this
    /// vigil's schema and checked again.
    public static func restore(
        from source: String, to destination: String, force: Bool, progress: (Int, Int) -> Void = { _, _ in }
    ) throws -> BackupSummary {
        if URL(fileURLWithPath: source).standardizedFileURL.path == URL(fileURLWithPath: destination).standardizedFileURL.path {
            throw BackupError.sameFile(path: destination)
        }
        _ = try inspect(source)
        let store = try SQLiteStore(path: destination)
        if !force {
            let (decisions, memories) = try store.pool.read { db in
                (try Int.fetchOne(db, sql: "SELECT count(*) FROM decisions") ?? 0,
                 try Int.fetchOne(db, sql: "SELECT count(*) FROM memory_records") ?? 0)
            }
            if decisions + memories > 0 {
                throw BackupError.destinationHoldsData(path: destination, decisions: decisions, memories: memories)
            }
        }
        do {
            var configuration = Configuration()
            configuration.readonly = true
            let backup = try DatabaseQueue(path: source, configuration: configuration)
            try withoutActuallyEscaping(progress) { progress in
                try backup.backup(to: store.pool, pagesPerStep: 1024) { step in progress(step.completedPageCount, step.totalPageCount) }
            }
            try backup.close()
            // The backup's header says rollback journal; the live store stays in WAL mode.
            try store.pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = WAL") }
            try store.pool.close()
        } catch let error as DatabaseError {
            throw StoreError.from(error, path: destination)
        }
        // Reopening migrates a backup from an older vigil forward.
        _ = try SQLiteStore(path: destination)
        var summary = try inspect(destination)
        summary.path = destination
        return summary
    }

    /// Checks that `path` is a sound vigil store this vigil can open, and counts what it holds. Opens it read-only.
    public static func inspect(_ path: String) throws -> BackupSummary {
        guard FileManager.default.fileExists(atPath: path) else {
            throw BackupError.notAStore(path: path, reason: "no such file")
        }
        var configuration = Configuration()
        configuration.readonly = true
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            defer { try? queue.close() }
            return try queue.read { db in
                let problems = try String.fetchAll(db, sql: "PRAGMA integrity_check")
                guard problems == ["ok"] else { throw BackupError.damaged(path: path, problems: problems) }
                guard try db.tableExists("grdb_migrations"), try db.tableExists("decisions"), try db.tableExists("memory_records") else {
                    throw BackupError.notAStore(path: path, reason: "it has no vigil tables")
                }
                if try Migrations.migrator.hasBeenSuperseded(db) { throw StoreError.newerSchema(path: path) }
                let count = { (table: String) in try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)") ?? 0 }
                let bytes = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int64 ?? 0
                return BackupSummary(
                    path: path, bytes: bytes, decisions: try count("decisions"), events: try count("decision_events"),
                    approvals: try count("approvals"), memories: try count("memory_records"),
                    schema: try Migrations.migrator.appliedIdentifiers(db).max() ?? "")
            }
        } catch let error as DatabaseError {
            if error.resultCode == .SQLITE_NOTADB { throw BackupError.notAStore(path: path, reason: "not a SQLite database") }
            if error.resultCode == .SQLITE_CORRUPT { throw BackupError.damaged(path: path, problems: [error.message ?? "malformed"]) }
            throw StoreError.from(error, path: path)
        }
    }

    /// `fsync`s a file so the copy survives a power cut once the rename says it is there.
    static func sync(path: String) throws {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw StoreError.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw StoreError.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
    }

    /// `fsync`s the folder holding `path`, so the rename itself is durable (best effort).
    static func syncDirectory(of path: String) {
        let directory = (path as NSString).deletingLastPathComponent
        let descriptor = open(directory.isEmpty ? "." : directory, O_RDONLY)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }
}
