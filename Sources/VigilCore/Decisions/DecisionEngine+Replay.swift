import Foundation

extension DecisionEngine {
    /// Re-evaluates every stored evaluation (from `since` on, of `policyID` when given) under `rules`' policies.
    /// Inputs are replayed only when they are exactly what was evaluated: stored inputs whose digest still matches
    /// (the sanitizer may have redacted or cut them), or the read evidence an `inputs_ref` named. The others are
    /// reported with the reason, never skipped silently.
    /// - Parameter progress: called after each page with the evaluations read so far.
    public func replayPolicies(
        _ rules: VigilConfig, since: String? = nil, policyID: String? = nil, progress: (Int) -> Void = { _ in }
    ) throws -> PolicyReplay.Report {
        let replay = PolicyReplay(policies: rules.policies)
        var report = PolicyReplay.Report()
        var after: EventPosition?
        let pageSize = 2000
        while true {
            let page: [(EvaluationEvent, JSONValue?)] = try store.read { tx in
                try tx.evaluationEvents(since: since, after: after, limit: pageSize).map { event in
                    // The evidence an inputs_ref names, read in the same snapshot.
                    guard event.body.contains("\"inputs_ref\":\""), let parsed = try? JSONParser.parse(event.body),
                        let ref = parsed["inputs_ref"]?.stringValue
                    else { return (event, nil) }
                    let eventID = ref.hasPrefix("ref:read:") ? String(ref.dropFirst("ref:read:".count)) : ref
                    return (event, try tx.evidence(eventID: eventID))
                }
            }
            for (event, evidence) in page {
                guard let evaluation = Self.evaluation(event, evidence: evidence) else { continue }
                if let policyID, evaluation.policyID != policyID { continue }
                replay.replay(evaluation, into: &report)
            }
            progress(report.total)
            guard page.count == pageSize, let last = page.last else { break }
            after = last.0.position
        }
        return report
    }

    /// A stored `evaluate` event as replay sees it; `nil` for a body that is not one.
    static func evaluation(_ event: EvaluationEvent, evidence: JSONValue?) -> PolicyReplay.Evaluation? {
        guard let body = try? JSONParser.parse(event.body), let policyID = body["policy_id"]?.stringValue,
            let outcome = body["outcome"]?.stringValue.flatMap(PolicyOutcome.init(rawValue:))
        else { return nil }
        let digest = body["inputs_digest"]?.stringValue
        var inputs: JSONValue?
        var unreplayable: String?
        if let stored = body["inputs"], !stored.isNull {
            if Encoding.sha256Hex(stored.canonicalBytes) == digest {
                inputs = stored
            } else {
                unreplayable = "its inputs were redacted or cut when stored (secret-like keys, size limits), so the values evaluated are gone"
            }
        } else if let ref = body["inputs_ref"]?.stringValue {
            if let evidence, Encoding.sha256Hex(evidence.canonicalBytes) == digest {
                inputs = evidence
            } else {
                unreplayable = "the read evidence its inputs_ref \(ref) names is gone or differs"
            }
        } else {
            unreplayable = "its inputs were not stored"
        }
        return PolicyReplay.Evaluation(
            decisionID: event.position.decisionID, agentID: event.agentID, intent: event.intent, seq: event.position.seq,
            eventID: body["event_id"]?.stringValue ?? "", timestamp: body["timestamp"]?.stringValue ?? "", policyID: policyID,
            outcome: outcome, ruleID: body["rationale"]?["rule_id"]?.stringValue ?? "", inputs: inputs, unreplayable: unreplayable)
    }
}
