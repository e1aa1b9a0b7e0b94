import ArgumentParser
import Foundation
import Logging
import VigilCore
import VigilStores
import VigilRemote
import VigilServer
import VigilDashboard
import VigilTerminal
import VigilTUI

/// The dashboard's options: `vigil [--db PATH] [--operator NAME] [--theme NAME] …` with no subcommand.
struct DashboardOptionsGroup: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The SQLite database file. Default: $VIGIL_DB, else ~/.local/share/vigil/vigil.db.", valueName: "path"))
    var db: String?
    @Option(name: .long, help: ArgumentHelp(
        "A PostgreSQL store: postgres://user@host:port/database (the dashboard sees changes from every server on it). "
            + "Default: $VIGIL_STORE, else [store] url in the config, else the SQLite file.", valueName: "url"))
    var store: String?
    @Option(name: .long, help: ArgumentHelp("The configuration file. Default: $VIGIL_CONFIG, else ~/.config/vigil/config.toml.", valueName: "path"))
    var config: String?
    @OptionGroup var console: ConsoleOptions
    @Option(help: ArgumentHelp("A keymap file. Default: ~/.config/vigil/keymap.toml when it exists.", valueName: "path"))
    var keymap: String?
    @Flag(help: "Ignore any keymap file.") var defaultKeys = false
    @Flag(help: "Hide every action that writes (approve, reject, memory actions).") var readOnly = false
    @Flag(help: "Ring the terminal bell when a new approval request arrives (at most every 10 s).") var bell = false
    @Flag(help: "Do not serve the MCP and gRPC endpoints from the dashboard.") var noServe = false
    @Option(help: ArgumentHelp(
        "Watch a remote vigil instead of a local store: its MCP URL, e.g. http://10.0.0.5:7420 (needs an operator key).",
        valueName: "url")) var remote: String?
    @Option(help: ArgumentHelp(
        "The remote's operator key (`vigil agents add NAME --operator` there). Default: $VIGIL_OPERATOR_KEY, which keeps it out of `ps`.",
        valueName: "key")) var operatorKey: String?
    @Option(help: ArgumentHelp("The remote's gRPC endpoint for memory. Default: the --remote host, port 9090.", valueName: "host:port"))
    var remoteGrpc: ListenAddress?
}

/// What the dashboard and `vigil demo` both take: who the operator is, how the screen looks, where the endpoints
/// listen. One group, so the two commands cannot drift apart.
struct ConsoleOptions: ParsableArguments {
    @Option(name: .customLong("operator"), help: ArgumentHelp(
        "Who approves and rejects. Default: config `operator`, else $USER. (With --remote the key decides; this is only shown.)",
        valueName: "name"))
    var operatorName: String?
    @Option(help: ArgumentHelp("Colour theme: default, light, high-contrast, monochrome, or one in ~/.config/vigil/themes.", valueName: "name"))
    var theme: String?
    @Option(help: ArgumentHelp("auto: NO_COLOR and the terminal decide; never: monochrome; 16 or 256 colours.", valueName: "mode"))
    var color: ColorMode = .auto
    @Option(help: ArgumentHelp("Where the MCP endpoint listens (loopback). Default: 127.0.0.1:7420 (the dashboard: [tracemem] listen_addr).", valueName: "host:port"))
    var mcp: ListenAddress?
    @Option(help: ArgumentHelp("Where the gRPC endpoint listens (loopback). Default: 127.0.0.1:9090 (the dashboard: [membrane] listen_addr).", valueName: "host:port"))
    var grpc: ListenAddress?
}

/// `--color`.
enum ColorMode: String, CaseIterable, ExpressibleByArgument {
    case auto, never
    case sixteen = "16"
    case twoFiftySix = "256"
}

