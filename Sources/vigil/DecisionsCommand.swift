import ArgumentParser
import Foundation
import VigilCore

struct DecisionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decisions",
        abstract: "Inspect agents' decisions: list, show, trace, receipt, chain verification and redaction.",
        subcommands: [List.self, Show.self, Trace.self, Receipt.self, Verify.self, Redact.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List decisions of every agent, newest first.",
            discussion: "Example: vigil decisions list --status needs_approval --intent-prefix billing.")
        @OptionGroup var common: CommonOptions
        @Option(help: ArgumentHelp("Only this status (repeatable).", valueName: "status"))
        var status: [DecisionStatus] = []
        @Option(help: ArgumentHelp("Only this agent id.", valueName: "agent-id")) var agent: String?
        @Option(help: ArgumentHelp("Only intents starting with this (case-sensitive).", valueName: "prefix")) var intentPrefix: String?
        @Option(help: ArgumentHelp("Full-text search; every word must match.", valueName: "words")) var text: String?
        @Option(help: "At most this many (1–500).") var limit = 50
        @Option(help: "Skip this many.") var offset = 0

        func run() throws {
            try runReporting {
                let runtime = try common.open()
                var arguments: JSONObject = ["limit": .int(Int64(limit)), "offset": .int(Int64(offset))]
                if !status.isEmpty { arguments["status"] = JSONValue(status.map(\.rawValue)) }
                if let agent { arguments["agent"] = .string(agent) }
                if let intentPrefix { arguments["intent_prefix"] = .string(intentPrefix) }
                if let text { arguments["text"] = .string(text) }
                let result = try runtime.decisions.listDecisions(arguments)
                common.emit(.object(result)) {
                    let rows = result["decisions"]?.arrayValue ?? []
                    if rows.isEmpty { return "No decisions match." }
                    var lines = [cell("AGE", 5) + cell("STATUS", 15) + cell("AGENT", 18) + cell("INTENT", 32) + "ID"]
                    for row in rows {
                        let pending = row["pending_approval_id"]?.stringValue != nil ? " ⏳" : ""
                        lines.append(
                            cell(age(row["created_at"]?.stringValue ?? ""), 5)
                                + cell((row["status"]?.stringValue ?? "") + pending, 15)
                                + cell(row["agent_id"]?.stringValue ?? "", 18)
                                + cell(row["intent"]?.stringValue ?? "", 32) + (row["decision_id"]?.stringValue ?? ""))
                    }
                    lines.append("\(rows.count) of \(result["total"]?.integerValue ?? 0)")
                    return lines.joined(separator: "\n")
                }
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one decision (as decision_get returns it).")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The decision id (TMEM_…).") var id: String

        func run() throws {
            try runReporting {
                let runtime = try common.open()
                let operatorID = try resolveOperator(nil, config: runtime.config)
                let result = try runtime.decisions.getDecision(["decision_id": .string(id)], caller: .operator(operatorID))
                common.emit(.object(result)) {
                    JCS.sortedKeys(result).map { key in
                        let value = result[key]!
                        return cell(key, 19) + (value.stringValue ?? value.canonicalText)
                    }.joined(separator: "\n")
                }
            }
        }
    }

    struct Trace: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a decision's hash-chained trace.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The decision id.") var id: String
        @Option(help: ArgumentHelp("Only events of this type (repeatable).", valueName: "type")) var type: [String] = []

        func run() throws {
            try runReporting {
                let runtime = try common.open()
                let operatorID = try resolveOperator(nil, config: runtime.config)
                var arguments: JSONObject = ["decision_id": .string(id)]
                if !type.isEmpty { arguments["types"] = JSONValue(type) }
                var result = try runtime.decisions.trace(arguments, caller: .operator(operatorID))
                let linked = try runtime.linkedMemories(decisionID: id, as: .operator(operatorID))
                result["linked_memories"] = .array(linked.map { record, role in
                    ["record_id": .string(record.id), "role": .string(role), "type": .string(record.type.rawValue),
                     "summary": .string(record.summaryText)]
                })
                common.emit(.object(result)) {
                    var lines: [String] = []
                    for event in result["events"]?.arrayValue ?? [] {
                        let seq = event["seq"]?.integerValue ?? 0
                        let kind = event["type"]?.stringValue ?? ""
                        let detail: String
                        switch kind {
                        case "evaluate": detail = "\(event["policy_id"]?.stringValue ?? "") → \(event["outcome"]?.stringValue ?? "")"
                        case "read", "write": detail = event["product"]?.stringValue ?? ""
                        case "approval_resolved": detail = "\(event["status"]?.stringValue ?? "") by \(event["resolved_by"]?.stringValue ?? "")"
                        case "closed": detail = "\(event["action"]?.stringValue ?? "") → \(event["status"]?.stringValue ?? "")"
                        case "context": detail = event["summary"]?.stringValue ?? ""
                        default: detail = event["intent"]?.stringValue ?? event["title"]?.stringValue ?? ""
                        }
                        lines.append(
                            cell("\(seq)", 4) + cell(event["timestamp"]?.stringValue ?? "", 26) + cell(kind, 19)
                                + cell(event["actor"]?.stringValue ?? "", 18) + detail)
                    }
                    lines.append("head \(result["chain"]?["head_hash"]?.stringValue ?? "")")
                    for (record, role) in linked {
                        lines.append("memory \(role == "read" ? "read    " : "produced") \(record.id)  \(record.type.rawValue)  \(record.summaryText)")
                    }
                    return lines.joined(separator: "\n")
                }
            }
        }
    }

    struct Receipt: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a decision's signed receipt as JSON.",
            discussion: "Save it and check it later: vigil decisions receipt ID > r.json && vigil receipts verify r.json")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The decision id.") var id: String

        func run() throws {
            try runReporting {
                let runtime = try common.open()
                let operatorID = try resolveOperator(nil, config: runtime.config)
                let result = try runtime.decisions.receipt(["decision_id": .string(id)], caller: .operator(operatorID))
                print(JSONValue.object(result).prettyText)
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute a decision's hash chain, or every decision's, and report whether it is intact.",
            discussion: """
                Exits 0 when every chain checked is intact, 1 when one is broken (the stored trace was altered).

                Examples:
                  vigil decisions verify TMEM_01J…
                  vigil decisions verify --all --db /backups/vigil.db --json
                """)
        @OptionGroup var common: CommonOptions
        @Argument(help: "The decision id.") var id: String?
        @Flag(help: "Verify every decision in the store.") var all = false

        func validate() throws {
            if all == (id != nil) { throw ValidationError("pass a decision id, or --all for every decision") }
        }

        func run() throws {
            try runReporting {
                let runtime = try common.open()
                guard let id else { return try verifyAll(runtime) }
                let chain = try runtime.decisions.verifyChain(decisionID: id)
                var value: JSONObject = [
                    "decision_id": .string(id), "intact": .bool(chain.isIntact), "event_count": .int(Int64(chain.eventCount)),
                    "head_hash": .string(chain.headHash), "broken_at_seq": JSONValue(chain.brokenAtSeq),
                ]
                if let pruned = chain.pruned {
                    value["pruned_at"] = .string(pruned.prunedAt)
                    value["pruned_reason"] = .string(pruned.reason)
                }
                if !chain.redactions.isEmpty { value["redactions"] = .array(chain.redactions.map(\.json)) }
                common.emit(.object(value)) {
                    if let pruned = chain.pruned {
                        return "pruned by retention on \(pruned.prunedAt) (\(pruned.reason)): its trace is gone, not altered; "
                            + "it had \(chain.eventCount) events, head \(chain.headHash)"
                    }
                    guard chain.isIntact else { return "BROKEN at seq \(chain.brokenAtSeq!): the stored trace was altered" }
                    return (["intact: \(chain.eventCount) events, head \(chain.headHash)"]
                        + chain.redactions.map { r in
                            "  event \(r.seq): \(r.path) redacted by \(r.redactedBy) at \(r.redactedAt) (\(r.rationale)); the rest of it verifies"
                        }).joined(separator: "\n")
                }
                if !chain.isIntact { throw ExitCode(ExitStatus.refused) }
            }
        }

        private func verifyAll(_ runtime: VigilRuntime) throws {
            let bar = ProgressLine()
            let (verified, broken) = try DecisionEngine.verifyAllChains(in: runtime.store) { done, total in
                bar.show("chains", done, total)
            }
            bar.finish()
            let value: JSONValue = [
                "verified": .int(Int64(verified)), "broken": .int(Int64(broken.count)),
                "broken_chains": .array(broken.map { ["decision_id": .string($0.decisionID), "broken_at_seq": JSONValue($0.brokenAtSeq)] }),
            ]
            common.emit(value) {
                ([broken.isEmpty ? "all \(verified) chains intact" : "\(verified) chains intact, \(broken.count) BROKEN (stored traces altered):"]
                    + broken.map { "  \($0.decisionID) at seq \($0.brokenAtSeq ?? 0)" }).joined(separator: "\n")
            }
            if !broken.isEmpty { throw ExitCode(ExitStatus.refused) }
        }
    }
}

