import Foundation

/// What retention would delete (``Retention/plan()``) or did (``Retention/run(progress:)``).
public struct RetentionReport: Sendable, Equatable {
    /// Closed decisions, with their trace events and approvals (receipts, evidence, write buffers, search words and
    /// memory links go with them).
    public var decisions = 0
    public var events = 0
    public var approvals = 0
    /// Memories past their type's age limit, by type.
    public var memoriesByType: [MemoryType: Int] = [:]
    /// `auto_prune` memories whose salience has decayed below the floor (and that no age limit already took).
    public var memoriesBelowFloor = 0
    /// Bytes the store gave back to the file system afterwards (a run on SQLite; 0 for a plan).
    public var bytesReclaimed: Int64 = 0

    public init() {}

    public var memories: Int { memoriesByType.values.reduce(0, +) + memoriesBelowFloor }
    public var isEmpty: Bool { decisions == 0 && memories == 0 }

    public var json: JSONValue {
        [
            "decisions": .int(Int64(decisions)), "events": .int(Int64(events)), "approvals": .int(Int64(approvals)),
            "memories_by_type": .object(Dictionary(uniqueKeysWithValues: memoriesByType.map { ($0.key.rawValue, JSONValue.int(Int64($0.value))) })),
            "memories_below_floor": .int(Int64(memoriesBelowFloor)), "memories": .int(Int64(memories)),
            "bytes_reclaimed": .int(bytesReclaimed),
        ]
    }

    /// One line per kind, as `vigil retention plan|run` prints it.
    public func lines(settings: RetentionSettings) -> [String] {
        var out: [String] = []
        let span = { (days: Int) in days == 1 ? "1 day" : "\(days) days" }
        if let days = settings.decisionDays {
            out.append("decisions closed over \(span(days)) ago: \(decisions) (\(events) trace events, \(approvals) approvals)")
        }
        for (type, days) in settings.memoryDays.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            out.append("\(type.rawValue) memories unchanged for \(span(days)): \(memoriesByType[type] ?? 0)")
        }
        if let floor = settings.salienceFloor {
            out.append("auto_prune memories with salience below \(floor): \(memoriesBelowFloor)")
        }
        return out
    }
}

/// The `[retention]` rules applied to a store: what they would delete, and deleting it.
///
/// Deletion is physical and works in batches of ``batchSize`` per write transaction, so writers are never held off for
/// long: a decision goes with everything of its (see ``StoreTransaction/pruneDecision(_:at:reason:)``) and leaves a
/// tombstone, a memory as the sweep prunes one (row, search document, relations, audit, links) and leaves its
/// tombstone. Pinned memories and decisions that are not closed never go. Afterwards the store gives the room back
/// (``Store/reclaimSpace()``).
public struct Retention: Sendable {
    /// Decisions or memories deleted per write transaction.
    public static let batchSize = 200

    let store: any Store
    let settings: RetentionSettings
    let clock: any WallClock

    package init(store: any Store, settings: RetentionSettings, clock: any WallClock = SystemClock()) {
        self.store = store
        self.settings = settings
        self.clock = clock
    }

    /// The rules on `runtime`'s store.
    public init(runtime: VigilRuntime, clock: any WallClock = SystemClock()) {
        self.init(store: runtime.store, settings: runtime.config.retention, clock: clock)
    }

    /// What a run now would delete. Reads only.
    public func plan() throws -> RetentionReport {
        let now = clock.now()
        var report = RetentionReport()
        if let cutoff = decisionCutoff(now) {
            (report.decisions, report.events, report.approvals) = try store.read { tx in try tx.closedDecisionCounts(before: cutoff) }
        }
        for (type, cutoff) in memoryCutoffs(now) {
            report.memoriesByType[type] = try store.read { tx in
                try tx.memoryRetentionCandidates(type: type, changedBefore: cutoff, limit: Int(Int32.max)).count
            }
        }
        if let floor = settings.salienceFloor {
            report.memoriesBelowFloor = try belowFloor(floor, now: now, limit: Int.max).count
        }
        return report
    }

