import Foundation
import Synchronization

extension DecisionEngine {
    /// Re-evaluates every stored evaluation (from `since` on, of `policyID` when given) under `rules`' policies.
    /// Inputs are replayed only when they are exactly what was evaluated: stored inputs the sanitizer left alone (it
    /// records every key it redacted and path it cut), or the read evidence an `inputs_ref` named, whose digest must
    /// match. The others are reported with the reason, never skipped silently.
    ///
    /// Pages are read in (decision, seq) order; each page's events are parsed and evaluated on every core, and the
    /// findings merged in order, so the report is the same however many cores ran it.
    /// - Parameter progress: called after each page with the evaluations read so far.
    public func replayPolicies(
        _ rules: VigilConfig, since: String? = nil, policyID: String? = nil, progress: (Int) -> Void = { _ in }
    ) throws -> PolicyReplay.Report {
        try Self.replayPolicies(in: store, rules, since: since, policyID: policyID, progress: progress)
    }

    /// ``replayPolicies(_:since:policyID:progress:)`` on any store, without an engine (a read-only dashboard has none).
    package static func replayPolicies(
        in store: any Store, _ rules: VigilConfig, since: String? = nil, policyID: String? = nil, progress: (Int) -> Void = { _ in }
    ) throws -> PolicyReplay.Report {
        let replay = PolicyReplay(policies: rules.policies)
        var report = PolicyReplay.Report()
        var after: EventPosition?
        let pageSize = 4000
        let lanes = max(1, ProcessInfo.processInfo.activeProcessorCount)
        while true {
            let page: [(event: EvaluationEvent, body: JSONValue?, evidence: JSONValue?)] = try store.read { tx in
                try tx.evaluationEvents(since: since, after: after, limit: pageSize).map { event in
                    // The evidence an inputs_ref names, read in the same snapshot (the few such bodies are parsed
                    // here; the rest in parallel below).
                    guard Self.mentionsInputsRef(event.body), let body = try? JSONParser.parse(event.body),
                        let ref = body["inputs_ref"]?.stringValue
                    else { return (event, nil, nil) }
                    let eventID = ref.hasPrefix("ref:read:") ? String(ref.dropFirst("ref:read:".count)) : ref
                    return (event, body, try tx.evidence(eventID: eventID))
                }
            }
            let chunk = (page.count + lanes - 1) / max(lanes, 1)
            let partials = Mutex([PolicyReplay.Report](repeating: PolicyReplay.Report(), count: lanes))
            DispatchQueue.concurrentPerform(iterations: page.isEmpty ? 0 : lanes) { lane in
                var partial = PolicyReplay.Report()
                for item in page.dropFirst(lane * chunk).prefix(chunk) {
                    guard let body = item.body ?? (try? JSONParser.parse(item.event.body)),
                        let evaluation = Self.evaluation(item.event, body: body, evidence: item.evidence)
                    else { continue }
                    if let policyID, evaluation.policyID != policyID { continue }
                    replay.replay(evaluation, into: &partial)
                }
                partials.withLock { $0[lane] = partial }
            }
            for partial in partials.withLock({ $0 }) { report.merge(partial) }
            progress(report.total)
            guard page.count == pageSize, let last = page.last else { break }
            after = last.event.position
        }
        return report
    }

    /// Whether a stored event body (JCS text) has a non-null `inputs_ref`: a byte search, no parsing.
    static func mentionsInputsRef(_ body: String) -> Bool {
        let needle = Array(#""inputs_ref":""#.utf8)
        var utf8 = body
        return utf8.withUTF8 { bytes in
            guard bytes.count >= needle.count else { return false }
            var i = 0
            let last = bytes.count - needle.count
            while i <= last {
                if bytes[i] == needle[0] {
                    var j = 1
                    while j < needle.count, bytes[i + j] == needle[j] { j += 1 }
                    if j == needle.count { return true }
                }
                i += 1
            }
            return false
        }
    }

    /// `operator_policies_replay` (vigil's extension, for the remote dashboard's `:replay`): the replay under the
    /// policies of `config_toml` (a whole configuration file's text), from `since` on, of `policy_id` when given.
    public func replayPolicies(_ arguments: JSONObject) throws -> JSONObject {
        let a = ToolArguments(arguments)
        try a.require(["config_toml"])
        let text = try a.requiredString("config_toml", maxLength: 1_048_576)
        let since = try a.string("since", maxLength: 64)
        let policyID = try a.string("policy_id", maxLength: 128)
        let rules: VigilConfig
        do {
            rules = try VigilConfig(toml: text, path: "the replay configuration")
        } catch {
            throw DecisionError.invalidArgument(error.description)
        }
        return try replayPolicies(rules, since: since, policyID: policyID).json().objectValue ?? [:]
    }

    /// A stored `evaluate` event as replay sees it; `nil` for a body that is not one.
    static func evaluation(_ event: EvaluationEvent, body: JSONValue, evidence: JSONValue?) -> PolicyReplay.Evaluation? {
        guard let policyID = body["policy_id"]?.stringValue,
            let outcome = body["outcome"]?.stringValue.flatMap(PolicyOutcome.init(rawValue:))
        else { return nil }
        var inputs: JSONValue?
        var unreplayable: String?
        if let stored = body["inputs"], !stored.isNull {
            let redacted = body["redacted_keys"]?.arrayValue?.isEmpty ?? true
            let truncated = body["truncated_paths"]?.arrayValue?.isEmpty ?? true
            if redacted && truncated {
                inputs = stored
            } else {
                unreplayable = "its inputs were redacted or cut when stored (secret-like keys, size limits), so the values evaluated are gone"
            }
        } else if let ref = body["inputs_ref"]?.stringValue {
            if let evidence, Encoding.sha256Hex(evidence.canonicalBytes) == body["inputs_digest"]?.stringValue {
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
