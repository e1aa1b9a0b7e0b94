import ArgumentParser
import Foundation
import VigilCore
import VigilStoreSQLite
import VigilStores

/// `vigil backup PATH`: a consistent copy of a SQLite store while it serves.
struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the whole store to a new file while agents keep writing.",
        discussion: """
            The copy is the store as of one instant (SQLite's online backup inside one read snapshot): servers and \
            agents keep running and are never held off. It is written under a temporary name, synced, checked with \
            SQLite's integrity check and only then given PATH, which must not exist yet. Restore it with `vigil \
            restore PATH`.

            The receipt signing key (`vigil paths` shows where) is not in the copy: keep it with your other secrets. \
            A PostgreSQL store is backed up with PostgreSQL's own tools (pg_dump, pg_basebackup); the README shows how.

            Examples:
              vigil backup ~/backups/vigil-$(date +%F).db
              vigil backup /backups/vigil.db --db /srv/vigil/vigil.db --json
            """)

    @OptionGroup var common: CommonOptions
    @Argument(help: ArgumentHelp("The new file to write (it must not exist).", valueName: "path")) var path: String

    func run() throws {
        try runReporting {
            let database = try sqliteDatabase(common, doing: "back it up")
            let store = try SQLiteStore(path: database)
            let started = Date()
            let bar = ProgressLine()
            let summary = try store.backup(to: path) { done, total in bar.show("pages", done, total) }
            bar.finish()
            var value = summary.json.objectValue ?? [:]
            value["source"] = .string(database)
            value["seconds"] = .double((Date().timeIntervalSince(started) * 1000).rounded() / 1000)
            common.emit(.object(value)) {
                "backed up \(database) → \(path): \(summary.text), integrity ok, in "
                    + String(format: "%.1f s", Date().timeIntervalSince(started))
            }
        }
    }
}

/// `vigil restore PATH`: puts a backup back.
struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Put a backup back as the store (stop the servers using it first).",
        discussion: """
            Checks the backup first (SQLite's integrity check; a vigil store no newer than this vigil), then copies \
            it over the store through SQLite's online backup and migrates it to this vigil's schema. A store that \
            holds decisions or memories is replaced only with --force: back it up first. Stop `vigil serve` and \
            dashboards on the store before restoring: a server left running would go on from the restored data, \
            and its agents' open decisions would vanish under them.

            Examples:
              vigil restore ~/backups/vigil-2026-12-01.db
              vigil restore /backups/vigil.db --db /srv/vigil/vigil.db --force
            """)

    @OptionGroup var common: CommonOptions
    @Argument(help: ArgumentHelp("The backup file, as `vigil backup` wrote it.", valueName: "path")) var path: String
    @Flag(help: "Replace a store that holds data.") var force = false

    func run() throws {
        try runReporting {
            let database = try sqliteDatabase(common, doing: "restore into it", mustExist: false)
            let bar = ProgressLine()
            let summary = try SQLiteStore.restore(from: path, to: database, force: force) { done, total in
                bar.show("pages", done, total)
            }
            bar.finish()
            var value = summary.json.objectValue ?? [:]
            value["backup"] = .string(path)
            common.emit(.object(value)) { "restored \(path) → \(database): \(summary.text), integrity ok" }
        }
    }
}

/// The SQLite file `common` chooses; a PostgreSQL store is refused with where to look instead.
private func sqliteDatabase(_ common: CommonOptions, doing what: String, mustExist: Bool = true) throws -> String {
    let paths = common.paths
    let config = try VigilConfig.load(path: paths.config)
    let choice = try Stores.choice(paths, config: config)
    switch choice {
    case .postgres:
        throw CLIError(
            "\(choice.location) is a PostgreSQL store: use PostgreSQL's own tools to \(what) "
                + "(pg_dump -Fc / pg_restore; see \"Backup and restore\" in the README)", .unusable)
    case .sqlite(let path):
        if mustExist, !FileManager.default.fileExists(atPath: path) {
            throw CLIError("no store at \(path): pass --db PATH (or set VIGIL_DB) to name the store to back up", .database)
        }
        return path
    }
}
