import Foundation

/// An approval as activity counts it: when it was asked for and, once resolved, when and how.
package struct ApprovalSpan: Sendable, Equatable {
    package var agentID: String
    package var requestedAt: String
    package var resolvedAt: String?
    package var status: String

    package init(agentID: String, requestedAt: String, resolvedAt: String?, status: String) {
        (self.agentID, self.requestedAt, self.resolvedAt, self.status) = (agentID, requestedAt, resolvedAt, status)
    }
}

/// The dashboard's at-a-glance figures: decisions per minute and requests waiting over the last hour, and how long
/// each agent's requests waited for a human (request → approve or reject) over the last 30 days.
public struct Activity: Sendable, Equatable {
    /// How long an operator took on one agent's requests.
    public struct Wait: Sendable, Equatable {
        public var agentID: String
        public var p50: Double
        public var p95: Double
        public var resolved: Int

        public init(agentID: String, p50: Double, p95: Double, resolved: Int) {
            (self.agentID, self.p50, self.p95, self.resolved) = (agentID, p50, p95, resolved)
        }
    }

    /// The last 60 minutes, oldest first; the last is the minute in progress.
    public var decisionsPerMinute: [Int]
    /// Requests pending at the end of each of the last 60 minutes (now, for the last).
    public var waitingPerMinute: [Int]
    /// Per agent, agents in name order.
    public var waits: [Wait]

    public init(decisionsPerMinute: [Int], waitingPerMinute: [Int], waits: [Wait]) {
        (self.decisionsPerMinute, self.waitingPerMinute, self.waits) = (decisionsPerMinute, waitingPerMinute, waits)
    }

    /// Since when each figure is read at `now`.
    package static func windows(now: Date) -> (hour: String, month: String) {
        (Timestamp.format(minuteStart(now) - 59 * 60), Timestamp.format(now - 30 * 86400))
    }

    static func minuteStart(_ date: Date) -> Date { Date(timeIntervalSince1970: (date.timeIntervalSince1970 / 60).rounded(.down) * 60) }

    /// The figures from the store's rows (pure).
    /// - Parameters:
    ///   - perMinute: decisions created per minute (`YYYY-MM-DDTHH:MM`, count) over the last hour.
    ///   - spans: approvals requested in the last 30 days or still pending.
    package static func compute(now: Date, perMinute: [(minute: String, count: Int)], spans: [ApprovalSpan]) -> Activity {
        let first = minuteStart(now) - 59 * 60
        var decisions = [Int](repeating: 0, count: 60)
        for (minute, count) in perMinute {
            guard let date = Timestamp.parse(minute + ":00Z") else { continue }
            let index = Int(((date.timeIntervalSince1970 - first.timeIntervalSince1970) / 60).rounded(.down))
            if decisions.indices.contains(index) { decisions[index] += count }
        }
        let parsed = spans.compactMap { span -> (ApprovalSpan, Date, Date?)? in
            guard let requested = Timestamp.parse(span.requestedAt) else { return nil }
            return (span, requested, span.resolvedAt.flatMap(Timestamp.parse))
        }
        let waiting = (0..<60).map { index -> Int in
            let end = index == 59 ? now : first + Double(index + 1) * 60
            return parsed.filter { _, requested, resolved in requested <= end && (resolved.map { $0 > end } ?? true) }.count
        }
        var byAgent: [String: [Double]] = [:]
        for (span, requested, resolved) in parsed where span.status == "approved" || span.status == "rejected" {
            guard let resolved else { continue }
            byAgent[span.agentID, default: []].append(max(0, resolved.timeIntervalSince(requested)))
        }
        let waits = byAgent.keys.sorted().map { agent -> Wait in
            let sorted = byAgent[agent]!.sorted()
            func percentile(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int((p * Double(sorted.count - 1)).rounded()))] }
            return Wait(agentID: agent, p50: percentile(0.5), p95: percentile(0.95), resolved: sorted.count)
        }
        return Activity(decisionsPerMinute: decisions, waitingPerMinute: waiting, waits: waits)
    }

    /// As `operator_activity` returns it.
    public var json: JSONValue {
        [
            "decisions_per_minute": .array(decisionsPerMinute.map { .int(Int64($0)) }),
            "waiting_per_minute": .array(waitingPerMinute.map { .int(Int64($0)) }),
            "approval_waits": .array(waits.map { w in
                ["agent_id": .string(w.agentID), "p50_seconds": .double(w.p50), "p95_seconds": .double(w.p95), "resolved": .int(Int64(w.resolved))]
            }),
        ]
    }

    public init(json: JSONValue) {
        decisionsPerMinute = (json["decisions_per_minute"]?.arrayValue ?? []).map { Int($0.integerValue ?? 0) }
        waitingPerMinute = (json["waiting_per_minute"]?.arrayValue ?? []).map { Int($0.integerValue ?? 0) }
        waits = (json["approval_waits"]?.arrayValue ?? []).map { w in
            Wait(agentID: w["agent_id"]?.stringValue ?? "", p50: w["p50_seconds"]?.numberValue ?? 0, p95: w["p95_seconds"]?.numberValue ?? 0,
                 resolved: Int(w["resolved"]?.integerValue ?? 0))
        }
    }
}

extension DashboardReader {
    /// The at-a-glance figures at `now`.
    public func activity(now: Date) throws -> Activity {
        let (hour, month) = Activity.windows(now: now)
        let (perMinute, spans) = try store.read { tx in (try tx.decisionsPerMinute(since: hour), try tx.approvalSpans(since: month)) }
        return Activity.compute(now: now, perMinute: perMinute, spans: spans)
    }
}
