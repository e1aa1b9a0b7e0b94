import Foundation
import GRPCCore
import VigilCore

/// Bearer authentication for the Membrane service (spec §2.3): the Membrane key, compared in constant time, or any
/// active vigil agent key. Operator keys are not accepted. Other services (health) pass through.
public struct MembraneAuthInterceptor: ServerInterceptor {
    let membraneKey: String?
    let principals: PrincipalRegistry

    public init(membraneKey: String?, principals: PrincipalRegistry) {
        self.membraneKey = membraneKey
        self.principals = principals
    }

    public func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>, context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        guard context.descriptor.service.fullyQualifiedService == "membrane.v1.MembraneService" else {
            return try await next(request, context)
        }
        let header = request.metadata[stringValues: "authorization"].first(where: { _ in true })
        guard let header, isValid(header) else {
            throw RPCError(code: .unauthenticated, message: "invalid or missing API key")
        }
        return try await next(request, context)
    }

    private func isValid(_ header: String) -> Bool {
        guard header.hasPrefix("Bearer ") else { return false }
        let token = String(header.dropFirst("Bearer ".count))
        if let membraneKey, !membraneKey.isEmpty, constantTimeEqual(token, membraneKey) { return true }
        guard let found = try? principals.authenticate(token) else { return false }
        return found.role == .agent
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
