import Foundation
import Testing
import VigilSDK
import VigilTestSupport

import struct VigilCore.JSONParser

/// One behavioural suite for the Swift SDK, run against both backends: the engines in-process on a SQLite file, and
/// the real `vigil serve` binary on loopback. Operators act through the CLI on the same store.
@Suite("Swift SDK: the same behaviour embedded and remote", .enabled(if: VigilProcess.isAvailable), .timeLimit(.minutes(3)))
struct SDKBehaviourTests {
    enum Backend: String, CaseIterable, CustomTestStringConvertible {
        case embedded, remote
        /// The engines in-process on a PostgreSQL database (`.embedded(path: "postgres://…")`).
        case embeddedPostgres = "embedded-postgres"
        var testDescription: String { rawValue }

        /// Every backend this machine can run: the PostgreSQL one when `VIGIL_TEST_POSTGRES` names a server.
        static var all: [Backend] { TestStore.postgresServer == nil ? [.embedded, .remote] : allCases }
    }

    /// A store with agent `shopper` (every product) and operator `ops`, plus `vigil serve` for the remote backend.
    final class Setup {
        let backend: Backend
        let home: TemporaryDirectory
        let db: String
        let config: String
        let key: String
        var server: RunningProcess?
        var mcpURL = ""
        var grpcAddress = ""

