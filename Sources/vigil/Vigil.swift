import ArgumentParser
import Foundation
import VigilCore
import VigilStoreSQLite
import VigilStores

@main
struct Vigil: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vigil",
        abstract: "Watch what your AI agents decide and remember; approve what needs a human.",
        discussion: """
            With no subcommand, vigil opens the dashboard on the store and serves the agent endpoints on loopback \
            (MCP 127.0.0.1:7420, gRPC 127.0.0.1:9090; --no-serve to skip). In the dashboard: 1–4 switch screens, \
            j/k move, Enter opens, a/x approve or reject a pending request, ? lists every key, q quits. \
            See `vigil dashboard --help` for its options (--db, --operator, --theme, --read-only, --bell…).

            vigil records agents' decisions (TraceMem-compatible) and memories (Membrane-compatible) in one SQLite \
            file, or in a PostgreSQL database that several servers share. Every command takes --db PATH (or \
            VIGIL_DB), --store postgres://… (or VIGIL_STORE) and --json.

            Examples:
              vigil demo                                      see it live: simulated agents on a demo store
              vigil agents add builder --grant '*' --json     register an agent and print its key once
              vigil decisions list --status needs_approval    what is waiting for a human
              vigil approvals approve appr_… --rationale ok   let it proceed
              vigil decisions receipt TMEM_… > r.json && vigil receipts verify r.json
            """,
        version: VigilVersion.current,
        subcommands: [
            AgentsCommand.self, DecisionsCommand.self, ApprovalsCommand.self, ReceiptsCommand.self, PoliciesCommand.self,
            MemoryCommand.self, GateCommand.self,
            ServeCommand.self, DemoCommand.self, BenchCommand.self, StoreCommand.self, BackupCommand.self, RestoreCommand.self, RetentionCommand.self,
            ExportCommand.self, ImportCommand.self,
            PathsCommand.self, DashboardCommand.self,
        ],
        defaultSubcommand: DashboardCommand.self
    )
}

/// Options every command takes.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The SQLite database file. Default: $VIGIL_DB, else ~/.local/share/vigil/vigil.db.", valueName: "path"))
    var db: String?

    @Option(name: .long, help: ArgumentHelp(
        "A PostgreSQL store shared by several servers: postgres://user@host:port/database?sslmode=… (the password from "
            + "the URL, PGPASSWORD or ~/.pgpass). Default: $VIGIL_STORE, else [store] url in the config, else the SQLite file.",
        valueName: "url"))
    var store: String?

    @Option(name: .long, help: ArgumentHelp("The configuration file. Default: $VIGIL_CONFIG, else ~/.config/vigil/config.toml.", valueName: "path"))
    var config: String?

    @Flag(name: .long, help: "Print machine-readable JSON instead of text.")
    var json = false

    var paths: VigilPaths { VigilPaths.resolve(database: db, store: store, config: config) }

    func validate() throws {
        if db != nil, store != nil { throw ValidationError("pass --db PATH (a SQLite file) or --store URL, not both") }
    }

    /// Opens the store and engines (with the configuration changed by `adjust` first, when given), turning failures
    /// into a clear message and exit code.
    func open(adjusting adjust: (inout VigilConfig) -> Void = { _ in }) throws -> VigilRuntime {
        do {
            var config = try VigilConfig.load(path: paths.config)
            adjust(&config)
            return try VigilRuntime.open(paths: paths, config: config)
        } catch {
            throw CLIError(error)
        }
    }

    /// Prints `value` as pretty JSON when `--json` is set, else runs `text`.
    func emit(_ value: JSONValue, text: () -> String) {
        print(json ? value.prettyText : text())
    }
}

