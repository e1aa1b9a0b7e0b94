import Foundation
import Testing
import VigilCore
import VigilTestSupport

@Suite("Writes, idempotency and commit (checklist 47–59)")
struct DecisionWriteTests {
    func write(_ f: DecisionFixture, _ id: String, _ args: JSONObject) throws -> JSONObject {
        try f.call("decision_write", ["decision_id": .string(id), "purpose": "order_support"].merging(args) { $1 })
    }

    func seedOrder(_ f: DecisionFixture, customer: String = "c1", amount: Double = 10) throws -> String {
        let id = try f.open()
        let result = try write(f, id, ["product": "orders_insert", "mutation": ["data": ["customer_id": .string(customer), "amount": .double(amount)]]])
        try f.call("decision_close", ["decision_id": .string(id), "action": "commit"])
        return result["created_records"]!.arrayValue![0]["order_id"]!.s!
    }

    @Test("47: forms A–F are accepted with the right row count", arguments: TestStore.all)
    func forms(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let o1 = try seedOrder(f)
        let o2 = try seedOrder(f, customer: "c2")
        let id = try f.open()
        // A: records (insert)
        #expect(try write(f, id, ["product": "orders_insert", "mutation": ["records": [["customer_id": "a", "amount": 1], ["customer_id": "b", "amount": 2]]]])["rows"] == 2)
        // A-insert / C: data
        #expect(try write(f, id, ["product": "orders_insert", "operation": "insert", "mutation": ["data": ["customer_id": "c", "amount": 3]]])["rows"] == 1)
        // B: records with keys array (update)
        #expect(try write(f, id, ["product": "orders_update", "keys": ["order_id"], "mutation": ["records": [["order_id": .string(o1), "status": "x"], ["order_id": .string(o2), "status": "y"]]]])["rows"] == 2)
        // D: fields + keys object (update)
        #expect(try write(f, id, ["product": "orders_update", "keys": ["order_id": .string(o1)], "mutation": ["fields": ["status": "z"]]])["rows"] == 1)
        // E: delete by keys alone
        #expect(try write(f, id, ["product": "orders_delete", "operation": "delete", "keys": ["order_id": .string(o2)]])["rows"] == 1)
        // F: flat mutation
        #expect(try write(f, id, ["product": "orders_update", "mutation": ["operation": "update", "order_id": .string(o1), "amount": 99]])["rows"] == 1)
        let writes = try f.events(id).filter { $0["type"] == "write" }
        #expect(writes.map { $0["rows"]!.integerValue! } == [2, 1, 2, 1, 1, 1])
        let closed = try f.call("decision_close", ["decision_id": .string(id), "action": "commit"])
        #expect(closed["writes"]!.arrayValue!.map { $0["affected_rows"]!.integerValue! } == [2, 1, 2, 1, 1, 1])
        let rows = try f.committedOrders()
        #expect(rows.count == 4)
        #expect(rows.first { $0["order_id"]!.s == o1 }?["amount"] == 99)
        #expect(rows.first { $0["order_id"]!.s == o1 }?["status"] == "z")
    }

    @Test("48: inserts are buffered until commit and discarded on abort", arguments: TestStore.all)
    func buffering(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let id = try f.open()
        _ = try write(f, id, ["product": "orders_insert", "mutation": ["data": ["customer_id": "c1", "amount": 10]]])
        #expect(try f.committedOrders().isEmpty)
        let closed = try f.call("decision_close", ["decision_id": .string(id), "action": "commit"])
        #expect(closed["writes"]!.arrayValue![0]["affected_rows"] == 1)
        #expect(try f.committedOrders().count == 1)
        let other = try f.open()
        _ = try write(f, other, ["product": "orders_insert", "mutation": ["data": ["customer_id": "c9", "amount": 1]]])
        try f.call("decision_close", ["decision_id": .string(other), "action": "abort"])
        #expect(try f.committedOrders().count == 1)
    }

