import Foundation
import Testing
import VigilCore
@testable import VigilTUI

let t0 = Date(timeIntervalSince1970: 1_767_780_000)

func pendingApproval(_ id: String = "appr_1", requireRationale: Bool = false, expiresIn: TimeInterval = 600) -> ApprovalRow {
    ApprovalRow(
        id: id, decisionID: "TMEM_\(id)", agentID: "agent_builder", intent: "deploy.release.execute", title: "Roll out api v2.3",
        requestedAt: Timestamp.format(t0 - 30), expiresAt: Timestamp.format(t0 + expiresIn), requireRationale: requireRationale,
        policy: "release-gate", policyMessage: "prod deploys need a human")
}

func decision(_ n: Int, status: DecisionStatus = .open) -> DecisionRow {
    DecisionRow(id: "TMEM_\(String(format: "%04d", n))", agentID: "agent_a", intent: "data.change.apply", status: status,
                mode: .autonomous, createdAt: Timestamp.format(t0 - TimeInterval(n)))
}

func pendingState(_ approval: ApprovalRow = pendingApproval(), readOnly: Bool = false) -> AppState {
    var state = AppState(options: DashboardOptions(operatorName: "alice", databaseName: "vigil.db", readOnly: readOnly),
                         size: Size(columns: 120, rows: 40), now: t0)
    _ = reduce(&state, .key(.char("2")))
    _ = reduce(&state, .approvalsLoaded([approval]))
    return state
}

@Suite("Reducer: approving and rejecting")
struct ApprovalDialogTests {
    @Test("a opens the dialog with focus on Cancel; Enter straight away cancels and decides nothing")
    func enterAfterACancels() {
        var state = pendingState()
        #expect(reduce(&state, .key(.char("a"))).isEmpty)
        #expect(state.dialog?.focus == .cancel)
        #expect(state.dialog?.kind == .approve)
        #expect(reduce(&state, .key(.enter)).isEmpty)
        #expect(state.dialog == nil)
    }

    @Test("confirming takes a deliberate move to the confirm button")
    func tabThenEnterApproves() {
        var state = pendingState()
        _ = reduce(&state, .key(.char("a")))
        _ = reduce(&state, .key(.tab))
        #expect(state.dialog?.focus == .confirm)
        #expect(reduce(&state, .key(.enter)) == [.resolveApproval(id: "appr_1", approve: true, rationale: nil)])
        #expect(state.dialog?.busy == true)
    }

    @Test("reject requires a rationale: focus starts in the field and confirm stays off until it is not blank")
    func rejectNeedsRationale() {
        var state = pendingState()
        _ = reduce(&state, .key(.char("x")))
        #expect(state.dialog?.focus == .field)
        #expect(state.dialog?.canConfirm == false)
        _ = reduce(&state, .key(.enter))  // Enter in the field moves to Cancel
        #expect(state.dialog?.focus == .cancel)
        _ = reduce(&state, .key(.tab))
        #expect(reduce(&state, .key(.enter)).isEmpty, "confirm is disabled while the rationale is blank")
        _ = reduce(&state, .key(.tab))  // back to the field
        for c in "too risky" { _ = reduce(&state, .key(.char(c))) }
        _ = reduce(&state, .key(.enter))
        _ = reduce(&state, .key(.tab))
        #expect(reduce(&state, .key(.enter)) == [.resolveApproval(id: "appr_1", approve: false, rationale: "too risky")])
    }

    @Test("Esc never decides, whatever has been typed")
    func escapeCancels() {
        var state = pendingState()
        _ = reduce(&state, .key(.char("x")))
        for c in "no" { _ = reduce(&state, .key(.char(c))) }
        #expect(reduce(&state, .key(.esc)).isEmpty)
        #expect(state.dialog == nil)
    }

    @Test("a route that requires a rationale starts approve in the field; S-Tab from Cancel goes back to it")
    func approveWithRequiredRationale() {
        var state = pendingState(pendingApproval(requireRationale: true))
        _ = reduce(&state, .key(.char("a")))
        #expect(state.dialog?.focus == .field)
        _ = reduce(&state, .key(.enter))
        _ = reduce(&state, .key(.backTab))
        #expect(state.dialog?.focus == .field)
    }

