import Foundation
import Testing
import VigilCore
import VigilTestSupport

@Suite("Records, search, products and capabilities (checklist 82–87)")
struct RecordSearchProductTests {
    func record(_ f: DecisionFixture, _ extra: JSONObject = [:], as agent: Principal? = nil) throws -> JSONObject {
        try f.call("decision_record", [
            "title": "Use SQLite", "category": "architecture", "context": "We need storage",
            "decision": "SQLite in WAL mode", "rationale": "one file, many readers",
        ].merging(extra) { $1 }, as: agent)
    }

    @Test("82: a record is created committed in one call", arguments: TestStore.all)
    func recordOneShot(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let result = try record(f, ["tags": ["db", "api"], "alternatives_considered": [["option": "Postgres", "rejected_because": "a server"]]])
        #expect(result["status"] == "committed")
        let id = result["decision_id"]!.s!
        #expect(try f.get(id)["intent"] == "decision.architecture.record")
        #expect(result["trace"]?["events"]?.arrayValue?.map { $0["type"]!.s! } == ["created", "context", "closed"])
        #expect(result["snapshot"]?["decision"] == "SQLite in WAL mode")
        #expect(try f.call("decision_receipt", ["decision_id": .string(id)])["final"] == true)
        try expectRefusal(f, code: -32602, data: "invalid category 'misc'") { _ = try record(f, ["category": "misc"]) }
        try expectRefusal(f, code: -32600, data: "rationale is required") {
            _ = try f.call("decision_record", ["title": "t", "category": "other", "context": "c", "decision": "d"])
        }
    }

    @Test("83: supersedes links both ways, once, within the caller's own decisions", arguments: TestStore.all)
    func supersedes(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let d1 = try record(f)["decision_id"]!.s!
        let d2 = try record(f, ["supersedes": .string(d1)])["decision_id"]!.s!
        #expect(try f.get(d1)["superseded_by"]!.s == d2)
        #expect(try f.events(d2)[0]["supersedes"]!.s == d1)
        try expectRefusal(f, code: -32603, data: "Decision '\(d1)' is already superseded by '\(d2)'") {
            _ = try record(f, ["supersedes": .string(d1)])
        }
        let foreign = try record(f, as: f.agentB)["decision_id"]!.s!
        try expectRefusal(f, code: -32603, data: "Decision '\(foreign)' not found") {
            _ = try record(f, ["supersedes": .string(foreign)])
        }
        #expect(try f.engine.verifyChain(decisionID: d1).isIntact, "superseded_by lives outside the sealed chain")
    }

    @Test("84: search by tags, text, status and limit, scoped to the caller", arguments: TestStore.all)
    func search(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let both = try record(f, ["tags": ["db", "api"]])["decision_id"]!.s!
        _ = try record(f, ["tags": ["db"], "title": "Index everything", "decision": "add indexes"])
        for _ in 0..<25 { _ = try f.open() }
        let rejected = try f.open()
        let approval = try f.call("decision_request_approval", ["decision_id": .string(rejected)])["approval_id"]!
        try f.callAsOperator("operator_approval_resolve", ["approval_id": approval, "resolution": "reject"])
        _ = try record(f, ["tags": ["db", "api"]], as: f.agentB)
        func search(_ args: JSONObject) throws -> JSONObject { try f.call("decision_search", args) }
        #expect(try search(["tags": ["db", "api"]])["results"]!.arrayValue!.map { $0["decision_id"]!.s! } == [both])
        #expect(try search([:])["results"]!.arrayValue!.count == 20)
        #expect(try search([:])["total"] == 28)
        #expect(try search(["limit": 500])["results"]!.arrayValue!.count == 28)
        try expectRefusal(f, code: -32602, data: "limit must be a positive integer") { _ = try search(["limit": 0]) }
        #expect(try search(["status": "denied"])["results"] == search(["status": "rejected"])["results"])
        #expect(try search(["status": "denied"])["results"]!.arrayValue!.map { $0["decision_id"]!.s! } == [rejected])
        let text = try search(["query": "indexes"])["results"]!.arrayValue!
        #expect(text.count == 1 && text[0]["title"] == "Index everything")
        #expect(try search(["query": "SQLite WAL"])["total"] == 1)
        #expect(try search(["query": "SQLite indexes"])["total"] == 0, "every term must match")
        #expect(try search(["query": "\"quoted"])["total"] == 0, "terms are quoted, so FTS syntax cannot break the query")
        #expect(try search(["category": "architecture"])["total"] == 2)
        let first = try search(["limit": 1])["results"]!.arrayValue![0]
        #expect(first["kind"] != nil && first["supersedes"] == JSONValue.null)
    }

