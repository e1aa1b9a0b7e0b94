import CDisplayWidth
import Foundation
import Testing
import VigilCore
@testable import VigilTUI

/// Golden text snapshots of every screen rendered into the cell grid: the text, then one letter per cell for its
/// role, then how the theme styles each role used. A missing golden file (or VIGIL_RECORD_SNAPSHOTS=1) records a new
/// baseline and fails, so every change shows up in review.
func assertSnapshot(_ name: String, _ content: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")
    let file = directory.appendingPathComponent("\(name).txt")
    let record = ProcessInfo.processInfo.environment["VIGIL_RECORD_SNAPSHOTS"] == "1"
    if record || !FileManager.default.fileExists(atPath: file.path) {
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try? content.write(to: file, atomically: true, encoding: .utf8)
        Issue.record("recorded new baseline for \(name); run the tests again", sourceLocation: sourceLocation)
        return
    }
    let golden = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
    if golden != content {
        let goldenLines = golden.split(separator: "\n", omittingEmptySubsequences: false)
        let lines = content.split(separator: "\n", omittingEmptySubsequences: false)
        let first = zip(goldenLines, lines).enumerated().first { $0.element.0 != $0.element.1 }
        Issue.record(
            "snapshot \(name) differs\(first.map { " at line \($0.offset + 1):\n- \($0.element.0)\n+ \($0.element.1)" } ?? " in length")",
            sourceLocation: sourceLocation)
    }
}

let themesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("themes").path

func snapshotText(_ grid: CellGrid, theme: Theme) -> String {
    let used = Set(grid.cells.map(\.role))
    let legend = ThemeRole.allCases.filter(used.contains).map { role -> String in
        let s = theme.style(role)
        var words = ["\(role.letter) \(role.rawValue):", "\(s.foreground)"]
        if s.background != .terminalDefault { words.append("on \(s.background)") }
        for (flag, name) in [(s.bold, "bold"), (s.dim, "dim"), (s.underline, "underline"), (s.reverse, "reverse")] where flag { words.append(name) }
        return words.joined(separator: " ")
    }
    return grid.text + "\n--- roles\n" + grid.roleMap + "\n--- theme \(theme.name)\n" + legend.joined(separator: "\n") + "\n"
}

/// A fixed world: decisions with CJK and emoji text, a pending request, memories of every kind, agents.
enum Fixture {
    static let now = Date(timeIntervalSince1970: 1_767_780_000)
    static func time(_ secondsAgo: Double) -> String { Timestamp.format(now - secondsAgo) }

    static let decisions = [
        DecisionRow(id: "TMEM_01KDEPLOYAPIV23ROLLOUT000", agentID: "agent_builder", intent: "deploy.release.execute", status: .needsApproval,
                    mode: .approve, createdAt: time(12), title: "Roll out api v2.3 to prod", pendingApprovalID: "appr_01KRELEASEGATE0000000000", policy: "release-gate"),
        DecisionRow(id: "TMEM_01KSESSIONSCLEANUP00000000", agentID: "agent_ops-bot", intent: "data.change.apply", status: .committed,
                    mode: .autonomous, createdAt: time(40), title: "Delete 1,204 stale sessions"),
        DecisionRow(id: "TMEM_01KROTATEPAYMENTKEY0000000", agentID: "agent_builder", intent: "secrets.change.propose", status: .rejected,
                    mode: .propose, createdAt: time(180), title: "Rotate the payment key 🔑"),
        DecisionRow(id: "TMEM_01KJAPANESESUMMARY00000000", agentID: "agent_翻訳", intent: "content.translate", status: .open,
                    mode: .autonomous, createdAt: time(7200), title: "記憶を要約する — summarize the notes"),
    ]