    @Test("read-only mode: a opens nothing and says why")
    func readOnly() {
        var state = pendingState(readOnly: true)
        #expect(reduce(&state, .key(.char("a"))).isEmpty)
        #expect(state.dialog == nil)
        #expect(state.message?.text.contains("read-only") == true)
    }

    @Test("expiry while the dialog is open turns confirm off with a notice")
    func expiryDuringDialog() {
        var state = pendingState(pendingApproval(expiresIn: 5))
        _ = reduce(&state, .key(.char("a")))
        _ = reduce(&state, .tick(t0 + 6))
        #expect(state.dialog?.notice?.contains("expired") == true)
        #expect(state.dialog?.canConfirm == false)
        _ = reduce(&state, .key(.tab))
        #expect(reduce(&state, .key(.enter)).isEmpty)
    }

    @Test("a refusal from the store turns the dialog into a notice; success closes it and refreshes")
    func storeAnswers() {
        var state = pendingState()
        _ = reduce(&state, .key(.char("a")))
        _ = reduce(&state, .actionFinished(targetID: "appr_1", refusal: "Already approved by bob.", message: ""))
        #expect(state.dialog?.notice == "Already approved by bob.")
        _ = reduce(&state, .key(.enter))
        #expect(state.dialog == nil)
        _ = reduce(&state, .key(.char("a")))
        let effects = reduce(&state, .actionFinished(targetID: "appr_1", refusal: nil, message: "appr_1 approved by alice"))
        #expect(state.dialog == nil)
        #expect(effects.contains(.loadApprovals))
        #expect(state.message?.text == "appr_1 approved by alice")
    }
}

@Suite("Reducer: live lists")
struct LiveListTests {
    func decisionsState() -> AppState {
        var state = AppState(options: DashboardOptions(operatorName: "alice", databaseName: "vigil.db"), size: Size(columns: 120, rows: 40), now: t0)
        _ = reduce(&state, .decisionsLoaded((1...20).map { decision($0) }, appended: false, hasMore: false))
        return state
    }

    @Test("scrolled away, rows arriving above the cursor keep the selected id on the same screen line and count as new")
    func rowsNeverJump() {
        var state = AppState(options: DashboardOptions(operatorName: "alice", databaseName: "vigil.db"), size: Size(columns: 120, rows: 20), now: t0)
        _ = reduce(&state, .decisionsLoaded((1...60).map { decision($0) }, appended: false, hasMore: false))
        for _ in 0..<30 { _ = reduce(&state, .key(.char("j"))) }
        #expect(state.decisions.top > 0)
        let selected = state.decisions.selectedID
        let line = state.decisions.selectedIndex! - state.decisions.top
        _ = reduce(&state, .decisionsLoaded([decision(-2), decision(-1), decision(0)] + (1...60).map { decision($0) }, appended: false, hasMore: false))
        #expect(state.decisions.selectedID == selected)
        #expect(state.decisions.selectedIndex! - state.decisions.top == line)
        #expect(state.decisions.newCount == 3)
        _ = reduce(&state, .key(.char("g")))
        #expect(state.decisions.newCount == 0)
        #expect(state.decisions.selectedIndex == 0)
    }

    @Test("at the head, new decisions appear at the top and the selection keeps its id")
    func headShowsNewRows() {
        var state = decisionsState()
        let selected = state.decisions.selectedID
        _ = reduce(&state, .decisionsLoaded([decision(0)] + (1...20).map { decision($0) }, appended: false, hasMore: false))
        #expect(state.decisions.top == 0)
        #expect(state.decisions.rows.first?.id == decision(0).id)
        #expect(state.decisions.selectedID == selected)
        #expect(state.decisions.newCount == 0)
    }

    @Test("when the selected row leaves, the cursor stays on its line, now holding the next row")
    func selectedRowLeaves() {
        var state = decisionsState()
        _ = reduce(&state, .key(.char("j")))
        _ = reduce(&state, .decisionsLoaded([decision(1)] + (3...20).map { decision($0) }, appended: false, hasMore: false))
        #expect(state.decisions.selectedID == decision(3).id)
    }

