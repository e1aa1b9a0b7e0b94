import Foundation
import VigilCore
import VigilMetrics

/// The background work every host of the endpoints runs (`vigil serve`, the dashboard's own endpoints, `vigil
/// demo`): expiring overdue approvals every `approvals.sweep_interval`, the memory sweep (decay persisted,
/// pruning past retention) every `memory.prune_interval`, and the `[retention]` rules every
/// `retention.interval_seconds` (hourly; the first run soon after start).
///
/// Safe on every server of a shared database at once: each approval is expired by one of them (the decision is
/// locked before it is looked at again), and the memory sweep's writes are idempotent.
public struct Sweeper: Sendable {
    let decisions: DecisionEngine
    let memory: MemoryEngine
    let approvalInterval: Double
    let memoryInterval: Double
    let retention: Retention?
    let retentionInterval: Double
    let metrics: HostMetrics?

    public init(decisions: DecisionEngine, memory: MemoryEngine, config: VigilConfig, metrics: HostMetrics? = nil) {
        self.decisions = decisions
        self.memory = memory
        self.metrics = metrics
        retention = config.retention.isEnabled
            ? Retention(store: decisions.store, settings: config.retention, clock: decisions.clock) : nil
        retentionInterval = config.retention.intervalSeconds
        approvalInterval = max(0.05, config.approvals.sweepIntervalSeconds)
        memoryInterval = max(1, config.memory.pruneIntervalSeconds)
    }

    /// Sweeps until the task is cancelled. Failures (a database that is down) are retried at the next interval.
    public func run() async {
        var lastMemorySweep = Date()
        var lastRetention = Date.distantPast
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(approvalInterval))
            guard !Task.isCancelled else { return }
            let expired = try? await BlockingWork.run { try decisions.sweepExpiredApprovals() }
            metrics?.recordSweep("approvals", succeeded: expired != nil, expired: expired ?? 0)
            if Date().timeIntervalSince(lastMemorySweep) >= memoryInterval {
                lastMemorySweep = Date()
                let report = try? await BlockingWork.run { try memory.sweep() }
                metrics?.recordSweep("memory", succeeded: report != nil, pruned: report?.pruned.count ?? 0)
            }
            if let retention, Date().timeIntervalSince(lastRetention) >= retentionInterval {
                lastRetention = Date()
                let report = try? await BlockingWork.run { try retention.run() }
                metrics?.recordRetention(report)
            }
        }
    }

    /// Runs the sweeper in a background task; cancel the task to stop it.
    public func start() -> Task<Void, Never> {
        Task.detached { await run() }
    }
}