    static let approval = ApprovalRow(
        id: "appr_01KRELEASEGATE0000000000", decisionID: decisions[0].id, agentID: "agent_builder", intent: "deploy.release.execute",
        title: "Roll out api v2.3 to prod", message: "canary green for 30 min", requestedAt: time(12), expiresAt: Timestamp.format(now + 252),
        requireRationale: false, routeID: "ops", policy: "release-gate", policyMessage: "prod deploys outside the window need a human")

    static let detail = DecisionDetail(
        decision: decisions[0],
        events: [
            TimelineEvent(seq: 1, type: "decision_created", timestamp: time(12), actor: "agent_builder",
                          body: ["intent": "deploy.release.execute", "automation_mode": "approve"]),
            TimelineEvent(seq: 2, type: "context", timestamp: time(11.588), actor: "agent_builder",
                          body: ["summary": "Release notes checked; canary green for 30 min"]),
            TimelineEvent(seq: 3, type: "read", timestamp: time(11.05), actor: "agent_builder",
                          body: ["product": "releases", "purpose": "release_check"]),
            TimelineEvent(seq: 4, type: "evaluate", timestamp: time(10.7), actor: "agent_builder",
                          body: ["policy_id": "release-gate", "outcome": "requires_exception", "message": "prod deploys outside the window need a human"]),
            TimelineEvent(seq: 5, type: "approval_requested", timestamp: time(10.698), actor: "agent_builder",
                          body: ["title": "Roll out api v2.3 to prod", "approval_route_id": "ops"]),
        ],
        approval: approval,
        memories: [LinkedMemory(id: "mem_8f2c10", type: "semantic", role: "produced", summary: "prod deploy window is Tue–Thu 09–16 UTC")])

    static let memories = [
        MemoryRow(id: "mem_8f2c10", type: .semantic, salience: 0.85, sensitivity: .high, status: .active, summary: "prod deploy window is Tue–Thu 09–16 UTC"),
        MemoryRow(id: "mem_1a3b77", type: .episodic, salience: 0.55, sensitivity: .low, status: .active, summary: "canary rollback after 5xx spike"),
        MemoryRow(id: "mem_44aa01", type: .semantic, salience: 0.19, sensitivity: .medium, status: .contested, summary: "payment key rotates every 90 days"),
        MemoryRow(id: "mem_9c9c9c", type: .competence, salience: 1.4, sensitivity: .`public`, status: .active, summary: "how to roll back a deploy 🚀"),
        MemoryRow(id: "mem_00dead", type: .working, salience: 0.02, sensitivity: .hyper, status: .retracted, summary: "thread t1: planning the 記憶 export"),
    ]

    static let memoryDetail = MemoryDetail(
        row: memories[2], confidence: 0.7, scope: "payments", tags: ["keys", "rotation"], createdAt: "2026-01-07T09:00:00Z",
        provenance: ["event ref-42 by agent_builder"], payload: ["{", "  \"subject\": \"payment key\",", "  \"predicate\": \"rotates_every\",", "  \"object\": \"90 days\"", "}"],
        relations: [.init(predicate: "supersedes", targetID: "mem_1a3b77", inStore: true), .init(predicate: "derived_from", targetID: "remote:kb/88", inStore: false)],
        audit: ["2026-01-07T09:00:00Z create by agent_builder", "2026-01-08T10:00:00Z contest by alice · conflicting runbook"],
        decisions: ["TMEM_01KROTATEPAYMENTKEY0000000"])

    static let agents = [
        AgentRow(id: "agent_builder", kind: .agent, active: true, open: 1, pending: 1, decisions: 2, lastSeen: time(12)),
        AgentRow(id: "agent_ops-bot", kind: .agent, active: true, open: 0, pending: 0, decisions: 1, lastSeen: time(40)),
        AgentRow(id: "alice", kind: .operator, active: true, open: 0, pending: 0, decisions: 0, lastSeen: nil),
    ]