    @Test("while paused lists do not change, but the pending count and the bell still do")
    func pause() {
        var state = decisionsState()
        state.options.bell = true
        _ = reduce(&state, .key(.char("p")))
        #expect(state.paused)
        _ = reduce(&state, .decisionsLoaded([decision(0)] + (1...20).map { decision($0) }, appended: false, hasMore: false))
        #expect(state.decisions.rows.count == 20)
        #expect(state.decisions.newCount == 1)
        _ = reduce(&state, .pendingLoaded(count: 0, ids: []))
        #expect(reduce(&state, .pendingLoaded(count: 1, ids: ["appr_9"])) == [.bell])
        #expect(state.pendingCount == 1)
        #expect(reduce(&state, .pendingLoaded(count: 2, ids: ["appr_9", "appr_10"])).isEmpty, "the bell rings at most every 10 s")
        state.now = t0 + 11
        #expect(reduce(&state, .pendingLoaded(count: 3, ids: ["appr_9", "appr_10", "appr_11"])) == [.bell])
    }

    @Test("requests already pending at start-up do not ring")
    func noBellAtStartup() {
        var state = decisionsState()
        state.options.bell = true
        #expect(reduce(&state, .pendingLoaded(count: 2, ids: ["a", "b"])).isEmpty)
        #expect(state.pendingFlashUntil == nil)
    }

    @Test("moving near the end of what is loaded fetches the next page after the last row")
    func keysetPaging() {
        var state = AppState(options: DashboardOptions(operatorName: "alice", databaseName: "vigil.db"), size: Size(columns: 120, rows: 40), now: t0)
        _ = reduce(&state, .decisionsLoaded((1...40).map { decision($0) }, appended: false, hasMore: true))
        var effects: [Effect] = []
        for _ in 0..<30 { effects += reduce(&state, .key(.down)) }
        let last = decision(40)
        #expect(effects.contains(.loadDecisions(after: .init(createdAt: last.createdAt, id: last.id), filter: nil)))
    }
}

@Suite("Filters and keymap")
struct FilterAndKeymapTests {
    @Test("memory filter syntax", arguments: [
        ("type:semantic sens:<=medium sal:>0.5 deploy window", true),
        ("deploy", true),
        ("type:nonsense", false),
        ("sens:secret", false),
        ("colour:red", false),
    ])
    func memoryFilter(input: String, valid: Bool) {
        let result = MemoryQuery.parse(input)
        if valid {
            guard case .success = result else { Issue.record("\(input) should parse"); return }
        } else {
            guard case .failure = result else { Issue.record("\(input) should be refused"); return }
        }
    }

    @Test("a parsed memory filter carries its parts")
    func memoryFilterParts() throws {
        let query = try MemoryQuery.parse("type:semantic sens:<=medium sal:>0.5 deploy window").get()
        #expect(query.types == [.semantic])
        #expect(query.maxSensitivity == .medium)
        #expect(query.minSalience == 0.5)
        #expect(query.text == "deploy window")
    }

    @Test("a keymap file replaces an action's keys, and the user's key wins in its context")
    func keymapRebinds() throws {
        let keymap = try Keymap.load(text: "[approvals]\nreject = [\"R\"]\napprove = [\"x\"]\n", path: "keymap.toml")
        #expect(keymap.keys(.reject) == [.char("R")])
        #expect(keymap.action(for: .char("x"), in: [.list, .approvals]) == .approve)
        #expect(keymap.changed == [.reject, .approve])
    }

    @Test("keymap errors name the file and suggest the nearest action", arguments: [
        ("[approvals]\naprove = [\"a\"]\n", "did you mean \"approve\""),
        ("[aprovals]\napprove = [\"a\"]\n", "did you mean [approvals]"),
        ("[approvals]\napprove = [\"C-Enter\"]\n", "not bindable"),
        ("[approvals]\napprove = [\"a\"]\nreject = [\"a\"]\n", "bound to both"),
    ])
    func keymapErrors(text: String, expected: String) {
        do {
            _ = try Keymap.load(text: text, path: "keymap.toml")
            Issue.record("expected an error for \(text)")
        } catch {
            #expect("\(error)".contains("keymap.toml"))
            #expect("\(error)".contains(expected), "\(error)")
        }
    }
}

