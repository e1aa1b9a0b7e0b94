import Foundation
import Logging
import VigilCore
import VigilMetrics

/// An HTTP request as the MCP endpoint sees it, independent of the HTTP server.
public struct MCPHTTPRequest: Sendable {
    public var method: String
    public var path: String
    /// Header fields; names are matched case-insensitively.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// Whether the body was longer than the limit (the server stops reading there).
    public var bodyTooLarge: Bool

    public init(method: String, path: String, headers: [(name: String, value: String)], body: [UInt8], bodyTooLarge: Bool = false) {
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
        self.bodyTooLarge = bodyTooLarge
    }

    private static func asciiLower(_ c: UInt8) -> UInt8 { (65...90).contains(c) ? c | 0x20 : c }

    /// The first header named `name`, compared ASCII case-insensitively without allocating.
    func header(_ name: String) -> String? {
        headers.first { header in
            header.name.utf8.count == name.utf8.count
                && zip(header.name.utf8, name.utf8).allSatisfy { a, b in Self.asciiLower(a) == Self.asciiLower(b) }
        }?.value
    }
}

/// The reply: status, headers and body.
public struct MCPHTTPResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
}

/// TraceMem's MCP endpoint (spec `tracemem-mcp.md` §2–§5): JSON-RPC 2.0 over HTTP, stateless per request, every
/// check in the spec's precedence order, every error in the protocol's own shape. It translates; the rules live in
/// the ``DecisionEngine``.
public final class MCPService: Sendable {
    public static let protocolVersions = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"]

    let engine: DecisionEngine
    let principals: PrincipalRegistry
    let settings: TraceMemSettings
    let limiter: RateLimiter
    let logger: Logger
    /// What `GET /metrics` serves, and to whom; `nil` turns the path off.
    let metrics: MetricsEndpoint?

    /// The largest body the endpoint accepts.
    public var maxBodyBytes: Int { settings.maxBodyBytes }

    public init(engine: DecisionEngine, principals: PrincipalRegistry, clock: any WallClock = SystemClock(),
                logger: Logger = Logger(label: "vigil.mcp"), metrics: MetricsEndpoint? = nil) {
        self.metrics = metrics
        self.engine = engine
        // One store read per key per second at most: revocations reach a running server within a second.
        self.principals = principals.cachingKeys(for: .seconds(1))
        settings = engine.config.tracemem
        limiter = RateLimiter(
            perSecond: settings.ratePerSecond, burst: settings.rateBurst, getsPerMinute: settings.getPerMinute, clock: clock)
        self.logger = logger
    }

    static let endpointPaths: Set<String> = ["/", "/mcp", "/mcp/"]

    /// Handles one HTTP request.
    public func handle(_ request: MCPHTTPRequest) -> MCPHTTPResponse {
        let path = request.path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.path
        if path == "/healthz", request.method == "GET" { return json(200, ["status": "ok"]) }
        if path == "/metrics", let metrics {
            guard request.method == "GET" else { return json(405, ["error": "method not allowed"]) }
            return scrape(request, metrics)
        }
        guard Self.endpointPaths.contains(path) else { return json(404, [:]) }
        switch request.method {
        case "POST":
            let response = post(request)
            if response.status >= 400, let metrics { metrics.host.recordMCPRejection(status: response.status) }
            return response
        case "DELETE":
            switch authenticate(request) {
            case .success: return MCPHTTPResponse(status: 204, headers: [], body: [])
            case .failure(.unauthorized): return unauthorized()
            case .failure(.storeUnavailable(let error)): return storeUnavailable(error)
            }
        default:
            var response = json(405, ["error": "method not allowed"])
            response.headers.append(("Allow", "POST, DELETE"))
            return response
        }
    }

    // MARK: POST

