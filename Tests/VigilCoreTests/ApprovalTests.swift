import Foundation
import Testing
import VigilCore
import VigilTestSupport

@Suite("Approvals, operator side included (checklist 60–72)")
struct ApprovalTests {
    func request(_ f: DecisionFixture, _ id: String, _ extra: JSONObject = [:]) throws -> JSONObject {
        try f.call("decision_request_approval", ["decision_id": .string(id)].merging(extra) { $1 })
    }

    @Test("the operator list names the policy that last asked for an exception (the dashboard's POLICY column)", arguments: TestStore.all)
    func listNamesPolicy(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let asked = try f.open()
        let plain = try f.open()
        let evaluation = try f.call("decision_evaluate", [
            "decision_id": .string(asked), "policy_id": "discount_cap_v1", "inputs": ["record": ["discount_pct": 15]],
        ])
        #expect(evaluation["outcome"] == "requires_exception")
        let rows = try f.callAsOperator("operator_decisions_list", [:])["decisions"]!.arrayValue!
        #expect(rows.first { $0["decision_id"]?.stringValue == asked }?["policy"] == "discount_cap_v1")
        #expect(rows.first { $0["decision_id"]?.stringValue == plain }?["policy"] == .null)
    }

    @Test("60–62: a request is delivered, blocks a second one and accepts description", arguments: TestStore.all)
    func requestFlow(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let id = try f.open()
        let approval = try request(f, id, ["description": "why", "kind": "exception"])
        let approvalID = approval["approval_id"]!.s!
        #expect(approvalID.hasPrefix("appr_"))
        #expect(approval["status"] == "pending")
        #expect(approval["delivery"]?["status"] == "delivered")
        let d = try f.get(id)
        #expect(d["status"] == "needs_approval" && d["approval_status"] == "pending" && d["approval_id"]!.s == approvalID)
        try expectRefusal(f, code: -32603, data: "Decision '\(id)' already has a pending approval (approval_id: \(approvalID))") {
            _ = try request(f, id)
        }
        let listed = try f.callAsOperator("operator_approvals_list", [:])["approvals"]!.arrayValue!
        #expect(listed.count == 1)
        #expect(listed[0]["message"] == "why")
        #expect(listed[0]["title"] == "billing.refund.issue")
    }

    @Test("63: expiry bounds and unknown routes", arguments: TestStore.all)
    func requestValidation(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let id = try f.open()
        try expectRefusal(f, code: -32602, data: "expires_in_seconds must be between 60 and 604800") {
            _ = try request(f, id, ["expires_in_seconds": 10])
        }
        try expectRefusal(f, code: -32603, data: "Approval route 'nope' not found") {
            _ = try request(f, id, ["approval_route_id": "nope"])
        }
    }

    @Test("64: an operator approves; the trace records who and why", arguments: TestStore.all)
    func approve(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let id = try f.open()
        let approvalID = try request(f, id)["approval_id"]!
        let result = try f.callAsOperator("operator_approval_resolve", ["approval_id": approvalID, "resolution": "approve", "rationale": "ok"])
        #expect(result["status"] == "approved" && result["resolved_by"] == "op_o" && result["decision_status"] == "approved")
        let event = try f.events(id).last!
        #expect(event["type"] == "approval_resolved" && event["actor"] == "op_o" && event["rationale"] == "ok")
    }

    @Test("65: a rejection blocks commit but allows abort", arguments: TestStore.all)
    func reject(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let id = try f.open()
        let approvalID = try request(f, id)["approval_id"]!
        let result = try f.callAsOperator("operator_approval_resolve", ["approval_id": approvalID, "resolution": "denied"])
        #expect(result["status"] == "rejected")
        let d = try f.get(id)
        #expect(d["status"] == "rejected" && d["approval_status"] == "rejected")
        try expectRefusal(f, code: -32603, data: "Cannot commit Decision '\(id)': approval was rejected") {
            try f.call("decision_close", ["decision_id": .string(id), "action": "commit"])
        }
        #expect(try f.call("decision_close", ["decision_id": .string(id), "action": "abort"])["status"] == "aborted")
    }