@Suite("Reducer: memory relations")
struct RelationNavigationTests {
    func detail(_ id: String, relations: [MemoryDetail.Relation]) -> Detail {
        .memory(MemoryDetail(
            row: MemoryRow(id: id, type: .semantic, salience: 0.5, sensitivity: .low, status: .active, summary: id), confidence: 1,
            scope: "", tags: [], createdAt: "", provenance: [], payload: [], relations: relations, audit: [], decisions: []))
    }

    @Test("j/k walk a record's relations, Enter follows the one under the cursor, Esc comes back, cycles pop the trail")
    func followAndBack() {
        var state = AppState(options: DashboardOptions(operatorName: "alice", databaseName: "vigil.db"), size: Size(columns: 120, rows: 40), now: t0)
        _ = reduce(&state, .key(.char("3")))
        _ = reduce(&state, .memoryLoaded([MemoryRow(id: "m1", type: .semantic, salience: 0.5, sensitivity: .low, status: .active, summary: "a")]))
        _ = reduce(&state, .detailLoaded(detail("m1", relations: [
            .init(predicate: "derived_from", targetID: "remote:x", inStore: false), .init(predicate: "supersedes", targetID: "m2", inStore: true),
        ])))
        _ = reduce(&state, .key(.tab))
        #expect(reduce(&state, .key(.enter)).isEmpty, "a target outside the store is not followed")
        #expect(state.message?.text.contains("not in this store") == true)
        _ = reduce(&state, .key(.char("j")))
        #expect(state.relationIndex == 1)
        #expect(reduce(&state, .key(.enter)) == [.loadMemoryDetail("m2")])
        #expect(state.trail == ["m2"])
        _ = reduce(&state, .detailLoaded(detail("m2", relations: [.init(predicate: "superseded_by", targetID: "m3", inStore: true)])))
        _ = reduce(&state, .key(.enter))
        #expect(state.trail == ["m2", "m3"])
        _ = reduce(&state, .detailLoaded(detail("m3", relations: [.init(predicate: "related", targetID: "m2", inStore: true)])))
        _ = reduce(&state, .key(.enter))
        #expect(state.trail == ["m2"], "following a link to a record already on the trail pops back to it")
        #expect(reduce(&state, .key(.esc)) == [.loadMemoryDetail("m1")])
        #expect(state.trail.isEmpty)
    }
}

@Suite("Reducer: memory actions")
struct MemoryActionTests {
    func memoryState(readOnly: Bool = false) -> AppState {
        var state = AppState(options: DashboardOptions(operatorName: "alice", databaseName: "vigil.db", readOnly: readOnly),
                             size: Size(columns: 120, rows: 40), now: t0)
        _ = reduce(&state, .key(.char("3")))
        _ = reduce(&state, .memoryLoaded([MemoryRow(id: "m1", type: .semantic, salience: 0.5, sensitivity: .low, status: .active, summary: "a")]))
        return state
    }

    @Test("+ and - confirm first (focus on Cancel); x and c need a rationale", arguments: [
        (KeyEvent.char("+"), DialogKind.reinforce, false), (.char("-"), .penalize, false), (.char("x"), .retract, true), (.char("c"), .contest, true),
    ])
    func confirmBeforeActing(key: KeyEvent, kind: DialogKind, needsRationale: Bool) {
        var state = memoryState()
        #expect(reduce(&state, .key(key)).isEmpty, "nothing happens before the confirmation")
        #expect(state.dialog?.kind == kind)
        #expect(state.dialog?.focus == (needsRationale ? .field : .cancel))
        if needsRationale { for c in "stale" { _ = reduce(&state, .key(.char(c))) } ; _ = reduce(&state, .key(.enter)) }
        _ = reduce(&state, .key(.tab))
        #expect(reduce(&state, .key(.enter)) == [.memoryAction(kind: kind, id: "m1", rationale: needsRationale ? "stale" : "")])
    }

