import Foundation
import Testing
import VigilCore
import VigilStoreSQLite
import VigilTestSupport

/// `vigil decisions redact`: one value out of one trace event; the chain reports it, never as tampered.
@Suite("Trace redaction")
struct RedactionTests {
    /// A committed decision whose second event (context) holds `canary` at `$.context.customer.contact`.
    func decision(_ f: DecisionFixture, canary: String) throws -> (id: String, receipt: JSONValue) {
        let id = try f.open()
        try f.call("decision_add_context", [
            "decision_id": .string(id), "context": ["customer": ["name": "Ada", "contact": .string(canary)], "ticket": "T-9"],
        ])
        try f.call("decision_add_context", ["decision_id": .string(id), "context": ["note": "refund approved by policy"]])
        try f.call("decision_close", ["decision_id": .string(id), "action": "commit"])
        return (id, .object(try f.call("decision_receipt", ["decision_id": .string(id)])))
    }

    @Test("the value and its search words go; the chain verifies with the event reported redacted; the receipt still verifies",
          arguments: TestStore.all)
    func redact(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let canary = "ada-\(UUID().uuidString.prefix(8))@example.org"
        let (id, receipt) = try decision(f, canary: canary)
        let seq = try #require(f.events(id).first { $0["context"]?["customer"] != nil }?["seq"]?.integerValue)
        #expect(try f.store.snapshot().contains(canary))
        #expect(try f.call("decision_search", ["query": "T-9"]).description.contains(id))

        let redaction = try f.engine.redact(
            decisionID: id, seq: Int(seq), path: "$.context.customer.contact", rationale: "GDPR request #4411", by: "op_o")
        #expect(redaction.path == "$.context.customer.contact" && redaction.redactedBy == "op_o")

        let chain = try f.engine.verifyChain(decisionID: id)
        #expect(chain.isIntact, "a redaction is not tampering")
        #expect(chain.redactions.map(\.seq) == [Int(seq)] && chain.redactions.first?.rationale == "GDPR request #4411")
        #expect(try f.engine.verifyReceipt(receipt).isIntact)
        // The rest of the event is as it was; the value is a marker that says who and when.
        let event = try #require(try f.events(id).first { $0["seq"]?.integerValue == seq })
        #expect(event["context"]?["customer"]?["name"] == "Ada" && event["context"]?["ticket"] == "T-9")
        #expect(event["context"]?["customer"]?["contact"]?[Redaction.markerKey]?["by"] == "op_o")
        #expect(!(try f.store.snapshot()).contains(canary))
        if store == .sqlite {
            let bytes = ErasureTests.fileBytes(f.store.location)
            #expect(bytes.range(of: Data(canary.utf8)) == nil, "the redacted value is still in the file's bytes")
        }
        // Search still finds the decision by what stayed, not by what went.
        #expect(try f.call("decision_search", ["query": "T-9"]).description.contains(id))
        #expect(!(try f.call("decision_search", ["query": "example.org"]).description.contains(id)))

        // Offline: the exported trace verifies, naming the redaction; changing anything else breaks it.
        let trace = JSONValue.object(try f.call("decision_trace", ["decision_id": .string(id)]))
        #expect(trace["redactions"]?.arrayValue?.count == 1)
        let key = try #require(try f.engine.receiptKeys().first)
        let signed = try ReceiptVerification.verifySignature(receipt: receipt, publicKey: key)
        let offline = try ReceiptVerification.verifyTrace(trace, against: signed, redactionKey: key)
        #expect(offline.redactions.map(\.path) == ["$.context.customer.contact"])
        var events = trace["events"]!.arrayValue!
        var tampered = events[Int(seq) - 1].objectValue!
        var context = tampered["context"]!.objectValue!
        context["ticket"] = "T-10"
        tampered["context"] = .object(context)
        events[Int(seq) - 1] = .object(tampered)
        var tamperedTrace = trace.objectValue!
        tamperedTrace["events"] = .array(events)
        #expect(throws: ReceiptVerification.Failure.chainBroken(seq: Int(seq))) {
            try ReceiptVerification.verifyTrace(.object(tamperedTrace), against: signed, redactionKey: key)
        }
        // Without the key to check the redaction's signature, the redacted event cannot pass.
        #expect(throws: ReceiptVerification.Failure.chainBroken(seq: Int(seq))) { try ReceiptVerification.verifyTrace(trace, against: signed) }
    }

    @Test("refused, changing nothing: unknown decision or event, a path to nothing, a chain field, twice, no rationale",
          arguments: TestStore.all)
    func refusals(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let (id, _) = try decision(f, canary: "x@example.org")
        let seq = try #require(f.events(id).first { $0["context"]?["customer"] != nil }?["seq"]?.integerValue)
        try f.engine.redact(decisionID: id, seq: Int(seq), path: "context.customer.name", rationale: "asked", by: "op_o")
        let before = try f.store.snapshot()
        let cases: [(String, Int, String, String, DecisionError)] = [
            ("TMEM_01NOSUCHDECISION0000000", 1, "$.context.a", "why", .decisionNotFound("TMEM_01NOSUCHDECISION0000000")),
            (id, 99, "$.context.a", "why", .eventNotFound("\(id) seq 99")),
            (id, Int(seq), "$.context.nothing.here", "why", .invalidArgument("event \(seq) of \(id) has no value at $.context.nothing.here")),
            (id, Int(seq), "$.prev_hash", "why", .invalidArgument("'prev_hash' links the event into the chain and cannot be redacted; redact a value inside the event")),
            (id, Int(seq), "$.context.customer.name", "why", .invalidArgument("$.context.customer.name in event \(seq) of \(id) is already redacted")),
            (id, Int(seq), "$.context.ticket", " ", .missingArgument("rationale is required: say why the value is redacted")),
            (id, Int(seq), "$.context.items[x]", "why", .invalidArgument("invalid path '$.context.items[x]': an index is written [0], [1], …")),
        ]
        for (decisionID, eventSeq, path, rationale, expected) in cases {
            #expect(throws: expected) { try f.engine.redact(decisionID: decisionID, seq: eventSeq, path: path, rationale: rationale, by: "op_o") }
        }
        #expect(try f.store.snapshot() == before)
        #expect(try f.engine.verifyChain(decisionID: id).isIntact)
    }
}
