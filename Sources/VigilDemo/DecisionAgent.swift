import Foundation
import VigilSDK

import enum VigilCore.Timestamp

/// A simulated agent that makes decisions through the TraceMem MCP endpoint with the Swift SDK, exactly as a Python
/// agent on the published SDK would: open an envelope, note, read, evaluate, ask a human when the policy says so and wait for the
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

    private var decisions: TraceMemClient { context.decisions }

    /// billing.discount.grant: allowed up to 10 %, finance review above, refused above 30 %.
    private func discount(percent: Int) async throws {
        let customer = DemoSetup.customers.randomElement()!
        let amount = Double(Int.random(in: 40...900))
        let decision = try await open(intent: "billing.discount.grant", mode: "autonomous", metadata: ["ticket": .string("SUP-\(Int.random(in: 1000...9999))")])
        try await context.paced {
            try await decision.note(
                kind: "request", message: "\(customer.name) asks for \(percent)% off a \(Int(amount)) EUR order",
                data: ["customer_id": .string(customer.id), "requested_discount_pct": .int(Int64(percent)), "channel": "chat"])
        }
        try await context.paced {
            try await decision.read(product: "customers_read", purpose: "order_support", query: ["customer_id": .string(customer.id)])
        }
        let evaluation = try await context.paced {
            try await decision.evaluate(
                policy: "discount_cap_v1",
                inputs: ["record": ["customer_id": .string(customer.id), "amount": .double(amount), "discount_pct": .int(Int64(percent))]])
        }
        try await finish(
            decision, evaluation, request: "\(percent)% for \(customer.name) (\(customer.tier) tier)",
            remember: "discount of \(percent)% for \(customer.id)"
        ) {
            try await decision.write(
                product: "orders_insert", purpose: "order_support",
                mutation: ["data": ["customer_id": .string(customer.id), "amount": .double(amount), "discount_pct": .int(Int64(percent))]],
                idempotencyKey: "discount-\(decision.id)")
        }
    }

    /// deploy.release.execute: staging goes through on its own, production (in approve mode) waits for a release manager.
    private func deploy(production: Bool) async throws {
        let service = DemoSetup.services.randomElement()!
        let version = "v2.\(Int.random(in: 1...9)).\(Int.random(in: 0...20))"
        let environment = production ? "production" : "staging"
        let decision = try await open(intent: "deploy.release.execute", mode: production ? "approve" : "autonomous", metadata: ["service": .string(service)])
        try await context.paced {
            try await decision.read(product: "deployments_read", purpose: "release", query: ["service": .string(service)])
        }
        try await context.paced {
            try await decision.note(
                kind: "check", message: "Roll out \(service) \(version) to \(environment)",
                data: ["canary_error_rate": .double(Double(Int.random(in: 0...12)) / 1000), "tests": "green"])
        }
        let evaluation = try await context.paced {
            try await decision.evaluate(
                policy: "deploy_window_v1",
                inputs: ["record": ["service": .string(service), "version": .string(version), "environment": .string(environment)]])
        }
        try await finish(
            decision, evaluation, request: "Roll out \(service) \(version) to \(environment)",
            remember: "\(service) \(version) deployed to \(environment)", forceApproval: production
        ) {
            try await decision.write(
                product: "deployments_insert", purpose: "release",
                mutation: ["data": ["service": .string(service), "version": .string(version), "environment": .string(environment)]],
                idempotencyKey: "deploy-\(decision.id)")
        }
    }

    /// secrets.rotate.execute: every change needs security sign-off; root credentials are refused outright.
    private func rotateSecret() async throws {
        let secret = DemoSetup.secrets.randomElement()!
        let decision = try await open(intent: "secrets.rotate.execute", mode: "autonomous", metadata: ["secret": .string(secret)])
        try await context.paced {
            try await decision.read(product: "secrets_read", purpose: "key_rotation", query: ["secret_id": .string(secret)])
        }
        let evaluation = try await context.paced {
            try await decision.evaluate(policy: "secrets_change_v1", inputs: ["record": ["secret_id": .string(secret)]])
        }
        try await finish(decision, evaluation, request: "Rotate \(secret) (90-day policy)", remember: "\(secret) rotated") {
            try await decision.write(
                product: "secrets_update", purpose: "key_rotation",
                mutation: ["data": ["secret_id": .string(secret), "rotated_at": .string(Timestamp.format(Date()))]],
                idempotencyKey: "rotate-\(decision.id)")
        }
    }

    /// customer.profile.review in propose mode: read-only, committed as a proposal.
    private func lookup() async throws {
        let customer = DemoSetup.customers.randomElement()!
        let decision = try await open(intent: "customer.profile.review", mode: "propose", metadata: [:])
        try await context.paced {
            try await decision.read(product: "customers_read", purpose: "account_review", query: ["tier": .string(customer.tier)], resultMode: .multiple)
        }
        try await context.paced {
            try await decision.note(
                kind: "proposal", message: "Propose a \(customer.tier) upgrade offer for \(customer.name)",
                data: ["customer_id": .string(customer.id), "signal": "usage up 40% this quarter"])
        }
        try await close(decision, .commit, reason: "proposal recorded")
        try await remember(decision.id, "proposed an upgrade offer for \(customer.id)", sensitivity: .low)
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
        let recorded = try await context.paced {
            try await decisions.record(
                title: title, category: category, context: problem, decision: decision, rationale: "Agreed in the weekly review",
                tags: ["demo", category])
        }
        context.activity.count { $0.recorded += 1 }
        try await remember(recorded.decisionID, "recorded: \(title)", sensitivity: .public)
    }

    // MARK: Steps

    private func open(intent: String, mode: String, metadata: JSONObject) async throws -> Decision {
        let decision = try await context.paced {
            try await decisions.createDecision(intent: intent, automationMode: mode, metadata: metadata)
        }
        context.activity.count { $0.decisionsOpened += 1 }
        return decision
    }

    /// After the policy: write and commit when allowed; ask, wait and then write or abort when it needs a human;
    /// abort when denied.
    private func finish(
        _ decision: Decision, _ evaluation: Evaluation, request: String, remember summary: String, forceApproval: Bool = false,
        write: () async throws -> WriteResult
    ) async throws {
        if evaluation.outcome == "deny" {
            try await close(decision, .abort, reason: evaluation.message.isEmpty ? "denied by policy" : evaluation.message)
            try await remember(decision.id, "refused by policy: \(summary)", sensitivity: .low)
            return
        }
        if evaluation.requiresApproval || forceApproval {
            let approval = try await context.paced { try await decision.requestApproval(message: request, expiresInSeconds: 600) }
            context.activity.count { $0.approvalsRequested += 1 }
            // Polls decision_get (within the spec's 60 a minute) until the operator answers or the request expires.
            let status = try await decision.waitForApproval(every: 1.2, timeout: 660)
            try await decision.note(
                kind: "approval", message: "operator answer seen: \(status)",
                data: ["approval_id": .string(approval.approvalID), "approval_status": .string(status)])
            guard status == "approved" else {
                context.activity.count { $0.approvalsSeenRejected += 1 }
                try await close(decision, .abort, reason: "the operator said no (\(status))")
                try await remember(decision.id, "operator declined: \(summary)", sensitivity: .medium)
                return
            }
            context.activity.count { $0.approvalsSeenApproved += 1 }
        }
        try await context.paced { try await write() }
        try await close(decision, .commit, reason: nil)
        try await remember(decision.id, summary, sensitivity: evaluation.allowed ? .low : .medium)
    }

    private func close(_ decision: Decision, _ outcome: CloseOutcome, reason: String?) async throws {
        let closed = try await context.paced { try await decision.close(outcome: outcome, reason: reason) }
        context.activity.count {
            if closed.status == "committed" { $0.committed += 1 } else if closed.status == "aborted" { $0.aborted += 1 }
        }
    }

    /// An episodic memory of how the decision ended; its ref is the decision id.
    private func remember(_ decisionID: String, _ summary: String, sensitivity: Sensitivity) async throws {
        _ = try await context.memory.ingestEvent(
            eventKind: "decision_outcome", ref: decisionID, summary: summary, tags: ["demo", decisionID], sensitivity: sensitivity)
        context.activity.count { $0.memoriesIngested += 1 }
    }
}