    @Test("read-only mode refuses memory actions")
    func readOnly() {
        var state = memoryState(readOnly: true)
        #expect(reduce(&state, .key(.char("+"))).isEmpty)
        #expect(state.dialog == nil)
        #expect(state.message?.text.contains("read-only") == true)
    }
}

@Suite("Reducer: reveal, audited")
struct RevealTests {
    func revealState(sensitivity: Sensitivity = .high, readOnly: Bool = false, allowReveal: Bool = true) -> AppState {
        var state = AppState(
            options: DashboardOptions(operatorName: "alice", databaseName: "vigil.db", readOnly: readOnly, allowReveal: allowReveal),
            size: Size(columns: 120, rows: 40), now: t0)
        _ = reduce(&state, .key(.char("3")))
        let row = MemoryRow(id: "m1", type: .semantic, salience: 0.5, sensitivity: sensitivity, status: .active, summary: "vault holds")
        _ = reduce(&state, .memoryLoaded([row, MemoryRow(id: "m2", type: .semantic, salience: 0.5, sensitivity: .low, status: .active, summary: "b")]))
        _ = reduce(&state, .detailLoaded(.memory(MemoryDetail(
            row: row, confidence: 1, scope: "", tags: [], createdAt: "", provenance: [], payload: ["•••••• high · masked"], relations: [],
            audit: [], decisions: []))))
        return state
    }

    @Test("v on a HIGH payload asks why (required), then reveals it through the store and reloads the detail for its audit entry")
    func reveal() {
        var state = revealState()
        #expect(reduce(&state, .key(.char("v"))).isEmpty)
        #expect(state.dialog?.kind == .reveal && state.dialog?.requireRationale == true && state.dialog?.focus == .field)
        _ = reduce(&state, .key(.tab)); _ = reduce(&state, .key(.tab))
        #expect(reduce(&state, .key(.enter)).isEmpty, "no reason, no reveal")
        _ = reduce(&state, .key(.backTab)); _ = reduce(&state, .key(.backTab))
        for c in "incident 42" { _ = reduce(&state, .key(.char(c))) }
        _ = reduce(&state, .key(.tab)); _ = reduce(&state, .key(.tab))
        #expect(reduce(&state, .key(.enter)) == [.revealMemory(id: "m1", rationale: "incident 42")])
        let payload = RevealedPayload(id: "m1", lines: ["{", "  \"object\": \"the key\"", "}"])
        #expect(reduce(&state, .revealed(payload)) == [.loadMemoryDetail("m1")])
        #expect(state.dialog == nil && state.revealed == payload)
        #expect(render(state).text.contains("revealed by alice"))
        _ = reduce(&state, .key(.char("j")))
        #expect(state.revealed == nil, "moving on masks it again")
    }

    @Test("v refuses below HIGH, in read-only mode and when the configuration turns reveal off")
    func refusals() {
        var low = revealState(sensitivity: .medium)
        _ = reduce(&low, .key(.char("v")))
        #expect(low.dialog == nil && low.message?.text.contains("only HIGH and HYPER") == true)
        var readOnly = revealState(readOnly: true)
        _ = reduce(&readOnly, .key(.char("v")))
        #expect(readOnly.dialog == nil && readOnly.message?.text.contains("read-only mode") == true)
        var off = revealState(allowReveal: false)
        _ = reduce(&off, .key(.char("v")))
        #expect(off.dialog == nil && off.message?.text.contains("dashboard.allow_reveal = false") == true)
    }
}

