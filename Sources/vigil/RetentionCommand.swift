import ArgumentParser
import Foundation
import VigilCore
import VigilStoreSQLite

/// `vigil retention plan|run`: the `[retention]` rules applied by hand (servers apply them hourly).
struct RetentionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retention",
        abstract: "Show what the [retention] rules would delete, or delete it now.",
        discussion: """
            The rules live in the configuration; nothing is deleted by default:

              [retention]
              decisions_days = 90                          # closed decisions, with traces, approvals, receipts
              memory_days = { episodic = 30, working = 7 } # memories unchanged that long (pinned ones stay)
              salience_floor = 0.05                        # auto_prune memories decayed below this

            Deletion is physical (rows, search entries, evidence, write buffers, links, audit) in short batches that \
            never hold writers off for long, and each deleted decision or memory leaves a tombstone: a receipt for a \
            pruned decision then verifies as "signature valid; trace pruned by retention", never as tampered. A \
            running `vigil serve` applies the rules every [retention] interval_seconds (hourly).

            Examples:
              vigil retention plan
              vigil retention run --json
              vigil retention run --compact   # once, on a store older than retention: see `vigil retention run --help`
            """,
        subcommands: [Plan.self, Run.self])

    struct Plan: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Count what a run would delete now, per kind. Deletes nothing.")
        @OptionGroup var common: CommonOptions

        func run() throws {
            try runReporting {
                let runtime = try common.open()
                let settings = runtime.config.retention
                guard settings.isEnabled else { return emitNoRules(common) }
                let report = try Retention(runtime: runtime).plan()
                common.emit(report.json) { (["would delete:"] + report.lines(settings: settings).map { "  " + $0 }).joined(separator: "\n") }
            }
        }
    }

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete what the rules say now, and give the room back.",
            discussion: """
                On SQLite the file shrinks by incremental vacuum. A store created before retention existed has no \
                incremental vacuum: its freed pages are reused but the file keeps its size until --compact, which \
                rewrites the file once (a full VACUUM: writers wait while it runs, seconds per hundred MB) and turns \
                incremental vacuum on for good. On PostgreSQL autovacuum reuses the room; VACUUM FULL gives it back.
                """)
        @OptionGroup var common: CommonOptions
        @Flag(help: "Afterwards rewrite a SQLite file without its free pages (a full VACUUM; writers wait).") var compact = false

        func run() throws {
            try runReporting {
                let runtime = try common.open()
                let settings = runtime.config.retention
                guard settings.isEnabled || compact else { return emitNoRules(common) }
                let bar = ProgressLine()
                var report = try Retention(runtime: runtime).run { kind, done in bar.show(kind, done, done) }
                bar.finish()
                if compact {
                    guard let sqlite = runtime.store as? SQLiteStore else {
                        throw CLIError("--compact is for a SQLite store; on PostgreSQL run VACUUM FULL (see the README)", .unusable)
                    }
                    report.bytesReclaimed += try sqlite.compact()
                }
                common.emit(report.json) {
                    (["deleted:"] + report.lines(settings: settings).map { "  " + $0 }
                        + ["  space given back: \(String(format: "%.1f MB", Double(report.bytesReclaimed) / 1_000_000))"])
                        .joined(separator: "\n")
                }
            }
        }
    }
}

private func emitNoRules(_ common: CommonOptions) {
    common.emit(RetentionReport().json) {
        "no [retention] rules in the configuration: nothing is deleted (see `vigil retention --help`)"
    }
}