    @Test("66–67: resolutions are final; a required rationale is enforced", arguments: TestStore.all)
    func finality(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let id = try f.open()
        let approvalID = try request(f, id, ["require_rationale": true])["approval_id"]!.s!
        try expectRefusal(f, code: -32602, data: "rationale is required for this approval") {
            try f.callAsOperator("operator_approval_resolve", ["approval_id": .string(approvalID), "resolution": "approve"])
        }
        #expect(try f.get(id)["approval_status"] == "pending")
        try f.callAsOperator("operator_approval_resolve", ["approval_id": .string(approvalID), "resolution": "approve", "rationale": "fine"])
        try expectRefusal(f, code: -32603, data: "Approval '\(approvalID)' is already resolved (status: approved)") {
            try f.callAsOperator("operator_approval_resolve", ["approval_id": .string(approvalID), "resolution": "reject", "rationale": "late"])
        }
    }

    @Test("68: an approval past its deadline expires lazily, whatever the sweep does", arguments: TestStore.all)
    func expiry(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let id = try f.open()
        let approval = try request(f, id, ["expires_in_seconds": 60])
        let approvalID = approval["approval_id"]!.s!
        f.clock.advance(by: 61)
        let d = try f.get(id)
        #expect(d["status"] == "rejected" && d["approval_status"] == "expired")
        let event = try f.events(id).last!
        #expect(event["type"] == "approval_resolved" && event["status"] == "expired")
        #expect(event["resolved_by"] == "system:expiry" && event["rationale"] == "expired")
        #expect(event["resolved_at"] == approval["expires_at"] && event["timestamp"] == approval["expires_at"])
        try expectRefusal(f, code: -32603, data: "Approval '\(approvalID)' is already resolved (status: expired)") {
            try f.callAsOperator("operator_approval_resolve", ["approval_id": .string(approvalID), "resolution": "approve"])
        }
        #expect(try f.engine.sweepExpiredApprovals() == 0, "already expired once")
    }

    @Test("68: the sweep expires approvals nobody looked at", arguments: TestStore.all)
    func sweep(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let id = try f.open()
        _ = try request(f, id, ["expires_in_seconds": 60])
        f.clock.advance(by: 120)
        #expect(try f.engine.sweepExpiredApprovals() == 1)
        #expect(try f.callAsOperator("operator_approvals_list", ["status": "expired"])["total"] == 1)
    }

    @Test("69: aborting with a pending approval rejects it first", arguments: TestStore.all)
    func abortPending(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let id = try f.open()
        let approvalID = try request(f, id)["approval_id"]!
        try f.call("decision_close", ["decision_id": .string(id), "action": "abort"])
        let listed = try f.callAsOperator("operator_approvals_list", ["status": "rejected"])["approvals"]!.arrayValue!
        #expect(listed.count == 1 && listed[0]["approval_id"] == approvalID && listed[0]["resolved_by"] == "system:abort")
        let events = try f.events(id)
        #expect(events.suffix(2).map { $0["type"]!.s! } == ["approval_resolved", "closed"])
        #expect(events[events.count - 2]["rationale"] == "decision aborted")
    }

    @Test("70: bad resolutions, unknown approvals and a mismatched operator", arguments: TestStore.all)
    func resolveValidation(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let id = try f.open()
        let approvalID = try request(f, id)["approval_id"]!
        try expectRefusal(f, code: -32602, data: "invalid resolution 'maybe'") {
            try f.callAsOperator("operator_approval_resolve", ["approval_id": approvalID, "resolution": "maybe"])
        }
        try expectRefusal(f, code: -32603, data: "Approval 'appr_nope' not found") {
            try f.callAsOperator("operator_approval_resolve", ["approval_id": "appr_nope", "resolution": "approve"])
        }
        try expectRefusal(f, code: -32602, data: "operator_id does not match the calling key") {
            try f.callAsOperator("operator_approval_resolve", ["approval_id": approvalID, "resolution": "approve", "operator_id": "op_other"])
        }
        try expectRefusal(f, code: -32603, data: "Permission denied: operator role required") {
            try f.call("operator_approval_resolve", ["approval_id": approvalID, "resolution": "approve"])
        }
        try expectRefusal(f, code: -32603, data: "Permission denied: operator keys cannot call agent tools") {
            try f.callAsOperator("decision_create", ["intent": "x", "automation_mode": "autonomous"])
        }
    }

