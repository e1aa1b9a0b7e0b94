import Foundation
import Testing
import VigilCore
import VigilTestSupport

@Suite("Decision create, get, scoping and sanitization (checklist 26–36)")
struct DecisionCreateTests {
    @Test("26: create returns the open envelope", arguments: TestStore.all)
    func create(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let result = try f.call("decision_create", ["intent": "billing.refund.issue", "automation_mode": "autonomous"])
        #expect(result["decision_id"]!.s!.hasPrefix("TMEM_"))
        #expect(result["status"] == "open")
        #expect(result["automation_mode"] == "autonomous")
        #expect(result["created_at"]!.s == "2026-01-07T10:00:00.000Z")
    }

    @Test("27: aliases are stored canonically and the created event keeps the alias", arguments: TestStore.all)
    func aliases(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let id = try f.open("execute")
        #expect(try f.get(id)["automation_mode"] == "autonomous")
        #expect(try f.events(id)[0]["automation_mode_requested"] == "execute")
        let proposed = try f.open("validate")
        #expect(try f.get(proposed)["automation_mode"] == "propose")
    }

    @Test("28: other modes are invalid, case-sensitively", arguments: TestStore.all, [
        "manual", "Autonomous", "auto", "full_auto", "automated", "assisted", "interactive", "human_required",
        "semi_auto", "supervised", "monitored",
    ])
    func invalidModes(store: TestStore, mode: String) throws {
        let f = try DecisionFixture(store: store)
        try expectRefusal(f, code: -32602, data: "invalid automation_mode") {
            try f.call("decision_create", ["intent": "x.y.z", "automation_mode": .string(mode)])
        }
    }

    @Test("29: intent and mode are required; intent is limited to 256 characters", arguments: TestStore.all)
    func required(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        try expectRefusal(f, code: -32600, data: "intent is required") {
            try f.call("decision_create", ["automation_mode": "autonomous"])
        }
        try expectRefusal(f, code: -32600, data: "intent is required") {
            try f.call("decision_create", ["intent": "   ", "automation_mode": "autonomous"])
        }
        try expectRefusal(f, code: -32602, data: "intent exceeds 256 characters") {
            try f.call("decision_create", ["intent": .string(String(repeating: "i", count: 257)), "automation_mode": "autonomous"])
        }
        try expectRefusal(f, code: -32600, data: "automation_mode is required") {
            try f.call("decision_create", ["intent": "x.y.z"])
        }
        try expectRefusal(f, code: -32602, data: "intent must be a string") {
            try f.call("decision_create", ["intent": 5, "automation_mode": "autonomous"])
        }
    }

    @Test("30: override needs allow_override", arguments: TestStore.all)
    func override(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        try expectRefusal(f, code: -32603, data: "Permission denied: automation_mode 'override' is not allowed for this agent") {
            try f.call("decision_create", ["intent": "x.y.z", "automation_mode": "override"])
        }
        #expect(DecisionError.overrideNotAllowed.httpStatus == 403)
        let allowed = try DecisionFixture(store: store, allowOverrideForA: true)
        #expect(try allowed.open("override").hasPrefix("TMEM_"))
    }

    @Test("31–32: get needs an id; unknown and foreign ids are not found; operators see all", arguments: TestStore.all)
    func getAndScoping(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        try expectRefusal(f, code: -32600, data: "decision_id is required") { try f.call("decision_get", [:]) }
        try expectRefusal(f, code: -32603, data: "Decision 'TMEM_X' not found") {
            try f.call("decision_get", ["decision_id": "TMEM_X"])
        }
        let id = try f.open()
        for tool in ["decision_get", "decision_trace", "decision_receipt"] {
            try expectRefusal(f, code: -32603, data: "Decision '\(id)' not found") {
                try f.call(tool, ["decision_id": .string(id)], as: f.agentB)
            }
        }
        try expectRefusal(f, code: -32603, data: "Decision '\(id)' not found") {
            try f.call("decision_add_context", ["decision_id": .string(id), "context": ["a": 1]], as: f.agentB)
        }
        #expect(try f.callAsOperator("decision_get", ["decision_id": .string(id)])["decision_id"]!.s == id)
    }

    @Test("33: a new autonomous decision has no approval and no closed_at", arguments: TestStore.all)
    func freshState(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let d = try f.get(try f.open())
        #expect(d["approval_status"] == "none")
        #expect(d["approval_required"] == false)
        #expect(d["approval_id"] == JSONValue.null)
        #expect(d["event_count"] == 1)
        #expect(d["closed_at"] == nil)
        #expect(d["status"] == "open")
    }

