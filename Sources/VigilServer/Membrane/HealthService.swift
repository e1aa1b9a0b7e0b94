import GRPCCore
import MembraneProto
import SwiftProtobuf

/// `grpc.health.v1.Health` (Membrane spec §2.2): the Membrane service and `""` are SERVING while the store is open;
/// other names are NOT_FOUND. Exempt from authentication (the interceptor passes other services through).
public struct HealthService: Grpc_Health_V1_Health.SimpleServiceProtocol {
    static let servedNames: Set<String> = ["", "membrane.v1.MembraneService"]

    public init() {}

    public func check(request: Grpc_Health_V1_HealthCheckRequest, context: ServerContext) async throws
        -> Grpc_Health_V1_HealthCheckResponse
    {
        guard Self.servedNames.contains(request.service) else {
            throw RPCError(code: .notFound, message: "unknown service \(request.service)")
        }
        return .with { $0.status = .serving }
    }

    public func watch(
        request: Grpc_Health_V1_HealthCheckRequest, response: RPCWriter<Grpc_Health_V1_HealthCheckResponse>,
        context: ServerContext
    ) async throws {
        try await response.write(.with { $0.status = Self.servedNames.contains(request.service) ? .serving : .serviceUnknown })
        // Status never changes while the server runs; hold the stream open until the client or server ends it.
        while !Task.isCancelled { try await Task.sleep(for: .seconds(3600)) }
    }
}
