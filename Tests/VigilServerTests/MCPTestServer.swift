import Foundation
import Testing
import VigilCore
import VigilServer
import VigilTestSupport

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A real MCP server on 127.0.0.1 (an ephemeral port) over a ``DecisionFixture``, and an HTTP client for it.
final class MCPTestServer: Sendable {
    let fixture: DecisionFixture
    let port: Int
    private let task: Task<Void, any Error>

    struct Reply {
        var status: Int
        var headers: [String: String]
        var body: Data
        var json: JSONValue? { try? JSONParser.parse(bytes: body) }
    }

    /// - Parameter metrics: what `GET /metrics` serves (`open: false` plays a server bound beyond loopback).
    init(configTOML: String = DecisionFixture.configTOML, metrics: MetricsEndpoint? = nil) async throws {
        let fixture = try DecisionFixture(configTOML: configTOML)
        self.fixture = fixture
        let service = MCPService(engine: fixture.engine, principals: fixture.principals, clock: fixture.clock, metrics: metrics)
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        task = Task {
            try await MCPServer.run(service: service, host: "127.0.0.1", port: 0) { port in continuation.yield(port) }
        }
        var iterator = stream.makeAsyncIterator()
        guard let port = await iterator.next() else { throw POSIXError(.EADDRNOTAVAIL) }
        self.port = port
    }

    deinit { task.cancel() }

    func request(
        _ method: String = "POST", path: String = "/", body: Data? = nil, key: String? = nil,
        scheme: String = "Agent", headers: [String: String] = ["Content-Type": "application/json"]
    ) async throws -> Reply {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        request.httpBody = body
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let key { request.setValue("\(scheme) \(key)", forHTTPHeaderField: "Authorization") }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        var fields: [String: String] = [:]
        for (name, value) in http.allHeaderFields { fields[String(describing: name).lowercased()] = String(describing: value) }
        return Reply(status: http.statusCode, headers: fields, body: data)
    }

    /// A JSON-RPC call with key `key` (agent A's by default).
    func rpc(_ method: String, _ params: JSONObject = [:], id: JSONValue = 1, key: String? = nil) async throws -> Reply {
        let body: JSONValue = ["jsonrpc": "2.0", "id": id, "method": .string(method), "params": .object(params)]
        return try await request(body: Data(body.canonicalBytes), key: key ?? fixture.keyA)
    }

    /// `tools/call` of `name`.
    func tool(_ name: String, _ arguments: JSONObject, key: String? = nil) async throws -> Reply {
        try await rpc("tools/call", ["name": .string(name), "arguments": .object(arguments)], key: key)
    }
}