/// `vigil` alone (or `vigil dashboard`): the operator console.
struct DashboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Open the operator dashboard (the default when vigil runs with no subcommand).",
        discussion: """
            Shows decisions live, the approvals queue, the memory browser and the agents, and serves the agent \
            endpoints on loopback unless --no-serve.

            Keys: 1–4 screens · j/k move · Enter open · Tab switch pane · / filter · a approve · x reject · \
            p pause · r refresh · ? help · q quit. Rebind them in ~/.config/vigil/keymap.toml.

            Themes: themes/*.toml in the checkout, or ~/.config/vigil/themes. NO_COLOR forces monochrome.
            """)

    @OptionGroup var options: DashboardOptionsGroup

    func run() async throws {
        try await runDashboard(options)
    }

    func runDashboard(_ options: DashboardOptionsGroup) async throws {
        if let remote = options.remote {
            try await runRemote(remote, options)
            return
        }
        do { try DashboardLooks.requireTerminal() } catch { throw failure(error.message, error.status) }
        if options.db != nil, options.store != nil { throw failure("pass --db PATH (a SQLite file) or --store URL, not both", .unusable) }
        let paths = VigilPaths.resolve(database: options.db, store: options.store, config: options.config)
        let config: VigilConfig
        do { config = try VigilConfig.load(path: paths.config) } catch { throw failure(error.description, .configuration) }
        let operatorName: String
        do { operatorName = try resolveOperator(options.console.operatorName, config: config) } catch { throw failure("\(error)", .usage) }

        let looks: DashboardLooks
        do {
            looks = try DashboardLooks.resolve(
                theme: options.console.theme ?? config.theme, color: options.console.color, keymap: options.keymap, defaultKeys: options.defaultKeys)
        } catch { throw failure(error.message, error.status) }
        let (theme, keymap, forceMono) = (looks.theme, looks.keymap, looks.forceMono)

        let runtime: VigilRuntime
        do {
            runtime = try VigilRuntime.open(paths: paths, config: config, use: .longLived)
        } catch let error as StoreError {
            throw failure(error.description + " (pass --db PATH or --store URL to open another store)", CLIError.status(error))
        } catch {
            throw failure(CLIError(error).description, .database)
        }
        let store = runtime.store

        // The endpoints, on loopback, unless --no-serve or --read-only. A taken port is reported and that endpoint
        // skipped.
        var endpoints: [String] = []
        var served: RunningHost?
        if !options.noServe, !options.readOnly {
            var settings = HostSettings(config: config)
            if let mcp = options.console.mcp { settings.mcp = mcp }
            if let grpc = options.console.grpc { settings.grpc = grpc }
            for address in [settings.mcp, settings.grpc] where !address.isLoopback {
                throw failure("the dashboard serves on loopback only (\(address)); use `vigil serve --allow-remote` for remote agents", .unusable)
            }
            let started = await VigilHost(runtime: runtime, settings: settings).start()
            served = started
            endpoints = started.status
        }
        defer { served?.stop() }

        let dashboardOptions = DashboardOptions(
            operatorName: operatorName, databaseName: store.usage().name, readOnly: options.readOnly,
            bell: options.bell, monochrome: forceMono, endpoints: endpoints, allowReveal: config.allowReveal)
        let dashboard = Dashboard(
            engines: .init(store: store, decisions: options.readOnly ? nil : runtime.decisions, memory: runtime.memory))
        do {
            try await dashboard.run(options: dashboardOptions, theme: theme, keymap: keymap, forceMono: forceMono)
        } catch let error as TerminalError {
            throw failure(error.description, .usage)
        }
    }
}