    @Test("71: the queue lists pending approvals oldest first, and filters by status", arguments: TestStore.all)
    func queueOrder(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        var ids: [String] = []
        for _ in 0..<3 {
            ids.append(try request(f, try f.open())["approval_id"]!.s!)
            f.clock.advance(by: 1)
        }
        try f.callAsOperator("operator_approval_resolve", ["approval_id": .string(ids[1]), "resolution": "approve"])
        let pending = try f.callAsOperator("operator_approvals_list", [:])
        #expect(pending["approvals"]!.arrayValue!.map { $0["approval_id"]!.s! } == [ids[0], ids[2]])
        let approved = try f.callAsOperator("operator_approvals_list", ["status": "approved"])
        #expect(approved["approvals"]!.arrayValue!.map { $0["approval_id"]!.s! } == [ids[1]])
        f.clock.advance(by: 4000)
        #expect(try f.callAsOperator("operator_approvals_list", [:])["total"] == 0, "expired before listing")
        #expect(try f.callAsOperator("operator_approvals_list", ["status": "expired"])["total"] == 2)
    }

    @Test("72: operator decision filters combine with AND", arguments: TestStore.all)
    func decisionFilters(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let a1 = try f.open(intent: "billing.refund.issue")
        try f.call("decision_add_context", ["decision_id": .string(a1), "context": ["note": "customer wants a refund"]])
        let a2 = try f.open(intent: "billing.invoice.send")
        _ = try request(f, a2)
        let b1 = try f.open(intent: "billing.refund.issue", as: f.agentB)
        let other = try f.open(intent: "deploy.release.execute")
        func ids(_ args: JSONObject) throws -> Set<String> {
            Set(try f.callAsOperator("operator_decisions_list", args)["decisions"]!.arrayValue!.map { $0["decision_id"]!.s! })
        }
        #expect(try ids(["status": "needs_approval"]) == [a2])
        #expect(try ids(["agent": "agent_b"]) == [b1])
        #expect(try ids(["intent_prefix": "billing."]) == [a1, a2, b1])
        #expect(try ids(["intent_prefix": "BILLING."]).isEmpty, "the prefix is case-sensitive")
        #expect(try ids(["text": "refund"]) == [a1, b1])
        #expect(try ids(["text": "refund", "agent": "agent_a"]) == [a1])
        #expect(try ids(["intent_prefix": "billing.", "status": ["open"]]) == [a1, b1])
        #expect(try ids([:]).count == 4)
        _ = other
        let pending = try f.callAsOperator("operator_decisions_list", ["status": "needs_approval"])["decisions"]!.arrayValue![0]
        #expect(pending["pending_approval_id"]!.s!.hasPrefix("appr_"))
    }

    @Test("operator_agents_list: every principal with its counts, never a key; agents cannot call it", arguments: TestStore.all)
    func agentsList(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let open = try f.open()
        _ = open
        let waiting = try f.open()
        _ = try request(f, waiting)
        try f.principals.setActive(f.agentB.principalID, false)
        let result = try f.callAsOperator("operator_agents_list", [:])
        let agents = try #require(result["agents"]?.arrayValue)
        #expect(result["total"] == .int(Int64(agents.count)))
        let byID = Dictionary(uniqueKeysWithValues: agents.map { ($0["agent_id"]!.s!, $0) })
        #expect(Set(byID.keys) == ["agent_a", "agent_b", "op_o"])
        let a = try #require(byID["agent_a"])
        #expect(a["kind"] == "agent" && a["status"] == "active")
        #expect(a["open"] == 2 && a["pending"] == 1 && a["decisions"] == 2)
        #expect(a["last_seen"]?.stringValue?.isEmpty == false)
        #expect(byID["agent_b"]?["status"] == "disabled" && byID["agent_b"]?["decisions"] == 0)
        #expect(byID["agent_b"]?["last_seen"] == .null)
        #expect(byID["op_o"]?["kind"] == "operator")
        let text = JSONValue.object(result).canonicalText
        #expect(!text.contains(f.keyA) && !text.contains(Encoding.sha256Hex(f.keyA)), "no key or key hash is listed")
        #expect(throws: DecisionError.operatorRoleRequired) { try f.call("operator_agents_list", [:]) }
    }

