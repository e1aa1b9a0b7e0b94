import Logging
import VigilCore

/// Both agent endpoints served in the background of another command (the dashboard, `vigil demo`), on loopback, with
/// the same ``Sweeper`` `vigil serve` runs, so approvals expire and memory decays on schedule there too.
///
/// Each endpoint reports within a moment whether it listens; one whose port is taken is skipped (or, with
/// `fallbackToAnyPort`, moved to a free port) and the other goes on. ``status`` holds one line per endpoint for the
/// dashboard's status line.
public struct LoopbackEndpoints: Sendable {
    /// `http://127.0.0.1:PORT` when the MCP endpoint listens.
    public private(set) var mcpURL: String?
    /// Host and port when the gRPC endpoint listens.
    public private(set) var grpcHost: String?
    public private(set) var grpcPort: Int?
    /// "MCP http://127.0.0.1:7420", "gRPC 127.0.0.1:9090", or "MCP 127.0.0.1:7420 unavailable (port taken?)".
    public private(set) var status: [String] = []
    private var tasks: [Task<Void, Never>] = []

    /// Stops both endpoints.
    public func stop() { tasks.forEach { $0.cancel() } }

    /// Starts both endpoints and waits (at most `startup`) until each listens or has failed.
    public static func start(
        decisions: DecisionEngine, memory: MemoryEngine, principals: PrincipalRegistry,
        mcpHost: String, mcpPort: Int, grpcHost: String, grpcPort: Int,
        membraneKey: String?, requireAuth: Bool, ratePerSecond: Double, fallbackToAnyPort: Bool = false,
        config: VigilConfig? = nil, startup: Duration = .seconds(3)
    ) async -> LoopbackEndpoints {
        var quiet = Logger(label: "vigil.endpoints")
        quiet.logLevel = .critical
        let logger = quiet
        let service = MCPService(engine: decisions, principals: principals, logger: logger)
        enum Endpoint { case mcp, grpc }
        enum Report { case listening(Endpoint, port: Int), failed(Endpoint, port: Int) }
        let (reports, continuation) = AsyncStream.makeStream(of: Report.self)

        func serve(_ endpoint: Endpoint, port: Int) -> Task<Void, Never> {
            Task {
                do {
                    switch endpoint {
                    case .mcp:
                        try await MCPServer.run(service: service, host: mcpHost, port: port, logger: logger) {
                            continuation.yield(.listening(.mcp, port: $0))
                        }
                    case .grpc:
                        try await MembraneServer.run(
                            engine: memory, principals: principals, host: grpcHost, port: port, membraneKey: membraneKey,
                            requireAuth: requireAuth, ratePerSecond: ratePerSecond
                        ) { continuation.yield(.listening(.grpc, port: $0)) }
                    }
                } catch {
                    continuation.yield(.failed(endpoint, port: port))
                }
            }
        }

        var endpoints = LoopbackEndpoints()
        endpoints.tasks = [serve(.mcp, port: mcpPort), serve(.grpc, port: grpcPort)]
        endpoints.tasks.append(Sweeper(decisions: decisions, memory: memory, config: config ?? decisions.config).start())
        let deadline = Task { try? await Task.sleep(for: startup); continuation.finish() }
        var settled = 0
        for await report in reports {
            switch report {
            case .listening(.mcp, let port):
                endpoints.mcpURL = "http://\(mcpHost):\(port)"
                endpoints.status.append("MCP http://\(mcpHost):\(port)")
                settled += 1
            case .listening(.grpc, let port):
                endpoints.grpcHost = grpcHost
                endpoints.grpcPort = port
                endpoints.status.append("gRPC \(grpcHost):\(port)")
                settled += 1
            case .failed(let endpoint, let port) where fallbackToAnyPort && port != 0:
                // The named port is taken: any free one will do.
                endpoints.tasks.append(serve(endpoint, port: 0))
            case .failed(let endpoint, let port):
                endpoints.status.append(
                    endpoint == .mcp ? "MCP \(mcpHost):\(port) unavailable (port taken?)" : "gRPC \(grpcHost):\(port) unavailable (port taken?)")
                settled += 1
            }
            if settled == 2 { break }
        }
        deadline.cancel()
        endpoints.status.sort()
        return endpoints
    }
}