    @Test("search sees each event's words once it is committed, a decision's words as one document, in both lists", arguments: TestStore.all)
    func searchFollowsEvents(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let id = try f.open()
        let other = try f.open()
        func hits(_ query: String) throws -> [String] {
            try f.call("decision_search", ["query": .string(query)])["results"]!.arrayValue!.map { $0["decision_id"]!.s! }
        }
        func operatorHits(_ text: String) throws -> [String] {
            try f.callAsOperator("operator_decisions_list", ["text": .string(text)])["decisions"]!.arrayValue!
                .map { $0["decision_id"]!.s! }
        }
        #expect(try hits("refund") == [id, other].sorted(by: >) || hits("refund").sorted() == [id, other].sorted())
        try f.call("decision_add_context", ["decision_id": .string(id), "context": ["carrier": "walrus"]])
        #expect(try hits("walrus") == [id])
        // Searched once, then more words: the next search still sees them.
        try f.call("decision_add_context", ["decision_id": .string(id), "context": ["note": "pelican"], "summary": "heron"])
        #expect(try hits("pelican") == [id])
        #expect(try hits("walrus heron") == [id], "words from different events match together")
        #expect(try operatorHits("pelican walrus") == [id])
        #expect(try hits("pelican refund").count == 1)
        try f.call("decision_add_context", ["decision_id": .string(other), "context": ["note": "walrus"]])
        #expect(try operatorHits("walrus").sorted() == [id, other].sorted())
        #expect(try hits("walrus").sorted() == [id, other].sorted())
        _ = try f.call("decision_close", ["decision_id": .string(other), "action": "abort", "reason": "osprey sighted"])
        #expect(try hits("osprey") == [other])
        #expect(try hits("walrus pelican osprey").isEmpty)
    }

    @Test("a backlog of more stale decisions than one refresh takes is rebuilt in full before the search", arguments: TestStore.all)
    func searchBacklog(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        for _ in 0..<1_201 { _ = try f.open(intent: "billing.refund.issue") }
        #expect(try f.call("decision_search", ["query": "refund"])["total"] == 1_201)
        let id = try f.open(intent: "ops.restart.service")
        #expect(try f.callAsOperator("operator_decisions_list", ["text": "restart"])["total"] == 1)
        #expect(try f.call("decision_search", ["query": "restart"])["results"]!.arrayValue!.map { $0["decision_id"]!.s! } == [id])
    }

    @Test("85: products_list shows granted products for a purpose, sorted", arguments: TestStore.all)
    func productsList(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let products = try f.call("products_list", ["purpose": "order_support"])["products"]!.arrayValue!
        #expect(products.map { $0["product_id"]!.s! } == [
            "accounts_insert", "orders_delete", "orders_insert", "orders_read_v1", "orders_update",
        ])
        #expect(products.first { $0["product_id"] == "orders_read_v1" }?["permissions"] == ["read"])
        #expect(products.first { $0["product_id"] == "orders_insert" }?["permissions"] == ["write"])
        #expect(try f.call("products_list", ["purpose": "marketing"])["products"] == .array([]))
    }

    @Test("86: product_get accepts its aliases and describes the product", arguments: TestStore.all)
    func productGet(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let canonical = try f.call("product_get", ["product": "orders_read_v1"])
        #expect(try f.call("product_get", ["name": "orders_read_v1"]) == canonical)
        #expect(try f.call("product_get", ["product_id": "orders_read_v1"]) == canonical)
        #expect(canonical["schema"]!.arrayValue!.count == 5 && canonical["exposed_schema"] == canonical["schema"])
        #expect(canonical["restrictions"]?["read"]?["max_results"] == 100)
        #expect(canonical["allowed_purposes"] == ["order_support"] && canonical["operation"] == "read")
        let insert = try f.call("product_get", ["product": "orders_insert"])
        #expect(insert["restrictions"]?["write"]?["insert_config"]?["column_config"]?["auto_generated"] == ["order_id"])
        #expect(insert["restrictions"]?["write"]?["return_created"] == true)
        try expectRefusal(f, code: -32603, data: "Data Product 'hidden_v1' not found") {
            try f.call("product_get", ["product": "hidden_v1"])
        }
    }

    @Test("87: capabilities publish grants and the receipt key", arguments: TestStore.all)
    func capabilities(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let caps = try f.call("capabilities_get", [:])
        #expect(caps["agent_id"] == "agent_a")
        #expect(caps["permissions"]?["data_products"]?.arrayValue?.count == 5)
        #expect(caps["permissions"]?["policies"]?.arrayValue?.first?["policy_id"] == "discount_cap_v1")
        #expect(caps["receipt_signing"]?["algorithm"] == "Ed25519")
        #expect(caps["receipt_signing"]?["public_key"]?.s?.count == 43)
        #expect(caps["receipt_signing"]?["key_id"]?.s?.hasPrefix("vk_") == true)
    }
}

@Suite("Policy grants")
struct PolicyGrantTests {
    @Test("an agent limited to no policies cannot evaluate one, and sees none in its capabilities", arguments: TestStore.all)
    func limited(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        try f.principals.setPolicyGrants("agent_a", [])
        let agent = try #require(try f.principals.principal("agent_a"))
        let id = try f.open()
        try expectRefusal(f, code: -32603, data: "Policy 'discount_cap_v1' not found") {
            try f.call("decision_evaluate", ["decision_id": .string(id), "policy_id": "discount_cap_v1", "inputs": [:]], as: agent)
        }
        #expect(try f.call("capabilities_get", [:], as: agent)["permissions"]?["policies"] == .array([]))
        try f.principals.setPolicyGrants("agent_a", nil)
        let restored = try #require(try f.principals.principal("agent_a"))
        #expect(try f.call("decision_evaluate", ["decision_id": .string(id), "policy_id": "discount_cap_v1", "inputs": [:]], as: restored)["outcome"] == "allow")
    }
}