    static func state(_ screen: Screen, size: Size) -> AppState {
        var options = DashboardOptions(operatorName: "alice", databaseName: "vigil.db", endpoints: ["MCP http://127.0.0.1:7420"])
        options.timeZone = TimeZone(identifier: "Europe/Berlin")!
        var state = AppState(options: options, size: size, now: now)
        state.lastUpdate = now
        state.pendingCount = 1
        state.activity = Activity(
            decisionsPerMinute: (0..<60).map { [0, 1, 2, 4, 8, 3, 0, 0, 5, 2][$0 % 10] }, waitingPerMinute: (0..<60).map { $0 / 20 },
            waits: [Activity.Wait(agentID: "agent_builder", p50: 95, p95: 1260, resolved: 14)])
        _ = reduce(&state, .decisionsLoaded(decisions, appended: false, hasMore: false))
        _ = reduce(&state, .approvalsLoaded([approval]))
        _ = reduce(&state, .memoryLoaded(memories))
        _ = reduce(&state, .agentsLoaded(agents))
        state.screen = screen
        switch screen {
        case .decisions, .pending: state.detail = .decision(detail)
        case .memory:
            state.memory.selectedID = memories[2].id
            state.detail = .memory(memoryDetail)
        case .agents:
            state.detail = nil
            state.metrics = ["Decisions", "  committed: 1", "  pending: 1", "  rejected: 1", "Memory", "  records 5 · active 4 · audit entries 7",
                             "Store", "  vigil.db · 1.2 MB · WAL 0.1 MB · polled every 250 ms"]
        }
        return state
    }
}

@Suite("Snapshots of every screen in the cell grid")
struct SnapshotTests {
    init() { _ = vigil_use_utf8_locale() }

    static let sizes = [Size(columns: 80, rows: 24), Size(columns: 160, rows: 48)]

    func theme(_ name: String) throws -> Theme { try Theme.load(named: name, searchPath: [themesDirectory]) }

    @Test("each screen at 80×24 and 160×48, default theme and monochrome", arguments: Screen.allCases)
    func screens(screen: Screen) throws {
        for size in Self.sizes {
            for themeName in ["default", "monochrome"] {
                let grid = render(Fixture.state(screen, size: size))
                assertSnapshot("\(screen.title.lowercased())-\(size.columns)x\(size.rows)-\(themeName)", snapshotText(grid, theme: try theme(themeName)))
            }
        }
    }

    @Test("the approve and reject dialogs, the help overlay from a custom keymap, and a too-small terminal")
    func overlays() throws {
        var state = Fixture.state(.pending, size: Size(columns: 80, rows: 24))
        _ = reduce(&state, .key(.char("a")))
        assertSnapshot("dialog-approve-80x24", snapshotText(render(state), theme: try theme("default")))
        state.dialog = nil
        _ = reduce(&state, .key(.char("x")))
        for c in "window closed" { _ = reduce(&state, .key(.char(c))) }
        assertSnapshot("dialog-reject-80x24", snapshotText(render(state), theme: try theme("high-contrast")))
        var help = Fixture.state(.decisions, size: Size(columns: 160, rows: 48))
        help.keymap = try Keymap.load(text: "[approvals]\nreject = [\"x\", \"R\"]\n", path: "keymap.toml")
        _ = reduce(&help, .key(.char("?")))
        let helpGrid = render(help)
        #expect(helpGrid.text.contains("x R *"), "help follows the live keymap")
        assertSnapshot("help-160x48", snapshotText(helpGrid, theme: try theme("default")))
        let small = Fixture.state(.decisions, size: Size(columns: 52, rows: 14))
        assertSnapshot("too-small-52x14", snapshotText(render(small), theme: try theme("monochrome")))
    }

