import Foundation
import VigilCore
import VigilRemote

/// A TraceMem client: the Swift mirror of the published Python SDK (`TraceMemClient`), over MCP or in-process.
///
/// ```swift
/// let client = try TraceMemClient(apiKey: key, mcpURL: "http://127.0.0.1:7420")
/// let decision = try await client.open(action: "edit_files", automationMode: "propose")
/// try await decision.note(kind: "info", message: "Starting work")
/// try await decision.close(outcome: .commit)
/// ```
public final class TraceMemClient: Sendable {
    /// The hosted service; vigil's own default is `http://127.0.0.1:7420`.
    public static let defaultMCPURL = "https://mcp.tracemem.com"

    public let mcpURL: String
    public let timeout: Double
    /// Redact secret-like keys and bound sizes in metadata and notes before they leave the process (default on).
    public let sanitize: Bool
    public let defaultActor: String
    public let defaultAutomationMode: String
    /// The built-in action → intent map, extended by the `actionIntentMap` option.
    public let intentMap: IntentMap
    let transport: any ToolTransport

    /// - Parameters:
    ///   - apiKey: the agent's key (`vigil agents add`); sent as `Authorization: Agent <key>`.
    ///   - mcpURL: where the MCP endpoint is, for the remote backend.
    ///   - timeout: seconds to wait for each call.
    ///   - sanitize: client-side sanitization of metadata and notes (the server sanitizes again).
    ///   - defaultActor: the `actor` of new decisions when a call names none.
    ///   - defaultAutomationMode: the mode of new decisions when a call names none.
    ///   - actionIntentMap: extends (and overrides) the built-in map used by ``open(action:automationMode:actor:metadata:)``.
    ///   - backend: ``TraceMemBackend/remote`` (default) or ``TraceMemBackend/embedded(path:config:)``.
    public init(
        apiKey: String, mcpURL: String = TraceMemClient.defaultMCPURL, timeout: Double = 30, sanitize: Bool = true,
        defaultActor: String = "tracemem-swift", defaultAutomationMode: String = "propose",
        actionIntentMap: [String: String] = [:], backend: TraceMemBackend = .remote
    ) throws(TraceMemError) {
        guard !apiKey.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw .validation("apiKey is required (create one with `vigil agents add NAME`)")
        }
        guard timeout > 0 else { throw .validation("timeout must be positive") }
        guard Self.automationModes.contains(defaultAutomationMode) else {
            throw .validation("defaultAutomationMode must be one of \(Self.automationModes.sorted().joined(separator: ", "))")
        }
        self.mcpURL = mcpURL
        self.timeout = timeout
        self.sanitize = sanitize
        self.defaultActor = defaultActor
        self.defaultAutomationMode = defaultAutomationMode
        intentMap = IntentMap(extending: actionIntentMap)
        switch backend {
        case .remote:
            guard let url = URL(string: mcpURL), ["http", "https"].contains(url.scheme ?? "") else {
                throw .validation("mcpURL must be an http:// or https:// URL, not '\(mcpURL)'")
            }
            transport = RemoteTools(client: MCPClient(url: mcpURL, apiKey: apiKey, timeout: timeout))
        case .embedded(let path, let config):
            transport = try EmbeddedTools(path: path, config: config, apiKey: apiKey)
        }
    }

    /// A client for the length of `body`; the session is closed however `body` ends (the Python SDK's
    /// `async with TraceMemClient(...) as client`).
    public static func withSession<T: Sendable>(
        apiKey: String, mcpURL: String = TraceMemClient.defaultMCPURL, timeout: Double = 30, sanitize: Bool = true,
        defaultActor: String = "tracemem-swift", defaultAutomationMode: String = "propose",
        actionIntentMap: [String: String] = [:], backend: TraceMemBackend = .remote,
        _ body: (TraceMemClient) async throws -> T
    ) async throws -> T {
        let client = try TraceMemClient(
            apiKey: apiKey, mcpURL: mcpURL, timeout: timeout, sanitize: sanitize, defaultActor: defaultActor,
            defaultAutomationMode: defaultAutomationMode, actionIntentMap: actionIntentMap, backend: backend)
        do {
            let result = try await body(client)
            await client.closeSession()
            return result
        } catch {
            await client.closeSession()
            throw error
        }
    }

    /// Releases the connection. Calls after this are not supported.
    public func closeSession() async { await transport.close() }

    static let automationModes: Set<String> = ["propose", "approve", "override", "autonomous", "execute", "validate"]

    // MARK: Decisions

    /// Opens a decision for a common action (`edit_files`, `deploy`, `secrets`, …), mapped to its intent.
    public func open(
        action: String, automationMode: String? = nil, actor: String? = nil, metadata: JSONObject = [:],
        instance: String? = nil, version: String? = nil
    ) async throws(TraceMemError) -> Decision {
        guard let intent = intentMap.intent(for: action) else {
            let known = intentMap.mappings.keys.sorted().joined(separator: ", ")
            throw .validation("unknown action '\(action)'; known: \(known). Use createDecision(intent:) or extend actionIntentMap")
        }
        return try await createDecision(
            intent: intent, automationMode: automationMode, actor: actor, metadata: metadata, instance: instance, version: version)
    }

    /// Opens a decision with an explicit intent (`domain.entity.action`).
    public func createDecision(
        intent: String, automationMode: String? = nil, actor: String? = nil, metadata: JSONObject = [:],
        instance: String? = nil, version: String? = nil
    ) async throws(TraceMemError) -> Decision {
        let intent = intent.trimmingCharacters(in: .whitespaces)
        guard !intent.isEmpty else { throw .validation("intent is required") }
        let mode = automationMode ?? defaultAutomationMode
        guard Self.automationModes.contains(mode) else {
            throw .validation("automationMode must be one of \(Self.automationModes.sorted().joined(separator: ", ")), not '\(mode)'")
        }
        var arguments: JSONObject = [
            "intent": .string(intent), "automation_mode": .string(mode), "actor": .string(actor ?? defaultActor),
        ]
        if !metadata.isEmpty { arguments["metadata"] = clean(.object(metadata), at: "/metadata") }
        if let instance { arguments["instance"] = .string(instance) }
        if let version { arguments["version"] = .string(version) }
        let created = try await call("decision_create", arguments)
        guard let id = created["decision_id"]?.stringValue else { throw .network("decision_create answered without decision_id") }
        return Decision(id: id, client: self, automationMode: created["automation_mode"]?.stringValue ?? mode)
    }

    /// `decision_record`: creates, fills and commits a decision in one call (an architecture or convention decision
    /// and its rationale). Returns the committed decision's id and its full result (`trace`, `snapshot`, …).
    @discardableResult
    public func record(
        title: String, category: String, context: String, decision: String, rationale: String, tags: [String] = [],
        alternatives: [(option: String, rejectedBecause: String)] = [], supersedes: String? = nil
    ) async throws(TraceMemError) -> (decisionID: String, result: JSONValue) {
        var arguments: JSONObject = [
            "title": .string(title), "category": .string(category), "context": .string(context),
            "decision": .string(decision), "rationale": .string(rationale),
        ]
        if !tags.isEmpty { arguments["tags"] = JSONValue(tags) }
        if !alternatives.isEmpty {
            arguments["alternatives_considered"] = .array(alternatives.map {
                ["option": .string($0.option), "rejected_because": .string($0.rejectedBecause)]
            })
        }
        if let supersedes { arguments["supersedes"] = .string(supersedes) }
        let result = try await call("decision_record", arguments)
        guard let id = result["decision_id"]?.stringValue else { throw .network("decision_record answered without decision_id") }
        return (id, result)
    }

    /// A handle on an existing decision of this agent, by id (for the client-level operations).
    public func decision(_ id: String) -> Decision { Decision(id: id, client: self, automationMode: nil) }

    /// `decision_get`: the decision's state.
    public func getDecision(_ id: String) async throws(TraceMemError) -> DecisionState {
        DecisionState(try await call("decision_get", ["decision_id": .string(id)]))
    }

    /// `decision_trace`: every event, and the hash chain.
    public func trace(_ id: String) async throws(TraceMemError) -> JSONValue { try await call("decision_trace", ["decision_id": .string(id)]) }

    /// `decision_receipt`: the signed receipt (final once the decision is closed).
    public func receipt(_ id: String) async throws(TraceMemError) -> JSONValue { try await call("decision_receipt", ["decision_id": .string(id)]) }

    /// `decision_close` by id.
    public func closeDecision(_ id: String, outcome: CloseOutcome, reason: String? = nil) async throws(TraceMemError) -> CloseResult {
        try await decision(id).close(outcome: outcome, reason: reason)
    }

    /// `decision_search` over this agent's decisions.
    public func search(query: String? = nil, status: String? = nil, limit: Int = 20) async throws(TraceMemError) -> JSONValue {
        var arguments: JSONObject = ["limit": .int(Int64(limit))]
        if let query { arguments["query"] = .string(query) }
        if let status { arguments["status"] = .string(status) }
        return try await call("decision_search", arguments)
    }

    /// `capabilities_get`: who this key is, what it may use, and the receipt signing key.
    public func capabilities() async throws(TraceMemError) -> JSONValue { try await call("capabilities_get", [:]) }

    /// Data products: `products.list()` and `products.get(_:)`.
    public var products: Products { Products(client: self) }

    public struct Products: Sendable {
        let client: TraceMemClient

        /// `products_list`: the products granted to this agent, optionally only those allowing `purpose`.
        public func list(purpose: String? = nil) async throws(TraceMemError) -> [JSONValue] {
            let result = try await client.call("products_list", purpose.map { ["purpose": .string($0)] } ?? [:])
            return result["products"]?.arrayValue ?? []
        }

        /// `product_get`: one product's schema, purposes, restrictions and policies.
        public func get(_ product: String) async throws(TraceMemError) -> JSONValue {
            try await client.call("product_get", ["product": .string(product)])
        }
    }

    // MARK: Plumbing

    func call(_ tool: String, _ arguments: JSONObject) async throws(TraceMemError) -> JSONValue {
        try await transport.call(tool, arguments)
    }

    /// Client-side sanitization (when on): secret-like keys redacted, long strings and big containers shortened.
    func clean(_ value: JSONValue, at pointer: String) -> JSONValue {
        sanitize ? Sanitizer().sanitize(value, at: pointer).value : value
    }
}