    @Test("34–36: metadata is sanitized on the created event", arguments: TestStore.all)
    func metadataSanitized(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let id = try f.call("decision_create", [
            "intent": "x.y.z", "automation_mode": "autonomous",
            "metadata": ["api_key": "k", "author": "x", "nested": ["Password": "p"], "ok": 1,
                         "long": .string(String(repeating: "a", count: 1500))],
        ])["decision_id"]!.s!
        let created = try f.events(id)[0]
        #expect(created["metadata"]?["api_key"] == "[REDACTED]")
        #expect(created["metadata"]?["author"] == "[REDACTED]")
        #expect(created["metadata"]?["nested"]?["Password"] == "[REDACTED]")
        #expect(created["metadata"]?["ok"] == 1)
        #expect(created["redacted_keys"] == ["/metadata/api_key", "/metadata/author", "/metadata/nested/Password"])
        #expect(created["truncated_paths"] == ["/metadata/long"])
        #expect(created["metadata"]?["long"]?.s == String(repeating: "a", count: 1000) + "…[truncated 500 chars]")
        // The stored decision never holds the secret either.
        #expect(!(try f.storeSnapshot()).contains("\"p\""))
    }
}

@Suite("Reads, evaluations and context (checklist 37–46)")
struct DecisionReadTests {
    func seedOrders(_ f: DecisionFixture, count: Int, customer: String = "c1") throws {
        let id = try f.open()
        for i in 0..<count {
            try f.call("decision_write", [
                "decision_id": .string(id), "product": "orders_insert", "purpose": "order_support",
                "mutation": ["data": ["customer_id": .string(customer), "amount": .double(Double(10 + i)), "discount_pct": 5]],
            ])
        }
        try f.call("decision_close", ["decision_id": .string(id), "action": "commit"])
    }

    @Test("37–38: unknown, ungranted and purpose-less reads are refused", arguments: TestStore.all)
    func productChecks(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let id = try f.open()
        try expectRefusal(f, code: -32603, data: "Data Product 'nope_v1' not found") {
            try f.call("decision_read", ["decision_id": .string(id), "product": "nope_v1", "purpose": "order_support"])
        }
        try expectRefusal(f, code: -32603, data: "Data Product 'hidden_v1' not found") {
            try f.call("decision_read", ["decision_id": .string(id), "product": "hidden_v1", "purpose": "order_support"])
        }
        try expectRefusal(f, code: -32603, data: "Purpose 'general_access' not in allowed_purposes") {
            try f.call("decision_read", ["decision_id": .string(id), "product": "orders_read_v1", "purpose": "general_access"])
        }
        try expectRefusal(f, code: -32600, data: "purpose is required") {
            try f.call("decision_read", ["decision_id": .string(id), "product": "orders_read_v1"])
        }
    }

    @Test("39: query fields must exist and be scalars", arguments: TestStore.all)
    func queryChecks(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let id = try f.open()
        try expectRefusal(f, code: -32602, data: "field bogus not found in schema") {
            try f.call("decision_read", ["decision_id": .string(id), "product": "orders_read_v1", "purpose": "order_support", "query": ["bogus": 1]])
        }
        try expectRefusal(f, code: -32602, data: "query value for field amount must be a scalar") {
            try f.call("decision_read", ["decision_id": .string(id), "product": "orders_read_v1", "purpose": "order_support", "query": ["amount": ["gt": 1]]])
        }
    }

    @Test("40–41: single and multiple reads, data_ref and evidence-only trace", arguments: TestStore.all)
    func readModes(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        try seedOrders(f, count: 3)
        let id = try f.open()
        let base: JSONObject = ["decision_id": .string(id), "product": "orders_read_v1", "purpose": "order_support", "query": ["customer_id": "c1"]]
        let single = try f.call("decision_read", base)
        #expect(single["records"]!.arrayValue!.count == 1)
        #expect(single["summary"]?["truncated"] == true)
        let all = try f.call("decision_read", base.merging(["allow_multiple": true]) { $1 })["records"]!.arrayValue!
        #expect(all.count == 3)
        #expect(single["records"]!.arrayValue![0] == all[0], "the single row is the lowest primary key")
        let ids = all.map { $0["order_id"]!.s! }
        #expect(ids == ids.sorted())
        #expect(try f.call("decision_read", base.merging(["result_mode": "multiple"]) { $1 })["records"]!.arrayValue!.count == 3)
        try expectRefusal(f, code: -32602, data: "invalid result_mode 'all'") {
            try f.call("decision_read", base.merging(["result_mode": "all"]) { $1 })
        }
        #expect(single["data_ref"]!.s == "ref:read:" + single["event_id"]!.s!)
        let readEvent = try f.events(id).first { $0["type"] == "read" }!
        #expect(readEvent["data_ref"] == single["data_ref"])
        #expect(readEvent["summary"]?["rows"] == 1)
        #expect(readEvent["records"] == nil)
        #expect(Set(all.map { $0["amount"]! }) == [10, 11, 12])
        #expect(all.allSatisfy { $0["discount_pct"] == 5 && $0["status"] == JSONValue.null })
    }