    @Test("at 80×24 the help scrolls: ↓/j, PgDn/Space, End reach the last line, ↑/k and Home come back; any other key closes it")
    func helpScrolls() throws {
        var state = Fixture.state(.decisions, size: Size(columns: 80, rows: 24))
        _ = reduce(&state, .key(.char("?")))
        let total = HelpOverlay.lines(state).count
        #expect(total > 20, "the help is longer than 24 rows")
        #expect(render(state).text.contains("Help 1–20 of \(total)"))
        #expect(!render(state).text.contains("Dialogs: Tab/S-Tab"))
        _ = reduce(&state, .key(.down))
        _ = reduce(&state, .key(.char("j")))
        #expect(state.helpScroll == 2 && state.helpVisible)
        _ = reduce(&state, .key(.char("k")))
        #expect(state.helpScroll == 1)
        _ = reduce(&state, .key(.end))
        #expect(state.helpScroll == total - 20)
        _ = reduce(&state, .key(.pageDown))
        #expect(state.helpScroll == total - 20, "it stops at the last page")
        let end = render(state)
        #expect(end.text.contains("Dialogs: Tab/S-Tab") && end.text.contains("Help \(total - 19)–\(total) of \(total)"))
        assertSnapshot("help-80x24-end", snapshotText(end, theme: try theme("monochrome")))
        _ = reduce(&state, .key(.home))
        #expect(state.helpScroll == 0)
        _ = reduce(&state, .key(.char(" ")))
        #expect(state.helpScroll == min(20, total - 20), "a page down, no further than the last page")
        _ = reduce(&state, .key(.char("x")))
        #expect(!state.helpVisible)
        _ = reduce(&state, .key(.char("?")))
        #expect(state.helpVisible && state.helpScroll == 0, "it opens at the top again")
    }

    @Test("the approvals queue at speed: marked rows, the bulk dialog, its per-row results and the snooze dialog")
    func queue() throws {
        let rows = [
            Fixture.approval,
            ApprovalRow(
                id: "appr_01KDISCOUNTACME000000000", decisionID: "TMEM_01KDISCOUNTACME00000000", agentID: "agent_ops-bot",
                intent: "billing.discount.grant", title: "15 % off for ACME", requestedAt: Fixture.time(90),
                expiresAt: Timestamp.format(Fixture.now + 1800), policy: "discount_cap_v1"),
            ApprovalRow(
                id: "appr_01KSESSIONSPURGE00000000", decisionID: "TMEM_01KSESSIONSPURGE0000000", agentID: "agent_ops-bot",
                intent: "data.change.apply", title: "Purge 1,204 stale sessions 🧹", requestedAt: Fixture.time(5),
                expiresAt: Timestamp.format(Fixture.now + 3000)),
        ]
        for size in Self.sizes {
            for themeName in ["default", "monochrome"] {
                var state = Fixture.state(.pending, size: size)
                _ = reduce(&state, .approvalsLoaded(rows))
                for _ in 0..<3 { _ = reduce(&state, .key(.char(" "))) }
                _ = reduce(&state, .key(.char("a")))
                for c in "change window agreed" { _ = reduce(&state, .key(.char(c))) }
                let name = "\(size.columns)x\(size.rows)-\(themeName)"
                assertSnapshot("bulk-approve-\(name)", snapshotText(render(state), theme: try theme(themeName)))
                _ = reduce(&state, .bulkFinished([
                    BulkResult(id: rows[0].id, refusal: nil), BulkResult(id: rows[1].id, refusal: "already rejected by bob at 09:59:58"),
                    BulkResult(id: rows[2].id, refusal: nil),
                ]))
                assertSnapshot("bulk-results-\(name)", snapshotText(render(state), theme: try theme(themeName)))
            }
        }
        for size in Self.sizes {
            for themeName in ["default", "monochrome"] {
                let name = "\(size.columns)x\(size.rows)-\(themeName)"
                var snooze = Fixture.state(.pending, size: size)
                _ = reduce(&snooze, .approvalsLoaded(rows))
                _ = reduce(&snooze, .key(.char("z")))
                _ = reduce(&snooze, .key(.backspace))
                assertSnapshot("snooze-\(name)", snapshotText(render(snooze), theme: try theme(themeName)))
                for _ in 0..<2 { _ = reduce(&snooze, .key(.backspace)) }
                for c in "later" { _ = reduce(&snooze, .key(.char(c))) }
                assertSnapshot("snooze-invalid-\(name)", snapshotText(render(snooze), theme: try theme(themeName)))
            }
        }
    }

