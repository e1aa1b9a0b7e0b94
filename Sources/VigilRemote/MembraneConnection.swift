import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import MembraneProto
import VigilCore

/// One HTTP/2 connection to a Membrane gRPC endpoint (`vigil serve`, a Membrane daemon), with the Bearer key attached
/// to every call and gRPC failures turned into ``RemoteError``s.
///
/// The connection runs in a background task from `init` until ``close()``.
public final class MembraneConnection: Sendable {
    public typealias Client = Membrane_V1_MembraneService.Client<HTTP2ClientTransport.Posix>

    /// `host:port` as given.
    public let address: String
    /// The generated client; prefer ``call(_:)``, which adds the key and the timeout.
    public let client: Client
    private let grpc: GRPCClient<HTTP2ClientTransport.Posix>
    private let runner: Task<Void, Never>
    private let metadata: Metadata
    private let options: CallOptions
    /// What a rate-limited call does.
    public let retry: RetryPolicy

    /// - Parameters:
    ///   - host: an IPv4 address or a host name.
    ///   - apiKey: sent as `authorization: Bearer <key>`; `nil` sends none (a loopback server without keys).
    ///   - timeout: seconds each call may take.
    ///   - tls: connect with TLS; `caCertificate` is a PEM file of the roots to trust (default: the system's).
    ///   - retry: how often a rate-limited call is tried again.
    public init(
        host: String, port: Int, apiKey: String?, timeout: Double = 30, tls: Bool = false, caCertificate: String? = nil,
        retry: RetryPolicy = .standard
    ) throws(RemoteError) {
        self.retry = retry
        address = "\(host):\(port)"
        let target: any ResolvableTarget =
            host.split(separator: ".").count == 4 && host.allSatisfy({ $0.isNumber || $0 == "." })
            ? .ipv4(address: host, port: port) : .dns(host: host, port: port)
        let transport: HTTP2ClientTransport.Posix
        do {
            let security: HTTP2ClientTransport.Posix.TransportSecurity =
                tls
                ? .tls { config in
                    if let caCertificate { config.trustRoots = .certificates([.file(path: caCertificate, format: .pem)]) }
                }
                : .plaintext
            transport = try HTTP2ClientTransport.Posix(target: target, transportSecurity: security)
        } catch {
            throw .network(endpoint: "\(host):\(port)", reason: String(describing: error))
        }
        let grpc = GRPCClient(transport: transport)
        self.grpc = grpc
        client = Client(wrapping: grpc)
        runner = Task { try? await grpc.runConnections() }
        var metadata = Metadata()
        if let apiKey { metadata.addString("Bearer \(apiKey)", forKey: "authorization") }
        self.metadata = metadata
        var options = CallOptions.defaults
        options.timeout = .milliseconds(Int64(timeout * 1000))
        self.options = options
    }

    /// Runs one call with the key and timeout; a gRPC status other than OK becomes ``RemoteError/status(code:message:)``.
    /// A call the server rate-limited (`RESOURCE_EXHAUSTED` "rate limit exceeded") is tried again after 0.25, 0.5
    /// and 1 s (with jitter); gRPC has no `Retry-After`.
    public func call<Result: Sendable>(
        _ body: (Client, Metadata, CallOptions) async throws -> Result
    ) async throws(RemoteError) -> Result {
        var attempt = 0
        while true {
            do {
                return try await body(client, metadata, options)
            } catch let error as RPCError {
                if error.code == .resourceExhausted, error.message.lowercased().contains("rate limit"), attempt < retry.retries {
                    // Nothing was done: wait and try again.
                    try? await Task.sleep(for: .milliseconds(Int(retry.wait(retryAfter: 0.25 * Double(1 << attempt)) * 1000)))
                    attempt += 1
                    continue
                }
                if error.code == .unavailable { throw .network(endpoint: address, reason: error.message) }
                if error.code == .deadlineExceeded { throw .timeout(endpoint: address, seconds: Double(options.timeout?.components.seconds ?? 0)) }
                throw .status(code: Self.statusName(error.code.rawValue), message: error.message)
            } catch {
                throw .network(endpoint: address, reason: String(describing: error))
            }
        }
    }

    /// gRPC's canonical status names, by code.
    static let statusNames = [
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
        "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED",
        "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
    ]

    /// `INVALID_ARGUMENT` for 3, and so on.
    public static func statusName(_ code: Int) -> String { statusNames.indices.contains(code) ? statusNames[code] : "UNKNOWN" }

    /// Stops the connection once in-flight calls finish.
    public func close() async {
        grpc.beginGracefulShutdown()
        await runner.value
    }

    /// Parses a record (or selection, or metrics snapshot) carried as JSON bytes.
    public static func json(_ bytes: Data) throws(RemoteError) -> JSONValue {
        do {
            return try JSONParser.parse(bytes: bytes)
        } catch {
            throw .malformed("record bytes are not JSON: \(error)")
        }
    }
}