    @Test("42: a non-read product cannot be read", arguments: TestStore.all)
    func readWrongOperation(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let id = try f.open()
        try expectRefusal(f, code: -32603, data: "Data Product 'orders_insert' does not support read (operation: insert)") {
            try f.call("decision_read", ["decision_id": .string(id), "product": "orders_insert", "purpose": "order_support"])
        }
    }

    @Test("43–44: policies evaluate deterministically to allow, deny or requires_exception", arguments: TestStore.all)
    func evaluate(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let id = try f.open()
        try expectRefusal(f, code: -32603, data: "Policy 'nope' not found") {
            try f.call("decision_evaluate", ["decision_id": .string(id), "policy_id": "nope", "inputs": ["a": 1]])
        }
        func eval(_ pct: JSONValue, alias: Bool = false) throws -> JSONObject {
            try f.call("decision_evaluate", [
                "decision_id": .string(id), (alias ? "policy" : "policy_id"): "discount_cap_v1",
                "inputs": ["record": ["discount_pct": pct]],
            ])
        }
        let first = try eval(15)
        #expect(first["outcome"] == "requires_exception")
        #expect(first["allowed"] == false && first["requires_approval"] == true)
        #expect(first["policy_hash"]!.s!.count == 64)
        #expect(first["rationale"]?["rule_id"] == "needs_review")
        let again = try eval(15, alias: true)
        #expect(again["outcome"] == first["outcome"] && again["policy_hash"] == first["policy_hash"])
        #expect(try eval(5)["outcome"] == "allow")
        #expect(try eval(5)["rationale"]?["rule_id"] == "default")
        #expect(try eval(40)["outcome"] == "deny")
        #expect(try f.get(id)["approval_required"] == true)
        let event = try f.events(id).last!
        #expect(event["type"] == "evaluate" && event["implicit"] == false && event["trigger"] == JSONValue.null)
        #expect(event["inputs_digest"]!.s == Encoding.sha256Hex(JSONValue.object(["record": ["discount_pct": 40]]).canonicalBytes))
    }

    @Test("45: inputs and inputs_ref are exclusive; inputs_ref resolves to a read's evidence", arguments: TestStore.all)
    func inputsRef(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        try seedOrders(f, count: 1)
        let id = try f.open()
        let base: JSONObject = ["decision_id": .string(id), "policy_id": "discount_cap_v1"]
        try expectRefusal(f, code: -32600, data: "inputs or inputs_ref is required") { try f.call("decision_evaluate", base) }
        try expectRefusal(f, code: -32602, data: "provide either inputs or inputs_ref, not both") {
            try f.call("decision_evaluate", base.merging(["inputs": ["a": 1], "inputs_ref": "evt_x"]) { $1 })
        }
        try expectRefusal(f, code: -32603, data: "Event 'evt_missing' not found") {
            try f.call("decision_evaluate", base.merging(["inputs_ref": "evt_missing"]) { $1 })
        }
        let read = try f.call("decision_read", ["decision_id": .string(id), "product": "orders_read_v1", "purpose": "order_support"])
        // The evidence is the single record, so `discount_pct` is at the top level, not under `record`.
        let byEvent = try f.call("decision_evaluate", base.merging(["inputs_ref": read["event_id"]!]) { $1 })
        #expect(byEvent["outcome"] == "allow")
        let byRef = try f.call("decision_evaluate", base.merging(["inputs_ref": read["data_ref"]!]) { $1 })
        #expect(byRef["outcome"] == "allow")
        let created = try f.events(id)[0]["event_id"]!
        try expectRefusal(f, code: -32602, data: "inputs_ref must reference a read event of this decision") {
            try f.call("decision_evaluate", base.merging(["inputs_ref": created]) { $1 })
        }
        #expect(try f.events(id).last!["inputs"] == JSONValue.null)
    }

    @Test("46: context is added once, immutably, with its alias", arguments: TestStore.all)
    func context(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let id = try f.open()
        let added = try f.call("decision_add_context", ["decision_id": .string(id), "payload": ["ticket": "T-1"], "summary": "ticket"])
        #expect(added["event_id"]!.s!.hasPrefix("evt_"))
        #expect(added["timestamp"] != nil)
        try expectRefusal(f, code: -32600, data: "context is required") {
            try f.call("decision_add_context", ["decision_id": .string(id), "context": [:]])
        }
        try expectRefusal(f, code: -32602, data: "context must be an object") {
            try f.call("decision_add_context", ["decision_id": .string(id), "context": "text"])
        }
        #expect(try f.events(id).last!["context"] == ["ticket": "T-1"])
    }
}
