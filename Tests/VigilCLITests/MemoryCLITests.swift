import Foundation
import Testing
import VigilCore
import VigilTestSupport

@Suite("vigil memory, run as a process", .enabled(if: VigilProcess.isAvailable))
struct MemoryCLITests {
    @Test("ingest, search, show, reinforce, retract and metrics through the CLI")
    func lifecycle() async throws {
        let home = try TemporaryDirectory()
        let db = home.file("vigil.db")
        func vigil(_ args: [String], stdin: String? = nil) async throws -> VigilProcess.Output {
            try await VigilProcess.run(args + ["--db", db], home: home.path, stdin: stdin)
        }
        func json(_ args: [String]) async throws -> JSONValue {
            let out = try await vigil(args + ["--json"])
            #expect(out.status == 0, "\(args): \(out.stderr)")
            return try JSONParser.parse(out.stdout)
        }
        let event = try await json(["memory", "ingest", "event", "--source", "cli", "--kind", "user_message", "--ref", "m1",
                              "--summary", "prefers dark mode", "--tag", "ui"])
        let id = try #require(event["id"]?.stringValue)
        #expect(event["type"] == "episodic" && event["tags"] == ["ui"])
        let secret = try await json(["memory", "ingest", "observation", "--subject", "db", "--predicate", "password",
                               "--object", "\"hunter2\"", "--sensitivity", "high"])
        let found = try await json(["memory", "search", "dark mode", "--max-sensitivity", "low"])
        #expect(found["records"]?.arrayValue?.map { $0["id"] } == [.string(id)], "the high record is omitted at trust low")
        let redacted = try await json(["memory", "search", "", "--max-sensitivity", "medium"])
        #expect(redacted["records"]?.arrayValue?.first { $0["id"] == secret["id"] }?["payload"] == JSONValue.null)

        let reinforced = try await json(["memory", "reinforce", id, "--operator", "alice", "--rationale", "useful"])
        #expect(reinforced["audit_log"]?.arrayValue?.last?["actor"] == "alice")
        let bad = try await vigil(["memory", "penalize", id, "--amount=-1"])
        #expect(bad.status == 1 && bad.stderr == "error: amount must be non-negative and finite\n")
        let missing = try await vigil(["memory", "reinforce", "nope"])
        #expect(missing.status == 1 && missing.stderr.contains("record not found"))

        let newRecord = #"{"type":"semantic","sensitivity":"low","confidence":0.9,"salience":1,"payload":{"kind":"semantic","subject":"db","predicate":"uses","object":"postgres","evidence":[{"source_type":"cli","source_id":"x","timestamp":""}]}}"#
        let superseding = try await vigil(["memory", "supersede", secret["id"]!.stringValue!, "-", "--json"], stdin: newRecord)
        #expect(superseding.status == 0, "\(superseding.stderr)")

        let shown = try await json(["memory", "show", secret["id"]!.stringValue!])
        #expect(shown["status"] == "superseded" && shown["salience"] == 0)
        #expect(shown["audit_log"]?.arrayValue?.count == 2)
        let retracted = try await vigil(["memory", "retract", id])
        #expect(retracted.status == 1 && retracted.stderr.contains("episodic memory is immutable"))
        let metrics = try await json(["memory", "metrics"])
        #expect(metrics["total_records"] == 3)
        #expect(try await vigil(["memory", "ingest", "bogus"]).status == 64)
    }

    @Test("erase removes a memory for good, says what it erased, and needs a rationale")
    func erase() async throws {
        let home = try TemporaryDirectory()
        let db = home.file("vigil.db")
        let ingested = try await VigilProcess.run(
            ["memory", "ingest", "event", "--source", "cli", "--kind", "user_message", "--ref", "m1", "--summary", "call me at 555-0100",
             "--json", "--db", db], home: home.path)
        let id = try #require(try JSONParser.parse(ingested.stdout)["id"]?.stringValue, "\(ingested.stderr)")
        let noReason = try await VigilProcess.run(["memory", "erase", id, "--db", db], home: home.path)
        #expect(noReason.status == 64 && noReason.stderr.contains("--rationale"), "\(noReason.stderr)")
        let erased = try await VigilProcess.run(
            ["memory", "erase", id, "--rationale", "customer request #4411", "--operator", "alice", "--db", db], home: home.path)
        #expect(erased.status == 0, "\(erased.stderr)")
        #expect(erased.stdout.contains("erased 1 record (\(id))"), "\(erased.stdout)")
        let show = try await VigilProcess.run(["memory", "show", id, "--db", db], home: home.path)
        #expect(show.status != 0)
        let again = try await VigilProcess.run(["memory", "erase", id, "--rationale", "again", "--db", db], home: home.path)
        #expect(again.status == 1 && again.stderr.contains("not found"), "\(again.stderr)")
    }

    @Test("a decision's trace lists the memories it produced and read")
    func linkedMemories() async throws {
        let f = try DecisionFixture(now: Date())
        let home = try TemporaryDirectory()
        let config = f.directory.file("config.toml")
        try DecisionFixture.configTOML.write(toFile: config, atomically: true, encoding: .utf8)
        func vigil(_ args: [String]) async throws -> VigilProcess.Output {
            try await VigilProcess.run(args + ["--db", f.databasePath, "--config", config], home: home.path)
        }
        let decision = try f.open()
        let produced = try JSONParser.parse(try await vigil(["memory", "ingest", "event", "--kind", "deploy", "--ref", "deploy:\(decision)",
                                                       "--summary", "rolled out v2", "--json"]).stdout)
        let read = try JSONParser.parse(try await vigil(["memory", "ingest", "observation", "--subject", "svc", "--predicate", "owner",
                                                   "--object", "\"team-a\"", "--json"]).stdout)
        try f.call("decision_add_context", ["decision_id": .string(decision), "context": ["consulted_memory": read["id"]!]])
        let trace = try JSONParser.parse(try await vigil(["decisions", "trace", decision, "--json"]).stdout)
        let linked = trace["linked_memories"]?.arrayValue ?? []
        #expect(linked.first { $0["role"] == "produced" }?["record_id"] == produced["id"])
        #expect(linked.first { $0["role"] == "read" }?["record_id"] == read["id"])
        let shown = try JSONParser.parse(try await vigil(["memory", "show", produced["id"]!.stringValue!, "--json"]).stdout)
        #expect(shown["linked_decisions"] == [.string(decision)])
        let text = try await vigil(["decisions", "trace", decision]).stdout
        #expect(text.contains("memory produced") && text.contains("memory read"))
    }
}