        init(_ backend: Backend) async throws {
            self.backend = backend
            home = try TemporaryDirectory()
            db = backend == .embeddedPostgres ? try TestDatabase.create(for: home) : home.file("vigil.db")
            config = home.file("config.toml")
            let storeFlag = db.hasPrefix("postgres") ? "--store" : "--db"
            try DecisionFixture.configTOML.write(toFile: config, atomically: true, encoding: .utf8)
            let added = try JSONParser.parse(try await VigilProcess.run(["agents", "add", "shopper", "--grant", "*", "--json", storeFlag, db, "--config", config], home: home.path).stdout)
            key = try #require(added["api_key"]?.stringValue)
            #expect(try await VigilProcess.run(["agents", "add", "ops", "--operator", storeFlag, db, "--config", config], home: home.path).status == 0)
            guard backend == .remote else { return }
            let server = try RunningProcess(
                VigilProcess.binary, ["serve", storeFlag, db, "--config", config, "--mcp", "127.0.0.1:0", "--grpc", "127.0.0.1:0"],
                environment: ["HOME": home.path, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"])
            self.server = server
            let mcp = try #require(await server.waitForLine(timeout: 30) { $0.contains("MCP endpoint listening on http://") }, "\(server.text)")
            mcpURL = try #require(mcp.split(separator: " ").first { $0.hasPrefix("http://") }.map(String.init))
            let grpc = try #require(await server.waitForLine(timeout: 30) { $0.contains("Membrane gRPC endpoint listening on ") }, "\(server.text)")
            grpcAddress = try #require(grpc.split(separator: " ").last.map(String.init))
        }

        deinit { server?.terminate() }

        /// `--store` for a PostgreSQL URL, `--db` for a file.
        var storeFlag: String { db.hasPrefix("postgres") ? "--store" : "--db" }

        func traceMem(key: String? = nil) throws -> TraceMemClient {
            switch backend {
            case .embedded, .embeddedPostgres: try TraceMemClient(apiKey: key ?? self.key, backend: .embedded(path: db, config: config))
            case .remote: try TraceMemClient(apiKey: key ?? self.key, mcpURL: mcpURL, timeout: 30)
            }
        }

        func membrane() throws -> MembraneClient {
            switch backend {
            case .embedded, .embeddedPostgres: try MembraneClient(source: "sdk-test", backend: .embedded(path: db, config: config))
            case .remote: try MembraneClient(address: grpcAddress, apiKey: key, timeout: 30, source: "sdk-test")
            }
        }

        func cli(_ arguments: [String]) async throws -> VigilProcess.Output {
            try await VigilProcess.run(arguments + [storeFlag, db, "--config", config], home: home.path)
        }
    }

    @Test("quick start: open an action, note, commit; the receipt is final", arguments: Backend.all)
    func quickStart(_ backend: Backend) async throws {
        let setup = try await Setup(backend)
        try await TraceMemClient.withSession(
            apiKey: setup.key, mcpURL: backend == .remote ? setup.mcpURL : TraceMemClient.defaultMCPURL,
            backend: backend == .remote ? .remote : .embedded(path: setup.db, config: setup.config)
        ) { client in
            let decision = try await client.open(action: "edit_files", metadata: ["branch": "main", "api_token": "sk-live-123"])
            #expect(decision.automationMode == "propose")
            #expect(try await decision.get().intent == "code.change.apply")
            try await decision.note(kind: "info", message: "Starting work", data: ["files": ["a.swift"]])
            let closed = try await decision.close(outcome: .commit, reason: "done")
            #expect(closed.status == "committed")
            #expect(try await decision.receipt()["final"]?.boolValue == true)
            // Redacted (by the client, and again by the server; `clientSideSanitization` tells the two apart).
            let created = try #require(try await decision.trace()["events"]?.arrayValue?.first)
            #expect(created["metadata"]?["api_token"]?.stringValue == "[REDACTED]", "\(created)")
            // decision_record: created, filled and committed in one call.
            let recorded = try await client.record(
                title: "Use WAL", category: "architecture", context: "readers block writers", decision: "switch to WAL",
                rationale: "measured", tags: ["db"], alternatives: [("keep rollback journal", "blocks readers")])
            let state = try await client.getDecision(recorded.decisionID)
            #expect(state.status == "committed" && state.intent == "decision.architecture.record")
        }
    }

    @Test("the approval flow: evaluate → request → an operator approves → write (idempotent) → commit → receipt verifies",
          arguments: Backend.all)
    func approvalFlow(_ backend: Backend) async throws {
        let setup = try await Setup(backend)
        let client = try setup.traceMem()
        let decision = try await client.createDecision(intent: "billing.discount.grant", automationMode: "execute")
        #expect(decision.automationMode == "autonomous")
        let read = try await decision.read(product: "orders_read_v1", purpose: "order_support")
        #expect(read.dataRef.hasPrefix("ref:read:"))
        let evaluation = try await decision.evaluate(policy: "discount_cap_v1", inputs: ["record": ["discount_pct": 15]])
        #expect(evaluation.requiresApproval && !evaluation.allowed)
        #expect(evaluation.message == "discount above 10% needs finance review")

        let write: JSONObject = ["data": ["customer_id": "c-42", "amount": 120.0, "discount_pct": 15]]
        do {
            _ = try await decision.write(product: "orders_insert", purpose: "order_support", mutation: write)
            Issue.record("a write went through before approval")
        } catch {
            #expect(error.code == -32603, "\(error)")
        }

        let approval = try await decision.requestApproval(message: "15% for a loyal customer")
        #expect(approval.status == "pending")
        #expect(try await decision.get().status == "needs_approval")
        let approved = try await setup.cli(["approvals", "approve", approval.approvalID, "--operator", "ops", "--rationale", "loyal"])
        #expect(approved.status == 0, "\(approved.stderr)")
        #expect(try await decision.waitForApproval(every: 1, timeout: 30) == "approved")

        let first = try await decision.write(product: "orders_insert", purpose: "order_support", mutation: write, idempotencyKey: "grant-1")
        #expect(first.status == "executed" && !first.idempotentReplay)
        let again = try await decision.write(product: "orders_insert", purpose: "order_support", mutation: write, idempotencyKey: "grant-1")
        #expect(again.idempotentReplay && again.eventID == first.eventID)
        let closed = try await decision.close(outcome: .commit)
        #expect(closed.status == "committed")
        #expect(closed.writes.first?["affected_rows"]?.integerValue == 1)

        let receipt = setup.home.file("receipt.json")
        try (try await decision.receipt()).canonicalText.write(toFile: receipt, atomically: true, encoding: .utf8)
        let verified = try await setup.cli(["receipts", "verify", receipt])
        #expect(verified.status == 0, "\(verified.stdout) \(verified.stderr)")
        await client.closeSession()
    }

    @Test("errors: the server's code and data, validation before sending, wrong keys, closed decisions, products",
          arguments: Backend.all)
    func errors(_ backend: Backend) async throws {
        let setup = try await Setup(backend)
        let client = try setup.traceMem()
        await #expect(throws: TraceMemError.server(code: -32603, message: "Internal error", data: "Decision 'TMEM_01HZX3K9Q8M4T7V2B6N5C1D0EF' not found")) {
            _ = try await client.getDecision("TMEM_01HZX3K9Q8M4T7V2B6N5C1D0EF")
        }
        do {
            _ = try await client.open(action: "paint_the_fence")
            Issue.record("an unknown action was sent")
        } catch {
            guard case .validation(let message) = error else { Issue.record("\(error)"); return }
            #expect(message.contains("unknown action 'paint_the_fence'"))
        }
        #expect(throws: TraceMemError.self) { _ = try TraceMemClient(apiKey: " ") }

        let decision = try await client.createDecision(intent: "ops.command.execute", automationMode: "autonomous")
        try await decision.close(outcome: .abort, reason: "changed my mind")
        do {
            try await decision.note(message: "too late")
            Issue.record("a closed decision took a note")
        } catch {
            #expect(error.message == "Decision '\(decision.id)' is closed (status: aborted)", "\(error)")
        }

        let stranger = try setup.traceMem(key: "vgl_not-a-key")
        do {
            _ = try await stranger.capabilities()
            Issue.record("a wrong key was accepted")
        } catch {
            #expect(error.message == "Unauthorized", "\(error)")
        }

        let products = try await client.products.list(purpose: "order_support")
        #expect(products.contains { $0["product_id"]?.stringValue == "orders_read_v1" })
        #expect(try await client.products.get("orders_insert")["policies"] == ["discount_cap_v1"])
        await #expect(throws: TraceMemError.self) { _ = try await client.products.get("no_such_product") }
    }

