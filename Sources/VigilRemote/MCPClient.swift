import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization
import VigilCore

/// A JSON-RPC 2.0 client for a TraceMem MCP endpoint over HTTP: `vigil serve`, the hosted TraceMem, or anything that
/// speaks `../shared/spec/tracemem-mcp.md`.
///
/// Each call is one `POST` with `Authorization: Agent <key>`; sessions are not needed (the spec's server is
/// stateless) and connections are kept alive by the shared `HTTPClient`. Tool results are the parsed
/// `content[0].text` JSON; failures are ``RemoteError``s carrying the server's code and `data` string.
public final class MCPClient: Sendable {
    /// The endpoint URL as given, e.g. `http://127.0.0.1:7420/mcp`.
    public let url: String
    /// Seconds to wait for each answer.
    public let timeout: Double
    private let authorization: String
    private let http: HTTPClient
    private let nextID = Atomic<Int>(1)
    /// Larger answers are refused rather than buffered (a trace of a long decision is well under this).
    private let maxResponseBytes = 32 << 20
    /// What a call does when the server says "not now".
    public let retry: RetryPolicy

    /// - Parameters:
    ///   - url: the MCP endpoint; a bare `http://host:port` is used as is (vigil answers on `/` and `/mcp`).
    ///   - apiKey: the agent's (or operator's) key, sent as `Authorization: Agent <key>`.
    ///   - timeout: seconds to wait for each answer.
    ///   - httpClient: defaults to ``AsyncHTTPClient/HTTPClient/vigilShared``, which fails at once on a refused connection.
    ///   - retry: how often a call the server answered 429 (rate limit) or 503 (store unavailable) is tried again.
    public init(url: String, apiKey: String, timeout: Double = 30, retry: RetryPolicy = .standard, httpClient: HTTPClient = .vigilShared) {
        self.url = url
        self.timeout = timeout
        self.retry = retry
        self.authorization = "Agent \(apiKey)"
        self.http = httpClient
    }

    /// `initialize`: returns the server's `serverInfo`, `capabilities` and `protocolVersion`.
    public func initialize(clientName: String = "vigil-swift", clientVersion: String = "0.1.0") async throws(RemoteError) -> JSONValue {
        try await request(
            method: "initialize",
            params: [
                "protocolVersion": "2025-06-18", "capabilities": [:],
                "clientInfo": ["name": .string(clientName), "version": .string(clientVersion)],
            ])
    }

    /// `tools/list`: the names of the tools this key may call.
    public func toolNames() async throws(RemoteError) -> [String] {
        let result = try await request(method: "tools/list", params: [:])
        guard let tools = result["tools"]?.arrayValue else { throw .malformed("tools/list without a tools array") }
        return tools.compactMap { $0["name"]?.stringValue }
    }

    /// `tools/call`: runs one tool and returns the JSON object in `content[0].text`.
    public func callTool(_ name: String, _ arguments: JSONObject = [:]) async throws(RemoteError) -> JSONValue {
        let result = try await request(method: "tools/call", params: ["name": .string(name), "arguments": .object(arguments)])
        guard let text = result["content"]?.arrayValue?.first?["text"]?.stringValue else {
            throw .malformed("\(name) answered without content[0].text")
        }
        do {
            return try JSONParser.parse(text)
        } catch {
            throw .malformed("\(name) answered with content that is not JSON: \(error)")
        }
    }

    /// Why a request never got an answer, in words: NIO describes a refused connection as
    /// "connection reset (error set): Connection refused) (errno: 111)".
    static func reason(_ error: any Error) -> String {
        if let io = error as? IOError, io.errnoCode == ECONNREFUSED { return "connection refused" }
        return String(describing: error)
    }

    /// One JSON-RPC request; returns its `result`.
    public func request(method: String, params: JSONObject) async throws(RemoteError) -> JSONValue {
        let id = nextID.add(1, ordering: .relaxed).oldValue
        let body: JSONValue = ["jsonrpc": "2.0", "id": .int(Int64(id)), "method": .string(method), "params": .object(params)]
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json, text/event-stream")
        request.headers.add(name: "Authorization", value: authorization)
        request.body = .bytes(ByteBuffer(bytes: body.canonicalBytes))

        var status = 0
        var bytes = ByteBuffer()
        for attempt in 0...retry.retries {
            var retryAfter: Double?
            do {
                let response = try await http.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
                status = Int(response.status.code)
                bytes = try await response.body.collect(upTo: maxResponseBytes)
                // The server did nothing and said when to come back: a rate limit, or a store that is down.
                if status == 429 || status == 503 {
                    retryAfter = response.headers.first(name: "Retry-After").flatMap(Double.init) ?? 1
                }
            } catch let error as HTTPClientError where [.deadlineExceeded, .readTimeout, .connectTimeout].contains(error) {
                throw .timeout(endpoint: url, seconds: timeout)
            } catch {
                throw .network(endpoint: url, reason: Self.reason(error))
            }
            guard let retryAfter, attempt < retry.retries else { break }
            try? await Task.sleep(for: .milliseconds(Int(retry.wait(retryAfter: retryAfter) * 1000)))
        }
        let text = String(buffer: bytes)
        let envelope: JSONValue
        do {
            envelope = try JSONParser.parse(text)
        } catch {
            throw .http(status: status, body: text)
        }
        if let error = envelope["error"], !error.isNull {
            throw .rpc(
                code: Int(error["code"]?.integerValue ?? 0), message: error["message"]?.stringValue ?? "",
                data: error["data"]?.stringValue, httpStatus: status)
        }
        guard let result = envelope["result"] else {
            throw status == 200 ? .malformed("a JSON-RPC answer without result or error") : .http(status: status, body: text)
        }
        return result
    }
}

/// Bounded retries for answers that say "not now" (HTTP 429 with `Retry-After`, 503 for a store that is down; gRPC
/// `RESOURCE_EXHAUSTED` "rate limit exceeded"): wait what the server asked, plus up to a quarter more at random so
/// many clients do not come back in step, at most ``maxWaitSeconds`` each time; after ``retries`` the error goes up.
public struct RetryPolicy: Sendable, Equatable {
    public var retries: Int
    public var maxWaitSeconds: Double

    public init(retries: Int, maxWaitSeconds: Double = 10) {
        (self.retries, self.maxWaitSeconds) = (max(0, retries), maxWaitSeconds)
    }

    /// Three retries (the spec asks clients to honour `Retry-After`).
    public static let standard = RetryPolicy(retries: 3)
    /// Every answer goes up as it is.
    public static let none = RetryPolicy(retries: 0)

    /// How long to wait before the next try.
    public func wait(retryAfter: Double) -> Double {
        min(maxWaitSeconds, max(0.05, retryAfter) * Double.random(in: 1.0...1.25))
    }
}