extension DecisionsCommand {
    struct Redact: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take one value out of one trace event, leaving a marker that says who, when and why.",
            discussion: """
                For a value that must not stay (a customer's email in a note, a secret an agent pasted): the value at \
                PATH in event SEQ is replaced by a marker, and its copies go too (the event's read evidence and \
                buffered write rows, the decision's search words); on SQLite the old bytes are overwritten. The event \
                keeps the hash it was appended with, so receipts still verify and `vigil decisions verify` reports the \
                event as redacted (by whom, when) and the rest of the chain as intact. Chain fields (seq, prev_hash, \
                event_id, …) cannot be redacted. Find SEQ and the path with `vigil decisions trace ID --json`.

                Example:
                  vigil decisions redact TMEM_01J… --event 3 --path '$.context.customer.email' --rationale "GDPR request #4411"
                """)
        @OptionGroup var common: CommonOptions
        @Argument(help: "The decision id.") var id: String
        @Option(help: ArgumentHelp("The event's seq (1 is the first).", valueName: "seq")) var event: Int
        @Option(help: ArgumentHelp("Where the value is in the event: $.key.key[index]…", valueName: "jsonpath")) var path: String
        @Option(help: ArgumentHelp("Why (required; kept with the redaction).", valueName: "text")) var rationale: String
        @Option(name: .customLong("operator"), help: ArgumentHelp("Who redacts. Default: the configured operator.", valueName: "name"))
        var operatorName: String?

        func run() throws {
            try runReporting {
                let runtime = try common.open()
                let who = try resolveOperator(operatorName, config: runtime.config)
                let redaction = try runtime.decisions.redact(decisionID: id, seq: event, path: path, rationale: rationale, by: who)
                common.emit(redaction.json) {
                    "redacted \(redaction.path) in event \(redaction.seq) of \(id) (by \(who)); the chain still verifies"
                }
            }
        }
    }
}

