import ArgumentParser
import Foundation
import VigilCore
import VigilStores

/// `vigil store …`: moving a whole store.
struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Move a whole store between a SQLite file and a PostgreSQL database.",
        subcommands: [Copy.self])

    struct Copy: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy everything from one store into another, empty one (either direction).",
            discussion: """
                Copies decisions with their traces, approvals, receipts and signing public keys, agents and operators \
                with their keys (hashes only), memories with their audit logs, relations and links, and the rows of \
                every data-product table the configuration names. The source is read in one consistent snapshot, so \
                servers may keep running on it, but writes made after the copy starts are not in the copy: stop them \
                for a move. Afterwards every table is counted on both sides and every decision's chain is verified on \
                the target; the command fails if anything differs. A target that already holds data is refused.

                Examples:
                  vigil store copy --from ~/.local/share/vigil/vigil.db --to postgres://vigil@db:5432/vigil
                  vigil store copy --from postgres://vigil@db:5432/vigil --to /backups/vigil.db --json
                """)

        @Option(help: ArgumentHelp("The store to copy: a SQLite file or postgres://user@host:port/database.", valueName: "path|url"))
        var from: String
        @Option(help: ArgumentHelp("The empty store to fill: a SQLite file (created) or a PostgreSQL database.", valueName: "path|url"))
        var to: String
        @Option(name: .long, help: ArgumentHelp(
            "The configuration naming the data-product tables to copy. Default: $VIGIL_CONFIG, else ~/.config/vigil/config.toml.",
            valueName: "path"))
        var config: String?
        @Flag(help: "Print the report as JSON.") var json = false

        func run() throws {
            try runReporting {
                if case .sqlite(let path) = try Stores.choice(location: from), !FileManager.default.fileExists(atPath: path) {
                    throw CLIError("no store at \(path): --from names the store to copy, which must exist", .database)
                }
                let paths = VigilPaths.resolve(config: config)
                let configuration = try VigilConfig.load(path: paths.config)
                let source = try Stores.open(location: from)
                let target = try Stores.open(location: to)
                let tables = configuration.tables.keys.sorted().map { configuration.tables[$0]! }
                let bar = ProgressLine()
                let report = try StoreCopier.copy(
                    from: source, to: target, productTables: tables,
                    verify: { id in try DecisionEngine.verifyChain(decisionID: id, in: target).isIntact },
                    progress: bar.show)
                bar.finish()
                if json {
                    print(report.json.prettyText)
                } else {
                    print("copied \(source.location) → \(target.location)")
                    for row in report.rows + report.productRows where row.source > 0 || row.target > 0 {
                        print("  \(cell(row.table, 26)) \(row.target)\(row.source == row.target ? "" : " (source has \(row.source))")")
                    }
                    print("  chains verified: \(report.chains.verified), broken: \(report.chains.broken)")
                }
                guard report.isComplete else {
                    throw CLIError("the copy is incomplete: the counts or chains above differ; the target is not a faithful copy", .refused)
                }
            }
        }
    }
}

/// A one-line progress bar on stderr, only when stderr is a terminal (scripts and `--json` readers see nothing).
final class ProgressLine {
    private let enabled = isatty(STDERR_FILENO) == 1
    private var last = Date.distantPast

    func show(_ table: String, _ done: Int, _ total: Int) {
        guard enabled, Date().timeIntervalSince(last) > 0.1 || done == total else { return }
        last = Date()
        let width = 30
        let filled = total > 0 ? min(width, done * width / total) : width
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        FileHandle.standardError.write(Data("\r\u{1B}[2K  \(bar) \(table) \(done)/\(total)".utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }
}
