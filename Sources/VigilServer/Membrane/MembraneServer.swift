import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import VigilCore
import VigilMetrics

/// Serves the Membrane gRPC API over HTTP/2 with grpc-swift-2: plaintext h2c, or TLS given ``TLSFiles``.
public enum MembraneServer {
    /// The largest request message accepted (spec §2.1: 10 MiB + 1 MiB).
    public static let maximumReceivedMessageSize = 11_534_336
    /// What the transport itself accepts: above Membrane's limit, so that limit is answered with the spec's
    /// `RESOURCE_EXHAUSTED` by ``MembraneMessageSizeInterceptor`` rather than a stream reset (`UNAVAILABLE`).
    static let transportPayloadLimit = 64 * 1_048_576

    /// Runs until the task is cancelled.
    /// - Parameters:
    ///   - membraneKey: `MEMBRANE_API_KEY` or `membrane.api_key`; with `requireAuth`, authentication is on.
    ///   - onListening: called with the bound port.
    public static func run(
        engine: MemoryEngine, principals: PrincipalRegistry, host: String, port: Int, tls: TLSFiles? = nil,
        membraneKey: String?,
        requireAuth: Bool, ratePerSecond: Double = 100, clock: any WallClock = SystemClock(), metrics: HostMetrics? = nil,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        let authOn = requireAuth || !(membraneKey ?? "").isEmpty
        var interceptors: [any ServerInterceptor] = []
        if let metrics { interceptors.append(MembraneMetricsInterceptor(metrics: metrics)) }
        interceptors.append(MembraneMessageSizeInterceptor(limit: maximumReceivedMessageSize))
        if authOn { interceptors.append(MembraneAuthInterceptor(membraneKey: membraneKey, principals: principals)) }
        if ratePerSecond > 0 { interceptors.append(MembraneRateLimitInterceptor(perSecond: ratePerSecond, clock: clock)) }
        var config = HTTP2ServerTransport.Posix.Config.defaults
        config.rpc.maxRequestPayloadSize = transportPayloadLimit
        let security: HTTP2ServerTransport.Posix.TransportSecurity =
            if let tls {
                .tls(
                    certificateChain: [.file(path: tls.certificatePath, format: .pem)],
                    privateKey: .file(path: tls.keyPath, format: .pem))
            } else {
                .plaintext
            }
        let server = GRPCServer(
            transport: .http2NIOPosix(address: .ipv4(host: host, port: port), transportSecurity: security, config: config),
            services: [MembraneService(engine: engine), HealthService()],
            interceptors: interceptors)
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await server.serve() }
            if let address = try await server.listeningAddress?.ipv4 {
                await onListening(address.port)
            }
            try await withTaskCancellationHandler {
                try await Task.sleep(for: .seconds(365 * 86400))
            } onCancel: {
                server.beginGracefulShutdown()
            }
        }
    }
}

extension ServerContext {
    /// Whether the call is one of Membrane's RPCs (the interceptors leave health checks alone).
    var isMembraneCall: Bool { descriptor.service.fullyQualifiedService == "membrane.v1.MembraneService" }
}