struct ReceiptsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receipts", abstract: "Verify saved decision receipts, and publish the keys that sign them.",
        subcommands: [Verify.self, PublicKey.self])

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify a saved receipt: what it states, its Ed25519 signature, and the trace it vouches for.",
            discussion: """
                FILE is the JSON printed by `vigil decisions receipt` (or returned by decision_receipt). Every field \
                beside receipt_data must repeat a signed one, the algorithm must be one vigil knows, and the \
                signature must verify over JCS(receipt_data).

                Against the store (the default): the key is looked up by the receipt's key_id (every server of a \
                shared store publishes its own there) and the stored trace must hash up to the signed chain head.

                Offline, with no store: --public-key takes the key as `vigil receipts public-key` prints it: vigil's \
                base64url text, or a file holding a PEM public key or the JSON of `vigil receipts public-key \
                --json`. Add --trace with the JSON of `vigil decisions trace ID --json` to check the exported chain \
                up to the signed head too.

                  vigil receipts public-key --json > keys.json
                  vigil decisions receipt ID > r.json
                  vigil decisions trace ID --json > t.json
                  vigil receipts verify r.json --public-key keys.json --trace t.json

                Exits 0 when valid, 1 when not (the reason on stderr).
                """)
        @OptionGroup var common: CommonOptions
        @Argument(help: "The receipt file ('-' for standard input).") var file: String
        @Option(help: ArgumentHelp(
            "Verify offline with this key: base64url text, or a file (PEM, or `vigil receipts public-key --json` output).",
            valueName: "key|file"))
        var publicKey: String?
        @Option(help: ArgumentHelp(
            "With --public-key: also check this exported trace (`vigil decisions trace ID --json`) up to the signed head.",
            valueName: "file"))
        var trace: String?

        func validate() throws {
            if trace != nil, publicKey == nil {
                throw ValidationError("--trace needs --public-key (without it the trace in the store is checked)")
            }
        }

        func run() throws {
            try runReporting {
                let receipt = try readJSON(file, what: "receipt")
                guard let publicKey else {
                    let runtime = try common.open()
                    let chain = try runtime.decisions.verifyReceipt(receipt)
                    let decisionID = receipt["receipt_data"]?["decision_id"]?.stringValue ?? "?"
                    if let pruned = chain.pruned {
                        // Not tampered: the signature holds and the trace left by retention, which kept its head.
                        common.emit([
                            "valid": true, "decision_id": .string(decisionID), "chain_checked": false,
                            "trace_pruned_at": .string(pruned.prunedAt), "trace_pruned_reason": .string(pruned.reason),
                            "event_count": .int(Int64(pruned.eventCount)),
                        ]) {
                            "signature valid; trace pruned by retention on \(pruned.prunedAt.prefix(10)) (\(pruned.reason))"
                        }
                        return
                    }
                    common.emit([
                        "valid": true, "decision_id": .string(decisionID), "chain_checked": true,
                        "event_count": .int(Int64(chain.eventCount)),
                    ]) {
                        "valid: signature and trace of \(decisionID) verify (\(chain.eventCount) events)"
                    }
                    return
                }
                let keyText: String
                if FileManager.default.fileExists(atPath: publicKey) {
                    guard let data = FileManager.default.contents(atPath: publicKey) else { throw CLIError("cannot read \(publicKey)") }
                    keyText = String(decoding: data, as: UTF8.self)
                } else {
                    keyText = publicKey
                }
                let stated = try ReceiptVerification.statements(of: receipt)
                let key = try ReceiptPublicKey.parse(keyText, keyID: stated.keyID)
                let signed = try ReceiptVerification.verifySignature(receipt: receipt, publicKey: key)
                var result: JSONObject = [
                    "valid": true, "decision_id": .string(signed.decisionID), "key_id": .string(signed.keyID),
                    "final": .bool(signed.isFinal), "chain_checked": .bool(trace != nil),
                ]
                if let trace {
                    let chain = try ReceiptVerification.verifyTrace(try readJSON(trace, what: "trace"), against: signed, redactionKey: key)
                    result["event_count"] = .int(Int64(chain.eventCount))
                    if !chain.redactions.isEmpty { result["redactions"] = .array(chain.redactions.map(\.json)) }
                    common.emit(.object(result)) {
                        (["valid: signature and exported trace of \(signed.decisionID) verify (\(signed.eventCount) events signed, head \(signed.chainHeadHash.prefix(12))…)"]
                            + chain.redactions.map { "  event \($0.seq): \($0.path) redacted by \($0.redactedBy) at \($0.redactedAt); not rehashable, linked by its recorded hash" })
                            .joined(separator: "\n")
                    }
                } else {
                    common.emit(.object(result)) {
                        "valid signature for \(signed.decisionID) by \(signed.keyID) (trace not checked: add --trace FILE)"
                    }
                }
            }
        }
    }

    struct PublicKey: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "public-key",
            abstract: "Print the public halves of the keys that sign receipts, for anyone to verify them offline.",
            discussion: """
                Each server signs with its own key (kept on its machine); every public half is in the store, so on a \
                shared PostgreSQL store this lists every replica's. Each key is printed with its id, its algorithm, \
                vigil's base64url text and a PEM public key (SubjectPublicKeyInfo), which OpenSSL and Python's \
                cryptography load. Publish the --json output; `vigil receipts verify r.json --public-key keys.json` \
                reads it as is.
                """)
        @OptionGroup var common: CommonOptions

        func run() throws {
            try runReporting {
                let runtime = try common.open()
                let keys = try runtime.decisions.receiptKeys()
                let local = runtime.decisions.signingKeyID
                common.emit(["keys": .array(keys.map { key in
                    var json = key.json.objectValue ?? [:]
                    json["signs_here"] = .bool(key.keyID == local)
                    return .object(json)
                })]) {
                    keys.map { key in
                        "\(key.keyID)  \(key.algorithm)  \(key.base64URL)  created \(key.createdAt ?? "?")"
                            + (key.keyID == local ? "  (signs here)" : "") + "\n" + key.pem
                    }.joined(separator: "\n")
                }
            }
        }
    }
}

/// Reads a JSON file ('-' for standard input), failing with a line that names it.
func readJSON(_ path: String, what: String) throws -> JSONValue {
    let data: Data
    if path == "-" {
        data = FileHandle.standardInput.readDataToEndOfFile()
    } else {
        guard let contents = FileManager.default.contents(atPath: path) else { throw CLIError("cannot read the \(what) file \(path)") }
        data = contents
    }
    do {
        return try JSONParser.parse(bytes: data)
    } catch {
        throw CLIError("the \(what) file \(path) is not JSON: \(error)")
    }
}

extension DecisionStatus: ExpressibleByArgument {}