    @Test("49: operation checks", arguments: TestStore.all)
    func operations(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let id = try f.open()
        try expectRefusal(f, code: -32603, data: "Data Product 'orders_update' does not support insert (operation: update)") {
            _ = try write(f, id, ["product": "orders_update", "operation": "insert", "mutation": ["data": ["customer_id": "c", "amount": 1]]])
        }
        try expectRefusal(f, code: -32602, data: "operation mismatch: 'insert' vs 'update'") {
            _ = try write(f, id, ["product": "orders_insert", "operation": "insert", "mutation": ["operation": "update", "amount": 1]])
        }
        try expectRefusal(f, code: -32602, data: "invalid operation 'upsert': expected insert, update or delete") {
            _ = try write(f, id, ["product": "orders_insert", "operation": "upsert", "mutation": ["data": ["amount": 1]]])
        }
        try expectRefusal(f, code: -32602, data: "mutation must contain only one of records, data, fields") {
            _ = try write(f, id, ["product": "orders_insert", "mutation": ["data": ["amount": 1], "fields": ["amount": 2]]])
        }
        try expectRefusal(f, code: -32600, data: "mutation is required") {
            _ = try write(f, id, ["product": "orders_insert"])
        }
    }

    @Test("50: generated, required, unknown, mistyped and oversize rows", arguments: TestStore.all)
    func rowChecks(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let id = try f.open()
        try expectRefusal(f, code: -32602, data: "field order_id is auto-generated") {
            _ = try write(f, id, ["product": "orders_insert", "mutation": ["data": ["order_id": "X", "customer_id": "c", "amount": 1]]])
        }
        try expectRefusal(f, code: -32602, data: "field amount is required") {
            _ = try write(f, id, ["product": "orders_insert", "mutation": ["data": ["customer_id": "c"]]])
        }
        try expectRefusal(f, code: -32602, data: "field bogus not found in schema") {
            _ = try write(f, id, ["product": "orders_insert", "mutation": ["data": ["customer_id": "c", "amount": 1, "bogus": 1]]])
        }
        try expectRefusal(f, code: -32602, data: "field amount must be of type number") {
            _ = try write(f, id, ["product": "orders_insert", "mutation": ["data": ["customer_id": "c", "amount": "ten"]]])
        }
        let records = JSONValue.array((0..<1001).map { _ in ["customer_id": "c", "amount": 1] })
        try expectRefusal(f, code: -32602, data: "mutation.records exceeds 1000 items") {
            _ = try write(f, id, ["product": "orders_insert", "mutation": ["records": records]])
        }
        try expectRefusal(f, code: -32602, data: "record 0 is missing key field order_id") {
            _ = try write(f, id, ["product": "orders_update", "keys": ["order_id"], "mutation": ["records": [["status": "x"]]]])
        }
        try expectRefusal(f, code: -32602, data: "update requires at least one non-key field") {
            _ = try write(f, id, ["product": "orders_update", "mutation": ["data": ["order_id": "X"]]])
        }
    }

    @Test("51: return_created hands back the generated key, which commit keeps", arguments: TestStore.all)
    func returnCreated(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let id = try f.open()
        let result = try write(f, id, ["product": "orders_insert", "mutation": ["data": ["customer_id": "c", "amount": 1]]])
        let orderID = result["created_records"]!.arrayValue![0]["order_id"]!.s!
        #expect(orderID.count == 26)
        try f.call("decision_close", ["decision_id": .string(id), "action": "commit"])
        #expect(try f.committedOrders().map { $0["order_id"]!.s! } == [orderID])
    }

    @Test("52–53: idempotent replays and conflicting reuse", arguments: TestStore.all)
    func idempotency(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let id = try f.open()
        let args: JSONObject = ["product": "orders_insert", "idempotency_key": "k1", "mutation": ["data": ["customer_id": "c", "amount": 1]]]
        let first = try write(f, id, args)
        let second = try write(f, id, args.merging(["product_id": "orders_insert"]) { $1 })
        var expected = first
        expected["idempotent_replay"] = true
        #expect(second == expected)
        #expect(try f.events(id).filter { $0["type"] == "write" }.count == 1)
        try expectRefusal(f, code: -32602, data: "idempotency_key 'k1' was already used with a different payload") {
            _ = try write(f, id, ["product": "orders_insert", "idempotency_key": "k1", "mutation": ["data": ["customer_id": "c", "amount": 2]]])
        }
        let other = try f.open()
        #expect(try write(f, other, args)["idempotent_replay"] == nil)
    }

    @Test("54: a denying policy refuses the write but records the implicit evaluation", arguments: TestStore.all)
    func policyDeny(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let id = try f.open()
        expectDecisionError(.policyDenied(policyID: "discount_cap_v1", message: "discount above 30% is never allowed")) {
            _ = try write(f, id, ["product": "orders_insert", "mutation": ["data": ["customer_id": "c", "amount": 1, "discount_pct": 40]]])
        }
        let events = try f.events(id)
        #expect(events.last!["type"] == "evaluate")
        #expect(events.last!["implicit"] == true && events.last!["trigger"] == "decision_write")
        #expect(!events.contains { $0["type"] == "write" })
    }

