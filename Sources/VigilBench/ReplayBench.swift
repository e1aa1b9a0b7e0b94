import Foundation
import VigilCore
import VigilStoreSQLite

/// `vigil bench replay`: policy what-if over stored evaluations.
///
/// Fills a temporary store with N evaluations through the engine (mixed inputs: some allowed, some needing review,
/// some denied, some with secret-like keys the sanitizer redacts so they cannot be replayed), then replays them all
/// under rules with a moved threshold. The baseline, measured in the same run on the same rows, is reading the
/// evaluation pages alone: what the store costs before any JSON is parsed or any rule evaluated.
public enum ReplayBench {
    public struct Report: Sendable {
        public var evaluations: Int
        public var changed: Int
        public var skipped: Int
        public var replaySeconds: Double
        public var scanSeconds: Double

        public var replayPerSecond: Double { Double(evaluations) / replaySeconds }
        public var scanPerSecond: Double { Double(evaluations) / scanSeconds }
        public var ratio: Double { replayPerSecond / scanPerSecond }

        public var text: String {
            """
            replay bench: \(evaluations) stored evaluations replayed under new rules (\(changed) change, \(skipped) not replayable)
              replay      \(String(format: "%10.0f", replayPerSecond)) evaluations/s  (\(String(format: "%.2f", replaySeconds)) s; target ≥ 50,000/s)
              page scan   \(String(format: "%10.0f", scanPerSecond)) evaluations/s  (\(String(format: "%.2f", scanSeconds)) s: the rows read, nothing parsed)
              ratio       \(String(format: "%.1f", ratio * 100)) % of the scan
            """
        }

        public var json: JSONValue {
            [
                "evaluations": .int(Int64(evaluations)), "changed": .int(Int64(changed)), "not_replayable": .int(Int64(skipped)),
                "replay_per_second": .double(replayPerSecond.rounded()), "scan_per_second": .double(scanPerSecond.rounded()),
                "replay_seconds": .double(replaySeconds), "scan_seconds": .double(scanSeconds),
                "ratio": .double((ratio * 1000).rounded() / 1000), "target_per_second": 50000,
            ]
        }
    }

    static let rulesTOML = """
        [[policies]]
        policy_id = "discount_cap_v1"
        name = "Discount cap"
        version = "1"
        rules = [
          { id = "too_high", when = { field = "record.discount_pct", op = "gt", value = 30 }, outcome = "deny", message = "never above 30%" },
          { id = "needs_review", when = { all = [{ field = "record.discount_pct", op = "gt", value = 10 }, { field = "record.tier", op = "ne", value = "gold" }] }, outcome = "requires_exception", message = "above 10% needs review" },
        ]
        default = { outcome = "allow", message = "within the cap" }
        """

    /// Fills, replays and scans; `progress` gets the number of evaluations stored so far.
    public static func run(evaluations: Int, progress: (Int) -> Void = { _ in }) throws -> Report {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-replaybench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteStore(path: directory.appendingPathComponent("replay.db").path)
        let engine = try DecisionEngine(store: store, config: try VigilConfig(toml: rulesTOML))
        let (agent, _) = try PrincipalRegistry(store: store).add(name: "bench", kind: .agent, policyGrants: ["discount_cap_v1"])
        let tiers = ["gold", "silver", "bronze"]
        var stored = 0
        var decision: JSONValue = .null
        while stored < evaluations {
            if stored % 20 == 0 {
                decision = try engine.createDecision(["intent": "billing.discount.grant", "automation_mode": "autonomous"], agent: agent)["decision_id"]!
            }
            var record: JSONObject = [
                "discount_pct": .int(Int64(stored * 7 % 40)), "tier": .string(tiers[stored % 3]),
                "customer": .string("c\(stored % 997)"), "amount": .double(Double(stored % 500) + 0.5),
            ]
            if stored % 50 == 0 { record["api_key"] = "sk-redacted-by-the-sanitizer" }
            _ = try engine.evaluate(["decision_id": decision, "policy_id": "discount_cap_v1", "inputs": ["record": .object(record)]], agent: agent)
            stored += 1
            if stored % 1000 == 0 { progress(stored) }
        }
        // The new rules: review from 20 % instead of 10 %.
        let newRules = try VigilConfig(toml: rulesTOML.replacingOccurrences(of: "op = \"gt\", value = 10 }", with: "op = \"gt\", value = 20 }"))

        let scanStart = DispatchTime.now()
        var scanned = 0
        var after: EventPosition?
        while true {
            let page = try store.read { tx in try tx.evaluationEvents(since: nil, after: after, limit: 2000) }
            scanned += page.count
            guard page.count == 2000, let last = page.last else { break }
            after = last.position
        }
        let scanSeconds = Double(DispatchTime.now().uptimeNanoseconds - scanStart.uptimeNanoseconds) / 1e9

        let replayStart = DispatchTime.now()
        let report = try engine.replayPolicies(newRules)
        let replaySeconds = Double(DispatchTime.now().uptimeNanoseconds - replayStart.uptimeNanoseconds) / 1e9
        guard report.total == evaluations, scanned == evaluations else {
            throw DecisionBench.Failure(description: "replay read \(report.total) and the scan \(scanned) of \(evaluations) evaluations")
        }
        return Report(
            evaluations: evaluations, changed: report.changes.count, skipped: report.skipped.count, replaySeconds: replaySeconds,
            scanSeconds: scanSeconds)
    }
}
