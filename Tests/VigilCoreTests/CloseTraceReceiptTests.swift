import Foundation
import Testing
import VigilCore
import VigilTestSupport

@Suite("Close, closed decisions, trace and receipts (checklist 73–81)")
struct CloseTraceReceiptTests {
    @Test("73–74: commit and rollback close; close arguments are checked", arguments: TestStore.all)
    func close(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let id = try f.open()
        let committed = try f.call("decision_close", ["decision_id": .string(id), "outcome": "commit"])
        #expect(committed["status"] == "committed" && committed["closed_at"] != nil)
        let other = try f.open()
        #expect(try f.call("decision_close", ["decision_id": .string(other), "action": "rollback"])["status"] == "aborted")
        #expect(try f.events(other).last!["action"] == "rollback")
        let third = try f.open()
        try expectRefusal(f, code: -32600, data: "decision_id and action are required") {
            try f.call("decision_close", ["decision_id": .string(third)])
        }
        try expectRefusal(f, code: -32602, data: "invalid action 'cancel': expected commit, abort or rollback") {
            try f.call("decision_close", ["decision_id": .string(third), "action": "cancel"])
        }
    }

    @Test("75: a closed decision refuses every mutating tool and still answers reads", arguments: TestStore.all)
    func closedDecision(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let id = try f.open()
        try f.call("decision_close", ["decision_id": .string(id), "action": "commit"])
        let closed = "Decision '\(id)' is closed (status: committed)"
        let d: JSONValue = .string(id)
        let calls: [(String, JSONObject)] = [
            ("decision_read", ["decision_id": d, "product": "orders_read_v1", "purpose": "order_support"]),
            ("decision_write", ["decision_id": d, "product": "orders_insert", "purpose": "order_support", "mutation": ["data": ["customer_id": "c", "amount": 1]]]),
            ("decision_evaluate", ["decision_id": d, "policy_id": "discount_cap_v1", "inputs": [:]]),
            ("decision_request_approval", ["decision_id": d]),
            ("decision_add_context", ["decision_id": d, "context": ["a": 1]]),
            ("decision_close", ["decision_id": d, "action": "abort"]),
        ]
        for (tool, args) in calls {
            try expectRefusal(f, code: -32603, data: closed) { try f.call(tool, args) }
        }
        for tool in ["decision_get", "decision_trace", "decision_receipt"] {
            #expect(try f.call(tool, ["decision_id": d])["decision_id"] == d)
        }
    }

    @Test("76: commit while pending is refused", arguments: TestStore.all)
    func commitPending(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let id = try f.open()
        try f.call("decision_request_approval", ["decision_id": .string(id)])
        try expectRefusal(f, code: -32603, data: "Cannot commit Decision '\(id)' while approval is pending") {
            try f.call("decision_close", ["decision_id": .string(id), "action": "commit"])
        }
    }

