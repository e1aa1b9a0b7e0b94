/// Policy what-if: stored evaluations re-run under other rules. Pure: the engine reads the evaluations
/// (``DecisionEngine/replayPolicies(_:since:policyID:progress:)``), this decides what each would be now.
public struct PolicyReplay: Sendable {
    /// One stored evaluation as replay sees it.
    public struct Evaluation: Sendable, Equatable {
        public var decisionID: String
        public var agentID: String
        public var intent: String
        public var seq: Int
        public var eventID: String
        public var timestamp: String
        public var policyID: String
        /// The outcome recorded then.
        public var outcome: PolicyOutcome
        /// The rule that matched then (`default` when none did).
        public var ruleID: String
        /// The inputs evaluated then, when they can be had exactly; `nil` with ``unreplayable`` saying why.
        public var inputs: JSONValue?
        public var unreplayable: String?

        public init(
            decisionID: String, agentID: String, intent: String, seq: Int, eventID: String, timestamp: String,
            policyID: String, outcome: PolicyOutcome, ruleID: String, inputs: JSONValue?, unreplayable: String? = nil
        ) {
            (self.decisionID, self.agentID, self.intent, self.seq, self.eventID) = (decisionID, agentID, intent, seq, eventID)
            (self.timestamp, self.policyID, self.outcome, self.ruleID) = (timestamp, policyID, outcome, ruleID)
            (self.inputs, self.unreplayable) = (inputs, unreplayable)
        }
    }

    /// An evaluation whose outcome the new rules change.
    public struct Change: Sendable, Equatable {
        public var evaluation: Evaluation
        public var after: PolicyDecision
    }

    /// An evaluation that could not be replayed, and why.
    public struct Skipped: Sendable, Equatable {
        public var evaluation: Evaluation
        public var reason: String
    }

    /// What a replay found.
    public struct Report: Sendable, Equatable {
        /// Evaluations read (replayed or not).
        public var total = 0
        public var replayed = 0
        public var changes: [Change] = []
        public var skipped: [Skipped] = []
        /// Per policy, per `before → after` (or `unchanged`), how many evaluations.
        public var tallies: [String: [String: Int]] = [:]

        public init() {}

        /// Adds `other`'s findings after this report's (pages replayed in parallel, merged in order).
        public mutating func merge(_ other: Report) {
            total += other.total
            replayed += other.replayed
            changes += other.changes
            skipped += other.skipped
            for (policy, counts) in other.tallies {
                tallies[policy, default: [:]].merge(counts, uniquingKeysWith: +)
            }
        }
    }

    let policies: [String: Policy]

    /// - Parameter policies: the new rules.
    public init(policies: [Policy]) {
        self.policies = Dictionary(policies.map { ($0.policyID, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Replays one evaluation into `report`.
    public func replay(_ evaluation: Evaluation, into report: inout Report) {
        report.total += 1
        if let reason = evaluation.unreplayable {
            report.skipped.append(Skipped(evaluation: evaluation, reason: reason))
            return
        }
        guard let policy = policies[evaluation.policyID] else {
            report.skipped.append(Skipped(evaluation: evaluation, reason: "policy \(evaluation.policyID) is not in the new configuration"))
            return
        }
        guard let inputs = evaluation.inputs else {
            report.skipped.append(Skipped(evaluation: evaluation, reason: "its inputs were not stored"))
            return
        }
        report.replayed += 1
        let after = policy.evaluate(inputs)
        let key = after.outcome == evaluation.outcome ? "unchanged" : "\(evaluation.outcome.rawValue) → \(after.outcome.rawValue)"
        report.tallies[evaluation.policyID, default: [:]][key, default: 0] += 1
        if after.outcome != evaluation.outcome { report.changes.append(Change(evaluation: evaluation, after: after)) }
    }
}

extension PolicyReplay.Report {
    /// The report as `vigil policies replay --json` and `operator_policies_replay` give it.
    public func json(seconds: Double? = nil) -> JSONValue {
        var out: JSONObject = [
            "evaluations": .int(Int64(total)), "replayed": .int(Int64(replayed)),
            "changed": .int(Int64(changes.count)), "not_replayable": .int(Int64(skipped.count)),
            "changes": .array(changes.map { change in
                let e = change.evaluation
                return [
                    "decision_id": .string(e.decisionID), "agent_id": .string(e.agentID), "intent": .string(e.intent),
                    "policy_id": .string(e.policyID), "event_id": .string(e.eventID), "seq": .int(Int64(e.seq)),
                    "timestamp": .string(e.timestamp), "before": .string(e.outcome.rawValue), "rule_before": .string(e.ruleID),
                    "after": .string(change.after.outcome.rawValue), "rule_after": .string(change.after.ruleID),
                    "message_after": .string(change.after.message),
                ]
            }),
            "per_policy": .object(tallies.mapValues { counts in .object(counts.mapValues { .int(Int64($0)) }) }),
            "skipped": .array(skipped.map { skipped in
                [
                    "decision_id": .string(skipped.evaluation.decisionID), "event_id": .string(skipped.evaluation.eventID),
                    "policy_id": .string(skipped.evaluation.policyID), "reason": .string(skipped.reason),
                ]
            }),
        ]
        if let seconds { out["seconds"] = .double((seconds * 1000).rounded() / 1000) }
        return .object(out)
    }
}
