import Foundation
import Testing
import VigilCore
import VigilStoreSQLite
import VigilTestSupport

/// Asserts that `body` throws a MemoryError of `code` whose message contains `fragment`, and changed nothing.
func expectMemoryError(
    _ f: MemoryFixture, _ code: String, _ fragment: String = "", sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) throws {
    let before = try f.store.snapshot()
    do {
        try body()
        Issue.record("expected \(code) but the call succeeded", sourceLocation: sourceLocation)
    } catch let error as MemoryError {
        #expect(error.grpcCode == code, "\(error.message)", sourceLocation: sourceLocation)
        #expect(fragment.isEmpty || error.message.contains(fragment), "\(error.message)", sourceLocation: sourceLocation)
    }
    #expect(try f.store.snapshot() == before, "a refused call changed the store", sourceLocation: sourceLocation)
}

@Suite("Memory ingestion (Membrane checklist 11–21)")
struct MemoryIngestTests {
    @Test("11: an event becomes an episodic record with the spec's defaults", arguments: TestStore.all)
    func event(store: TestStore) throws {
        let f = try MemoryFixture(store: store)
        let record = try f.event()
        let json = record.json(at: f.t0)
        #expect(json["type"] == "episodic" && json["sensitivity"] == "low" && json["confidence"] == 0.8 && json["salience"] == 1)
        #expect(UUID(uuidString: record.id) != nil && record.id == record.id.lowercased())
        #expect(json["lifecycle"]?["decay"] == ["curve": "exponential", "half_life_seconds": 3600, "reinforcement_gain": 0.1])
        #expect(json["lifecycle"]?["deletion_policy"] == "auto_prune" && json["lifecycle"]?["pinned"] == nil)
        #expect(json["payload"]?["timeline"]?.arrayValue?.first == [
            "t": .string(MemoryTime.format(f.t0)), "event_kind": "user_message", "ref": "m1", "summary": "hello",
        ])
        #expect(json["provenance"]?["created_by"] == "ingestion-service")
        #expect(json["provenance"]?["sources"]?.arrayValue?.first?["ref"] == "m1")
        #expect(json["audit_log"]?.arrayValue?.first?["rationale"] == "Ingested event from python-client")
        #expect(json["tags"] == nil && json["scope"] == nil && json["relations"] == nil)
        #expect(try f.json(record.id) == json, "what is stored is what was returned")
    }

    @Test("12–14: policy, sensitivity and timestamp validation", arguments: TestStore.all)
    func validation(store: TestStore) throws {
        let f = try MemoryFixture(store: store)
        var r = IngestEventRequest()
        r.eventKind = "user_message"; r.ref = "m1"
        try expectMemoryError(f, "INVALID_ARGUMENT", "ingestion policy:") { _ = try f.engine.ingestEvent(r) }
        r.source = "python-client"; r.ref = ""
        try expectMemoryError(f, "INVALID_ARGUMENT", "ingestion policy: event ref is required") { _ = try f.engine.ingestEvent(r) }
        try expectMemoryError(f, "INVALID_ARGUMENT", "sensitivity must be one of") { try f.event(sensitivity: "secret") }
        try expectMemoryError(f, "INVALID_ARGUMENT", "sensitivity must be one of") { try f.event(sensitivity: "LOW") }
        #expect(try f.event(sensitivity: "").sensitivity == .low)
        r.ref = "m1"; r.timestamp = "yesterday"
        try expectMemoryError(f, "INVALID_ARGUMENT", "invalid timestamp") { _ = try f.engine.ingestEvent(r) }
        r.timestamp = "2026-01-02T03:04:05Z"
        let dated = try f.engine.ingestEvent(r).json(at: f.t0)
        #expect(dated["payload"]?["timeline"]?.arrayValue?.first?["t"] == "2026-01-02T03:04:05Z")
        #expect(dated["created_at"]!.stringValue == MemoryTime.format(f.t0))
    }

    @Test("15: string and tag limits", arguments: TestStore.all)
    func limits(store: TestStore) throws {
        let f = try MemoryFixture(store: store)
        #expect(try f.event(String(repeating: "s", count: 100_000)).id.count == 36)
        try expectMemoryError(f, "INVALID_ARGUMENT", "summary exceeds maximum length of 100000") {
            try f.event(String(repeating: "s", count: 100_001))
        }
        #expect(try f.event(tags: (0..<100).map { "t\($0)" }).tags.count == 100)
        try expectMemoryError(f, "INVALID_ARGUMENT", "too many tags: 101 (max 100)") { try f.event(tags: (0..<101).map { "t\($0)" }) }
        try expectMemoryError(f, "INVALID_ARGUMENT", "tag exceeds maximum length of 256") {
            try f.event(tags: [String(repeating: "t", count: 257)])
        }
    }

    @Test("16–17: tool output JSON is validated and shaped", arguments: TestStore.all)
    func toolOutput(store: TestStore) throws {
        let f = try MemoryFixture(store: store)
        func call(_ args: [UInt8], result: [UInt8] = Array("[1]".utf8)) throws -> MemoryRecord {
            var r = IngestToolOutputRequest()
            r.source = "python-client"; r.toolName = "grep"; r.args = args; r.result = result
            return try f.engine.ingestToolOutput(r)
        }
        try expectMemoryError(f, "INVALID_ARGUMENT", "invalid args JSON") { _ = try call(Array("{not json".utf8)) }
        try expectMemoryError(f, "INVALID_ARGUMENT", "invalid args JSON") { _ = try call(Array("[1,2]".utf8)) }
        try expectMemoryError(f, "INVALID_ARGUMENT", "args exceeds maximum payload size of 10485760 bytes") {
            _ = try call([UInt8](repeating: 0x20, count: 10_485_761))
        }
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        try expectMemoryError(f, "INVALID_ARGUMENT", "nesting") { _ = try call(Array("{\"a\":\(deep)}".utf8)) }
        let record = try call(Array(#"{"q":"x"}"#.utf8)).json(at: f.t0)
        #expect(record["confidence"] == 0.9)
        let timeline = record["payload"]!["timeline"]!.arrayValue![0]
        let node = record["payload"]!["tool_graph"]!.arrayValue![0]
        #expect(timeline["event_kind"] == "tool_call" && timeline["summary"] == "tool_call: grep")
        #expect(node["id"] == timeline["ref"] && node["args"] == ["q": "x"] && node["result"] == [1])
    }

    @Test("18: observations become semantic records", arguments: TestStore.all)
    func observation(store: TestStore) throws {
        let f = try MemoryFixture(store: store)
        let json = try f.observation("db", "uses", "postgres").json(at: f.t0)
        #expect(json["type"] == "semantic" && json["confidence"] == 0.7)
        #expect(json["lifecycle"]?["decay"]?["half_life_seconds"] == 2_592_000)
        #expect(json["payload"]?["validity"]?["mode"] == "global" && json["payload"]?["revision_policy"] == "replace")
        #expect(json["payload"]?["evidence"]?.arrayValue?.first?["source_type"] == "observation")
        #expect(json["payload"]?["object"] == "postgres")
        try expectMemoryError(f, "INVALID_ARGUMENT", "ingestion policy:") { try f.observation("db", "", "x") }
    }

    @Test("19: working state enums and constraints; no upsert", arguments: TestStore.all)
    func workingState(store: TestStore) throws {
        let f = try MemoryFixture(store: store)
        func call(state: String, constraints: String = "") throws -> MemoryRecord {
            var r = IngestWorkingStateRequest()
            r.source = "python-client"; r.threadID = "t1"; r.state = state; r.activeConstraints = Array(constraints.utf8)
            return try f.engine.ingestWorkingState(r)
        }
        try expectMemoryError(f, "INVALID_ARGUMENT", "state must be one of") { _ = try call(state: "sleeping") }
        try expectMemoryError(f, "INVALID_ARGUMENT", "active_constraints") { _ = try call(state: "planning", constraints: "{}") }
        let a = try call(state: "planning", constraints: #"[{"type":"budget","key":"usd","value":5,"required":true}]"#)
        let b = try call(state: "executing")
        #expect(a.id != b.id && a.confidence == 1 && b.confidence == 1)
        #expect(a.lifecycle.decay.halfLifeSeconds == 86400)
    }

    @Test("20–21: outcomes mutate only episodic records", arguments: TestStore.all)
    func outcome(store: TestStore) throws {
        let f = try MemoryFixture(store: store)
        let episode = try f.event()
        var r = IngestOutcomeRequest()
        r.source = "python-client"; r.targetRecordID = episode.id; r.outcomeStatus = "success"
        let updated = try f.engine.ingestOutcome(r).json(at: f.t0)
        #expect(updated["payload"]?["outcome"] == "success")
        #expect(updated["provenance"]?["sources"]?.arrayValue?.last?["kind"] == "outcome")
        #expect(updated["provenance"]?["sources"]?.arrayValue?.last?["ref"]?.stringValue == "outcome:\(episode.id):success")
        #expect(updated["audit_log"]?.arrayValue?.last?["action"] == "revise")
        #expect(updated["audit_log"]?.arrayValue?.last?["rationale"] == "Outcome recorded: success")
        let semantic = try f.observation("a", "b", "c")
        r.targetRecordID = semantic.id
        try expectMemoryError(f, "INVALID_ARGUMENT", " is not episodic") { _ = try f.engine.ingestOutcome(r) }
        r.targetRecordID = "nope"
        try expectMemoryError(f, "NOT_FOUND", "record not found") { _ = try f.engine.ingestOutcome(r) }
        r.targetRecordID = episode.id; r.outcomeStatus = "ok"
        try expectMemoryError(f, "INVALID_ARGUMENT", "outcome_status must be one of") { _ = try f.engine.ingestOutcome(r) }
    }

    @Test("53: every timestamp has Go's RFC 3339 nano form", arguments: TestStore.all)
    func timestampForm(store: TestStore) throws {
        let f = try MemoryFixture(store: store)
        f.advance(0.123456789)
        let json = try f.event().json(at: f.engine.currentTime).canonicalText
        let pattern = /"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d*[1-9])?Z)"/
        let stamps = json.matches(of: pattern).map { String($0.output.1) }
        #expect(stamps.count >= 6)
        #expect(MemoryTime.format(1_767_780_000_120_000_000) == "2026-01-07T10:00:00.12Z")
        #expect(MemoryTime.format(1_767_780_000_000_000_000) == "2026-01-07T10:00:00Z")
        #expect(MemoryTime.parse("2026-01-07T10:00:00.123456789Z") == 1_767_780_000_123_456_789)
        #expect(MemoryTime.parse("2026-01-07T10:00:00.1234567891Z") == nil)
    }
}
