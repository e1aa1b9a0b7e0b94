import Foundation
import Testing
import VigilCore
@testable import VigilTUI

func queueRow(_ id: String, agent: String = "agent_builder", policy: String? = "release-gate", intent: String = "deploy.release.execute",
              title: String = "Roll out api v2.3", age: TimeInterval = 30, expiresIn: TimeInterval = 600, requireRationale: Bool = false) -> ApprovalRow {
    ApprovalRow(
        id: id, decisionID: "TMEM_\(id)", agentID: agent, intent: intent, title: title, requestedAt: Timestamp.format(t0 - age),
        expiresAt: Timestamp.format(t0 + expiresIn), requireRationale: requireRationale, policy: policy)
}

func queueState(_ rows: [ApprovalRow]) -> AppState {
    var state = AppState(options: DashboardOptions(operatorName: "alice", databaseName: "vigil.db"), size: Size(columns: 120, rows: 40), now: t0)
    _ = reduce(&state, .key(.char("2")))
    _ = reduce(&state, .approvalsLoaded(rows))
    return state
}

@Suite("Reducer: the approvals queue at speed")
struct ApprovalQueueTests {
    static let rows = [
        queueRow("appr_1"), queueRow("appr_2", agent: "agent_ops", policy: "discount_cap_v1", intent: "billing.discount.grant", title: "15 % for ACME", age: 300),
        queueRow("appr_3", agent: "agent_ops", policy: nil, intent: "data.change.apply", title: "Delete stale sessions", age: 10),
        queueRow("appr_4", requireRationale: true),
    ]

    @Test("Space marks and moves down; a with marks opens one dialog naming how many, which agents and which policies")
    func markAndBulkDialog() {
        var state = queueState(Self.rows)
        _ = reduce(&state, .key(.char(" ")))
        _ = reduce(&state, .key(.char(" ")))
        _ = reduce(&state, .key(.char(" ")))
        #expect(state.marked == ["appr_1", "appr_2", "appr_3"])
        #expect(state.approvals.selectedID == "appr_4")
        _ = reduce(&state, .key(.char("k")))
        _ = reduce(&state, .key(.char(" ")))  // unmark appr_3
        #expect(state.marked == ["appr_1", "appr_2"])
        _ = reduce(&state, .key(.char("k")))
        _ = reduce(&state, .key(.char(" ")))  // mark it again
        _ = reduce(&state, .key(.char("a")))
        let dialog = try! #require(state.dialog)
        #expect(dialog.isBulk && dialog.targetIDs == ["appr_1", "appr_2", "appr_3"])
        #expect(dialog.lines[0] == "3 requests · agents: agent_ops ×2, agent_builder")
        #expect(dialog.lines[1] == "policies: discount_cap_v1, none, release-gate")
        #expect(dialog.focus == .cancel && !dialog.requireRationale)
        _ = reduce(&state, .key(.tab))
        #expect(reduce(&state, .key(.enter)) == [.resolveApprovals(ids: ["appr_1", "appr_2", "appr_3"], approve: true, rationale: nil)])
        #expect(state.dialog?.busy == true)
    }

    @Test("each row's result is reported; marks of answered requests go; nothing else is decided")
    func bulkResults() {
        var state = queueState(Self.rows)
        for _ in 0..<2 { _ = reduce(&state, .key(.char(" "))) }
        _ = reduce(&state, .key(.char("x")))
        #expect(state.dialog?.requireRationale == true, "a bulk reject needs a reason")
        for c in "too risky" { _ = reduce(&state, .key(.char(c))) }
        _ = reduce(&state, .key(.tab))
        _ = reduce(&state, .key(.tab))
        #expect(reduce(&state, .key(.enter)) == [.resolveApprovals(ids: ["appr_1", "appr_2"], approve: false, rationale: "too risky")])
        let effects = reduce(&state, .bulkFinished([
            BulkResult(id: "appr_1", refusal: nil), BulkResult(id: "appr_2", refusal: "already approved by bob at 12:00:01"),
        ]))
        #expect(effects.contains(.loadApprovals))
        #expect(state.dialog?.notice == "1 of 2 rejected; 1 not (see each row).")
        #expect(state.dialog?.lines == ["✓ appr_1  rejected", "✗ appr_2  already approved by bob at 12:00:01"])
        #expect(state.marked.isEmpty)
        #expect(reduce(&state, .key(.enter)).isEmpty && state.dialog == nil, "Enter closes the results")
    }

