import ArgumentParser
import Foundation
import VigilCore
import VigilStores

/// `--since`: `7d`, `24h`, `90m`, `2w`, or a date (`2026-12-01`) or RFC 3339 date-time.
struct SinceArgument: ExpressibleByArgument {
    /// The ISO timestamp stored events are compared with.
    var timestamp: String

    init?(argument: String) {
        self.init(argument, now: Date())
    }

    init?(_ text: String, now: Date) {
        let units: [Character: Double] = ["m": 60, "h": 3600, "d": 86400, "w": 604_800]
        if let unit = text.last, let seconds = units[unit], let count = Double(text.dropLast()), count >= 0 {
            timestamp = Timestamp.format(now.addingTimeInterval(-count * seconds))
        } else if let date = Timestamp.parse(text) ?? Timestamp.parse(text + "T00:00:00Z") {
            timestamp = Timestamp.format(date)
        } else {
            return nil
        }
    }
}

struct PoliciesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policies", abstract: "Policy what-if: what other rules would have decided.", subcommands: [Replay.self])

    struct Replay: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-evaluate every stored evaluation under the policies of another configuration file.",
            discussion: """
                Reads each `evaluate` event in the store (from --since on, of --policy when given), evaluates its \
                inputs under NEW's policy of the same id, and lists the decisions whose outcome would change (before \
                → after, with agent and intent), then the counts per policy and outcome. Nothing is written.

                Inputs are replayed only when they are exactly what was evaluated: stored inputs whose digest still \
                matches, or the read evidence an inputs_ref named. Evaluations whose inputs were redacted or cut when \
                stored, whose evidence is gone, or whose policy NEW lacks are counted and named, not skipped silently.

                The store is the one vigil opens by default (--db, --store, $VIGIL_STORE, or [store] in your usual \
                configuration); --config is the NEW rules. Exits 0 whether or not outcomes change; 4 when NEW does \
                not parse (naming the key).

                  vigil policies replay --config new.toml --since 7d
                  vigil policies replay --config new.toml --policy discount_cap_v1 --json
                """)

        @Option(name: .long, help: ArgumentHelp("The SQLite database file (default as for every command).", valueName: "path"))
        var db: String?
        @Option(name: .long, help: ArgumentHelp("A PostgreSQL store URL (default as for every command).", valueName: "url"))
        var store: String?
        @Option(name: .customLong("config"), help: ArgumentHelp("The configuration whose policies to replay under.", valueName: "NEW.toml"))
        var newConfig: String
        @Option(help: ArgumentHelp("Only evaluations since then: 7d, 24h, 90m, 2w, or a date (2026-12-01).", valueName: "when"))
        var since: SinceArgument?
        @Option(help: ArgumentHelp("Only evaluations of this policy.", valueName: "id"))
        var policy: String?
        @Option(help: "List at most this many changed decisions in text (all in --json).")
        var limit = 50
        @Flag(help: "Print machine-readable JSON instead of text.")
        var json = false

        func validate() throws {
            if db != nil, store != nil { throw ValidationError("pass --db PATH (a SQLite file) or --store URL, not both") }
        }

        func run() throws {
            try runReporting {
                guard FileManager.default.fileExists(atPath: newConfig) else {
                    throw CLIError("\(newConfig) does not exist (--config names the rules to replay under)", .configuration)
                }
                let rules: VigilConfig
                do {
                    rules = try VigilConfig.load(path: newConfig)
                } catch {
                    throw CLIError(CLIError(error).description, .configuration)
                }
                if let policy, rules.policy(policy) == nil {
                    throw CLIError("\(newConfig) has no policy '\(policy)' (it has: \(rules.policies.map(\.policyID).joined(separator: ", ")))", .refused)
                }
                let runtime = try VigilRuntime.open(paths: VigilPaths.resolve(database: db, store: store))
                let interactive = isatty(STDERR_FILENO) == 1
                let started = Date()
                let report = try runtime.decisions.replayPolicies(rules, since: since?.timestamp, policyID: policy) { read in
                    if interactive { FileHandle.standardError.write(Data("\r\u{1B}[Kreplaying: \(read) evaluations read".utf8)) }
                }
                if interactive { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
                let seconds = Date().timeIntervalSince(started)
                if json {
                    print(report.json(seconds: seconds).prettyText)
                } else {
                    print(Self.text(report, rules: newConfig, limit: limit))
                }
            }
        }

        static func text(_ report: PolicyReplay.Report, rules: String, limit: Int) -> String {
            var lines = [
                "\(report.total) evaluations read, \(report.replayed) replayed under \(rules): \(report.changes.count) would change"
                    + (report.skipped.isEmpty ? "" : ", \(report.skipped.count) could not be replayed")
            ]
            if !report.changes.isEmpty {
                lines.append("")
                lines.append(cell("decision", 32) + cell("agent", 16) + cell("intent", 24) + cell("policy", 20) + "before → after")
                for change in report.changes.prefix(limit) {
                    let e = change.evaluation
                    lines.append(
                        cell(e.decisionID, 32) + cell(e.agentID, 16) + cell(e.intent, 24) + cell(e.policyID, 20)
                            + "\(e.outcome.rawValue) → \(change.after.outcome.rawValue)  (rule \(change.after.ruleID))")
                }
                if report.changes.count > limit { lines.append("… \(report.changes.count - limit) more (--limit N, or --json for all)") }
            }
            if !report.tallies.isEmpty {
                lines.append("")
                lines.append("per policy:")
                for policy in report.tallies.keys.sorted() {
                    let counts = report.tallies[policy]!
                    let parts = counts.keys.sorted { ($0 == "unchanged" ? 1 : 0, $0) < ($1 == "unchanged" ? 1 : 0, $1) }
                        .map { "\($0) \(counts[$0]!)" }
                    lines.append("  " + cell(policy, 24) + parts.joined(separator: ", "))
                }
            }
            if !report.skipped.isEmpty {
                lines.append("")
                lines.append("not replayable:")
                var reasons: [String: Int] = [:]
                for skipped in report.skipped { reasons[skipped.reason, default: 0] += 1 }
                for (reason, count) in reasons.sorted(by: { $0.value > $1.value }) { lines.append("  \(count) × \(reason)") }
                for skipped in report.skipped.prefix(limit) {
                    let e = skipped.evaluation
                    lines.append("  " + cell(e.decisionID, 32) + "seq \(e.seq)  " + cell(e.policyID, 20) + skipped.reason)
                }
            }
            return lines.joined(separator: "\n")
        }
    }
}
