import Foundation
import Logging
import VigilCore
import VigilMetrics

/// What a host serves and how: where each endpoint listens (and with what TLS), the Membrane key, authentication and
/// rate limits. ``init(config:environment:)`` reads them from the configuration; commands then apply their flags.
public struct HostSettings: Sendable {
    public var mcp: ListenAddress
    public var grpc: ListenAddress
    public var mcpTLS: TLSFiles?
    public var grpcTLS: TLSFiles?
    /// The Membrane shared key (`MEMBRANE_API_KEY`, else `membrane.api_key`).
    public var membraneKey: String?
    public var requireAuth: Bool
    /// Membrane calls per second per caller; 0 turns the limit off.
    public var ratePerSecond: Double
    /// A named port that is taken is replaced by any free one (the demo) instead of leaving that endpoint off.
    public var fallbackToAnyPort = false
    /// One log line per MCP request at debug level; `nil` logs nothing (a dashboard owns the terminal).
    public var logger: Logger?
    /// The bearer token `GET /metrics` accepts beyond loopback (the contents of `[metrics] token_file`).
    public var metricsToken: String?

    public init(
        mcp: ListenAddress, grpc: ListenAddress, membraneKey: String? = nil, requireAuth: Bool = true,
        ratePerSecond: Double = 0
    ) {
        self.mcp = mcp
        self.grpc = grpc
        self.membraneKey = membraneKey
        self.requireAuth = requireAuth
        self.ratePerSecond = ratePerSecond
    }

    /// The settings `config` gives (TLS files are loaded by the command, which reports a bad file its own way).
    public init(config: VigilConfig, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.init(
            mcp: config.tracemem.listen, grpc: config.memory.listen,
            membraneKey: environment["MEMBRANE_API_KEY"].flatMap { $0.isEmpty ? nil : $0 } ?? config.memory.apiKey,
            requireAuth: config.memory.requireAuth, ratePerSecond: config.memory.ratePerSecond)
    }
}

extension HostSettings {
    /// Reads `[metrics] token_file` (when set) into ``metricsToken``: the file's text without surrounding whitespace.
    /// A file that cannot be read or is empty stops start-up rather than leaving `/metrics` closed by surprise.
    public mutating func loadMetricsToken(file: String?) throws(ConfigError) {
        guard let file else { return }
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw ConfigError.invalid(key: "metrics.token_file", message: "cannot read \(file)")
        }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw ConfigError.invalid(key: "metrics.token_file", message: "\(file) is empty") }
        metricsToken = token
    }
}

/// An endpoint that did not start, with what it was asked for and why.
public struct HostError: Error, Sendable, CustomStringConvertible {
    public var endpoint: VigilHost.Endpoint
    public var address: ListenAddress
    public var reason: String

    /// Another process holds the port.
    public var portTaken: Bool { reason.contains("Address already in use") }

    public var description: String {
        portTaken
            ? "\(endpoint.rawValue) cannot listen on \(address): the port is taken"
            : "\(endpoint.rawValue) cannot listen on \(address): \(reason)"
    }
}

/// One process's service to agents: the TraceMem MCP endpoint, the Membrane gRPC endpoint and the ``Sweeper``, on
/// one runtime's engines, started together and stopped together. `vigil serve` runs it in the foreground until
/// SIGINT/SIGTERM (``serve(announce:)``); the dashboard and `vigil demo` start it in the background for as long as
/// they run (``start(startup:)``), so approvals expire and memory decays on schedule wherever agents are served.
public struct VigilHost: Sendable {
    public enum Endpoint: String, Sendable { case mcp = "MCP", grpc = "gRPC" }

    let decisions: DecisionEngine
    let memory: MemoryEngine
    let principals: PrincipalRegistry
    public let settings: HostSettings

    /// A host on `runtime`'s engines (open it with `use: .longLived`, so Membrane's text queries use the relevance
    /// index).
    public init(runtime: VigilRuntime, settings: HostSettings) {
        self.init(decisions: runtime.decisions, memory: runtime.memory, principals: runtime.principals, settings: settings)
    }

    /// A host on engines assembled elsewhere (tests, with their own clocks).
    public init(decisions: DecisionEngine, memory: MemoryEngine, principals: PrincipalRegistry, settings: HostSettings) {
        self.decisions = decisions
        self.memory = memory
        self.principals = principals
        self.settings = settings
    }

    /// Starts both endpoints and the sweeper in the background and waits (at most `startup`) until each endpoint
    /// listens or has failed. An endpoint that fails is left off and reported; the other goes on.
    public func start(startup: Duration = .seconds(3)) async -> RunningHost {
        await launch(handleSignals: false, startup: startup)
    }

    /// Serves until SIGINT or SIGTERM, then stops both endpoints (the MCP endpoint finishes the requests it has
    /// accepted) and the sweeper.
    /// - Parameter announce: called once both endpoints listen, with the host's state.
    /// - Throws: ``HostError`` when an endpoint cannot listen; nothing is left running then.
    public func serve(announce: @Sendable (RunningHost) -> Void) async throws(HostError) {
        let running = await launch(handleSignals: true, startup: nil)
        defer { running.stop() }
        if let failure = running.failures.first { throw failure }
        announce(running)
        await running.untilSignalled()
    }