@Suite("Reducer: policy what-if in the dashboard")
struct ReplayScreenTests {
    @Test(":replay PATH asks for the replay; its rows take the Decisions list until Esc; live loads wait; Enter opens a decision")
    func replay() {
        var state = AppState(options: DashboardOptions(operatorName: "alice", databaseName: "vigil.db"), size: Size(columns: 120, rows: 40), now: t0)
        _ = reduce(&state, .decisionsLoaded([decision(1), decision(2)], appended: false, hasMore: false))
        _ = reduce(&state, .key(.char(":")))
        for c in "replay ~/new rules.toml" { _ = reduce(&state, .key(.char(c))) }
        #expect(reduce(&state, .key(.enter)) == [.replayPolicies(path: "~/new rules.toml")])
        let report: JSONValue = [
            "replayed": 12, "not_replayable": 1,
            "changes": [
                ["decision_id": "TMEM_9", "agent_id": "agent_a", "intent": "billing.discount.grant", "before": "requires_exception",
                 "after": "allow", "rule_after": "default", "policy_id": "discount_cap_v1", "timestamp": .string(Timestamp.format(t0))],
                ["decision_id": "TMEM_9", "agent_id": "agent_a", "intent": "billing.discount.grant", "before": "deny", "after": "allow",
                 "rule_after": "default", "policy_id": "discount_cap_v1", "timestamp": .string(Timestamp.format(t0))],
            ],
        ]
        let view = ReplayView(path: "~/new rules.toml", report: report)
        #expect(view.rows.count == 1 && view.rows[0].title == "requires_exception → allow (rule default) +1 more")
        #expect(reduce(&state, .replayLoaded(view)) == [.loadDecisionDetail("TMEM_9")])
        #expect(state.screen == .decisions && state.replay?.rows.map(\.id) == ["TMEM_9"])
        #expect(state.replay?.rows[0].before == .requiresException && state.replay?.rows[0].after == .allow)
        state.size = Size(columns: 200, rows: 40)
        #expect(render(state).text.contains("Replay: 1 would change of 12 replayed · 1 not replayable · under new rules.toml"))
        #expect(render(state).text.contains("requires_exception → allow (rule default)"))
        state.size = Size(columns: 120, rows: 40)
        _ = reduce(&state, .decisionsLoaded([decision(3)], appended: false, hasMore: false))
        #expect(state.replay?.rows.map(\.id) == ["TMEM_9"], "live loads wait while the replay is shown")
        #expect(!refresh(state, ordered: true).contains { if case .loadDecisions = $0 { true } else { false } })
        let back = reduce(&state, .key(.esc))
        #expect(state.replay == nil && back.contains(.loadDecisions(after: nil, filter: nil)))
    }
}

/// A lineage of three: m1 superseded by m2, which m3 forked from; salience recorded at m2's create and reinforce.
func lineageHistory(of id: String = "m2") -> MemoryHistory {
    let base = MemoryTime.nanoseconds(t0) - 7_200_000_000_000
    func revision(_ id: String, _ status: MemoryStatus, _ at: Int64, _ edges: [MemoryHistory.Edge], _ object: String) -> MemoryHistory.Revision {
        .init(id: id, type: "semantic", status: status, sensitivity: "low", createdAt: base + at * 1_000_000_000, summary: "db uses \(object)",
              edges: edges, payload: ["kind": "semantic", "subject": "db", "predicate": "uses", "object": .string(object)])
    }
    return MemoryHistory(
        id: id,
        revisions: [
            revision("m1", .superseded, 0, [], "mysql"),
            revision("m2", .active, 600, [.init(link: .supersedes, targetID: "m1")], "postgres"),
            revision("m3", .active, 1200, [.init(link: .forkedFrom, targetID: "m2")], "sqlite"),
        ],
        truncated: false,
        points: [.init(time: base + 600_000_000_000, salience: 0.9, action: "create"), .init(time: base + 3_600_000_000_000, salience: 1, action: "reinforce")],
        halfLifeSeconds: 3600, minSalience: 0, pinned: false, now: MemoryTime.nanoseconds(t0))
}

@Suite("Reducer: memory history")
struct MemoryHistoryReducerTests {
    func historyState() -> AppState {
        var state = AppState(options: DashboardOptions(operatorName: "alice", databaseName: "vigil.db"), size: Size(columns: 120, rows: 40), now: t0)
        _ = reduce(&state, .key(.char("3")))
        _ = reduce(&state, .memoryLoaded([MemoryRow(id: "m2", type: .semantic, salience: 0.5, sensitivity: .low, status: .active, summary: "db uses postgres")]))
        _ = reduce(&state, .detailLoaded(RelationNavigationTests().detail("m2", relations: [])))
        return state
    }