    /// Deletes what the rules say, batch by batch, then gives the room back. `progress` gets a kind and how many of
    /// it are gone so far.
    @discardableResult
    public func run(progress: (String, Int) -> Void = { _, _ in }) throws -> RetentionReport {
        let now = clock.now()
        let stamp = Timestamp.format(now)
        var report = RetentionReport()
        if let cutoff = decisionCutoff(now), let days = settings.decisionDays {
            while true {
                let (count, events, approvals): (Int, Int, Int) = try store.write { tx in
                    let ids = try tx.closedDecisions(before: cutoff, limit: Self.batchSize)
                    var events = 0
                    var approvals = 0
                    for id in ids {
                        if let decision = try tx.decision(id) { events += decision.eventCount }
                        approvals += try tx.approvalCount(decisionID: id)
                        try tx.pruneDecision(id, at: stamp, reason: "retention: closed over \(days) days ago")
                    }
                    return (ids.count, events, approvals)
                }
                report.decisions += count
                report.events += events
                report.approvals += approvals
                progress("decisions", report.decisions)
                if count < Self.batchSize { break }
            }
        }
        let t = MemoryTime.nanoseconds(now)
        for (type, cutoff) in memoryCutoffs(now) {
            let days = settings.memoryDays[type] ?? 0
            while true {
                let count: Int = try store.write { tx in
                    let batch = try tx.memoryRetentionCandidates(type: type, changedBefore: cutoff, limit: Self.batchSize)
                    for c in batch { try tx.pruneMemoryRecord(c, at: t, reason: "retention: \(type.rawValue) unchanged for \(days) days") }
                    return batch.count
                }
                report.memoriesByType[type, default: 0] += count
                progress("\(type.rawValue) memories", report.memoriesByType[type] ?? 0)
                if count < Self.batchSize { break }
            }
        }
        if let floor = settings.salienceFloor {
            while true {
                let batch = try belowFloor(floor, now: now, limit: Self.batchSize)
                guard !batch.isEmpty else { break }
                try store.write { tx in
                    for c in batch { try tx.pruneMemoryRecord(c, at: t, reason: "retention: salience below \(floor)") }
                }
                report.memoriesBelowFloor += batch.count
                progress("memories below the salience floor", report.memoriesBelowFloor)
                if batch.count < Self.batchSize { break }
            }
        }
        if !report.isEmpty { report.bytesReclaimed = try store.reclaimSpace() }
        return report
    }

    func decisionCutoff(_ now: Date) -> String? {
        settings.decisionDays.map { Timestamp.format(now.addingTimeInterval(-Double($0) * 86_400)) }
    }

    func memoryCutoffs(_ now: Date) -> [(MemoryType, Nanoseconds)] {
        settings.memoryDays.sorted { $0.key.rawValue < $1.key.rawValue }.map { type, days in
            (type, MemoryTime.nanoseconds(now.addingTimeInterval(-Double(days) * 86_400)))
        }
    }

    /// Up to `limit` unpinned `auto_prune` records whose salience now is below `floor`, skipping those an age limit
    /// takes anyway.
    func belowFloor(_ floor: Double, now: Date, limit: Int) throws -> [MemoryCandidate] {
        let t = MemoryTime.nanoseconds(now)
        let ageCutoffs = Dictionary(uniqueKeysWithValues: memoryCutoffs(now))
        var found: [MemoryCandidate] = []
        var after = Int64.min
        while found.count < limit {
            let page = try store.read { tx in try tx.autoPruneCandidates(after: after, limit: 5_000) }
            for c in page where c.salience(at: t) < floor {
                if let cutoff = ageCutoffs[c.type], c.updatedAt < cutoff { continue }
                found.append(c)
                if found.count == limit { break }
            }
            guard page.count == 5_000, let last = page.last else { break }
            after = last.rowID
        }
        return found
    }
}
