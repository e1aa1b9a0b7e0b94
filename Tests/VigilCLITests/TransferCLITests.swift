import Foundation
import Testing
import VigilCore
import VigilTestSupport

/// `vigil export` and `vigil import`, the real binary, SQLite to SQLite and to PostgreSQL.
@Suite("vigil export and import", .enabled(if: VigilProcess.isAvailable))
struct TransferCLITests {
    func store(_ home: TemporaryDirectory) throws -> DecisionFixture {
        let f = try DecisionFixture(store: .sqlite, now: Date())
        for _ in 0..<3 {
            let id = try f.open()
            try f.call("decision_add_context", ["decision_id": .string(id), "context": ["note": "exported"]])
            try f.call("decision_close", ["decision_id": .string(id), "action": "commit"])
        }
        var event = IngestEventRequest()
        event.source = "t"; event.eventKind = "note"; event.ref = "m1"; event.summary = "a walrus was seen"
        _ = try MemoryEngine(store: f.store, clock: f.clock).ingestEvent(event)
        return f
    }

    @Test("export, import into an empty store (from a file and from standard input), export again: the same bytes; twice adds nothing")
    func roundTrip() async throws {
        let home = try TemporaryDirectory()
        let f = try store(home)
        let first = try await VigilProcess.run(["export", "--db", f.databasePath], home: home.path)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.split(separator: "\n").count == 5)  // 3 decisions, their key, 1 memory
        try first.stdout.write(toFile: home.file("export.jsonl"), atomically: true, encoding: .utf8)

        let target = home.file("target/vigil.db")
        let imported = try await VigilProcess.run(["import", home.file("export.jsonl"), "--db", target, "--json"], home: home.path)
        #expect(imported.status == 0, "\(imported.stderr)")
        let counts = try JSONParser.parse(imported.stdout)
        #expect(counts["decisions"] == 3 && counts["memories"] == 1 && counts["receipt_keys"] == 1, "\(counts)")
        let again = try await VigilProcess.run(["export", "--db", target], home: home.path)
        #expect(again.stdout == first.stdout)
        let verify = try await VigilProcess.run(["decisions", "verify", "--all", "--db", target], home: home.path)
        #expect(verify.status == 0 && verify.stdout.contains("all 3 chains intact"), "\(verify.stdout)")
        let twice = try await VigilProcess.run(["import", "-", "--db", target, "--json"], home: home.path, stdin: first.stdout)
        #expect(twice.status == 0, "\(twice.stderr)")
        #expect(try JSONParser.parse(twice.stdout)["already_present"] == 5, "\(twice.stdout)")

        if let url = try? TestDatabase.create(for: home) {
            let toPostgres = try await VigilProcess.run(["import", home.file("export.jsonl"), "--store", url], home: home.path)
            #expect(toPostgres.status == 0, "\(toPostgres.stderr)")
            let fromPostgres = try await VigilProcess.run(["export", "--store", url], home: home.path)
            #expect(fromPostgres.stdout == first.stdout, "PostgreSQL exports the same bytes")
        }
    }

    @Test("a file with one bad line is refused with its line number and nothing of it is loaded")
    func badLine() async throws {
        let home = try TemporaryDirectory()
        let f = try store(home)
        var lines = try await VigilProcess.run(["export", "--db", f.databasePath], home: home.path).stdout.split(separator: "\n").map(String.init)
        lines.insert(#"{"kind":"decision","v":1,"decision":{"decision_id":"TMEM_X"}}"#, at: 3)
        try lines.joined(separator: "\n").write(toFile: home.file("bad.jsonl"), atomically: true, encoding: .utf8)
        let target = home.file("target/vigil.db")
        let refused = try await VigilProcess.run(["import", home.file("bad.jsonl"), "--db", target], home: home.path)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("line 4:") && refused.stderr.contains("nothing was imported"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: target), "nothing opened, nothing loaded")
        let missing = try await VigilProcess.run(["import", home.file("nope.jsonl"), "--db", target], home: home.path)
        #expect(missing.status == 64 && missing.stderr.contains("cannot read"), "\(missing.stderr)")
    }
}