    @Test("h loads the history; j/k walk the lineage; Space marks a base; d diffs; Enter opens a revision; Esc unwinds one step at a time")
    func walk() {
        var state = historyState()
        #expect(reduce(&state, .key(.char("h"))) == [.loadMemoryHistory("m2")])
        #expect(state.detailFocused)
        _ = reduce(&state, .historyLoaded(lineageHistory(of: "other")))
        #expect(state.history == nil, "a history of a record no longer on screen is dropped")
        _ = reduce(&state, .historyLoaded(lineageHistory()))
        #expect(state.history?.cursor == 1, "the cursor starts on the record itself")
        _ = reduce(&state, .key(.char("d")))
        #expect(state.history?.diff == nil && state.message?.text.contains("this is the record itself") == true)
        _ = reduce(&state, .key(.char("k")))
        _ = reduce(&state, .key(.char("d")))
        #expect(state.history?.diff == HistoryView.Diff(fromID: "m2", toID: "m1", changes: [
            PayloadChange(kind: .changed, path: "object", before: "postgres", after: "mysql"),
        ]))
        _ = reduce(&state, .key(.char(" ")))
        #expect(state.history?.baseID == "m1")
        _ = reduce(&state, .key(.char("j")))
        _ = reduce(&state, .key(.char("j")))
        _ = reduce(&state, .key(.char("d")))
        #expect(state.history?.diff?.fromID == "m1" && state.history?.diff?.toID == "m3", "any two revisions")
        #expect(render(state).text.contains("~ object: \"mysql\" → \"sqlite\""))
        #expect(reduce(&state, .key(.enter)) == [.loadMemoryDetail("m3"), .loadMemoryHistory("m3")])
        #expect(state.trail == ["m3"])
        _ = reduce(&state, .historyLoaded(lineageHistory(of: "m3")))
        #expect(state.history?.history.id == "m3" && state.history?.cursor == 2)
        #expect(reduce(&state, .key(.esc)) == [.loadMemoryDetail("m2"), .loadMemoryHistory("m2")], "back to the record the walk began at")
        _ = reduce(&state, .historyLoaded(lineageHistory()))
        #expect(state.trail.isEmpty && state.history?.history.id == "m2")
        _ = reduce(&state, .key(.char("k")))
        _ = reduce(&state, .key(.char("d")))
        #expect(state.history?.diff != nil)
        #expect(reduce(&state, .key(.esc)).isEmpty && state.history?.diff == nil, "Esc closes the diff first")
        _ = reduce(&state, .key(.esc))
        #expect(state.history == nil, "then the history")
        _ = reduce(&state, .key(.char("h")))
        _ = reduce(&state, .historyLoaded(lineageHistory()))
        _ = reduce(&state, .key(.char("h")))
        #expect(state.history == nil, "h closes it too")
    }

    @Test("a masked revision is not compared; moving in the list closes the history")
    func maskedAndMove() {
        var state = historyState()
        _ = reduce(&state, .key(.char("h")))
        var history = lineageHistory()
        history.revisions[0].payload = nil
        _ = reduce(&state, .historyLoaded(history))
        _ = reduce(&state, .key(.char("k")))
        _ = reduce(&state, .key(.char("d")))
        #expect(state.history?.diff?.changes == nil)
        state.size = Size(columns: 160, rows: 48)
        #expect(render(state).text.contains("masked (HIGH or HYPER): reveal it with v to compare"))
        _ = reduce(&state, .key(.tab))
        _ = reduce(&state, .key(.char("j")))
        #expect(state.history == nil)
    }
}

@Suite("Reducer: decision filters")
struct DecisionFilterTests {
    @Test("agent: takes an agent's name or id; status: pending means needs_approval; a bad status is named")
    func parse() throws {
        let byName = try DecisionFilter.parse("agent:claude-code status:pending git push").get()
        #expect(byName.agent == "agent_claude-code" && byName.statuses == [.needsApproval] && byName.text == "git push")
        #expect(try DecisionFilter.parse("agent:agent_builder").get().agent == "agent_builder")
        #expect(throws: FilterError.self) { try DecisionFilter.parse("status:done").get() }
    }
}
