import GRPCCore
import VigilMetrics

/// Counts every Membrane call with its status code and latency (outermost, so refusals by the other interceptors —
/// authentication, rate limit, size — are counted too). Health checks are not.
struct MembraneMetricsInterceptor: ServerInterceptor {
    let metrics: HostMetrics

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>, context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        guard context.isMembraneCall else {
            return try await next(request, context)
        }
        let rpc = context.descriptor.method
        let started = ContinuousClock.now
        do {
            let response = try await next(request, context)
            let code = switch response.accepted { case .success: "ok"; case .failure(let error): String(describing: error.code) }
            metrics.recordGRPCCall(rpc: rpc, code: code, duration: ContinuousClock.now - started)
            return response
        } catch let error as RPCError {
            metrics.recordGRPCCall(rpc: rpc, code: String(describing: error.code), duration: ContinuousClock.now - started)
            throw error
        } catch {
            metrics.recordGRPCCall(rpc: rpc, code: "unknown", duration: ContinuousClock.now - started)
            throw error
        }
    }
}
