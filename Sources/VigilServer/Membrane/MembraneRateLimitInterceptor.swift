import GRPCCore
import VigilCore

/// One token bucket per peer connection (`ip:port`), capacity and refill `perSecond` (spec §2.4). Health is exempt;
/// authentication runs first (this interceptor comes after it).
public struct MembraneRateLimitInterceptor: ServerInterceptor {
    let limiter: RateLimiter

    public init(perSecond: Double, clock: any WallClock = SystemClock()) {
        limiter = RateLimiter(perSecond: perSecond, burst: max(1, Int(perSecond.rounded(.up))), getsPerMinute: 0, clock: clock)
    }

    public func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>, context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        guard context.isMembraneCall else {
            return try await next(request, context)
        }
        if limiter.admit(key: context.remotePeer) != nil {
            throw RPCError(code: .resourceExhausted, message: "rate limit exceeded")
        }
        return try await next(request, context)
    }
}
