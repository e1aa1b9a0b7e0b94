import Foundation

/// How a decision ends.
public enum CloseOutcome: String, Sendable {
    case commit, abort, rollback
}

/// A handle on one open decision (the Python SDK's `Decision`): every call carries its id.
public struct Decision: Sendable {
    public let id: String
    /// The canonical automation mode the server stored (`nil` for a handle made from an id).
    public let automationMode: String?
    let client: TraceMemClient

    init(id: String, client: TraceMemClient, automationMode: String?) {
        self.id = id
        self.client = client
        self.automationMode = automationMode
    }

    /// `decision_add_context`: a note (`kind`, `message`, optional `data`), sanitized on the client when enabled.
    @discardableResult
    public func note(kind: String = "info", message: String, data: JSONObject? = nil) async throws(TraceMemError) -> JSONValue {
        guard !message.isEmpty else { throw .validation("a note needs a message") }
        var context: JSONObject = ["kind": .string(kind), "message": .string(message)]
        if let data { context["data"] = .object(data) }
        return try await client.call("decision_add_context", [
            "decision_id": .string(id), "context": client.clean(.object(context), at: "/context"),
            "summary": .string(String(message.prefix(4000))),
        ])
    }

    /// `decision_read` through a data product, for a purpose. `query` matches fields by equality.
    public func read(
        product: String, purpose: String, query: JSONObject = [:], resultMode: ResultMode = .single
    ) async throws(TraceMemError) -> ReadResult {
        guard !product.isEmpty, !purpose.isEmpty else { throw .validation("read needs a product and a purpose") }
        var arguments: JSONObject = [
            "decision_id": .string(id), "product": .string(product), "purpose": .string(purpose),
            "allow_multiple": .bool(resultMode == .multiple),
        ]
        if !query.isEmpty { arguments["query"] = .object(query) }
        return ReadResult(try await client.call("decision_read", arguments))
    }

    public enum ResultMode: String, Sendable { case single, multiple }

    /// `decision_evaluate`: a policy on explicit inputs.
    public func evaluate(policy: String, inputs: JSONObject) async throws(TraceMemError) -> Evaluation {
        Evaluation(try await client.call("decision_evaluate", [
            "decision_id": .string(id), "policy_id": .string(policy), "inputs": .object(inputs),
        ]))
    }

    /// `decision_evaluate` on what an earlier read returned (its `dataRef` or event id).
    public func evaluate(policy: String, inputsRef: String) async throws(TraceMemError) -> Evaluation {
        Evaluation(try await client.call("decision_evaluate", [
            "decision_id": .string(id), "policy_id": .string(policy), "inputs_ref": .string(inputsRef),
        ]))
    }

    /// `decision_request_approval`: puts the decision in front of an operator.
    public func requestApproval(
        title: String? = nil, message: String? = nil, kind: String? = nil, routeID: String? = nil,
        requireRationale: Bool? = nil, expiresInSeconds: Int? = nil
    ) async throws(TraceMemError) -> ApprovalRequest {
        var arguments: JSONObject = ["decision_id": .string(id)]
        if let title { arguments["title"] = .string(title) }
        if let message { arguments["message"] = .string(message) }
        if let kind { arguments["kind"] = .string(kind) }
        if let routeID { arguments["approval_route_id"] = .string(routeID) }
        if let requireRationale { arguments["require_rationale"] = .bool(requireRationale) }
        if let expiresInSeconds { arguments["expires_in_seconds"] = .int(Int64(expiresInSeconds)) }
        return ApprovalRequest(try await client.call("decision_request_approval", arguments))
    }