    @Test("memory history: salience sparkline, lineage and a diff, at 80×24 and 160×48, default and monochrome")
    func history() throws {
        for size in Self.sizes {
            for themeName in ["default", "monochrome"] {
                var state = Fixture.state(.memory, size: size)
                let row = MemoryRow(id: "m2", type: .semantic, salience: 0.62, sensitivity: .low, status: .active, summary: "db uses postgres")
                _ = reduce(&state, .memoryLoaded([row] + Fixture.memories))
                state.memory.selectedID = "m2"
                state.detail = .memory(MemoryDetail(
                    row: row, confidence: 0.9, scope: "ops", tags: [], createdAt: "2026-01-07T09:00:00Z", provenance: [], payload: [],
                    relations: [], audit: [], decisions: []))
                _ = reduce(&state, .key(.char("h")))
                var history = lineageHistory()
                history.now = MemoryTime.nanoseconds(Fixture.now)
                history.points = [
                    .init(time: history.now - 7_200_000_000_000, salience: 0.9, action: "create"),
                    .init(time: history.now - 3_600_000_000_000, salience: 1, action: "reinforce"),
                    .init(time: history.now - 1_800_000_000_000, salience: 0.6, action: "decay"),
                ]
                _ = reduce(&state, .historyLoaded(history))
                _ = reduce(&state, .key(.char("k")))
                _ = reduce(&state, .key(.char(" ")))
                _ = reduce(&state, .key(.char("j")))
                _ = reduce(&state, .key(.char("j")))
                _ = reduce(&state, .key(.char("d")))
                state.message = nil
                assertSnapshot("history-\(size.columns)x\(size.rows)-\(themeName)", snapshotText(render(state), theme: try theme(themeName)))
            }
        }
    }

    @Test("a gated tool call: the approval dialog wraps the whole command and colours an edit's diff; the detail shows the call")
    func gatedCall() throws {
        let command = "git push --force origin main && kubectl --context prod-eu-west-1 rollout restart deployment/api-gateway --namespace payments"
        let gated = ApprovalRow(
            id: "appr_01KGATEDPUSH00000000000", decisionID: "TMEM_01KGATEDPUSH0000000000", agentID: "agent_claude-code",
            intent: "ops.command.execute", title: "Bash: \(command)",
            message: "Claude Code wants to run Bash in /home/dev/shop\n$ \(command)\n# push and restart\nsession 7f3c2a",
            requestedAt: Fixture.time(4), expiresAt: Timestamp.format(Fixture.now + 596), policy: "coding_agent",
            policyMessage: "recursive delete, force push or DROP/TRUNCATE: a person decides")
        let edit = ApprovalRow(
            id: "appr_01KGATEDEDIT00000000000", decisionID: "TMEM_01KGATEDEDIT0000000000", agentID: "agent_claude-code",
            intent: "code.change.apply", title: "Edit: /etc/nginx/nginx.conf",
            message: "Claude Code wants to run Edit in /home/dev/shop\nfile /etc/nginx/nginx.conf\n- worker_processes 4;\n- keepalive_timeout 65;\n+ worker_processes auto;\nsession 7f3c2a",
            requestedAt: Fixture.time(2), expiresAt: Timestamp.format(Fixture.now + 598), policy: "coding_agent",
            policyMessage: "writes outside the project")
        for size in Self.sizes {
            for themeName in ["default", "monochrome"] {
                let name = "\(size.columns)x\(size.rows)-\(themeName)"
                var state = Fixture.state(.pending, size: size)
                _ = reduce(&state, .approvalsLoaded([gated, edit]))
                _ = reduce(&state, .key(.char("x")))
                assertSnapshot("gated-reject-\(name)", snapshotText(render(state), theme: try theme(themeName)))
                _ = reduce(&state, .key(.esc))
                _ = reduce(&state, .key(.char("j")))
                _ = reduce(&state, .key(.char("a")))
                assertSnapshot("gated-edit-\(name)", snapshotText(render(state), theme: try theme(themeName)))
                _ = reduce(&state, .key(.esc))
                var row = Fixture.decisions[0]
                row.id = edit.decisionID
                state.detail = .decision(DecisionDetail(
                    decision: row, closedAt: nil,
                    events: [TimelineEvent(seq: 2, type: "context", timestamp: Fixture.time(2), actor: "agent_claude-code", body: [
                        "summary": "Edit: /etc/nginx/nginx.conf",
                        "context": ["tool_name": "Edit", "cwd": "/home/dev/shop", "session_id": "7f3c2a", "agent": "claude-code",
                                    "tool_input": ["file_path": "/etc/nginx/nginx.conf", "old_string": "worker_processes 4;", "new_string": "worker_processes auto;"]],
                    ])],
                    approval: edit, memories: []))
                assertSnapshot("gated-detail-\(name)", snapshotText(render(state), theme: try theme(themeName)))
            }
        }
    }

