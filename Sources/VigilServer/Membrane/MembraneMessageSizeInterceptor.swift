import GRPCCore
import SwiftProtobuf

/// Refuses request messages over Membrane's limit with `RESOURCE_EXHAUSTED` (spec §2.1, checklist 8).
///
/// grpc-swift-nio-transport enforces its own payload limit by resetting the stream, which clients report as
/// `UNAVAILABLE`. So the transport's limit is set well above Membrane's (``MembraneServer/transportPayloadLimit``)
/// and this interceptor applies the real one, answering with the status the spec names. Measuring a message means
/// serializing it again, which costs little next to handling it.
struct MembraneMessageSizeInterceptor: ServerInterceptor {
    let limit: Int

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>, context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        let limit = self.limit
        let checked = request.messages.map { message throws -> Input in
            if let message = message as? any SwiftProtobuf.Message {
                let size = try (message.serializedBytes() as [UInt8]).count
                if size > limit {
                    throw RPCError(code: .resourceExhausted, message: "request message of \(size) bytes exceeds the limit of \(limit) bytes")
                }
            }
            return message
        }
        return try await next(StreamingServerRequest(metadata: request.metadata, messages: RPCAsyncSequence(wrapping: checked)), context)
    }
}
