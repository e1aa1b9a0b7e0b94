import Foundation
import Testing
import VigilCore
import VigilTestSupport

@Suite("vigil store copy", .enabled(if: VigilProcess.isAvailable && TestStore.postgresServer != nil))
struct StoreCopyTests {
    /// A SQLite store holding every kind of row: decisions committed with product writes, a pending approval, a
    /// receipt, memories with relations and audit.
    func filledStore(_ home: TemporaryDirectory) throws -> DecisionFixture {
        let f = try DecisionFixture(store: .sqlite, now: Date())
        for i in 0..<5 {
            let id = try f.open()
            try f.call("decision_add_context", ["decision_id": .string(id), "context": ["seen": .string("walrus \(i)")]])
            try f.call("decision_write", [
                "decision_id": .string(id), "product": "orders_insert", "purpose": "order_support",
                "mutation": ["data": ["customer_id": .string("c\(i)"), "amount": .double(Double(i) + 0.5)]],
            ])
            try f.call("decision_close", ["decision_id": .string(id), "action": i == 4 ? "abort" : "commit"])
        }
        let pending = try f.open()
        _ = try f.call("decision_request_approval", ["decision_id": .string(pending)])
        let memory = MemoryEngine(store: f.store, clock: f.clock)
        var event = IngestEventRequest()
        event.source = "t"; event.eventKind = "note"; event.ref = pending; event.summary = "a walrus was seen"
        let record = try memory.ingestEvent(event)
        try memory.reinforce(id: record.id, by: RevisionActor(actor: "curator"))
        try DecisionFixture.configTOML.write(toFile: home.file("config.toml"), atomically: true, encoding: .utf8)
        return f
    }

    @Test("SQLite → PostgreSQL → SQLite: every table and product row arrives, every chain verifies, search works; a non-empty target is refused")
    func roundTrip() async throws {
        let home = try TemporaryDirectory()
        let f = try filledStore(home)
        let url = try TestDatabase.create(for: home)
        let config = ["--config", home.file("config.toml")]
        let there = try await VigilProcess.run(["store", "copy", "--from", f.databasePath, "--to", url, "--json"] + config, home: home.path)
        #expect(there.status == 0, "\(there.stderr)")
        let report = try JSONParser.parse(there.stdout)
        #expect(report["complete"] == true && report["chains_verified"] == 6 && report["chains_broken"] == 0)
        let tables = Dictionary(uniqueKeysWithValues: (report["tables"]?.arrayValue ?? []).map {
            ($0["table"]!.stringValue!, $0["target"]!.integerValue!)
        })
        #expect(tables["decisions"] == 6 && tables["dp_orders"] == 4 && tables["memory_records"] == 1)
        #expect((tables["decision_events"] ?? 0) > 20 && (tables["memory_audit"] ?? 0) == 2 && tables["receipts"] == 5)
        #expect(!there.stdout.contains("vigil-test-password") && !there.stderr.contains("vigil-test-password"))

        // Back into a new SQLite file (before any command registers its own key there): the same rows again.
        let back = home.file("back.db")
        let again = try await VigilProcess.run(["store", "copy", "--from", url, "--to", back, "--json"] + config, home: home.path)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try JSONParser.parse(again.stdout)["tables"] == report["tables"])

        // The copy answers as the original: the agent's key, its search, its pending approval.
        let search = try await VigilProcess.run(["decisions", "list", "--store", url, "--text", "walrus", "--json"], home: home.path)
        #expect(search.status == 0, "\(search.stderr)")
        #expect(try JSONParser.parse(search.stdout)["total"] == 5, "\(search.stdout)")
        let approvals = try await VigilProcess.run(["approvals", "list", "--store", url, "--json"], home: home.path)
        #expect(approvals.stdout.contains("billing.refund.issue"))

        let original = try await VigilProcess.run(["decisions", "list", "--db", f.databasePath, "--json"], home: home.path)
        let copied = try await VigilProcess.run(["decisions", "list", "--db", back, "--json"], home: home.path)
        #expect(original.stdout == copied.stdout && original.stdout.contains("TMEM_"))

        let refused = try await VigilProcess.run(["store", "copy", "--from", f.databasePath, "--to", url] + config, home: home.path)
        #expect(refused.status == 1 && refused.stderr.contains("already holds data"), "\(refused.stderr)")
        // A source that does not exist is not created empty and copied.
        let missing = try await VigilProcess.run(["store", "copy", "--from", home.file("nope.db"), "--to", home.file("new.db")], home: home.path)
        #expect(missing.status == 3 && missing.stderr.contains("no store at"), "\(missing.stderr)")
        #expect(!FileManager.default.fileExists(atPath: home.file("nope.db")))
    }
}