/// A failure shown as one line on stderr with its ``ExitStatus``: the one type every command's errors become.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    let status: ExitStatus

    init(_ error: any Error) {
        switch error {
        case let e as CLIError: self = e
        case let e as DecisionError: (description, status) = (e.data, .refused)
        case let e as StoreError: (description, status) = (e.description, Self.status(e))
        case let e as ConfigError: (description, status) = (e.description, .configuration)
        case let e as PrincipalError: (description, status) = (e.description, .refused)
        case let e as ReceiptVerification.Failure: (description, status) = (e.description, .refused)
        case let e as ReceiptKeyError: (description, status) = (e.description, .database)
        case let e as BackupError: (description, status) = (e.description, Self.status(e))
        case let e as ImportError: (description, status) = (e.description, .refused)
        default: (description, status) = ("\(error)", .refused)
        }
    }

    /// A store failure's status: each reason a store cannot be opened has its own, so scripts can tell them apart.
    static func status(_ error: StoreError) -> ExitStatus {
        switch error {
        case .invalidLocation: return .unusable
        case .unreachable, .connectionLost: return .postgresUnreachable
        case .authenticationFailed: return .postgresCredentials
        case .newerSchema: return .newerSchema
        case .cannotOpen, .busy, .corrupt, .sqlite, .postgres: return .database
        }
    }

    /// A backup or restore refused: `database` when the file is not a sound store, as for a store that cannot be opened.
    static func status(_ error: BackupError) -> ExitStatus {
        switch error {
        case .notAStore, .damaged: return .database
        case .destinationExists, .sameFile, .destinationHoldsData: return .refused
        }
    }

    init(_ message: String, _ status: ExitStatus = .refused) {
        description = message
        self.status = status
    }
}

/// Runs `body`, printing any failure as `error: …` on stderr and exiting with its code.
func runReporting(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch let error as CleanExit {
        throw error
    } catch {
        let cliError = CLIError(error)
        throw failure(cliError.description, cliError.status)
    }
}

/// Prints the one-line `error: …` on stderr and returns the exit code for the command to throw.
func failure(_ message: String, _ status: ExitStatus) -> ExitCode {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    return ExitCode(status)
}

/// The local operator identity: `--operator`, else config `operator`, else the login name.
func resolveOperator(_ flag: String?, config: VigilConfig) throws -> String {
    let name = flag ?? config.operatorName ?? ProcessInfo.processInfo.environment["USER"] ?? NSUserName()
    guard Identifier.isValidOperatorID(name) else {
        throw CLIError("operator '\(name)' is not a valid operator id ([A-Za-z0-9._@-]{1,64}); pass --operator NAME")
    }
    return name
}

/// Pads or cuts `text` to `width` characters for table output.
func cell(_ text: String, _ width: Int) -> String {
    if text.count > width { return String(text.prefix(max(0, width - 1))) + "…" }
    return text + String(repeating: " ", count: width - text.count)
}

/// "3m", "2h", "5d" since an RFC 3339 timestamp.
func age(_ timestamp: String, now: Date = Date()) -> String {
    guard let date = Timestamp.parse(timestamp) else { return "?" }
    let seconds = Int(now.timeIntervalSince(date))
    if seconds < 60 { return "\(max(0, seconds))s" }
    if seconds < 3600 { return "\(seconds / 60)m" }
    if seconds < 86400 { return "\(seconds / 3600)h" }
    return "\(seconds / 86400)d"
}

struct PathsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "paths", abstract: "Show which store vigil opens, and where it keeps its configuration and signing key.")

    @OptionGroup var common: CommonOptions

    func run() throws {
        try runReporting {
            let paths = common.paths
            let config = try VigilConfig.load(path: paths.config)
            let choice = try Stores.choice(paths, config: config)
            let key = Stores.keyDirectory(choice, paths: paths, config: config) + "/" + ReceiptSigner.fileName
            var value: JSONObject = [
                "store": .string(choice.location), "store_kind": .string(choice.kind), "config": .string(paths.config),
                "receipt_key": .string(key),
            ]
            if case .sqlite(let path) = choice { value["database"] = .string(path) }
            common.emit(.object(value)) {
                "store        \(choice.location) (\(choice.kind))\nconfig       \(paths.config)\nreceipt key  \(key)"
            }
        }
    }
}

/// Says what a possibly long command is doing, on stderr and only to a person at a terminal (scripts reading
/// `--json` get nothing extra).
func announce(_ what: String) {
    guard isatty(STDERR_FILENO) == 1 else { return }
    FileHandle.standardError.write(Data("vigil: \(what)…\n".utf8))
}