    @Test("77: the trace is a sha256 hash chain over JCS", arguments: TestStore.all)
    func chain(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let id = try f.open()
        try f.call("decision_add_context", ["decision_id": .string(id), "context": ["x": 1]])
        try f.call("decision_evaluate", ["decision_id": .string(id), "policy_id": "discount_cap_v1", "inputs": ["record": ["discount_pct": 1]]])
        try f.call("decision_close", ["decision_id": .string(id), "action": "commit"])
        let trace = try f.call("decision_trace", ["decision_id": .string(id)])
        let events = trace["events"]!.arrayValue!
        #expect(events.map { $0["seq"]!.integerValue! } == [1, 2, 3, 4])
        #expect(events[0]["prev_hash"]!.s == String(repeating: "0", count: 64))
        for (i, event) in events.enumerated() {
            var body = event.objectValue!
            let hash = body.removeValue(forKey: "hash")!.s!
            #expect(hash == Encoding.sha256Hex(JSONValue.object(body).canonicalBytes))
            if i > 0 { #expect(event["prev_hash"] == events[i - 1]["hash"]) }
            #expect(event["redacted_keys"] != nil && event["truncated_paths"] != nil)
        }
        #expect(trace["chain"]?["head_hash"] == events.last!["hash"])
        #expect(trace["chain"]?["event_count"] == 4)
        #expect(try f.engine.verifyChain(decisionID: id).isIntact)
    }

    @Test("78: events cannot be updated or deleted, and a tampered row breaks verification at its seq", arguments: TestStore.all)
    func tamper(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let id = try f.open()
        try f.call("decision_add_context", ["decision_id": .string(id), "context": ["amount": 10]])
        try f.call("decision_close", ["decision_id": .string(id), "action": "commit"])
        let tamper = try StoreTamper(f)
        #expect(throws: (any Error).self) { try tamper.execute("UPDATE decision_events SET body = body WHERE decision_id = '\(id)'") }
        #expect(throws: (any Error).self) { try tamper.execute("DELETE FROM decision_events WHERE decision_id = '\(id)'") }
        try tamper.allowEventEdits()
        try tamper.execute("UPDATE decision_events SET body = replace(body, '\"amount\":10', '\"amount\":11') WHERE decision_id = '\(id)' AND seq = 2")
        #expect(try f.engine.verifyChain(decisionID: id).brokenAtSeq == 2)
    }

    @Test("79: a type filter narrows events, not the chain", arguments: TestStore.all)
    func typeFilter(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let id = try f.open()
        try f.call("decision_evaluate", ["decision_id": .string(id), "policy_id": "discount_cap_v1", "inputs": [:]])
        try f.call("decision_add_context", ["decision_id": .string(id), "context": ["x": 1]])
        let trace = try f.call("decision_trace", ["decision_id": .string(id), "types": ["policy_eval"]])
        #expect(trace["events"]!.arrayValue!.map { $0["type"]!.s! } == ["evaluate"])
        #expect(trace["chain"]?["event_count"] == 3)
    }

    @Test("80: a closed decision's receipt is final, verifies and never changes", arguments: TestStore.all)
    func finalReceipt(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let id = try f.open()
        try f.call("decision_close", ["decision_id": .string(id), "action": "commit"])
        f.clock.advance(by: 30)
        let receipt = try f.call("decision_receipt", ["decision_id": .string(id)])
        #expect(receipt["final"] == true && receipt["algorithm"] == "Ed25519")
        let publicKey = try #require(ReceiptPublicKey(base64URL: f.call("capabilities_get", [:])["receipt_signing"]!["public_key"]!.s!))
        try ReceiptVerification.verifySignature(receipt: .object(receipt), publicKey: publicKey)
        let trace = try f.call("decision_trace", ["decision_id": .string(id)])
        #expect(try ReceiptVerification.verifyTrace(.object(trace), against: ReceiptVerification.statements(of: .object(receipt))).isIntact)
        #expect(receipt["receipt_data"]?["chain_head_hash"] == trace["chain"]?["head_hash"])
        f.clock.advance(by: 30)
        let again = try f.call("decision_receipt", ["decision_id": .string(id)])
        #expect(JSONValue.object(again).canonicalText == JSONValue.object(receipt).canonicalText)
        #expect(try f.engine.verifyReceipt(.object(receipt)).isIntact)
        var forged = receipt
        var data = receipt["receipt_data"]!.objectValue!
        data["status"] = "aborted"
        forged["receipt_data"] = .object(data)
        #expect(throws: ReceiptVerification.Failure.unsignedStatement(field: "status", stated: "committed", signed: "aborted")) {
            try ReceiptVerification.verifySignature(receipt: .object(forged), publicKey: publicKey)
        }
        forged["status"] = "aborted"
        forged["final"] = true
        #expect(throws: ReceiptVerification.Failure.badSignature) {
            try ReceiptVerification.verifySignature(receipt: .object(forged), publicKey: publicKey)
        }
    }

    @Test("81: an open decision's receipt is fresh, not final, and valid", arguments: TestStore.all)
    func openReceipt(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let id = try f.open()
        let receipt = try f.call("decision_receipt", ["decision_id": .string(id)])
        #expect(receipt["final"] == false)
        #expect(receipt["receipt_data"]?["closed_at"] == JSONValue.null)
        #expect(try f.engine.verifyReceipt(.object(receipt)).isIntact)
        // More events later: the open receipt still vouches for the prefix it signed.
        try f.call("decision_add_context", ["decision_id": .string(id), "context": ["x": 1]])
        #expect(try f.engine.verifyReceipt(.object(receipt)).eventCount == 2)
        // Offline too: the longer exported trace still hashes up to the signed head at event 1.
        let trace = try f.call("decision_trace", ["decision_id": .string(id)])
        #expect(try ReceiptVerification.verifyTrace(.object(trace), against: ReceiptVerification.statements(of: .object(receipt))).eventCount == 2)
    }

    @Test("every field beside receipt_data repeats a signed one; unknown fields and algorithms are refused; old receipts without a signed algorithm still verify")
    func statements() throws {
        let f = try DecisionFixture()
        let id = try f.open()
        try f.call("decision_close", ["decision_id": .string(id), "action": "abort"])
        let receipt = try f.call("decision_receipt", ["decision_id": .string(id)])
        let signed = try ReceiptVerification.statements(of: .object(receipt))
        #expect(signed.status == "aborted" && signed.isFinal && signed.algorithm == "Ed25519" && signed.eventCount == 2)
        func refused(_ edit: (inout JSONObject) -> Void) -> ReceiptVerification.Failure? {
            var copy = receipt
            edit(&copy)
            do { _ = try ReceiptVerification.statements(of: .object(copy)); return nil } catch { return error }
        }
        #expect(refused { $0["final"] = false } == .unsignedStatement(field: "final", stated: "false", signed: "true"))
        #expect(refused { $0["decision_id"] = "TMEM_X" } == .unsignedStatement(field: "decision_id", stated: "TMEM_X", signed: id))
        #expect(refused { $0["algorithm"] = "HS256" } == .unknownAlgorithm("HS256"))
        #expect(refused { $0["verified"] = true } == .unsignedField("verified"))
        #expect(refused { $0.removeValue(forKey: "status"); $0.removeValue(forKey: "final") } == nil, "absent is fine")
        // A receipt from before the algorithm was signed (so its signature covers no algorithm): Ed25519 is implied.
        var legacyData = receipt["receipt_data"]!.objectValue!
        legacyData.removeValue(forKey: "algorithm")
        #expect(refused { $0["receipt_data"] = .object(legacyData) } == nil)
        #expect(refused { $0["receipt_data"] = .object(legacyData); $0["algorithm"] = "none" } == .unknownAlgorithm("none"))
    }

    @Test("a receipt stops verifying when any stored event byte changes", arguments: TestStore.all)
    func receiptTamper(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let id = try f.open()
        try f.call("decision_add_context", ["decision_id": .string(id), "context": ["amount": 10]])
        try f.call("decision_close", ["decision_id": .string(id), "action": "commit"])
        let receipt = JSONValue.object(try f.call("decision_receipt", ["decision_id": .string(id)]))
        let tamper = try StoreTamper(f)
        try tamper.allowEventEdits()
        try tamper.execute("UPDATE decision_events SET timestamp = timestamp, body = replace(body, 'amount', 'amounT') WHERE decision_id = '\(id)' AND seq = 2")
        #expect(throws: ReceiptVerification.Failure.chainBroken(seq: 2)) { try f.engine.verifyReceipt(receipt) }
    }
}