    /// Polls `decision_get` until the approval is resolved (within the spec's 60 calls a minute) and returns its
    /// status: `approved`, `rejected` or `expired`. Throws ``TraceMemError/timeout(_:)`` after `timeout` seconds.
    public func waitForApproval(every interval: Double = 1.5, timeout: Double = 3600) async throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let state = try await get()
            if ["approved", "rejected", "expired"].contains(state.approvalStatus) { return state.approvalStatus }
            try await Task.sleep(for: .milliseconds(Int(max(interval, 1.0) * 1000)))
        }
        throw TraceMemError.timeout(timeout)
    }

    /// `decision_write` through a data product. `mutation` is one of the spec's forms (`["data": …]`,
    /// `["records": […]]`, …). A repeated `idempotencyKey` replays the first result instead of writing twice.
    public func write(
        product: String, purpose: String, mutation: JSONObject, operation: String? = nil, keys: JSONValue? = nil,
        idempotencyKey: String? = nil
    ) async throws(TraceMemError) -> WriteResult {
        guard !product.isEmpty, !purpose.isEmpty else { throw .validation("write needs a product and a purpose") }
        var arguments: JSONObject = [
            "decision_id": .string(id), "product": .string(product), "purpose": .string(purpose), "mutation": .object(mutation),
        ]
        if let operation { arguments["operation"] = .string(operation) }
        if let keys { arguments["keys"] = keys }
        if let idempotencyKey { arguments["idempotency_key"] = .string(idempotencyKey) }
        return WriteResult(try await client.call("decision_write", arguments))
    }

    /// `decision_get`.
    public func get() async throws(TraceMemError) -> DecisionState { try await client.getDecision(id) }

    /// `decision_trace`.
    public func trace() async throws(TraceMemError) -> JSONValue { try await client.trace(id) }

    /// `decision_receipt`.
    public func receipt() async throws(TraceMemError) -> JSONValue { try await client.receipt(id) }

    /// `decision_close`: commit applies the buffered writes; abort and rollback discard them.
    @discardableResult
    public func close(outcome: CloseOutcome, reason: String? = nil, summary: JSONObject? = nil) async throws(TraceMemError) -> CloseResult {
        var arguments: JSONObject = ["decision_id": .string(id), "action": .string(outcome.rawValue)]
        if let reason { arguments["reason"] = .string(reason) }
        if let summary { arguments["summary"] = client.clean(.object(summary), at: "/summary") }
        return CloseResult(try await client.call("decision_close", arguments))
    }
}

// MARK: Results

/// `decision_get`'s answer.
public struct DecisionState: Sendable {
    public let raw: JSONValue
    public var status: String { raw["status"]?.stringValue ?? "" }
    public var approvalStatus: String { raw["approval_status"]?.stringValue ?? "none" }
    public var approvalRequired: Bool { raw["approval_required"]?.boolValue ?? false }
    public var approvalID: String? { raw["approval_id"]?.stringValue }
    public var intent: String { raw["intent"]?.stringValue ?? "" }
    init(_ raw: JSONValue) { self.raw = raw }
}

/// `decision_read`'s answer.
public struct ReadResult: Sendable {
    public let raw: JSONValue
    public var eventID: String { raw["event_id"]?.stringValue ?? "" }
    public var dataRef: String { raw["data_ref"]?.stringValue ?? "" }
    public var records: [JSONValue] { raw["records"]?.arrayValue ?? [] }
    public var truncated: Bool { raw["summary"]?["truncated"]?.boolValue ?? false }
    init(_ raw: JSONValue) { self.raw = raw }
}

/// `decision_evaluate`'s answer.
public struct Evaluation: Sendable {
    public let raw: JSONValue
    /// `allow`, `deny` or `requires_exception`.
    public var outcome: String { raw["outcome"]?.stringValue ?? "" }
    public var allowed: Bool { outcome == "allow" }
    /// The policy wants a human: call ``Decision/requestApproval(title:message:kind:routeID:requireRationale:expiresInSeconds:)``.
    public var requiresApproval: Bool { outcome == "requires_exception" }
    public var message: String { raw["rationale"]?["message"]?.stringValue ?? "" }
    public var ruleID: String? { raw["rationale"]?["rule_id"]?.stringValue }
    init(_ raw: JSONValue) { self.raw = raw }
}

/// `decision_request_approval`'s answer.
public struct ApprovalRequest: Sendable {
    public let raw: JSONValue
    public var approvalID: String { raw["approval_id"]?.stringValue ?? "" }
    public var status: String { raw["status"]?.stringValue ?? "" }
    public var expiresAt: String { raw["expires_at"]?.stringValue ?? "" }
    init(_ raw: JSONValue) { self.raw = raw }
}

/// `decision_write`'s answer.
public struct WriteResult: Sendable {
    public let raw: JSONValue
    public var eventID: String { raw["event_id"]?.stringValue ?? "" }
    public var status: String { raw["status"]?.stringValue ?? "" }
    public var rows: Int { Int(raw["rows"]?.integerValue ?? 0) }
    public var createdRecords: [JSONValue] { raw["created_records"]?.arrayValue ?? [] }
    public var idempotentReplay: Bool { raw["idempotent_replay"]?.boolValue ?? false }
    init(_ raw: JSONValue) { self.raw = raw }
}

/// `decision_close`'s answer.
public struct CloseResult: Sendable {
    public let raw: JSONValue
    /// `committed` or `aborted`.
    public var status: String { raw["status"]?.stringValue ?? "" }
    public var closedAt: String { raw["closed_at"]?.stringValue ?? "" }
    public var writes: [JSONValue] { raw["writes"]?.arrayValue ?? [] }
    init(_ raw: JSONValue) { self.raw = raw }
}
