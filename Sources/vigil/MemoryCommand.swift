import ArgumentParser
import Foundation
import VigilCore

struct MemoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "memory",
        abstract: "Browse and curate what agents remember (Membrane-compatible memory records).",
        discussion: """
            Examples:
              vigil memory ingest event --source me --kind user_message --ref m1 --summary "prefers dark mode"
              vigil memory search "dark mode" --max-sensitivity medium
              vigil memory show 3f2c…          # payload, relations, audit log, linked decisions
              vigil memory reinforce 3f2c… --rationale "was useful"
            """,
        subcommands: [Search.self, Show.self, Ingest.self, Reinforce.self, Penalize.self, Retract.self, Erase.self, Contest.self,
                      Supersede.self, Fork.self, Merge.self, Metrics.self, Sweep.self, Consolidate.self])

    /// The operator acting on memory: `--operator`, else config `operator`, else $USER.
    struct Actor: ParsableArguments {
        @Option(name: .customLong("operator"), help: ArgumentHelp("Who acts (recorded in the audit log).", valueName: "name"))
        var operatorName: String?
        @Option(help: ArgumentHelp("Why (recorded in the audit log).", valueName: "text")) var rationale = ""

        func actor(_ runtime: VigilRuntime) throws -> RevisionActor {
            RevisionActor(actor: try resolveOperator(operatorName, config: runtime.config), rationale: rationale)
        }
    }

    /// Runs one curation step as the operator and prints the record it leaves behind.
    static func curate(
        _ common: CommonOptions, _ who: Actor, _ step: (VigilRuntime, RevisionActor) throws -> MemoryRecord
    ) throws {
        try runReporting {
            let runtime = try common.open()
            emitRecord(try step(runtime, try who.actor(runtime)), runtime, common)
        }
    }

    static func emitRecord(_ record: MemoryRecord, _ runtime: VigilRuntime, _ common: CommonOptions) {
        let t = runtime.memory.currentTime
        common.emit(record.json(at: t)) {
            "\(record.id)  \(record.type.rawValue)  \(record.sensitivity.rawValue)  salience \(String(format: "%.3f", record.salience(at: t)))  \(record.status.rawValue)\n  \(record.summaryText)"
        }
    }

    struct Search: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Retrieve memories ranked for a task, as an agent would (trust, filters, decay, relevance).")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The task descriptor; empty ranks by salience alone.") var text = ""
        @Option(help: ArgumentHelp("Only these types (repeatable).", valueName: "type"))
        var type: [MemoryType] = []
        @Option(help: ArgumentHelp("The caller's maximum sensitivity: records one level above come back redacted.", valueName: "level"))
        var maxSensitivity: Sensitivity = .hyper
        @Option(help: ArgumentHelp("Only in these scopes (repeatable).", valueName: "scope")) var scope: [String] = []
        @Option(help: "Drop records whose decayed salience is below this.") var minSalience = 0.0
        @Option(help: "At most this many (0 = all).") var limit: Int32 = 20
        @Flag(help: "Also show retracted and superseded records.") var includeInactive = false

        func run() throws {
            try runReporting {
                let runtime = try common.open()
                var request = RetrieveRequest()
                request.taskDescriptor = text
                request.trust = TrustContextRequest(maxSensitivity: maxSensitivity.rawValue, scopes: scope)
                request.memoryTypes = type.map(\.rawValue)
                request.minSalience = minSalience
                request.limit = limit
                request.includeInactive = includeInactive
                let result = try runtime.memory.retrieve(request)
                var value: JSONObject = ["records": .array(result.recordsJSON)]
                value["selection"] = result.selection?.json(at: result.now) ?? .null
                common.emit(.object(value)) {
                    if result.records.isEmpty { return "No memories match." }
                    return result.records.map { record, view in
                        let salience = record.salience(at: result.now)
                        let bar = String(repeating: "█", count: Int((min(1, salience) * 8).rounded())).padding(toLength: 8, withPad: "·", startingAt: 0)
                        let text = view == .redacted ? "[redacted]" : record.summaryText
                        return cell(record.type.rawValue, 11) + bar + " " + String(format: "%.2f ", salience)
                            + cell(record.sensitivity.rawValue, 7) + cell(record.status.rawValue, 10) + cell(text, 50) + record.id
                    }.joined(separator: "\n")
                }
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one memory with its relations, audit log and linked decisions.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The record id.") var id: String

        func run() throws {
            try runReporting {
                let runtime = try common.open()
                guard let record = try runtime.memory.record(id) else {
                    if let stone = try runtime.memory.tombstone(id) {
                        throw CLIError("\(id) was pruned at \(MemoryTime.format(stone.prunedAt)) (\(stone.reason))")
                    }
                    throw CLIError("no memory record \(id)")
                }
                let t = runtime.memory.currentTime
                let decisions = try runtime.memory.decisions(linkedFrom: id)
                var value = record.json(at: t).objectValue!
                value["status"] = .string(record.status.rawValue)
                value["linked_decisions"] = JSONValue(decisions)
                common.emit(.object(value)) {
                    var lines = [
                        "\(record.id)  \(record.type.rawValue)  \(record.sensitivity.rawValue)  \(record.status.rawValue)",
                        "salience    \(String(format: "%.4f", record.salience(at: t)))  (base \(record.base), half-life \(record.lifecycle.decay.halfLifeSeconds)s)",
                        "summary     \(record.summaryText)",
                        "payload     \(JSONValue.object(record.payload).canonicalText)",
                    ]
                    for relation in record.relations { lines.append("relation    \(relation.predicate) → \(relation.targetID)") }
                    for entry in record.auditLog {
                        lines.append("audit       \(MemoryTime.format(entry.timestamp))  \(entry.action)  \(entry.actor)  \(entry.rationale)")
                    }
                    for decision in decisions { lines.append("decision    \(decision)") }
                    return lines.joined(separator: "\n")
                }
            }
        }
    }

    struct Ingest: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ingest a memory: event, tool, observation, outcome or working.",
            discussion: """
                event:       --source S --kind K --ref R [--summary TEXT]
                tool:        --source S --tool NAME [--args JSON] [--result JSON] [--depends-on ID]…
                observation: --source S --subject X --predicate Y [--object JSON]
                outcome:     --source S --target ID --status success|failure|partial
                working:     --source S --thread T --state planning|executing|blocked|waiting|done [--summary TEXT]
                             [--next-action A]… [--question Q]… [--constraints JSON]
                Common: [--tag T]… [--scope S] [--sensitivity public|low|medium|high|hyper] [--timestamp RFC3339]
                """)
        @OptionGroup var common: CommonOptions
        /// What kind of memory an ingest makes, one per Membrane ingest call.
        enum Kind: String, CaseIterable, ExpressibleByArgument { case event, tool, observation, outcome, working }

        @Argument(help: "What to ingest.") var kind: Kind
        @Option var source = "vigil-cli"
        @Option(name: .customLong("kind"), help: "Event kind.") var eventKind = ""
        @Option var ref = ""
        @Option var summary = ""
        @Option var tool = ""
        @Option var args = ""
        @Option var result = ""
        @Option var dependsOn: [String] = []
        @Option var subject = ""
        @Option var predicate = ""
        @Option var object = ""
        @Option var target = ""
        @Option var status = ""
        @Option var thread = ""
        @Option var state = ""
        @Option(name: .customLong("next-action")) var nextActions: [String] = []
        @Option(name: .customLong("question")) var questions: [String] = []
        @Option var constraints = ""
        @Option(name: .customLong("tag")) var tags: [String] = []
        @Option var scope = ""
        @Option(help: "Default: [memory] default_sensitivity.") var sensitivity: Sensitivity?
        @Option var timestamp = ""

        func run() throws {
            try runReporting {
                let runtime = try common.open()
                let engine = runtime.memory
                let record: MemoryRecord
                switch kind {
                case .event:
                    var r = IngestEventRequest()
                    (r.source, r.eventKind, r.ref, r.summary, r.timestamp) = (source, eventKind, ref, summary, timestamp)
                    (r.tags, r.scope, r.sensitivity) = (tags, scope, sensitivity?.rawValue ?? "")
                    record = try engine.ingestEvent(r)
                case .tool:
                    var r = IngestToolOutputRequest()
                    (r.source, r.toolName, r.args, r.result, r.dependsOn) = (source, tool, Array(args.utf8), Array(result.utf8), dependsOn)
                    (r.timestamp, r.tags, r.scope, r.sensitivity) = (timestamp, tags, scope, sensitivity?.rawValue ?? "")
                    record = try engine.ingestToolOutput(r)
                case .observation:
                    var r = IngestObservationRequest()
                    (r.source, r.subject, r.predicate, r.object) = (source, subject, predicate, Array(object.utf8))
                    (r.timestamp, r.tags, r.scope, r.sensitivity) = (timestamp, tags, scope, sensitivity?.rawValue ?? "")
                    record = try engine.ingestObservation(r)
                case .outcome:
                    var r = IngestOutcomeRequest()
                    (r.source, r.targetRecordID, r.outcomeStatus, r.timestamp) = (source, target, status, timestamp)
                    record = try engine.ingestOutcome(r)
                case .working:
                    var r = IngestWorkingStateRequest()
                    (r.source, r.threadID, r.state, r.contextSummary) = (source, thread, state, summary)
                    (r.nextActions, r.openQuestions, r.activeConstraints) = (nextActions, questions, Array(constraints.utf8))
                    (r.timestamp, r.tags, r.scope, r.sensitivity) = (timestamp, tags, scope, sensitivity?.rawValue ?? "")
                    record = try engine.ingestWorkingState(r)
                }
                MemoryCommand.emitRecord(record, runtime, common)
            }
        }
    }

    struct Reinforce: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Raise a memory's salience by its reinforcement gain and reset its decay.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The record id.") var id: String
        @OptionGroup var who: Actor
        func run() throws {
            try MemoryCommand.curate(common, who) { runtime, actor in try runtime.memory.reinforce(id: id, by: actor) }
        }
    }

    struct Penalize: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lower a memory's current salience by an amount.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The record id.") var id: String
        @Option(help: "How much to subtract from the current salience (≥ 0).") var amount = 0.1
        @OptionGroup var who: Actor
        func run() throws {
            try MemoryCommand.curate(common, who) { runtime, actor in try runtime.memory.penalize(id: id, amount: amount, by: actor) }
        }
    }

    struct Retract: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Retract a memory: kept with its history, but no longer retrieved.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The record id.") var id: String
        @OptionGroup var who: Actor
        func run() throws {
            try MemoryCommand.curate(common, who) { runtime, actor in
                try runtime.memory.retract(id: id, by: actor)
                return try runtime.memory.record(id)!
            }
        }
    }

    struct Erase: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Erase a memory and every memory derived from it, leaving only a tombstone (who, when, why).",
            discussion: """
                For a request to forget (a person's right to erasure): the payload, its search entry, relations, \
                audit log and decision links go, and so do the records consolidation or a merge derived from it. On \
                SQLite the deleted bytes are overwritten and the search index and log purged, so the text is nowhere \
                in the file afterwards. Unlike `retract`, this cannot be undone.

                Example:
                  vigil memory erase 2f0c…-… --rationale "customer request #4411" --operator alice
                """)
        @OptionGroup var common: CommonOptions
        @Argument(help: "The record id.") var id: String
        @Option(name: .customLong("operator"), help: ArgumentHelp("Who erases (kept in the tombstone).", valueName: "name"))
        var operatorName: String?
        @Option(help: ArgumentHelp("Why (required; kept in the tombstone).", valueName: "text")) var rationale: String

        func run() throws {
            try runReporting {
                let runtime = try common.open()
                let actor = RevisionActor(actor: try resolveOperator(operatorName, config: runtime.config), rationale: rationale)
                let erased = try runtime.memory.erase(id: id, by: actor)
                common.emit(["erased": .array(erased.map { .string($0) }), "by": .string(actor.actor), "rationale": .string(rationale)]) {
                    "erased \(erased.count) record\(erased.count == 1 ? "" : "s") (\(erased.joined(separator: ", "))); tombstones keep who, when and why"
                }
            }
        }
    }

    struct Contest: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Mark a memory as disputed, optionally by a reference.")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The record id.") var id: String
        @Option(help: "What contests it (a record id, a ticket, anything).") var by = ""
        @OptionGroup var who: Actor
        func run() throws {
            try MemoryCommand.curate(common, who) { runtime, actor in
                try runtime.memory.contest(id: id, contestingRef: by, by: actor)
                return try runtime.memory.record(id)!
            }
        }
    }

    /// Reads a record JSON from a file or '-'.
    static func readRecord(_ path: String) throws -> [UInt8] {
        if path == "-" { return Array(FileHandle.standardInput.readDataToEndOfFile()) }
        guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("cannot read \(path)") }
        return Array(data)
    }

    struct Supersede: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Replace a memory with a new record (JSON from a file or '-').")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The record to supersede.") var id: String
        @Argument(help: "The new record's JSON file, or '-'.") var file: String
        @OptionGroup var who: Actor
        func run() throws {
            try MemoryCommand.curate(common, who) { runtime, actor in
                try runtime.memory.supersede(oldID: id, newRecord: try MemoryCommand.readRecord(file), by: actor)
            }
        }
    }

    struct Fork: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Derive a variant of a memory (JSON from a file or '-').")
        @OptionGroup var common: CommonOptions
        @Argument(help: "The source record.") var id: String
        @Argument(help: "The forked record's JSON file, or '-'.") var file: String
        @OptionGroup var who: Actor
        func run() throws {
            try MemoryCommand.curate(common, who) { runtime, actor in
                try runtime.memory.fork(sourceID: id, forkedRecord: try MemoryCommand.readRecord(file), by: actor)
            }
        }
    }

    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Merge memories into one new record (JSON from a file or '-').")
        @OptionGroup var common: CommonOptions
        @Option(name: .customLong("id"), help: "A record to merge (repeat for each).") var ids: [String] = []
        @Argument(help: "The merged record's JSON file, or '-'.") var file: String
        @OptionGroup var who: Actor
        func run() throws {
            try MemoryCommand.curate(common, who) { runtime, actor in
                try runtime.memory.merge(ids: ids, mergedRecord: try MemoryCommand.readRecord(file), by: actor)
            }
        }
    }

    struct Metrics: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the memory metrics snapshot.")
        @OptionGroup var common: CommonOptions
        func run() throws {
            try runReporting {
                let runtime = try common.open()
                announce("computing the memory metrics (a few seconds per million records)")
                let metrics = try runtime.memory.metrics()
                common.emit(metrics) {
                    JCS.sortedKeys(metrics.objectValue!).map { cell($0, 24) + metrics[$0]!.canonicalText }.joined(separator: "\n")
                }
            }
        }
    }

    struct Sweep: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the maintenance sweep now: persist decayed salience and prune under the retention rule.")
        @OptionGroup var common: CommonOptions
        func run() throws {
            try runReporting {
                let runtime = try common.open()
                announce("sweeping: persisting decayed salience and pruning past retention")
                let report = try runtime.memory.sweep()
                common.emit(["persisted": .int(Int64(report.persisted)), "pruned": JSONValue(report.pruned)]) {
                    "persisted salience of \(report.persisted) record(s); pruned \(report.pruned.count)"
                }
            }
        }
    }

    struct Consolidate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run consolidation now: compress old episodes, derive facts, competences and plan graphs.")
        @OptionGroup var common: CommonOptions
        func run() throws {
            try runReporting {
                let runtime = try common.open()
                announce("consolidating: compressing old episodes, deriving facts, competences and plans")
                let r = try runtime.memory.consolidate()
                let value: JSONValue = [
                    "compressed": .int(Int64(r.compressed)), "facts_created": .int(Int64(r.factsCreated)),
                    "facts_reinforced": .int(Int64(r.factsReinforced)), "competences_created": .int(Int64(r.competencesCreated)),
                    "competences_reinforced": .int(Int64(r.competencesReinforced)), "plans_created": .int(Int64(r.plansCreated)),
                ]
                common.emit(value) {
                    "compressed \(r.compressed) episode(s); facts +\(r.factsCreated) (reinforced \(r.factsReinforced)); competences +\(r.competencesCreated) (reinforced \(r.competencesReinforced)); plans +\(r.plansCreated)"
                }
            }
        }
    }
}

/// Memory types and sensitivity levels are choices `--help` lists and the parser checks.
extension MemoryType: ExpressibleByArgument {}
extension Sensitivity: ExpressibleByArgument {}
