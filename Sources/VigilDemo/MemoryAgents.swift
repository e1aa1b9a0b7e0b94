import Foundation
import MembraneProto
import VigilCore
import VigilRemote

/// A simulated agent that remembers through the Membrane gRPC endpoint, as a Python `membrane-client` would: the
/// five ingest kinds in turn (events, tool output, observations, working state, outcomes of earlier records), at
/// sensitivities from public to hyper.
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
    static let sensitivities = ["public", "low", "low", "medium", "medium", "high", "hyper"]

    func run() async {
        // Outcomes may only target episodic records.
        var recent: [String] = []
        var turn = 0
        while await context.turn({
            let record = try await ingest(turn: turn, recent: recent)
            if let id = record["id"]?.stringValue, record["type"]?.stringValue == "episodic" {
                recent.append(id)
                if recent.count > 20 { recent.removeFirst() }
            }
            context.activity.count { $0.memoriesIngested += 1 }
            turn += 1
            try await context.pacer.pause()
        }) {}
    }

    private func ingest(turn: Int, recent: [String]) async throws -> JSONValue {
        let source = context.agent.agentID
        let sensitivity = Self.sensitivities.randomElement()!
        let bytes: Data
        switch turn % 5 {
        case 0:
            var request = Membrane_V1_IngestEventRequest()
            request.source = source
            request.eventKind = "user_message"
            request.ref = "msg-\(Int.random(in: 10000...99999))"
            request.summary = "\(DemoSetup.customers.randomElement()!.name) \(Self.preferences.randomElement()!)"
            request.tags = ["preference"]
            request.sensitivity = sensitivity
            bytes = try await context.memory.call { try await $0.ingestEvent(request, metadata: $1, options: $2).record }
        case 1:
            var request = Membrane_V1_IngestToolOutputRequest()
            request.source = source
            request.toolName = ["grep", "sql_query", "http_get", "kubectl_get"].randomElement()!
            request.args = Data(#"{"q":"\#(DemoSetup.services.randomElement()!)"}"#.utf8)
            request.result = Data(#"{"matches":\#(Int.random(in: 0...40)),"took_ms":\#(Int.random(in: 2...300))}"#.utf8)
                        request.sensitivity = sensitivity
            bytes = try await context.memory.call { try await $0.ingestToolOutput(request, metadata: $1, options: $2).record }
        case 2:
            let (subject, predicate, object) = Self.facts.randomElement()!
            var request = Membrane_V1_IngestObservationRequest()
            request.source = source
            request.subject = subject
            request.predicate = predicate
            request.object = Data(JSONValue.string(object).canonicalBytes)
            request.tags = ["infra"]
            request.sensitivity = sensitivity
            bytes = try await context.memory.call { try await $0.ingestObservation(request, metadata: $1, options: $2).record }
        case 3:
            var request = Membrane_V1_IngestWorkingStateRequest()
            request.source = source
            request.threadID = Self.threads.randomElement()!
            request.state = ["planning", "executing", "blocked", "waiting", "done"].randomElement()!
            request.nextActions = ["draft the summary", "ask finance about the cap"]
            request.openQuestions = ["is the EU launch still on the 4th?"]
            request.contextSummary = "working on \(request.threadID)"
            request.sensitivity = sensitivity
            bytes = try await context.memory.call { try await $0.ingestWorkingState(request, metadata: $1, options: $2).record }
        default:
            guard let target = recent.randomElement() else { return try await ingest(turn: 0, recent: recent) }
            var request = Membrane_V1_IngestOutcomeRequest()
            request.source = source
            request.targetRecordID = target
            request.outcomeStatus = ["success", "success", "partial", "failure"].randomElement()!
            bytes = try await context.memory.call { try await $0.ingestOutcome(request, metadata: $1, options: $2).record }
        }
        return try MembraneConnection.json(bytes)
    }
}

/// A simulated agent that curates memory through the Membrane gRPC endpoint: it retrieves records for a task and
/// reinforces useful ones, penalizes stale ones, contests doubtful ones and supersedes facts with newer ones.
struct CuratorAgent: Sendable {
    var context: AgentContext

    func run() async {
        let tasks = ["dark mode", "postgres", "release", "discount", "rotate", "invoices", "incident", "deploy"]
        while await context.turn({
            var request = Membrane_V1_RetrieveRequest()
            request.taskDescriptor = tasks.randomElement()!
            request.trust.maxSensitivity = "medium"
            request.limit = 10
            let found = try await context.memory.call { try await $0.retrieve(request, metadata: $1, options: $2).records }
            try await context.pacer.pause()
            let records = try found.map { try MembraneConnection.json($0) }
            if let record = records.randomElement(), let id = record["id"]?.stringValue {
                try await revise(record, id: id)
                context.activity.count { $0.revisions += 1 }
            }
            try await context.pacer.pause()
        }) {}
    }

    private func revise(_ record: JSONValue, id: String) async throws {
        let actor = context.agent.agentID
        if record["type"]?.stringValue == "semantic", Int.random(in: 0..<3) == 0, let payload = record["payload"]?.objectValue {
            let now = Timestamp.format(Date())
            let newer: JSONValue = [
                "type": "semantic", "sensitivity": record["sensitivity"] ?? "low", "confidence": 0.9, "salience": 1.0,
                "payload": [
                    "kind": "semantic", "subject": payload["subject"] ?? "", "predicate": payload["predicate"] ?? "",
                    "object": .string("\(payload["object"]?.stringValue ?? "it"), confirmed \(now.prefix(10))"),
                    "evidence": [["source_type": "agent", "source_id": .string(actor), "timestamp": .string(now)]],
                ],
            ]
            var request = Membrane_V1_SupersedeRequest()
            request.oldID = id
            request.newRecord = Data(newer.canonicalBytes)
            request.actor = actor
            request.rationale = "re-checked against the running system"
            _ = try await context.memory.call { try await $0.supersede(request, metadata: $1, options: $2) }
            return
        }
        // Episodic records are immutable: they can be reinforced or penalized, not contested.
        let choices = record["type"]?.stringValue == "episodic" ? 5 : 6
        switch Int.random(in: 0..<choices) {
        case 0...2:
            var request = Membrane_V1_ReinforceRequest()
            request.id = id
            request.actor = actor
            request.rationale = "helped with the last task"
            _ = try await context.memory.call { try await $0.reinforce(request, metadata: $1, options: $2) }
        case 3...4:
            var request = Membrane_V1_PenalizeRequest()
            request.id = id
            request.amount = 0.1
            request.actor = actor
            request.rationale = "out of date"
            _ = try await context.memory.call { try await $0.penalize(request, metadata: $1, options: $2) }
        default:
            var request = Membrane_V1_ContestRequest()
            request.id = id
            request.contestingRef = "ticket-\(Int.random(in: 100...999))"
            request.actor = actor
            request.rationale = "a customer reported otherwise"
            _ = try await context.memory.call { try await $0.contest(request, metadata: $1, options: $2) }
        }
    }
}