    private func launch(handleSignals: Bool, startup: Duration?) async -> RunningHost {
        let logger: Logger = settings.logger ?? {
            var quiet = Logger(label: "vigil.host")
            quiet.logLevel = .critical
            return quiet
        }()
        let settings = settings
        let metrics = HostMetrics()
        let service = MCPService(
            engine: decisions, principals: principals, logger: logger,
            metrics: MetricsEndpoint(host: metrics, open: settings.mcp.isLoopback, token: settings.metricsToken))
        enum Report { case listening(Endpoint, port: Int), failed(Endpoint, port: Int, reason: String) }
        let (reports, continuation) = AsyncStream.makeStream(of: Report.self)
        let (memory, principals) = (memory, principals)

        func serve(_ endpoint: Endpoint, port: Int) -> Task<Void, Never> {
            Task {
                do {
                    switch endpoint {
                    case .mcp:
                        try await MCPServer.run(
                            service: service, host: settings.mcp.host, port: port, tls: settings.mcpTLS,
                            handleSignals: handleSignals, logger: logger
                        ) { continuation.yield(.listening(.mcp, port: $0)) }
                    case .grpc:
                        try await MembraneServer.run(
                            engine: memory, principals: principals, host: settings.grpc.host, port: port,
                            tls: settings.grpcTLS, membraneKey: settings.membraneKey, requireAuth: settings.requireAuth,
                            ratePerSecond: settings.ratePerSecond, metrics: metrics
                        ) { continuation.yield(.listening(.grpc, port: $0)) }
                    }
                } catch {
                    continuation.yield(.failed(endpoint, port: port, reason: "\(error)"))
                }
            }
        }

        var running = RunningHost(settings: settings)
        running.mcpTask = serve(.mcp, port: settings.mcp.port)
        running.grpcTask = serve(.grpc, port: settings.grpc.port)
        running.sweeper = Sweeper(decisions: decisions, memory: memory, config: decisions.config, metrics: metrics).start()
        let deadline = startup.map { startup in Task { try? await Task.sleep(for: startup); continuation.finish() } }
        var settled = Set<Endpoint>()
        for await report in reports {
            switch report {
            case .listening(let endpoint, let port):
                if endpoint == .mcp { running.mcpPort = port } else { running.grpcPort = port }
                settled.insert(endpoint)
            case .failed(let endpoint, let port, _) where settings.fallbackToAnyPort && port != 0:
                // The named port is taken: any free one will do.
                if endpoint == .mcp { running.mcpTask = serve(.mcp, port: 0) } else { running.grpcTask = serve(.grpc, port: 0) }
            case .failed(let endpoint, let port, let reason):
                var address = endpoint == .mcp ? settings.mcp : settings.grpc
                address.port = port
                running.failures.append(HostError(endpoint: endpoint, address: address, reason: reason))
                settled.insert(endpoint)
            }
            if settled.count == 2 { break }
        }
        deadline?.cancel()
        return running
    }
}

/// A started ``VigilHost``: where its endpoints listen, which failed, and ``stop()``.
public struct RunningHost: Sendable {
    let settings: HostSettings
    fileprivate var mcpTask: Task<Void, Never>?
    fileprivate var grpcTask: Task<Void, Never>?
    fileprivate var sweeper: Task<Void, Never>?
    /// The MCP endpoint's port, when it listens.
    public fileprivate(set) var mcpPort: Int?
    /// The gRPC endpoint's port, when it listens.
    public fileprivate(set) var grpcPort: Int?
    /// The endpoints that did not start.
    public fileprivate(set) var failures: [HostError] = []

    fileprivate init(settings: HostSettings) { self.settings = settings }

    /// `http://127.0.0.1:7420` (or `https://…`) when the MCP endpoint listens.
    public var mcpURL: String? {
        mcpPort.map { "\(settings.mcpTLS == nil ? "http" : "https")://\(settings.mcp.urlHost):\($0)" }
    }

    /// The gRPC endpoint's host, when it listens.
    public var grpcHost: String? { grpcPort == nil ? nil : settings.grpc.host }

    /// One line per endpoint for a status line: "MCP http://127.0.0.1:7420", "gRPC 127.0.0.1:9090",
    /// "MCP 127.0.0.1:7420 unavailable (port taken?)".
    public var status: [String] {
        var lines: [String] = []
        if let mcpURL { lines.append("MCP \(mcpURL)") }
        if let grpcPort { lines.append("gRPC \(ListenAddress(host: settings.grpc.host, port: grpcPort))") }
        for failure in failures { lines.append("\(failure.endpoint.rawValue) \(failure.address) unavailable (port taken?)") }
        return lines.sorted()
    }

    /// Stops both endpoints and the sweeper.
    public func stop() {
        for task in [mcpTask, grpcTask, sweeper] { task?.cancel() }
    }

    /// Returns when the MCP endpoint has stopped on SIGINT or SIGTERM (in ``VigilHost/serve(announce:)``).
    fileprivate func untilSignalled() async {
        await mcpTask?.value
    }
}

extension HostSettings {
    /// Both endpoints on 127.0.0.1, each on any free port, keys required, no rate limit: for tests and benches.
    public static var loopbackAnyPort: HostSettings {
        HostSettings(mcp: ListenAddress(host: "127.0.0.1", port: 0), grpc: ListenAddress(host: "127.0.0.1", port: 0))
    }
}
