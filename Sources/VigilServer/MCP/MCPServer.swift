import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore

/// Serves an ``MCPService`` over HTTP/1.1 with Hummingbird, in plaintext or, given ``TLSFiles``, over TLS.
public enum MCPServer {
    /// Runs until the task is cancelled (or, with `handleSignals`, until SIGINT/SIGTERM), finishing in-flight
    /// requests.
    /// - Parameter onListening: called with the bound port once the server accepts connections.
    public static func run(
        service: MCPService, host: String, port: Int, tls: TLSFiles? = nil, handleSignals: Bool = false,
        logger: Logger = Logger(label: "vigil.mcp"), onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        let router = Router()
        let handler: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, _ in
            var bytes: [UInt8] = []
            var tooLarge = false
            do {
                let buffer = try await request.body.collect(upTo: service.maxBodyBytes + 1)
                bytes = Array(buffer.readableBytesView)
                tooLarge = bytes.count > service.maxBodyBytes
            } catch {
                tooLarge = true
            }
            let mcpRequest = MCPHTTPRequest(
                method: request.method.rawValue, path: request.uri.path,
                headers: request.headers.map { (name: $0.name.rawName, value: $0.value) }, body: bytes,
                bodyTooLarge: tooLarge)
            let reply = try await BlockingWork.run { service.handle(mcpRequest) }
            // One line per request at debug level: never a header value, so never a key.
            logger.debug("mcp request", metadata: [
                "method": "\(request.method.rawValue)", "path": "\(request.uri.path)", "status": "\(reply.status)",
                "bytes_in": "\(bytes.count)", "bytes_out": "\(reply.body.count)",
            ])
            var fields = HTTPFields()
            for (name, value) in reply.headers {
                if let field = HTTPField.Name(name) { fields.append(HTTPField(name: field, value: value)) }
            }
            return Response(
                status: .init(code: reply.status), headers: fields,
                body: .init(byteBuffer: ByteBuffer(bytes: reply.body)))
        }
        for method in [HTTPRequest.Method.get, .post, .delete, .put, .patch, .head, .options] {
            router.on("/", method: method, use: handler)
            router.on("**", method: method, use: handler)
        }
        let server: HTTPServerBuilder =
            if let tls { try .tls(.http1(), tlsConfiguration: tls.serverConfiguration()) } else { .http1() }
        let app = Application(
            router: router, server: server,
            configuration: .init(address: .hostname(host, port: port), serverName: "vigil"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) },
            logger: logger)
        if handleSignals {
            try await app.runService()
        } else {
            try await app.run()
        }
    }
}