    @Test("a marked request that needs a rationale makes the bulk approve need one")
    func bulkRationale() {
        var state = queueState(Self.rows)
        _ = reduce(&state, .key(.char("G")))
        _ = reduce(&state, .key(.char(" ")))
        _ = reduce(&state, .key(.char("a")))
        #expect(state.dialog?.requireRationale == true && state.dialog?.focus == .field)
    }

    @Test("z snoozes the request: it leaves the queue, comes back on its own, and keeps expiring on time")
    func snooze() {
        var state = queueState(Self.rows)
        _ = reduce(&state, .key(.char("z")))
        #expect(state.dialog?.kind == .snooze && state.dialog?.rationale == "15m" && state.dialog?.focus == .field)
        for _ in 0..<3 { _ = reduce(&state, .key(.backspace)) }
        for c in "soon" { _ = reduce(&state, .key(.char(c))) }
        #expect(state.dialog?.canConfirm == false, "not a duration: refused in the dialog")
        for _ in 0..<4 { _ = reduce(&state, .key(.backspace)) }
        for c in "2m" { _ = reduce(&state, .key(.char(c))) }
        #expect(state.dialog?.snoozeSeconds == 120)
        _ = reduce(&state, .key(.tab))
        _ = reduce(&state, .key(.tab))
        #expect(reduce(&state, .key(.enter)).isEmpty, "a snooze writes nothing")
        #expect(state.dialog == nil && state.snoozed["appr_1"] == t0 + 120)
        #expect(state.approvals.rows.map(\.id) == ["appr_2", "appr_3", "appr_4"])
        #expect(state.message?.text.hasPrefix("snoozed appr_1 until") == true)
        // A reload while snoozed keeps it out.
        _ = reduce(&state, .approvalsLoaded(Self.rows))
        #expect(!state.approvals.rows.contains { $0.id == "appr_1" })
        _ = reduce(&state, .tick(t0 + 121))
        #expect(state.approvals.rows.map(\.id) == ["appr_1", "appr_2", "appr_3", "appr_4"])
        #expect(state.message?.text == "appr_1 is back from snooze")
        // A request that expired (left the store's queue) does not come back.
        var other = queueState(Self.rows)
        _ = reduce(&other, .key(.char("z")))
        _ = reduce(&other, .key(.tab)); _ = reduce(&other, .key(.tab))
        _ = reduce(&other, .key(.enter))
        _ = reduce(&other, .approvalsLoaded(Array(Self.rows.dropFirst())))
        _ = reduce(&other, .tick(t0 + 16 * 60))
        #expect(other.approvals.rows.map(\.id) == ["appr_2", "appr_3", "appr_4"])
    }

    @Test("snooze durations", arguments: [
        ("15", 900.0), ("15m", 900), ("2h", 7200), ("30s", 30), (" 1.5h ", 5400),
    ] as [(String, Double)])
    func durations(text: String, seconds: Double) {
        #expect(snoozeDuration(text) == seconds)
    }

    @Test("not snooze durations", arguments: ["", "soon", "0", "-5m", "2d", "25h", "nan"])
    func notDurations(text: String) {
        #expect(snoozeDuration(text) == nil)
    }

    @Test("the queue filters by agent, policy, intent and words, and sorts by expiry or age; a bad field is named")
    func filterAndSort() {
        var state = queueState(Self.rows)
        func filter(_ text: String) -> [String] {
            _ = reduce(&state, .key(.char("/")))
            if case .filter(let old) = state.prompt { for _ in old { _ = reduce(&state, .key(.backspace)) } }
            for c in text { _ = reduce(&state, .key(.char(c))) }
            _ = reduce(&state, .key(.enter))
            return state.approvals.rows.map(\.id)
        }
        #expect(filter("agent:ops") == ["appr_2", "appr_3"])
        #expect(filter("policy:release-gate") == ["appr_1", "appr_4"])
        #expect(filter("intent:billing.") == ["appr_2"])
        #expect(filter("stale") == ["appr_3"])
        #expect(filter("sort:age") == ["appr_2", "appr_1", "appr_4", "appr_3"])
        _ = filter("colour:red")
        #expect(state.message?.text.contains("unknown field colour:") == true)
        #expect(filter("sort:size").count == 4 && state.message?.text.contains("sort must be expiry or age") == true)
        #expect(filter("") == ["appr_1", "appr_2", "appr_3", "appr_4"])
    }
}