    private func post(_ request: MCPHTTPRequest) -> MCPHTTPResponse {
        if request.bodyTooLarge || request.body.count > settings.maxBodyBytes {
            return rpcError(413, id: .null, code: -32600, data: "Request body too large (max \(settings.maxBodyBytes) bytes)")
        }
        if let type = request.header("content-type") {
            let media = type.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
            if media != "application/json" {
                return rpcError(415, id: .null, code: -32600, data: "Content-Type must be application/json")
            }
        }
        if let origin = request.header("origin"), !isAllowed(origin: origin) {
            return rpcError(403, id: .null, code: -32603, data: "Forbidden origin")
        }
        let principal: Principal, role: PrincipalKind, keyHash: String
        switch authenticate(request) {
        case .success(let found): (principal, role, keyHash) = found
        case .failure(.unauthorized): return unauthorized()
        case .failure(.storeUnavailable(let error)): return storeUnavailable(error)
        }
        if let wait = limiter.admit(key: keyHash) { return rateLimited(wait, id: .null) }

        let parsed: JSONValue
        do {
            parsed = try JSONParser.parse(bytes: request.body)
        } catch {
            return rpcError(200, id: .null, code: -32700, data: "Invalid JSON: \(error.description)")
        }
        let caller = Caller(principal, role: role)
        var sessionHeader = false
        if case .array(let batch) = parsed {
            guard !batch.isEmpty else { return rpcError(200, id: .null, code: -32600, data: "Empty batch") }
            var replies: [JSONValue] = []
            for item in batch {
                let outcome = call(item, caller: caller, role: role, initialized: &sessionHeader)
                if let reply = outcome.reply { replies.append(reply) }
            }
            if replies.isEmpty { return MCPHTTPResponse(status: 202, headers: [], body: []) }
            return withSession(body(200, .array(replies)), sessionHeader)
        }
        let outcome = call(parsed, caller: caller, role: role, initialized: &sessionHeader)
        guard let reply = outcome.reply else { return MCPHTTPResponse(status: 202, headers: [], body: []) }
        var response = body(outcome.status, reply)
        if let retry = outcome.retryAfter { response.headers.append(("Retry-After", String(retry))) }
        return withSession(response, sessionHeader)
    }

    private struct Outcome {
        var reply: JSONValue?
        var status = 200
        var retryAfter: Int?
    }

    /// One JSON-RPC request object.
    private func call(_ item: JSONValue, caller: Caller, role: PrincipalKind, initialized: inout Bool) -> Outcome {
        guard case .object(let object) = item else {
            return Outcome(reply: errorObject(id: .null, code: -32600, data: "Invalid JSON-RPC request: not an object"))
        }
        let id = object["id"]
        let isNotification = id == nil
        var echo: JSONValue = id ?? .null
        if case .object? = id { echo = .null }
        if case .array? = id { echo = .null }
        if case .bool? = id { echo = .null }
        guard object["jsonrpc"] == "2.0" else {
            return Outcome(reply: errorObject(id: echo, code: -32600, data: "Invalid JSON-RPC request: jsonrpc must be \"2.0\""))
        }
        guard case .string(let method)? = object["method"] else {
            return Outcome(reply: errorObject(id: echo, code: -32600, data: "Invalid JSON-RPC request: method must be a string"))
        }
        let params: JSONObject
        switch object["params"] {
        case nil, .null?: params = [:]
        case .object(let o)?: params = o
        default:
            return Outcome(reply: errorObject(id: echo, code: -32600, data: "Invalid JSON-RPC request: params must be an object"))
        }
        if method.hasPrefix("notifications/") { return Outcome(reply: nil) }
        let result: Result<JSONValue, DecisionError>
        switch method {
        case "initialize":
            initialized = true
            var version = "2024-11-05"
            if case .string(let offered)? = params["protocolVersion"] {
                version = Self.protocolVersions.contains(offered) ? offered : "2025-11-25"
            }
            result = .success([
                "protocolVersion": .string(version), "capabilities": ["tools": [:]],
                "serverInfo": ["name": "vigil", "version": .string(VigilVersion.current)],
                "instructions": "vigil: a TraceMem-compatible decision tracker (decision envelopes, policies, approvals, signed receipts).",
            ])
        case "ping":
            result = .success([:])
        case "tools/list":
            result = .success(["tools": .array(ToolSchemas.tools(for: role))])
        case "tools/call":
            let started = ContinuousClock.now
            result = toolCall(params, caller: caller)
            if let metrics {
                // Only tools the server has are labels (bounded cardinality); anything else counts as `unknown`.
                let name = params["name"]?.stringValue ?? ""
                let tool = ToolSchemas.names.contains(name) ? name : "unknown"
                let outcome = switch result { case .success: "ok"; case .failure(let error): error.caseName }
                metrics.host.recordMCPCall(tool: tool, outcome: outcome, duration: ContinuousClock.now - started)
            }
        default:
            if isNotification { return Outcome(reply: nil) }
            return Outcome(reply: errorObject(id: echo, code: -32601, data: "Method '\(method)' not found"))
        }
        if isNotification { return Outcome(reply: nil) }
        switch result {
        case .success(let value):
            return Outcome(reply: ["jsonrpc": "2.0", "id": echo, "result": value])
        case .failure(let error):
            var outcome = Outcome(reply: errorObject(id: echo, code: error.code, data: error.data), status: error.httpStatus)
            if error == .rateLimited { outcome.retryAfter = 1 }
            if case .storeUnavailable = error { outcome.retryAfter = 1 }
            return outcome
        }
    }