    @Test("reveal: the dialog that asks why, and the payload revealed in the detail")
    func reveal() throws {
        for size in Self.sizes {
            for themeName in ["default", "monochrome"] {
                try reveal(size: size, themeName: themeName)
            }
        }
    }

    func reveal(size: Size, themeName: String) throws {
        let name = "\(size.columns)x\(size.rows)-\(themeName)"
        var state = Fixture.state(.memory, size: size)
        let secret = Fixture.memories[0]
        state.memory.selectedID = secret.id
        state.detail = .memory(MemoryDetail(
            row: secret, confidence: 0.9, scope: "ops", tags: [], createdAt: "2026-01-07T09:00:00Z", provenance: ["event ref-7 by agent_builder"],
            payload: ["•••••• high · masked · v reveals it (asks why; written to the audit log)"], relations: [],
            audit: ["2026-01-07T09:00:00Z create by agent_builder"], decisions: []))
        _ = reduce(&state, .key(.char("v")))
        for c in "change review CR-118" { _ = reduce(&state, .key(.char(c))) }
        assertSnapshot("reveal-dialog-\(name)", snapshotText(render(state), theme: try theme(themeName)))
        _ = reduce(&state, .revealed(RevealedPayload(id: secret.id, lines: ["{", "  \"object\": \"Tue–Thu 09–16 UTC\",", "  \"subject\": \"prod deploy window\"", "}"])))
        state.message = nil
        assertSnapshot("reveal-payload-\(name)", snapshotText(render(state), theme: try theme(themeName)))
    }

    @Test("the policy what-if screen at 80×24 and 160×48")
    func replay() throws {
        let report: JSONValue = [
            "replayed": 412, "not_replayable": 3,
            "changes": [
                ["decision_id": "TMEM_01KDISCOUNTACME00000000", "agent_id": "agent_ops-bot", "intent": "billing.discount.grant",
                 "before": "requires_exception", "after": "allow", "rule_after": "default", "policy_id": "discount_cap_v1",
                 "timestamp": .string(Fixture.time(600))],
                ["decision_id": "TMEM_01KDISCOUNTGLOBEX0000000", "agent_id": "agent_翻訳", "intent": "billing.discount.grant",
                 "before": "allow", "after": "deny", "rule_after": "too_high", "policy_id": "discount_cap_v1",
                 "timestamp": .string(Fixture.time(7200))],
            ],
        ]
        for size in Self.sizes {
            for themeName in ["default", "monochrome"] {
                var state = Fixture.state(.decisions, size: size)
                _ = reduce(&state, .replayLoaded(ReplayView(path: "new.toml", report: report)))
                state.message = nil
                assertSnapshot("replay-\(size.columns)x\(size.rows)-\(themeName)", snapshotText(render(state), theme: try theme(themeName)))
            }
        }
    }

