import Logging
import VigilCore

/// Both agent endpoints served in the background of another command (the dashboard, `vigil demo`), on loopback.
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

    /// Starts both endpoints and waits (at most 3 s) until each listens or has failed.
    public static func start(
        decisions: DecisionEngine, memory: MemoryEngine, principals: PrincipalRegistry,
        mcpHost: String, mcpPort: Int, grpcHost: String, grpcPort: Int,
        membraneKey: String?, requireAuth: Bool, ratePerSecond: Double, fallbackToAnyPort: Bool = false
    ) async -> LoopbackEndpoints {
        var quiet = Logger(label: "vigil.endpoints")
        quiet.logLevel = .critical
        let logger = quiet
        let service = MCPService(engine: decisions, principals: principals, logger: logger)
        enum Report { case mcp(Int), grpc(Int), failed(String, retry: Bool) }
        let (reports, continuation) = AsyncStream.makeStream(of: Report.self)

        func serveMCP(port: Int, last: Bool) -> Task<Void, Never> {
            Task {
                do {
                    try await MCPServer.run(service: service, host: mcpHost, port: port, logger: logger) { continuation.yield(.mcp($0)) }
                } catch {
                    continuation.yield(.failed("MCP \(mcpHost):\(port) unavailable (port taken?)", retry: !last))
                }
            }
        }
        func serveGRPC(port: Int, last: Bool) -> Task<Void, Never> {
            Task {
                do {
                    try await MembraneServer.run(
                        engine: memory, principals: principals, host: grpcHost, port: port, membraneKey: membraneKey,
                        requireAuth: requireAuth, ratePerSecond: ratePerSecond
                    ) { continuation.yield(.grpc($0)) }
                } catch {
                    continuation.yield(.failed("gRPC \(grpcHost):\(port) unavailable (port taken?)", retry: !last))
                }
            }
        }

        var endpoints = LoopbackEndpoints()
        let retry = fallbackToAnyPort && mcpPort != 0
        let retryGRPC = fallbackToAnyPort && grpcPort != 0
        endpoints.tasks = [serveMCP(port: mcpPort, last: !retry), serveGRPC(port: grpcPort, last: !retryGRPC)]
        let deadline = Task { try? await Task.sleep(for: .seconds(3)); continuation.finish() }
        var settled = 0
        for await report in reports {
            switch report {
            case .mcp(let port):
                endpoints.mcpURL = "http://\(mcpHost):\(port)"
                endpoints.status.append("MCP http://\(mcpHost):\(port)")
                settled += 1
            case .grpc(let port):
                endpoints.grpcHost = grpcHost
                endpoints.grpcPort = port
                endpoints.status.append("gRPC \(grpcHost):\(port)")
                settled += 1
            case .failed(let line, let again):
                if again, line.hasPrefix("MCP") {
                    endpoints.tasks.append(serveMCP(port: 0, last: true))
                } else if again {
                    endpoints.tasks.append(serveGRPC(port: 0, last: true))
                } else {
                    endpoints.status.append(line)
                    settled += 1
                }
            }
            if settled == 2 { break }
        }
        deadline.cancel()
        endpoints.status.sort()
        return endpoints
    }
}
