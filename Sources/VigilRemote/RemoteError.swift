/// What can go wrong talking to a remote vigil, TraceMem or Membrane endpoint.
///
/// `rpc` is the server's own answer (a JSON-RPC error, or a gRPC status); everything else means the answer never
/// arrived or could not be read.
public enum RemoteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A JSON-RPC error object: the spec's `code`, `message` and `data` string, and the HTTP status it came with.
    case rpc(code: Int, message: String, data: String?, httpStatus: Int)
    /// A gRPC call ended with a non-OK status (`code` is the canonical name, e.g. `PERMISSION_DENIED`).
    case status(code: String, message: String)
    /// An HTTP answer that is not JSON-RPC (a proxy's 502, a 404 from a wrong URL).
    case http(status: Int, body: String)
    /// The endpoint could not be reached: refused, reset, DNS, TLS.
    case network(endpoint: String, reason: String)
    /// No answer within the client's timeout.
    case timeout(endpoint: String, seconds: Double)
    /// The answer arrived but is not what the protocol promises.
    case malformed(String)

    public var description: String {
        switch self {
        case .rpc(let code, let message, let data, _):
            return data.map { "\($0) (JSON-RPC \(code) \(message))" } ?? "JSON-RPC \(code) \(message)"
        case .status(let code, let message):
            return "\(message) (gRPC \(code))"
        case .http(let status, let body):
            return "HTTP \(status) from the endpoint: \(body.prefix(200))"
        case .network(let endpoint, let reason):
            return "cannot reach \(endpoint): \(reason) — is the server running, and is the address right?"
        case .timeout(let endpoint, let seconds):
            return "no answer from \(endpoint) within \(seconds) s"
        case .malformed(let detail):
            return "unexpected answer: \(detail)"
        }
    }

    /// The JSON-RPC `data` string (the spec's precise reason), when the server sent one.
    public var data: String? {
        if case .rpc(_, _, let data, _) = self { return data }
        return nil
    }
}
