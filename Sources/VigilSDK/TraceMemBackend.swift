import Foundation
import VigilCore
import VigilStores
import VigilRemote

/// Where a ``TraceMemClient`` sends its calls.
public enum TraceMemBackend: Sendable {
    /// MCP over HTTP to the client's `mcpURL`: `vigil serve`, hosted TraceMem, any compatible server.
    case remote
    /// The decision engine in this process, on the vigil store at `path` (a SQLite file, or a `postgres://` URL). `config` is vigil's configuration file
    /// (products, policies, routes); `nil` means `$VIGIL_CONFIG`, else `~/.config/vigil/config.toml`. The API key
    /// must belong to an agent registered in that store (`vigil agents add`).
    case embedded(path: String, config: String? = nil)
}

/// One tool call, whatever carries it.
protocol ToolTransport: Sendable {
    func call(_ tool: String, _ arguments: JSONObject) async throws(TraceMemError) -> JSONValue
    func close() async
}

/// MCP over HTTP.
struct RemoteTools: ToolTransport {
    let client: MCPClient

    func call(_ tool: String, _ arguments: JSONObject) async throws(TraceMemError) -> JSONValue {
        do {
            return try await client.callTool(tool, arguments)
        } catch {
            throw TraceMemError(error)
        }
    }

    func close() async {}
}

/// The engine in-process: the key is checked against the store as the server would, then every call goes to
/// ``DecisionEngine/call(tool:arguments:caller:)``, which is what the MCP endpoint runs too.
final class EmbeddedTools: ToolTransport {
    let engine: DecisionEngine
    let principals: PrincipalRegistry
    let apiKey: String

    init(path: String, config: String?, apiKey: String) throws(TraceMemError) {
        do {
            let runtime = try VigilRuntime.open(paths: Stores.paths(location: path, config: config))
            engine = runtime.decisions
            principals = runtime.principals
        } catch {
            throw .network("cannot open the embedded store: \(error)")
        }
        self.apiKey = apiKey
    }

    func call(_ tool: String, _ arguments: JSONObject) async throws(TraceMemError) -> JSONValue {
        let outcome: Result<JSONValue, TraceMemError> = await Self.offload { [self] in
            guard let found = try? principals.authenticate(apiKey) else {
                return .failure(Self.error(.unauthorized))
            }
            do {
                return .success(.object(try engine.call(tool: tool, arguments: arguments, caller: Caller(found.principal, role: found.role))))
            } catch let error as DecisionError {
                return .failure(Self.error(error))
            } catch {
                return .failure(.network("embedded engine: \(error)"))
            }
        }
        return try outcome.get()
    }

    func close() async {}

    /// The same code, message and data the MCP endpoint would send.
    static func error(_ error: DecisionError) -> TraceMemError {
        .server(code: error.code, message: error.message, data: error.data)
    }

    /// Runs blocking store work off Swift's cooperative threads.
    static func offload<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: work()) }
        }
    }
}
