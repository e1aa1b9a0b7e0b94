import VigilRemote

/// What a TraceMem call can fail with, as the Python SDK's `TraceMemError` family.
public enum TraceMemError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server refused: the JSON-RPC `code`, its `message`, and the spec's precise `data` string
    /// (e.g. `Decision 'TMEM_…' not found`).
    case server(code: Int, message: String, data: String?)
    /// The endpoint could not be reached, or answered with something that is not JSON-RPC.
    case network(String)
    /// The call was refused before it was sent: an argument the SDK can tell is wrong.
    case validation(String)
    /// No answer within the client's timeout (seconds).
    case timeout(Double)

    /// The JSON-RPC code for server errors, else `nil`.
    public var code: Int? {
        if case .server(let code, _, _) = self { return code }
        return nil
    }

    /// The most precise message there is: the server's `data` string when it sent one.
    public var message: String {
        switch self {
        case .server(_, let message, let data): return data ?? message
        case .network(let detail): return detail
        case .validation(let detail): return detail
        case .timeout(let seconds): return "no answer within \(seconds) s"
        }
    }

    public var description: String {
        switch self {
        case .server(let code, _, _): return "TraceMem error \(code): \(message)"
        case .network: return "network error: \(message)"
        case .validation: return "invalid call: \(message)"
        case .timeout: return "timeout: \(message)"
        }
    }

    init(_ remote: RemoteError) {
        switch remote {
        case .rpc(let code, let message, let data, _): self = .server(code: code, message: message, data: data)
        case .timeout(_, let seconds): self = .timeout(seconds)
        case .status(let code, let message): self = .network("\(code): \(message)")
        case .http, .network, .malformed: self = .network(remote.description)
        }
    }
}
