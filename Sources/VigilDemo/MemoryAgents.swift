import Foundation
import VigilSDK

import enum VigilCore.Timestamp

/// A simulated agent that remembers through the Membrane gRPC endpoint with the Swift SDK, as a Python
/// `membrane-client` would: the five ingest kinds in turn (events, tool output, observations, working state, outcomes
/// of earlier episodes), at sensitivities from public to hyper.
struct MemoryAgent: Sendable {
    var context: AgentContext

    static let preferences = [
        "prefers dark mode in every dashboard", "wants invoices in EUR", "asked to be called by first name",
        "reads release notes before upgrading", "dislikes email, prefers chat", "works from Lisbon, UTC+0",
    ]
    static let facts: [(String, String, String)] = [
        ("checkout-api", "uses", "postgres 16"), ("search", "depends_on", "opensearch 2.11"), ("auth", "rotates_keys_every", "90 days"),
        ("billing-worker", "runs_on", "2 vCPU"), ("notifications", "sends_via", "smtp relay eu-west"), ("orders", "peak_hour", "19:00 UTC"),
    ]
    static let threads = ["q4-pricing", "incident-4412", "dark-mode-rollout", "vendor-review"]
    static let sensitivities: [Sensitivity] = [.public, .low, .low, .medium, .medium, .high, .hyper]

    func run() async {
        // Outcomes may only target episodic records.
        var recent: [String] = []
        var turn = 0
        while await context.turn({
            let record = try await context.paced { try await ingest(turn: turn, recent: recent) }
            if record.type == .episodic {
                recent.append(record.id)
                if recent.count > 20 { recent.removeFirst() }
            }
            context.activity.count { $0.memoriesIngested += 1 }
            turn += 1
        }) {}
    }

    private func ingest(turn: Int, recent: [String]) async throws -> MemoryRecord {
        let memory = context.memory
        let sensitivity = Self.sensitivities.randomElement()!
        switch turn % 5 {
        case 0:
            return try await memory.ingestEvent(
                eventKind: "user_message", ref: "msg-\(Int.random(in: 10000...99999))",
                summary: "\(DemoSetup.customers.randomElement()!.name) \(Self.preferences.randomElement()!)",
                tags: ["preference"], sensitivity: sensitivity)
        case 1:
            return try await memory.ingestToolOutput(
                toolName: ["grep", "sql_query", "http_get", "kubectl_get"].randomElement()!,
                args: ["q": .string(DemoSetup.services.randomElement()!)],
                result: ["matches": .int(Int64.random(in: 0...40)), "took_ms": .int(Int64.random(in: 2...300))],
                sensitivity: sensitivity)
        case 2:
            let (subject, predicate, object) = Self.facts.randomElement()!
            return try await memory.ingestObservation(
                subject: subject, predicate: predicate, object: .string(object), tags: ["infra"], sensitivity: sensitivity)
        case 3:
            let thread = Self.threads.randomElement()!
            return try await memory.ingestWorkingState(
                threadID: thread, state: ["planning", "executing", "blocked", "waiting", "done"].randomElement()!,
                nextActions: ["draft the summary", "ask finance about the cap"], openQuestions: ["is the EU launch still on the 4th?"],
                contextSummary: "working on \(thread)", sensitivity: sensitivity)
        default:
            guard let target = recent.randomElement() else { return try await ingest(turn: 0, recent: recent) }
            return try await memory.ingestOutcome(targetRecordID: target, outcomeStatus: ["success", "success", "partial", "failure"].randomElement()!)
        }
    }
}

/// A simulated agent that curates memory through the Membrane gRPC endpoint with the Swift SDK: it retrieves records
/// for a task and reinforces useful ones, penalizes stale ones, contests doubtful ones and supersedes facts with newer
/// ones.
struct CuratorAgent: Sendable {
    var context: AgentContext

    func run() async {
        let tasks = ["dark mode", "postgres", "release", "discount", "rotate", "invoices", "incident", "deploy"]
        while await context.turn({
            let found = try await context.paced {
                try await context.memory.retrieve(tasks.randomElement()!, trust: TrustContext(maxSensitivity: .medium), limit: 10)
            }
            if let record = found.randomElement() {
                try await context.paced { try await revise(record) }
                context.activity.count { $0.revisions += 1 }
            }
        }) {}
    }

    private func revise(_ record: MemoryRecord) async throws {
        let memory = context.memory
        let actor = context.agent.agentID
        if record.type == .semantic, Int.random(in: 0..<3) == 0, let payload = record.payload {
            let now = Timestamp.format(Date())
            let newer: JSONValue = [
                "type": "semantic", "sensitivity": .string(record.sensitivity.rawValue), "confidence": 0.9, "salience": 1.0,
                "payload": [
                    "kind": "semantic", "subject": payload["subject"] ?? "", "predicate": payload["predicate"] ?? "",
                    "object": .string("\(payload["object"]?.stringValue ?? "it"), confirmed \(now.prefix(10))"),
                    "evidence": [["source_type": "agent", "source_id": .string(actor), "timestamp": .string(now)]],
                ],
            ]
            _ = try await memory.supersede(record.id, newRecord: newer, actor: actor, rationale: "re-checked against the running system")
            return
        }
        // Episodic records are immutable: they can be reinforced or penalized, not contested.
        switch Int.random(in: 0..<(record.type == .episodic ? 5 : 6)) {
        case 0...2: try await memory.reinforce(record.id, actor: actor, rationale: "helped with the last task")
        case 3...4: try await memory.penalize(record.id, amount: 0.1, actor: actor, rationale: "out of date")
        default:
            try await memory.contest(record.id, contestingRef: "ticket-\(Int.random(in: 100...999))", actor: actor, rationale: "a customer reported otherwise")
        }
    }
}