    @Test("55: requires_exception blocks an autonomous write until an operator approves", arguments: TestStore.all)
    func policyException(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let id = try f.open()
        let args: JSONObject = ["product": "orders_insert", "mutation": ["data": ["customer_id": "c", "amount": 1, "discount_pct": 15]]]
        expectDecisionError(.policyRequiresException(policyID: "discount_cap_v1", message: "discount above 10% needs finance review")) {
            _ = try write(f, id, args)
        }
        #expect(try f.get(id)["approval_required"] == true)
        let approval = try f.call("decision_request_approval", ["decision_id": .string(id)])
        let approvalID = approval["approval_id"]!
        let pending = try f.callAsOperator("operator_approvals_list", [:])["approvals"]!.arrayValue![0]
        #expect(pending["approval_route_id"] == "finance", "the route of the requires_exception rule")
        #expect(pending["reason"] == "discount above 10% needs finance review")
        try f.callAsOperator("operator_approval_resolve", ["approval_id": approvalID, "resolution": "approve", "rationale": "ok"])
        let accepted = try write(f, id, args)
        let writeEvent = try f.events(id).first { $0["event_id"] == accepted["event_id"] }!
        #expect(writeEvent["approval_id"] == approvalID)
    }

    @Test("56: propose mode never writes", arguments: TestStore.all)
    func proposeMode(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let id = try f.open("propose")
        let args: JSONObject = ["product": "orders_insert", "mutation": ["data": ["customer_id": "c", "amount": 1]]]
        try expectRefusal(f, code: -32603, data: "writes not allowed in propose mode") { _ = try write(f, id, args) }
        let approval = try f.call("decision_request_approval", ["decision_id": .string(id)])["approval_id"]!
        try f.callAsOperator("operator_approval_resolve", ["approval_id": approval, "resolution": "approve"])
        try expectRefusal(f, code: -32603, data: "writes not allowed in propose mode") { _ = try write(f, id, args) }
    }

    @Test("57–58: approve mode waits for an approved approval; pending approvals block writes", arguments: TestStore.all)
    func approveMode(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let id = try f.open("approve")
        let args: JSONObject = ["product": "orders_insert", "mutation": ["data": ["customer_id": "c", "amount": 1]]]
        try expectRefusal(f, code: -32603, data: "Decision '\(id)' requires an approved approval before writing") {
            _ = try write(f, id, args)
        }
        let approval = try f.call("decision_request_approval", ["decision_id": .string(id)])["approval_id"]!.s!
        try expectRefusal(f, code: -32603, data: "Decision '\(id)' is awaiting approval (approval_id: \(approval))") {
            _ = try write(f, id, args)
        }
        try f.callAsOperator("operator_approval_resolve", ["approval_id": .string(approval), "resolution": "approved"])
        #expect(try write(f, id, args)["status"] == "executed")
    }

    @Test("59: a commit whose writes fail aborts the decision and applies nothing", arguments: TestStore.all)
    func commitFailure(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let existing = try seedOrder(f)
        let first = try f.open()
        let id = try f.open()
        _ = try write(f, id, ["product": "orders_insert", "mutation": ["data": ["customer_id": "new", "amount": 5]]])
        _ = try write(f, id, ["product": "orders_update", "mutation": ["data": ["order_id": .string(existing), "amount": 77]]])
        // Two decisions insert the same supplied key; the first commit wins and the second collides.
        for decision in [first, id] {
            _ = try write(f, decision, ["product": "accounts_insert", "mutation": ["data": ["account_id": "A1", "owner": "x"]]])
        }
        try f.call("decision_close", ["decision_id": .string(first), "action": "commit"])
        do {
            try f.call("decision_close", ["decision_id": .string(id), "action": "commit"])
            Issue.record("commit should fail")
        } catch let error as DecisionError {
            #expect(error.code == -32603)
            #expect(error.data.hasPrefix("Commit failed for Decision '\(id)': "))
            #expect(error.data.hasSuffix("; decision aborted"))
        }
        let d = try f.get(id)
        #expect(d["status"] == "aborted")
        #expect(d["close_reason"]!.s!.hasPrefix("commit failed: "))
        let rows = try f.committedOrders()
        #expect(rows.count == 1, "no buffered row reached the table")
        #expect(rows[0]["amount"] == 10, "the update was rolled back too")
        let closed = try f.events(id).last!
        #expect(closed["type"] == "closed" && closed["status"] == "aborted" && closed["action"] == "commit")
    }
}
