import Foundation
import GRPCCore
import VigilCore

/// Bearer authentication for the Membrane service (spec §2.3): the Membrane key, compared in constant time, or any
/// active vigil agent key. An operator key (vigil's extension, for the remote dashboard) may read and curate memory
/// but not ingest it: agents write memories, operators review them. Other services (health) pass through.
public struct MembraneAuthInterceptor: ServerInterceptor {
    let membraneKey: String?
    let principals: PrincipalRegistry

    public init(membraneKey: String?, principals: PrincipalRegistry) {
        self.membraneKey = membraneKey
        self.principals = principals.cachingKeys(for: .seconds(1))
    }

    public func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>, context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        guard context.isMembraneCall else {
            return try await next(request, context)
        }
        let header = request.metadata[stringValues: "authorization"].first(where: { _ in true })
        guard let header, let role = try role(header) else {
            throw RPCError(code: .unauthenticated, message: "invalid or missing API key")
        }
        if role == .operator, context.descriptor.method.hasPrefix("Ingest") {
            throw RPCError(code: .permissionDenied, message: "operator keys cannot ingest memories; use an agent key")
        }
        return try await next(request, context)
    }

    /// The role the header's key has (the Membrane key counts as an agent's), or `nil` when it is not valid.
    /// - Throws: `UNAVAILABLE` when the store cannot be asked (a PostgreSQL server that is down): the call is refused,
    ///   but not as if its key were wrong.
    private func role(_ header: String) throws -> PrincipalKind? {
        guard header.hasPrefix("Bearer ") else { return nil }
        let token = String(header.dropFirst("Bearer ".count))
        if let membraneKey, !membraneKey.isEmpty, constantTimeEqual(token, membraneKey) { return .agent }
        do {
            return try principals.authenticate(token)?.role
        } catch let error as StoreError {
            throw RPCError(code: .unavailable, message: "store unavailable: \(error.description)")
        } catch {
            return nil
        }
    }

    private func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        // Hashing first makes the comparison length-independent.
        let x = Array(Encoding.sha256Hex(a).utf8)
        let y = Array(Encoding.sha256Hex(b).utf8)
        var difference: UInt8 = 0
        for i in 0..<x.count { difference |= x[i] ^ y[i] }
        return difference == 0
    }
}