    @Test("rows with CJK and emoji stay aligned: every line of every screen is exactly the terminal's width")
    func widths() {
        for screen in Screen.allCases {
            for size in Self.sizes + [Size(columns: 100, rows: 30), Size(columns: 64, rows: 20)] {
                let grid = render(Fixture.state(screen, size: size))
                for row in 0..<size.rows {
                    let width = (0..<size.columns).reduce(0) { $0 + grid[row, $1].width }
                    #expect(width == size.columns, "\(screen) \(size) row \(row): \(width) cells")
                }
            }
        }
    }
}

@Suite("Display width and themes")
struct WidthAndThemeTests {
    init() { _ = vigil_use_utf8_locale() }

    @Test("cluster widths follow tui.md §9", arguments: [
        ("abc", 3), ("中文", 4), ("😀", 2), ("e\u{301}", 1), ("❤️", 1), ("👩‍💻", 2), ("🇫🇷", 2), ("a\u{1B}[31mb", 7), ("a\tb", 3),
    ])
    func clusterWidth(text: String, width: Int) {
        #expect(DisplayWidth.width(text) == width, "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
    }

    @Test("escape sequences never reach the terminal: controls become �")
    func controlsAreReplaced() {
        let text = DisplayWidth.clusters("a\u{1B}[31mb").map(\.text).joined()
        #expect(!text.contains("\u{1B}"))
        #expect(text.hasPrefix("a�"))
    }

    @Test("fit truncates at display width with … and never splits a wide character", arguments: [
        ("記憶を要約する", 6, "記憶…"), ("abcdef", 4, "abc…"), ("abc", 4, "abc"), ("a記憶", 3, "a…"),
    ])
    func fit(text: String, width: Int, expected: String) {
        let fitted = DisplayWidth.fit(text, width: width)
        #expect(fitted.map(\.text).joined() == expected)
        #expect(fitted.reduce(0) { $0 + $1.width } <= width)
    }

    @Test("every shipped theme defines every role", arguments: ["default", "light", "high-contrast", "monochrome"])
    func shippedThemesAreComplete(name: String) throws {
        let path = themesDirectory + "/\(name).toml"
        let theme = try Theme.parse(try String(contentsOfFile: path, encoding: .utf8), path: path)
        let missing = ThemeRole.allCases.filter { theme.styles[$0] == nil }
        #expect(missing.isEmpty, "\(name) lacks \(missing.map(\.rawValue))")
    }

    @Test("a theme with an unknown role or a bad value is refused with the file and a suggestion")
    func badTheme() {
        #expect(throws: ThemeError.self) { try Theme.parse("[roles]\nstatus.pendng = \"red\"\n", path: "t.toml") }
        do {
            _ = try Theme.parse("[roles]\nstatus.pendng = \"red\"\n", path: "t.toml")
        } catch {
            #expect("\(error)".contains("t.toml") && "\(error)".contains("did you mean \"status.pending\""), "\(error)")
        }
        #expect(throws: ThemeError.self) { try Theme.parse("[roles]\nstatus.pending = \"reddish\"\n", path: "t.toml") }
    }

    @Test("hex colours map to the xterm cube or grey ramp, never to the user's 16; fallbacks serve 16-colour terminals")
    func colourMapping() {
        let orange = ThemeColor.rgb(0xe5, 0xc0, 0x7b, fallback: 3)
        #expect(orange.xterm256 >= 16)
        #expect(orange.ansi16 == 3)
        #expect(ThemeColor.rgb(0x30, 0x30, 0x30, fallback: nil).xterm256 >= 232)
        #expect(ThemeColor.terminalDefault.xterm256 == -1)
    }
}