extension DashboardCommand {
    /// `vigil --remote URL`: the same screens over the remote's operator tools and gRPC.
    func runRemote(_ url: String, _ options: DashboardOptionsGroup) async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let key = options.operatorKey ?? environment["VIGIL_OPERATOR_KEY"].flatMap({ $0.isEmpty ? nil : $0 }) else {
            throw failure("--remote needs an operator key: --operator-key KEY or VIGIL_OPERATOR_KEY (create one on the remote with `vigil agents add NAME --operator`)", .usage)
        }
        guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), let host = parsed.host else {
            throw failure("--remote must be the remote's MCP URL, e.g. http://10.0.0.5:7420", .usage)
        }
        let grpc = options.remoteGrpc ?? ListenAddress(host: host, port: 9090)
        let looks: DashboardLooks
        do {
            looks = try DashboardLooks.resolve(theme: options.console.theme, color: options.console.color, keymap: options.keymap, defaultKeys: options.defaultKeys)
        } catch { throw failure(error.message, error.status) }
        let source: RemoteDashboardSource
        do {
            source = try RemoteDashboardSource(mcpURL: url, grpcHost: grpc.host, grpcPort: grpc.port, operatorKey: key)
        } catch { throw failure("\(error)", .unusable) }
        // A wrong or non-operator key is a mistake to fix now; an unreachable remote is shown in the dashboard,
        // which keeps retrying.
        do {
            try await source.checkOperatorKey()
        } catch {
            if case .rpc = error { throw failure("the remote refused the key: \(error.data ?? error.description)", .refused) }
        }
        do { try DashboardLooks.requireTerminal() } catch { throw failure(error.message, error.status) }
        // The remote records every resolution under the key's operator; this name is only shown.
        let operatorName = options.console.operatorName ?? "key holder"
        let dashboardOptions = DashboardOptions(
            operatorName: operatorName, databaseName: "remote \(host)", readOnly: options.readOnly, bell: options.bell,
            monochrome: looks.forceMono, endpoints: [])
        do {
            try await Dashboard(source: source).run(options: dashboardOptions, theme: looks.theme, keymap: looks.keymap, forceMono: looks.forceMono)
        } catch let error as TerminalError {
            throw failure(error.description, .usage)
        }
    }
}

/// The dashboard's theme and keymap, as the flags, `NO_COLOR` and the user's files decide them.
struct DashboardLooks {
    struct Failure: Error {
        var message: String
        var status: ExitStatus
    }

    var theme: Theme
    var keymap: Keymap
    var forceMono: Bool

    /// Stops with exit code 64 unless standard input and output are a terminal with a usable `TERM`.
    static func requireTerminal() throws(Failure) {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            throw Failure(message: TerminalError.notATerminal.description, status: .usage)
        }
        guard let term = ProcessInfo.processInfo.environment["TERM"], !term.isEmpty, term != "dumb" else {
            throw Failure(message: "TERM is not set (or is dumb): the dashboard needs a terminal type, e.g. TERM=xterm-256color", status: .usage)
        }
    }

    /// `--color never` or `NO_COLOR` (unless `--color 16|256`) forces monochrome; the keymap comes from `--keymap`,
    /// else `~/.config/vigil/keymap.toml` when it exists, unless `--default-keys`.
    static func resolve(theme requested: String?, color: ColorMode, keymap: String?, defaultKeys: Bool) throws(Failure) -> DashboardLooks {
        let environment = ProcessInfo.processInfo.environment
        let forceMono: Bool
        switch color {
        case .never: forceMono = true
        case .sixteen, .twoFiftySix: forceMono = false
        case .auto: forceMono = !(environment["NO_COLOR"] ?? "").isEmpty
        }
        let searchPath = Theme.searchPath(environment: environment, executable: CommandLine.arguments[0])
        let theme: Theme
        do {
            theme = try Theme.load(named: forceMono ? "monochrome" : (requested ?? "default"), searchPath: searchPath)
        } catch { throw Failure(message: "\(error)", status: .configuration) }

        var loaded = Keymap.defaults
        if !defaultKeys {
            let configHome = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (NSHomeDirectory() + "/.config")
            let path = keymap ?? configHome + "/vigil/keymap.toml"
            if let text = try? String(contentsOfFile: path, encoding: .utf8) {
                do { loaded = try Keymap.load(text: text, path: path) } catch {
                    throw Failure(message: "\(error) (or start with --default-keys)", status: .configuration)
                }
            } else if keymap != nil {
                throw Failure(message: "cannot read the keymap file \(path)", status: .configuration)
            }
        }
        return DashboardLooks(theme: theme, keymap: loaded, forceMono: forceMono)
    }
}
