// The secrets-change approval flow: read, check the policy, ask a human, wait, write, commit, keep the receipt.
// Needs a store whose configuration has `secrets_read`, `secrets_update` and `secrets_change_v1`, as `vigil demo`'s
// does (`vigil demo --db demo.db --headless` seeds one; then `vigil serve --db demo.db`, and approve with
// `vigil approvals approve ID --db demo.db --rationale …` or in the dashboard).
//
//   TRACEMEM_MCP_URL=http://127.0.0.1:7420 TRACEMEM_API_KEY=vgl_… swift run SecretsApproval
import Foundation
import VigilSDK

/// Prints a line at once: this program waits for a human, and a pipe would otherwise hold its output until exit.
func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

let environment = ProcessInfo.processInfo.environment
guard let key = environment["TRACEMEM_API_KEY"] else {
    FileHandle.standardError.write(Data("set TRACEMEM_API_KEY\n".utf8))
    exit(64)
}
let secret = environment["SECRET_ID"] ?? "db-password"

do {
    try await TraceMemClient.withSession(apiKey: key, mcpURL: environment["TRACEMEM_MCP_URL"] ?? "http://127.0.0.1:7420") { client in
        let decision = try await client.createDecision(intent: "secrets.rotate.execute", automationMode: "autonomous")
        say("opened \(decision.id)")
        let current = try await decision.read(product: "secrets_read", purpose: "key_rotation", query: ["secret_id": .string(secret)])
        let record = current.records.first ?? ["secret_id": .string(secret)]
        let evaluation = try await decision.evaluate(policy: "secrets_change_v1", inputs: ["record": record])
        say("policy: \(evaluation.outcome) (\(evaluation.message))")
        if evaluation.outcome == "deny" {
            try await decision.close(outcome: .abort, reason: evaluation.message)
            say("aborted")
            return
        }
        if evaluation.requiresApproval {
            let approval = try await decision.requestApproval(title: "Rotate \(secret)", message: "90-day rotation is due")
            say("APPROVAL \(approval.approvalID) waiting for an operator…")
            let answer = try await decision.waitForApproval(every: 1, timeout: 600)
            say("operator answer: \(answer)")
            guard answer == "approved" else {
                try await decision.close(outcome: .abort, reason: "not approved (\(answer))")
                say("aborted")
                return
            }
        }
        _ = try await decision.write(
            product: "secrets_update", purpose: "key_rotation",
            mutation: ["data": ["secret_id": .string(secret), "rotated_at": .string(ISO8601DateFormatter().string(from: Date()))]],
            idempotencyKey: "rotate-\(decision.id)")
        let closed = try await decision.close(outcome: .commit)
        let receipt = try await decision.receipt()
        let rows = closed.writes.compactMap { $0["affected_rows"]?.integerValue }.reduce(0, +)
        say("\(closed.status), \(rows) row(s) changed; receipt \(receipt["signature"]?.stringValue ?? "?") (key \(receipt["key_id"]?.stringValue ?? "?"))")
    }
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
