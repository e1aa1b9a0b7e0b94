import Foundation
import Testing
import VigilCore
import VigilTestSupport

@Suite("At a glance: activity over the last hour, approval waits")
struct ActivityTests {
    @Test("decisions per minute land in their minute, waiting counts what was pending at each minute's end, waits are per agent")
    func compute() {
        let now = Date(timeIntervalSince1970: 1_767_780_000 + 42)  // 42 s into a minute
        func minute(_ ago: Int) -> String { String(Timestamp.format(now - Double(ago * 60)).prefix(16)) }
        func at(_ secondsAgo: Double) -> String { Timestamp.format(now - secondsAgo) }
        let activity = Activity.compute(
            now: now,
            perMinute: [(minute(0), 7), (minute(1), 3), (minute(59), 1), (minute(60), 100)],
            spans: [
                ApprovalSpan(agentID: "agent_a", requestedAt: at(600), resolvedAt: at(540), status: "approved"),  // 60 s
                ApprovalSpan(agentID: "agent_a", requestedAt: at(500), resolvedAt: at(380), status: "rejected"),  // 120 s
                ApprovalSpan(agentID: "agent_a", requestedAt: at(400), resolvedAt: at(100), status: "approved"),  // 300 s
                ApprovalSpan(agentID: "agent_b", requestedAt: at(90), resolvedAt: nil, status: "pending"),
                ApprovalSpan(agentID: "agent_b", requestedAt: at(3000), resolvedAt: at(10), status: "expired"),  // not a human's answer
            ])
        #expect(activity.decisionsPerMinute.count == 60 && activity.decisionsPerMinute.last == 7)
        #expect(activity.decisionsPerMinute[58] == 3 && activity.decisionsPerMinute[0] == 1, "the 61st minute back is outside")
        #expect(activity.decisionsPerMinute.reduce(0, +) == 11)
        #expect(activity.waitingPerMinute.last == 1, "now: only agent_b's request waits")
        #expect(activity.waitingPerMinute[52] == 2, "402 s ago: agent_a's second request and the one that expired later")
        #expect(activity.waits == [Activity.Wait(agentID: "agent_a", p50: 120, p95: 300, resolved: 3)])
        #expect(Activity(json: activity.json) == activity)
    }

    @Test("the store's rows on every store; the operator tool answers the same", arguments: TestStore.all)
    func fromTheStore(store: TestStore) throws {
        let f = try DecisionFixture(store: store, now: Date())
        for _ in 0..<3 { _ = try f.open() }
        let asked = try f.open()
        let approvalID = try f.call("decision_request_approval", ["decision_id": .string(asked)])["approval_id"]!
        f.clock.advance(by: 90)
        _ = try f.callAsOperator("operator_approval_resolve", ["approval_id": approvalID, "resolution": "approve"])
        let waiting = try f.open()
        _ = try f.call("decision_request_approval", ["decision_id": .string(waiting)])
        let activity = try DashboardReader(store: f.store).activity(now: f.clock.now())
        #expect(activity.decisionsPerMinute.reduce(0, +) == 5)
        #expect(activity.waitingPerMinute.last == 1)
        #expect(activity.waits == [Activity.Wait(agentID: "agent_a", p50: 90, p95: 90, resolved: 1)])
        #expect(Activity(json: .object(try f.callAsOperator("operator_activity", [:]))) == activity)
        #expect(throws: DecisionError.operatorRoleRequired) { try f.call("operator_activity", [:]) }
    }
}

@Suite("Times in details")
struct LocalTimeTests {
    @Test("stored times show as local time to the millisecond with the offset, nanosecond ISO strings included", arguments: [
        ("2026-01-07T09:59:48.000Z", "Europe/Berlin", "2026-01-07 10:59:48.000 +01:00"),
        ("2026-07-07T09:59:48.123456789Z", "Europe/Berlin", "2026-07-07 11:59:48.123 +02:00"),
        ("2026-01-07T09:59:48Z", "America/New_York", "2026-01-07 04:59:48.000 -05:00"),
        ("2026-01-07T09:59:48.5Z", "UTC", "2026-01-07 09:59:48.500 +00:00"),
        ("not a time", "UTC", "not a time"),
    ])
    func local(stored: String, zone: String, shown: String) throws {
        #expect(Timestamp.local(stored, in: try #require(TimeZone(identifier: zone))) == shown)
    }
}
