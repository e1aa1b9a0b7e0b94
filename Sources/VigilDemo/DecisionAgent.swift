import Foundation
import MembraneProto
import VigilCore
import VigilRemote

/// A simulated agent that makes decisions through the TraceMem MCP endpoint, exactly as a Python agent on the
/// published SDK would: open an envelope, note, read, evaluate, ask a human when the policy says so and wait for the
/// answer by polling `decision_get`, write, and close with commit or abort. After each decision it remembers the
/// outcome through the Membrane endpoint, with the decision id as the memory's ref (which links the two).
///
/// It runs two lanes: one that may wait for an operator, and one that never does, so a queue of unanswered
/// requests never stops the agent.
struct DecisionAgent: Sendable {
    var context: AgentContext
    /// Whether the first scenario is the discount that needs finance review (the first decision agent's).
    var opensWithApproval: Bool

    func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await lane(mayWait: true) }
            group.addTask {
                try? await context.pacer.pause(2)
                await lane(mayWait: false)
            }
        }
    }

    private func lane(mayWait: Bool) async {
        var first = mayWait && opensWithApproval
        while await context.turn({
            if first {
                first = false
                try await discount(percent: 15)
                return
            }
            switch Int.random(in: 0..<(mayWait ? 10 : 6)) {
            case 0...1: try await discount(percent: mayWait ? [4, 8, 12, 18, 25, 40].randomElement()! : [3, 5, 8, 10].randomElement()!)
            case 2...3: try await lookup()
            case 4: try await deploy(production: false)
            case 5: try await record()
            case 6...7: try await deploy(production: true)
            default: try await rotateSecret()
            }
        }) {}
    }

    // MARK: Scenarios

    /// billing.discount.grant: allowed up to 10 %, finance review above, refused above 30 %.
    private func discount(percent: Int) async throws {
        let customer = DemoSetup.customers.randomElement()!
        let amount = Double(Int.random(in: 40...900))
        let id = try await open(intent: "billing.discount.grant", mode: "autonomous", metadata: ["ticket": .string("SUP-\(Int.random(in: 1000...9999))")])
        _ = try await context.tool("decision_add_context", [
            "decision_id": .string(id), "summary": .string("\(customer.name) asks for \(percent)% off a \(Int(amount)) EUR order"),
            "context": ["customer_id": .string(customer.id), "requested_discount_pct": .int(Int64(percent)), "channel": "chat"],
        ])
        _ = try await context.tool("decision_read", [
            "decision_id": .string(id), "product": "customers_read", "purpose": "order_support",
            "query": ["customer_id": .string(customer.id)],
        ])
        let evaluation = try await context.tool("decision_evaluate", [
            "decision_id": .string(id), "policy_id": "discount_cap_v1",
            "inputs": ["record": ["customer_id": .string(customer.id), "amount": .double(amount), "discount_pct": .int(Int64(percent))]],
        ])
        let write: JSONObject = [
            "decision_id": .string(id), "product": "orders_insert", "purpose": "order_support",
            "mutation": ["data": ["customer_id": .string(customer.id), "amount": .double(amount), "discount_pct": .int(Int64(percent))]],
            "idempotency_key": .string("discount-\(id)"),
        ]
        try await finish(
            id, evaluation: evaluation, write: write,
            request: "\(percent)% for \(customer.name) (\(customer.tier) tier)", remember: "discount of \(percent)% for \(customer.id)")
    }

    /// deploy.release.execute in approve mode: staging goes through on its own, production waits for a release manager.
    private func deploy(production: Bool) async throws {
        let service = DemoSetup.services.randomElement()!
        let version = "v2.\(Int.random(in: 1...9)).\(Int.random(in: 0...20))"
        let environment = production ? "production" : "staging"
        let id = try await open(intent: "deploy.release.execute", mode: production ? "approve" : "autonomous", metadata: ["service": .string(service)])
        _ = try await context.tool("decision_read", [
            "decision_id": .string(id), "product": "deployments_read", "purpose": "release",
            "query": ["service": .string(service)],
        ])
        _ = try await context.tool("decision_add_context", [
            "decision_id": .string(id), "summary": .string("Roll out \(service) \(version) to \(environment)"),
            "context": ["canary_error_rate": .double(Double(Int.random(in: 0...12)) / 1000), "tests": "green"],
        ])
        let evaluation = try await context.tool("decision_evaluate", [
            "decision_id": .string(id), "policy_id": "deploy_window_v1",
            "inputs": ["record": ["service": .string(service), "version": .string(version), "environment": .string(environment)]],
        ])
        let write: JSONObject = [
            "decision_id": .string(id), "product": "deployments_insert", "purpose": "release",
            "mutation": ["data": ["service": .string(service), "version": .string(version), "environment": .string(environment)]],
            "idempotency_key": .string("deploy-\(id)"),
        ]
        try await finish(
            id, evaluation: evaluation, write: write, request: "Roll out \(service) \(version) to \(environment)",
            remember: "\(service) \(version) deployed to \(environment)", forceApproval: production)
    }

    /// secrets.rotate.execute: every change needs security sign-off; root credentials are refused outright.
    private func rotateSecret() async throws {
        let secret = DemoSetup.secrets.randomElement()!
        let id = try await open(intent: "secrets.rotate.execute", mode: "autonomous", metadata: ["secret": .string(secret)])
        _ = try await context.tool("decision_read", [
            "decision_id": .string(id), "product": "secrets_read", "purpose": "key_rotation", "query": ["secret_id": .string(secret)],
        ])
        let evaluation = try await context.tool("decision_evaluate", [
            "decision_id": .string(id), "policy_id": "secrets_change_v1", "inputs": ["record": ["secret_id": .string(secret)]],
        ])
        let write: JSONObject = [
            "decision_id": .string(id), "product": "secrets_update", "purpose": "key_rotation",
            "mutation": ["data": ["secret_id": .string(secret), "rotated_at": .string(Timestamp.format(Date()))]],
            "idempotency_key": .string("rotate-\(id)"),
        ]
        try await finish(id, evaluation: evaluation, write: write, request: "Rotate \(secret) (90-day policy)", remember: "\(secret) rotated")
    }

    /// customer.profile.review in propose mode: read-only, committed as a proposal.
    private func lookup() async throws {
        let customer = DemoSetup.customers.randomElement()!
        let id = try await open(intent: "customer.profile.review", mode: "propose", metadata: [:])
        _ = try await context.tool("decision_read", [
            "decision_id": .string(id), "product": "customers_read", "purpose": "account_review",
            "query": ["tier": .string(customer.tier)], "allow_multiple": true,
        ])
        _ = try await context.tool("decision_add_context", [
            "decision_id": .string(id), "summary": .string("Propose a \(customer.tier) upgrade offer for \(customer.name)"),
            "context": ["customer_id": .string(customer.id), "signal": "usage up 40% this quarter"],
        ])
        let closed = try await context.tool("decision_close", ["decision_id": .string(id), "action": "commit", "reason": "proposal recorded"])
        context.activity.count { $0.committed += closed["status"]?.stringValue == "committed" ? 1 : 0 }
        try await remember(id, "proposed an upgrade offer for \(customer.id)", sensitivity: "low")
    }

    /// decision_record: an architecture or convention decision in one call.
    private func record() async throws {
        let topics: [(String, String, String, String)] = [
            ("Use WAL mode for the agent store", "architecture", "Readers block writers in rollback mode", "Switch SQLite to WAL"),
            ("Pin the payments SDK to 4.x", "dependency", "5.0 changes webhook signatures", "Stay on 4.x until the migration guide lands"),
            ("Snake_case for public JSON", "convention", "Clients mix camelCase and snake_case", "All public JSON uses snake_case"),
            ("Retry idempotent writes only", "api_design", "Retries duplicated refunds last week", "Retry only calls that carry an idempotency key"),
        ]
        let (title, category, problem, decision) = topics.randomElement()!
        let result = try await context.tool("decision_record", [
            "title": .string(title), "category": .string(category), "context": .string(problem), "decision": .string(decision),
            "rationale": "Agreed in the weekly review", "tags": ["demo", .string(category)],
        ])
        context.activity.count { $0.recorded += 1 }
        if let id = result["decision_id"]?.stringValue { try await remember(id, "recorded: \(title)", sensitivity: "public") }
    }

    // MARK: Steps

    private func open(intent: String, mode: String, metadata: JSONObject) async throws -> String {
        let created = try await context.tool("decision_create", [
            "intent": .string(intent), "automation_mode": .string(mode), "metadata": .object(metadata),
        ])
        guard let id = created["decision_id"]?.stringValue else { throw RemoteError.malformed("decision_create without decision_id") }
        context.activity.count { $0.decisionsOpened += 1 }
        return id
    }

    /// After the policy: write and commit when allowed; ask, wait and then write or abort when it needs a human;
    /// abort when denied.
    private func finish(
        _ id: String, evaluation: JSONValue, write: JSONObject, request: String, remember summary: String, forceApproval: Bool = false
    ) async throws {
        let outcome = evaluation["outcome"]?.stringValue ?? "allow"
        if outcome == "deny" {
            try await close(id, action: "abort", reason: evaluation["rationale"]?["message"]?.stringValue ?? "denied by policy")
            try await remember(id, "refused by policy: \(summary)", sensitivity: "low")
            return
        }
        if outcome == "requires_exception" || forceApproval {
            let approval = try await context.tool("decision_request_approval", [
                "decision_id": .string(id), "message": .string(request), "expires_in_seconds": 600,
            ])
            context.activity.count { $0.approvalsRequested += 1 }
            let status = try await waitForOperator(id)
            _ = try await context.mcp.callTool("decision_add_context", [
                "decision_id": .string(id), "summary": .string("operator answer seen: \(status)"),
                "context": ["approval_id": approval["approval_id"] ?? .null, "approval_status": .string(status)],
            ])
            guard status == "approved" else {
                context.activity.count { $0.approvalsSeenRejected += 1 }
                try await close(id, action: "abort", reason: "the operator said no (\(status))")
                try await remember(id, "operator declined: \(summary)", sensitivity: "medium")
                return
            }
            context.activity.count { $0.approvalsSeenApproved += 1 }
        }
        _ = try await context.tool("decision_write", write)
        try await close(id, action: "commit", reason: nil)
        try await remember(id, summary, sensitivity: outcome == "allow" ? "low" : "medium")
    }

    /// Polls `decision_get` (within the spec's 60 per minute) until the approval is resolved.
    private func waitForOperator(_ id: String) async throws -> String {
        while true {
            try await Task.sleep(for: .milliseconds(1200))
            let state = try await context.mcp.callTool("decision_get", ["decision_id": .string(id)])
            switch state["approval_status"]?.stringValue {
            case "approved": return "approved"
            case "rejected": return "rejected"
            case "expired": return "expired"
            default: continue
            }
        }
    }

    private func close(_ id: String, action: String, reason: String?) async throws {
        var arguments: JSONObject = ["decision_id": .string(id), "action": .string(action)]
        if let reason { arguments["reason"] = .string(reason) }
        let closed = try await context.tool("decision_close", arguments)
        let status = closed["status"]?.stringValue
        context.activity.count {
            if status == "committed" { $0.committed += 1 } else if status == "aborted" { $0.aborted += 1 }
        }
    }

    /// An episodic memory of how the decision ended; its ref is the decision id.
    private func remember(_ decisionID: String, _ summary: String, sensitivity: String) async throws {
        var request = Membrane_V1_IngestEventRequest()
        request.source = context.agent.agentID
        request.eventKind = "decision_outcome"
        request.ref = decisionID
        request.summary = summary
        request.tags = ["demo", decisionID]
        request.sensitivity = sensitivity
        _ = try await context.memory.call { client, metadata, options in
            try await client.ingestEvent(request, metadata: metadata, options: options)
        }
        context.activity.count { $0.memoriesIngested += 1 }
    }
}