    @Test("memory: the five kinds, trust, revisions, reinforcement and metrics", arguments: Backend.all)
    func memory(_ backend: Backend) async throws {
        let setup = try await Setup(backend)
        let memory = try setup.membrane()
        let event = try await memory.ingestEvent(eventKind: "user_message", ref: "m1", summary: "prefers dark mode")
        #expect(event.type == .episodic && event.confidence == 0.8)
        let tool = try await memory.ingestToolOutput(toolName: "grep", args: ["q": "x"], result: [1])
        #expect(tool.payload?["tool_graph"]?.arrayValue?.first?["tool"]?.stringValue == "grep")
        let fact = try await memory.ingestObservation(subject: "db", predicate: "uses", object: "postgres", sensitivity: .medium)
        #expect(fact.type == .semantic && fact.sensitivity == .medium)
        let working = try await memory.ingestWorkingState(threadID: "t1", state: "planning", contextSummary: "ship the dark mode")
        #expect(working.type == .working)
        let outcome = try await memory.ingestOutcome(targetRecordID: event.id, outcomeStatus: "success")
        #expect(outcome.payload?["outcome"]?.stringValue == "success")

        let low = try await memory.retrieve("dark mode", trust: TrustContext(maxSensitivity: .low), limit: 10)
        #expect(low.count == 4)
        #expect(try #require(low.first { $0.id == fact.id }).isRedacted, "medium at trust low is redacted")
        do {
            _ = try await memory.retrieveByID(fact.id, trust: TrustContext(maxSensitivity: .low))
            Issue.record("a record above the trust level was returned")
        } catch {
            #expect(error.code == .permissionDenied)
        }
        do {
            _ = try await memory.retrieveByID("no-such-record", trust: TrustContext(maxSensitivity: .hyper))
            Issue.record("an unknown id was found")
        } catch {
            #expect(error.code == .notFound)
        }

        let replacement: JSONValue = [
            "type": "semantic", "sensitivity": "low", "confidence": 0.9, "salience": 1.0,
            "payload": [
                "kind": "semantic", "subject": "db", "predicate": "uses", "object": "postgres 16",
                "evidence": [["source_type": "swift", "source_id": "x", "timestamp": ""]],
            ],
        ]
        let newer = try await memory.supersede(fact.id, newRecord: replacement, actor: "sdk", rationale: "upgrade")
        #expect(newer.relations.first?.predicate == "supersedes" && newer.relations.first?.targetID == fact.id)
        try await memory.reinforce(event.id, actor: "sdk", rationale: "useful")
        try await memory.penalize(tool.id, amount: 0.2, actor: "sdk", rationale: "noisy")
        #expect(try await memory.retrieveByID(tool.id, trust: TrustContext(maxSensitivity: .hyper)).salience < 0.81)
        try await memory.contest(newer.id, contestingRef: "ticket-42", actor: "sdk", rationale: "customer says 15")
        let variant = try await memory.fork(newer.id, forkedRecord: replacement, actor: "sdk", rationale: "staging runs 15")
        #expect(variant.id != newer.id && variant.relations.contains { $0.targetID == newer.id })
        let other = try await memory.ingestObservation(subject: "db", predicate: "hosted_on", object: "eu-west")
        let merged = try await memory.merge([variant.id, other.id], mergedRecord: replacement, actor: "sdk", rationale: "one fact")
        #expect(Set(merged.relations.map(\.targetID)) == [variant.id, other.id])
        try await memory.retract(working.id, actor: "sdk", rationale: "thread closed")
        #expect(try await memory.retrieve("dark mode", trust: TrustContext(maxSensitivity: .hyper), limit: 0).allSatisfy { $0.id != working.id })
        do {
            try await memory.contest(event.id, contestingRef: "x", actor: "sdk", rationale: "episodic is immutable")
            Issue.record("an episodic record was contested")
        } catch {
            #expect(error.code == .failedPrecondition)
        }
        let metrics = try await memory.getMetrics()
        #expect(metrics["total_records"]?.integerValue == 8, "\(metrics)")
        await memory.close()
    }
}

@Suite("Swift SDK: client-side sanitization")
struct SDKSanitizationTests {
    @Test("with sanitize on, a secret-like key in metadata or a note never leaves the process; off, it does",
          arguments: [true, false])
    func secretsStayHome(_ sanitize: Bool) async throws {
        // A peer that records what it receives (and answers nothing JSON-RPC, so the call itself fails).
        let peer = try LoopbackHTTPListener()
        let client = try TraceMemClient(apiKey: "k", mcpURL: "http://127.0.0.1:\(peer.port)/mcp", timeout: 5, sanitize: sanitize)
        await #expect(throws: TraceMemError.self) {
            _ = try await client.createDecision(intent: "ops.command.execute", metadata: ["db_password": "hunter2", "host": "db1"])
        }
        await #expect(throws: TraceMemError.self) {
            try await client.decision("TMEM_X").note(message: "rotating", data: ["api_key": "sk-live-123"])
        }
        #expect(await peer.waitFor { $0.count == 2 })
        let sent = peer.receivedBodies.joined()
        #expect(sent.contains("db1"))
        #expect(sent.contains("hunter2") == !sanitize, "\(sent)")
        #expect(sent.contains("sk-live-123") == !sanitize, "\(sent)")
        #expect(sent.contains("[REDACTED]") == sanitize, "\(sent)")
    }
}