    private func toolCall(_ params: JSONObject, caller: Caller) -> Result<JSONValue, DecisionError> {
        guard case .string(let name)? = params["name"] else { return .failure(.missingArgument("name is required")) }
        var arguments: JSONObject = [:]
        switch params["arguments"] {
        case nil, .null?: break
        case .object(let o)?: arguments = o
        default: return .failure(.invalidArgument("arguments must be an object"))
        }
        if name == "decision_get", let id = arguments["decision_id"]?.stringValue, limiter.admitGet(decisionID: id) != nil {
            return .failure(.rateLimited)
        }
        do {
            let result = try engine.call(tool: name, arguments: arguments, caller: caller)
            let value = JSONValue.object(result)
            return .success(["content": [["type": "text", "text": .string(value.canonicalText)]], "structuredContent": value])
        } catch let error as DecisionError {
            return .failure(error)
        } catch let error as StoreError where error.isUnavailable {
            // The database is away (restarting, unreachable): the call did nothing and may be retried.
            return .failure(.storeUnavailable(error.description))
        } catch {
            let reference = Identifiers.uuid()
            logger.error("tool call failed", metadata: ["tool": "\(name)", "ref": "\(reference)", "error": "\(error)"])
            return .failure(.internalFailure(reference: reference))
        }
    }

    // MARK: GET /metrics

    /// The Prometheus text. Open when the endpoint listens on loopback; beyond it, only to a bearer of an operator
    /// key or of the configured scrape token (fail closed: 401 otherwise).
    private func scrape(_ request: MCPHTTPRequest, _ metrics: MetricsEndpoint) -> MCPHTTPResponse {
        if !metrics.open {
            guard let presented = presentedKey(request, schemes: ["bearer"]), metrics.admits(presented, principals: principals) else {
                return MCPHTTPResponse(
                    status: 401, headers: [("WWW-Authenticate", "Bearer"), ("Content-Type", "text/plain; charset=utf-8")],
                    body: Array("metrics beyond loopback need an operator key or the [metrics] token_file token as a bearer token\n".utf8))
            }
        }
        do {
            let text = try metrics.host.render(store: engine)
            return MCPHTTPResponse(status: 200, headers: [("Content-Type", "text/plain; version=0.0.4; charset=utf-8")], body: text)
        } catch let error as StoreError where error.isUnavailable {
            return MCPHTTPResponse(status: 503, headers: [("Retry-After", "1")], body: Array("the store is unavailable\n".utf8))
        } catch {
            let reference = Identifiers.uuid()
            logger.error("metrics failed", metadata: ["ref": "\(reference)", "error": "\(error)"])
            return MCPHTTPResponse(status: 500, headers: [], body: Array("metrics failed (ref \(reference))\n".utf8))
        }
    }

