import ArgumentParser
import Foundation
import VigilCore
import VigilStores
import VigilDemo
import VigilServer
import VigilDashboard
import VigilTerminal
import VigilTUI

/// `vigil demo`: the dashboard on a seeded store, with simulated agents speaking the real protocols over loopback.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Open the dashboard on a demo store with simulated agents reporting live.",
        discussion: """
            The demo seeds a fresh temporary store with data products (customers, orders, deployments, secrets) and \
            three policies, serves both endpoints on loopback (MCP on 7420 and gRPC on 9090, or free ports when those \
            are taken) and starts simulated agents that use them exactly as real ones would: decision agents over MCP \
            (some ask for approval and wait for you), memory agents and a curator over gRPC.

            Try: 2 for the pending queue, a to approve (Tab to the button, Enter), x to reject with a reason, 3 for \
            memory, ? for every key, q to quit. The agent you answered sees it within about a second.

            The temporary store is removed when the demo ends; pass --db PATH to keep it and open it later with \
            `vigil --db PATH`. --headless runs the agents without the dashboard (point your own `vigil --db PATH` or \
            a remote tool at it).
            """)

    @Option(help: ArgumentHelp("Keep the demo store here (created and seeded if missing). Default: a temporary store.", valueName: "path"))
    var db: String?
    @Option(help: ArgumentHelp(
        "Run the demo on a PostgreSQL store instead (postgres://user@host:port/database; seeded if empty, kept).",
        valueName: "url"))
    var store: String?
    @Option(help: "How many simulated agents (1–64). The first is a decision agent that asks for approval at once.")
    var agents = 5
    @Option(help: ArgumentHelp("Calls per second, all agents together (0.1–200).", valueName: "calls"))
    var rate = 3.0
    @Option(help: ArgumentHelp("End the demo on its own after this many seconds.", valueName: "seconds"))
    var duration: Double?
    @OptionGroup var console: ConsoleOptions
    @Flag(help: "Run the agents without the dashboard, printing progress every 5 s.") var headless = false

    /// The demo's endpoints: the flags, else 7420 and 9090 (a taken one is replaced by any free port).
    var mcp: ListenAddress { console.mcp ?? ListenAddress(host: "127.0.0.1", port: 7420) }
    var grpc: ListenAddress { console.grpc ?? ListenAddress(host: "127.0.0.1", port: 9090) }

    func validate() throws {
        guard (1...64).contains(agents) else { throw ValidationError("--agents must be between 1 and 64") }
        guard (0.1...200).contains(rate) else { throw ValidationError("--rate must be between 0.1 and 200 calls per second") }
        if let duration, !(duration > 0) { throw ValidationError("--duration must be a positive number of seconds") }
        if db != nil, store != nil { throw ValidationError("pass --db PATH (a SQLite file) or --store URL, not both") }
        for address in [mcp, grpc] where !address.isLoopback {
            throw ValidationError("the demo serves on loopback only (\(address))")
        }
    }

    func run() async throws {
        var looks: DashboardLooks?
        if !headless {
            do {
                try DashboardLooks.requireTerminal()
                looks = try DashboardLooks.resolve(theme: console.theme, color: console.color, keymap: nil, defaultKeys: false)
            } catch {
                throw failure(error.message + (error.status == .usage ? " (or run `vigil demo --headless`)" : ""), error.status)
            }
        }
        let operatorName: String
        do { operatorName = try resolveOperator(console.operatorName, config: VigilConfig()) } catch { throw failure("\(error)", .usage) }

        // The store: the one named, or a temporary one removed at the end.
        let temporaryDirectory: String?
        let path: String
        if let kept = self.store ?? db {
            temporaryDirectory = nil
            path = kept
        } else {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-demo-\(UUID().uuidString.prefix(8))").path
            temporaryDirectory = directory
            path = directory + "/demo.db"
        }
        defer { if let temporaryDirectory { try? FileManager.default.removeItem(atPath: temporaryDirectory) } }
        let shownPath = (try? Stores.choice(location: path).location) ?? "the store"
        progress("seeding the demo store at \(shownPath)")
        let runtime: VigilRuntime
        let cast: [DemoAgent]
        do {
            var config = try DemoSetup.config()
            // The agents share --rate calls a second among a few keys, each decision a burst of calls: the per-key
            // limit is set to fit (the SDK would otherwise wait out every 429 and slow the demo to the limit).
            config.tracemem.ratePerSecond = max(config.tracemem.ratePerSecond, rate * 2)
            config.tracemem.rateBurst = max(config.tracemem.rateBurst, Int((rate * 2).rounded(.up)))
            runtime = try VigilRuntime.open(paths: Stores.paths(location: path, config: nil), config: config, use: .longLived)
            try DemoSetup.seed(runtime.decisions)
            cast = try DemoAgent.register(count: agents, principals: runtime.principals)
        } catch {
            let cliError = CLIError(error)
            throw failure("\(cliError.description) (pass --db PATH or --store URL to use another store)", cliError.status == .refused ? .database : cliError.status)
        }

        progress("starting the endpoints on loopback")
        var settings = HostSettings(
            mcp: mcp, grpc: grpc, requireAuth: true, ratePerSecond: max(runtime.config.memory.ratePerSecond, rate * 4))
        settings.fallbackToAnyPort = true
        let endpoints = await VigilHost(runtime: runtime, settings: settings).start()
        defer { endpoints.stop() }
        guard let mcpURL = endpoints.mcpURL, let grpcHost = endpoints.grpcHost, let grpcPort = endpoints.grpcPort else {
            throw failure("the demo could not start its endpoints: \(endpoints.status.joined(separator: "; "))", .unusable)
        }

        let activity = DemoActivity()
        let runner = DemoRunner(agents: cast, mcpURL: mcpURL + "/mcp", grpcHost: grpcHost, grpcPort: grpcPort, rate: rate, activity: activity)
        let agentsTask = Task { try await runner.run() }
        let started = Date()

        if let looks {
            let dashboard = Dashboard(engines: .init(store: runtime.store, decisions: runtime.decisions, memory: runtime.memory))
            let timer = Task {
                guard let duration else { return }
                try? await Task.sleep(for: .milliseconds(Int(duration * 1000)))
                if !Task.isCancelled { dashboard.requestQuit() }
            }
            defer { timer.cancel() }
            let options = DashboardOptions(
                operatorName: operatorName, databaseName: "demo · \(cast.count) agents", monochrome: looks.forceMono,
                endpoints: endpoints.status)
            do {
                try await dashboard.run(options: options, theme: looks.theme, keymap: looks.keymap, forceMono: looks.forceMono)
            } catch let error as TerminalError {
                agentsTask.cancel()
                throw failure(error.description, .usage)
            }
        } else {
            say("demo: \(cast.count) agents · MCP \(mcpURL) · gRPC \(grpcHost):\(grpcPort) · store \(shownPath)")
            await headlessProgress(activity: activity, started: started)
        }
        agentsTask.cancel()
        _ = await agentsTask.result
        let seconds = Int(Date().timeIntervalSince(started).rounded())
        say("demo ran \(seconds) s with \(cast.count) agents: \(activity.summary)")
        let reopen = self.store == nil ? "vigil --db \(path)" : "vigil --store \(shownPath)"
        say(temporaryDirectory == nil ? "store kept at \(shownPath) (open it with `\(reopen)`)" : "the temporary store was removed; pass --db PATH to keep one")
    }

    /// Prints what the agents did every 5 s until the duration ends or SIGINT/SIGTERM arrives.
    private func headlessProgress(activity: DemoActivity, started: Date) async {
        let (stops, continuation) = AsyncStream.makeStream(of: Void.self)
        let signals = TerminationSignals { continuation.finish() }
        defer { signals.cancel() }
        let ticker = Task {
            let end = duration.map { started.addingTimeInterval($0) } ?? .distantFuture
            while !Task.isCancelled {
                let wait = min(5, end.timeIntervalSinceNow)
                if wait < 0.05 { break }
                try? await Task.sleep(for: .milliseconds(Int(wait * 1000)))
                let c = activity.counts
                say("\(Int(Date().timeIntervalSince(started).rounded())) s · \(c.decisionsOpened + c.recorded) decisions · \(c.approvalsRequested) approval requests · \(c.memoriesIngested) memories · \(c.errors) errors")
            }
            continuation.finish()
        }
        for await _ in stops {}
        ticker.cancel()
    }

    /// Standard output, unbuffered, so progress lines and the summary keep their order.
    private func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    private func progress(_ line: String) {
        FileHandle.standardError.write(Data("vigil demo: \(line)…\n".utf8))
    }
}
