import Foundation
import VigilCore

/// Bulk rows for benchmarks of the dashboard: plain decision rows written straight into the store, far faster than
/// running a million decisions through the engine (whose own speed `vigil bench decisions` measures).
enum DashboardBenchFixture {
    /// Appends `count` decisions spread over `agents` agents, one minute apart and ending now; every 10,000th asks
    /// for approval (a pending request expiring in a day).
    static func insertDecisions(into store: any Store, count: Int, agents: Int = 20, progress: (Int) -> Void = { _ in }) throws {
        let intents = ["deploy.release.execute", "data.change.apply", "secrets.change.propose", "billing.discount.grant", "content.translate"]
        let statuses: [DecisionStatus] = [.committed, .committed, .committed, .aborted, .open, .rejected, .approved]
        let end = Date()
        let expires = Timestamp.format(end.addingTimeInterval(86400))
        var done = 0
        while done < count {
            let batch = min(10_000, count - done)
            try store.write { tx in
                for i in done..<(done + batch) {
                    let id = String(format: "TMEM_BENCH%09d", i)
                    let agent = "agent_bench\(i % agents)"
                    let intent = intents[i % intents.count]
                    let created = Timestamp.format(end.addingTimeInterval(-Double(count - i) * 60))
                    let pending = i % 10_000 == 9_999
                    let approvalID = pending ? String(format: "appr_BENCH%09d", i) : nil
                    try tx.insertDecision(StoredDecision(
                        decisionID: id, agentID: agent, actor: agent, intent: intent, automationMode: .autonomous,
                        status: pending ? .needsApproval : statuses[i % statuses.count],
                        approvalStatus: pending ? .pending : .none, approvalRequired: pending, approvalID: approvalID,
                        createdAt: created, title: "bench decision \(i) for \(intent)", eventCount: 1, headHash: "",
                        lastException: pending
                            ? ExceptionNote(policyID: "bench-gate", message: "bench requests need a human", approvalRouteID: nil)
                            : nil))
                    if let approvalID {
                        try tx.insertApproval(StoredApproval(
                            approvalID: approvalID, decisionID: id, agentID: agent, intent: intent, status: .pending,
                            title: "bench request \(i)", requireRationale: false, requestedAt: created,
                            expiresAt: expires))
                    }
                }
            }
            done += batch
            progress(done)
        }
    }

    /// Rows in the decisions table.
    static func decisionCount(_ store: any Store) throws -> Int {
        try DashboardReader(store: store).decisionCount()
    }
}