    @Test("operator_memories_list: newest first, inactive included, with status and salience; bad filters are named; agents cannot call it", arguments: TestStore.all)
    func memoriesList(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let memory = MemoryEngine(store: f.store, clock: f.clock)
        func fact(_ object: String, sensitivity: String = "low") throws -> String {
            var o = IngestObservationRequest()
            o.source = "t"; o.subject = "svc"; o.predicate = "runs"; o.object = JSONValue.string(object).canonicalBytes
            o.sensitivity = sensitivity
            return try memory.ingestObservation(o).id
        }
        let first = try fact("v1")
        let retracted = try fact("v2")
        try memory.retract(id: retracted, by: RevisionActor(actor: "op_o", rationale: "wrong"))
        let secret = try fact("v3 secret", sensitivity: "high")
        let all = try f.callAsOperator("operator_memories_list", [:])["memories"]!.arrayValue!
        #expect(all.map { $0["id"]!.s! } == [secret, retracted, first])
        #expect(all[1]["status"] == "retracted" && all[1]["salience"]?.numberValue == 0 && all[1]["summary"] == "svc runs v2")
        #expect(all[2]["status"] == "active" && all[2]["type"] == "semantic" && all[2]["sensitivity"] == "low")
        let medium = try f.callAsOperator("operator_memories_list", ["max_sensitivity": "medium", "min_salience": 0.5, "text": "svc runs"])
        #expect(medium["memories"]!.arrayValue!.map { $0["id"]!.s! } == [first])
        #expect(try f.callAsOperator("operator_memories_list", ["limit": 1])["memories"]!.arrayValue!.count == 1)
        #expect(throws: DecisionError.invalidArgument("invalid memory type 'facts' (one of working, semantic, competence, plan_graph, episodic)")) {
            try f.callAsOperator("operator_memories_list", ["types": ["facts"]])
        }
        #expect(throws: DecisionError.invalidArgument("invalid max_sensitivity 'secret' (one of public, low, medium, high, hyper)")) {
            try f.callAsOperator("operator_memories_list", ["max_sensitivity": "secret"])
        }
        #expect(throws: DecisionError.invalidArgument("min_salience must be a number between 0 and 1")) {
            try f.callAsOperator("operator_memories_list", ["min_salience": 2])
        }
        #expect(throws: DecisionError.operatorRoleRequired) { try f.call("operator_memories_list", [:]) }
    }

    @Test("operator_memory_reveal: the payload after an audit entry naming the operator; off by config; agents cannot call it", arguments: TestStore.all)
    func memoryReveal(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let memory = MemoryEngine(store: f.store, clock: f.clock)
        var o = IngestObservationRequest()
        o.source = "t"; o.subject = "vault"; o.predicate = "holds"; o.object = JSONValue.string("the key").canonicalBytes
        o.sensitivity = "hyper"
        let id = try memory.ingestObservation(o).id
        let result = try f.callAsOperator("operator_memory_reveal", ["memory_id": .string(id), "rationale": "audit request 7"])
        #expect(result["payload"]?["object"] == "the key" && result["revealed_by"] == "op_o" && result["sensitivity"] == "hyper")
        #expect(try memory.record(id)?.auditLog.last?.rationale == "audit request 7")
        #expect(throws: DecisionError.missingArgument("rationale is required")) {
            try f.callAsOperator("operator_memory_reveal", ["memory_id": .string(id)])
        }
        #expect(throws: DecisionError.operatorRoleRequired) { try f.call("operator_memory_reveal", ["memory_id": .string(id), "rationale": "x"]) }
        var config = f.config
        config.allowReveal = false
        let closed = try DecisionEngine(store: f.store, config: config, clock: f.clock)
        #expect(throws: DecisionError.invalidArgument("reveal is turned off on this server (dashboard.allow_reveal = false)")) {
            try closed.call(tool: "operator_memory_reveal", arguments: ["memory_id": .string(id), "rationale": "x"], caller: .operator("op_o"))
        }
        #expect(try VigilConfig(toml: "[dashboard]\nallow_reveal = false\n").allowReveal == false)
    }

    @Test("concurrent resolutions: exactly one wins", arguments: TestStore.all)
    func concurrentResolutions(store: TestStore) async throws {
        let f = try DecisionFixture(store: store)
        let id = try f.open()
        let approvalID = try request(f, id)["approval_id"]!
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for resolution in ["approve", "reject", "approve", "reject"] {
                group.addTask {
                    (try? f.callAsOperator("operator_approval_resolve", ["approval_id": approvalID, "resolution": .string(resolution)])) != nil
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1)
        #expect(try f.events(id).filter { $0["type"] == "approval_resolved" }.count == 1)
    }
}