    // MARK: Helpers

    /// Why a request carries no usable key.
    private enum AuthenticationFailure: Error {
        case unauthorized
        /// The store could not be asked (a PostgreSQL server that is down): the request is refused, but not as if
        /// its key were wrong.
        case storeUnavailable(StoreError)
    }

    /// The key in `Authorization: SCHEME KEY` when the scheme is one of `schemes` (lowercase); `nil` for none or empty.
    private func presentedKey(_ request: MCPHTTPRequest, schemes: Set<String>) -> String? {
        guard let header = request.header("authorization") else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, schemes.contains(parts[0].lowercased()) else { return nil }
        let key = parts[1].trimmingCharacters(in: .whitespaces)
        return key.isEmpty ? nil : key
    }

    private func authenticate(_ request: MCPHTTPRequest) -> Result<(Principal, PrincipalKind, String), AuthenticationFailure> {
        guard let key = presentedKey(request, schemes: ["agent", "bearer"]) else { return .failure(.unauthorized) }
        let hash = Encoding.sha256Hex(key)
        do {
            guard let found = try principals.authenticate(keyHash: hash) else { return .failure(.unauthorized) }
            return .success((found.principal, found.role, hash))
        } catch let error as StoreError {
            return .failure(.storeUnavailable(error))
        } catch {
            return .failure(.unauthorized)
        }
    }

    /// 503 with the JSON-RPC internal error: the store is down, the call did nothing, the agent may retry.
    private func storeUnavailable(_ error: StoreError) -> MCPHTTPResponse {
        var response = rpcError(503, id: .null, code: -32603, data: DecisionError.storeUnavailable(error.description).data)
        response.headers.append(("Retry-After", "1"))
        return response
    }

    private func isAllowed(origin: String) -> Bool {
        if settings.allowedOrigins.contains(origin) { return true }
        guard let host = URLComponents(string: origin)?.host?.lowercased() else { return false }
        return ["localhost", "127.0.0.1", "[::1]", "::1"].contains(host) || settings.allowedOrigins.contains(host)
    }

    private func errorObject(id: JSONValue, code: Int, data: String) -> JSONValue {
        let message = DecisionError.message(forCode: code)
        return ["jsonrpc": "2.0", "id": id, "error": ["code": .int(Int64(code)), "message": .string(message), "data": .string(data)]]
    }

    private func rpcError(_ status: Int, id: JSONValue, code: Int, data: String) -> MCPHTTPResponse {
        body(status, errorObject(id: id, code: code, data: data))
    }

    private func unauthorized() -> MCPHTTPResponse {
        var response = rpcError(401, id: .null, code: -32603, data: "Unauthorized")
        response.headers.append(("WWW-Authenticate", "Agent"))
        return response
    }

    private func rateLimited(_ wait: Int, id: JSONValue) -> MCPHTTPResponse {
        var response = rpcError(429, id: id, code: -32603, data: "Rate limit exceeded")
        response.headers.append(("Retry-After", String(wait)))
        return response
    }

    private func body(_ status: Int, _ value: JSONValue) -> MCPHTTPResponse {
        MCPHTTPResponse(status: status, headers: [("Content-Type", "application/json")], body: value.canonicalBytes)
    }

    private func json(_ status: Int, _ value: JSONObject) -> MCPHTTPResponse { body(status, .object(value)) }

    private func withSession(_ response: MCPHTTPResponse, _ initialized: Bool) -> MCPHTTPResponse {
        guard initialized else { return response }
        var copy = response
        copy.headers.append(("Mcp-Session-Id", UUID().uuidString.lowercased()))
        return copy
    }
}
