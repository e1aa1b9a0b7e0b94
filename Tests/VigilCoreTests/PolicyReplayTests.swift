import Foundation
import Testing
import VigilCore
import VigilTestSupport

@Suite("Policy what-if replay")
struct PolicyReplayTests {
    /// The fixture's rules with the review threshold raised from 10 % to 20 %.
    static let newRules = DecisionFixture.configTOML.replacingOccurrences(
        of: #"op = "gt", value = 10 }"#, with: #"op = "gt", value = 20 }"#)

    @Test("stored evaluations re-run under new rules: what changes, the counts per policy, and what cannot be replayed and why",
          arguments: TestStore.all)
    func replay(store: TestStore) throws {
        #expect(Self.newRules != DecisionFixture.configTOML)
        let f = try DecisionFixture(store: store)
        func evaluate(_ record: JSONObject) throws -> String {
            let id = try f.open(intent: "billing.discount.grant")
            try f.call("decision_evaluate", [
                "decision_id": .string(id), "policy_id": "discount_cap_v1", "inputs": ["record": .object(record)],
            ])
            return id
        }
        let low = try evaluate(["discount_pct": 5])
        let mid = try evaluate(["discount_pct": 15])
        _ = try evaluate(["discount_pct": 40])
        let secret = try evaluate(["discount_pct": 15, "api_key": "sk-live-123"])
        // A write with an implicit evaluation of the product's policy, then an evaluation by reference to a read.
        let writer = try f.open()
        try f.call("decision_write", [
            "decision_id": .string(writer), "product": "orders_insert", "purpose": "order_support",
            "mutation": ["data": ["customer_id": "c1", "amount": 12.5, "discount_pct": 5]],
        ])
        try f.call("decision_close", ["decision_id": .string(writer), "action": "commit"])
        let reader = try f.open()
        let read = try f.call("decision_read", ["decision_id": .string(reader), "product": "orders_read_v1", "purpose": "order_support"])
        try f.call("decision_evaluate", ["decision_id": .string(reader), "policy_id": "discount_cap_v1", "inputs_ref": read["data_ref"]!])

        let report = try f.engine.replayPolicies(try VigilConfig(toml: Self.newRules))
        #expect(report.total == 6)
        #expect(report.replayed == 5)
        let changed = Set(report.changes.map(\.evaluation.decisionID))
        #expect(changed == [mid], "15 % no longer needs review; 5 %, 40 %, the write's 5 % and the read's record are unchanged")
        let change = try #require(report.changes.first { $0.evaluation.decisionID == mid })
        #expect(change.evaluation.outcome == .requiresException && change.evaluation.ruleID == "needs_review")
        #expect(change.after.outcome == .allow && change.after.ruleID == "default")
        #expect(change.evaluation.agentID == "agent_a" && change.evaluation.intent == "billing.discount.grant")
        #expect(report.tallies["discount_cap_v1"] == ["unchanged": 4, "requires_exception → allow": 1])
        let skipped = try #require(report.skipped.first)
        #expect(report.skipped.count == 1 && skipped.evaluation.decisionID == secret)
        #expect(skipped.reason.contains("redacted or cut when stored"))
        _ = low

        // Only one policy, only recent evaluations, and rules that lack the policy.
        #expect(try f.engine.replayPolicies(try VigilConfig(toml: Self.newRules), policyID: "hidden_v1").total == 0)
        let later = Timestamp.format(f.clock.now().addingTimeInterval(1))
        #expect(try f.engine.replayPolicies(try VigilConfig(toml: Self.newRules), since: later).total == 0)
        let without = try f.engine.replayPolicies(VigilConfig())
        #expect(without.replayed == 0 && without.skipped.count == 6)
        #expect(without.skipped.filter { $0.reason == "policy discount_cap_v1 is not in the new configuration" }.count == 5)
        // The old rules change nothing.
        #expect(try f.engine.replayPolicies(f.config).changes.isEmpty)
    }

    @Test("replay reads every page: more evaluations than one page holds", arguments: TestStore.all)
    func pages(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let id = try f.open()
        for i in 0..<2100 {
            try f.call("decision_evaluate", [
                "decision_id": .string(id), "policy_id": "discount_cap_v1", "inputs": ["record": ["discount_pct": .int(Int64(i % 20))]],
            ])
        }
        let report = try f.engine.replayPolicies(try VigilConfig(toml: Self.newRules))
        #expect(report.total == 2100 && report.replayed == 2100)
        // 11…19 % moved from review to allow: 9 of every 20.
        #expect(report.changes.count == 105 * 9)
    }
}
