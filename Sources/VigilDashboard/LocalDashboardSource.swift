import Foundation
import Synchronization
import VigilCore
import VigilTUI

/// The dashboard on a local store: queries through ``DashboardReader``, actions through the engines, changes by
/// polling the store's change signal.
public struct LocalDashboardSource: DashboardSource {
    public struct Engines: Sendable {
        package var store: any Store
        /// `nil` in read-only mode (opening the decision engine registers the receipt key: a write).
        public var decisions: DecisionEngine?
        public var memory: MemoryEngine
        package init(store: any Store, decisions: DecisionEngine?, memory: MemoryEngine) {
            (self.store, self.decisions, self.memory) = (store, decisions, memory)
        }
    }

    let engines: Engines
    let reader: DashboardReader
    let pollInterval: Duration

    public init(engines: Engines, pollInterval: Duration = .milliseconds(250)) {
        self.engines = engines
        reader = DashboardReader(store: engines.store)
        self.pollInterval = pollInterval
    }

    public func execute(_ effect: Effect, operatorName: String) async -> Action {
        perform(effect, operatorName: operatorName)
    }

    /// Runs one store effect and returns what it found (synchronously: the benchmark times it).
    public func perform(_ effect: Effect, operatorName: String) -> Action {
        let now = Date()
        do {
            switch effect {
            case .loadDecisions(let after, let filterText):
                var filter = DecisionFilter()
                if let filterText, case .success(let parsed) = DecisionFilter.parse(filterText) { filter = parsed }
                let limit = 200
                let rows = try reader.decisions(after: after, limit: limit, statuses: filter.statuses.map(\.rawValue), agent: filter.agent, text: filter.text)
                return .decisionsLoaded(rows, appended: after != nil, hasMore: rows.count == limit)
            case .loadApprovals:
                return .approvalsLoaded(try reader.pendingApprovals(limit: 500, now: now))
            case .loadPending:
                let rows = try reader.pendingApprovals(limit: 500, now: now)
                return .pendingLoaded(count: try reader.pendingCount(now: now), ids: Set(rows.map(\.id)))
            case .loadAgents:
                return .agentsLoaded(try reader.agents())
            case .loadMetrics:
                return .metricsLoaded(try metricsLines(), at: now)
            case .loadActivity:
                return .activityLoaded(try reader.activity(now: now), at: now)
            case .replayPolicies(let path):
                let rules: VigilConfig
                do {
                    rules = try Self.replayRules(path)
                } catch {
                    return .loadFailed(error.description)
                }
                let report = try DecisionEngine.replayPolicies(in: engines.store, rules)
                return .replayLoaded(ReplayView(path: path, report: report.json()))
            case .loadMemory(let query):
                return .memoryLoaded(try Self.memoryRows(query, reader: reader, engine: engines.memory))
            case .loadDecisionDetail(let id):
                return .detailLoaded(try reader.decisionDetail(id).map(Detail.decision) ?? .missing(id))
            case .loadMemoryDetail(let id):
                guard let record = try engines.memory.record(id) else { return .detailLoaded(.missing(id)) }
                return .detailLoaded(.memory(try memoryDetail(record)))
            case .loadMemoryHistory(let id):
                guard let history = try engines.memory.history(of: id) else { return .loadFailed("no memory record has id \(id)") }
                return .historyLoaded(history)
            case .resolveApproval(let id, let approve, let rationale):
                guard let decisions = engines.decisions else {
                    return .actionFinished(targetID: id, refusal: "read-only mode: nothing was decided", message: "")
                }
                var arguments: JSONObject = ["approval_id": .string(id), "resolution": .string(approve ? "approve" : "reject")]
                if let rationale { arguments["rationale"] = .string(rationale) }
                do {
                    let result = try decisions.resolveApproval(arguments, operatorID: operatorName)
                    let status = result["status"]?.stringValue ?? (approve ? "approved" : "rejected")
                    return .actionFinished(targetID: id, refusal: nil, message: "\(DisplayWidth.middle(id, 16)) \(status) by \(operatorName)")
                } catch let error as DecisionError {
                    return .actionFinished(targetID: id, refusal: Self.refusal(error, id: id, reader: reader), message: "")
                } catch let error as StoreError {
                    return .actionFinished(targetID: id, refusal: "error: \(error); nothing was decided. Try again.", message: "")
                }
            case .resolveApprovals(let ids, let approve, let rationale):
                // Each request on its own: one that expired or was resolved meanwhile is reported, the others go on.
                return .bulkFinished(ids.map { id in
                    guard case .actionFinished(_, let refusal, _) = perform(
                        .resolveApproval(id: id, approve: approve, rationale: rationale), operatorName: operatorName)
                    else { return BulkResult(id: id, refusal: "error: no answer; nothing was decided") }
                    return BulkResult(id: id, refusal: refusal)
                })
            case .revealMemory(let id, let rationale):
                guard engines.decisions != nil else {
                    return .actionFinished(targetID: id, refusal: "read-only mode: nothing was revealed", message: "")
                }
                do {
                    let record = try engines.memory.reveal(id: id, by: RevisionActor(actor: operatorName, rationale: rationale))
                    return .revealed(RevealedPayload(id: id, lines: JSONValue.object(record.payload).prettyText.split(separator: "\n").map(String.init)))
                } catch let error as MemoryError {
                    return .actionFinished(targetID: id, refusal: "error: \(error.message); nothing was revealed", message: "")
                }
            case .memoryAction(let kind, let id, let rationale):
                let actor = RevisionActor(actor: operatorName, rationale: rationale)
                do {
                    switch kind {
                    case .reinforce: _ = try engines.memory.reinforce(id: id, by: actor)
                    case .penalize: _ = try engines.memory.penalize(id: id, amount: 0.1, by: actor)
                    case .retract: try engines.memory.retract(id: id, by: actor)
                    case .contest: try engines.memory.contest(id: id, contestingRef: "operator:\(operatorName)", by: actor)
                    case .approve, .reject, .snooze, .reveal: break
                    }
                    return .actionFinished(targetID: id, refusal: nil, message: "\(kind.pastTense) \(DisplayWidth.middle(id, 16))")
                } catch let error as MemoryError {
                    return .actionFinished(targetID: id, refusal: "error: \(error.message)", message: "")
                }
            case .bell, .quit:
                return .tick(now)
            }
        } catch {
            return .loadFailed("\(error)")
        }
    }

    /// The configuration whose policies `:replay PATH` replays under (`~` expands).
    static func replayRules(_ path: String) throws(ConfigError) -> VigilConfig {
        let expanded = (path as NSString).expandingTildeInPath
        guard FileManager.default.fileExists(atPath: expanded) else {
            throw ConfigError.unreadable(path: path, reason: "no such file")
        }
        return try VigilConfig.load(path: expanded)
    }

    /// The agents view's aggregates: decisions by status, pending requests, memory metrics, the file sizes.
    func metricsLines() throws -> [String] {
        var lines = Self.decisionCountLines(try reader.decisionCounts())
        lines += Self.memoryMetricsLines(try engines.memory.metrics())
        let usage = engines.store.usage()
        lines.append("Store")
        var line = String(format: "  %@ · %.1f MB", usage.name, Double(usage.bytes) / 1_048_576)
        if let log = usage.logBytes { line += String(format: " · WAL %.1f MB", Double(log) / 1_048_576) }
        lines.append(line + " · polled every 250 ms")
        return lines
    }

    /// The Decisions block of the agents view: one line per stored status (`needs_approval` shown as pending).
    static func decisionCountLines(_ counts: [(status: String, count: Int)]) -> [String] {
        ["Decisions"] + counts.map { "  \($0.status == "needs_approval" ? "pending" : $0.status): \($0.count)" }
    }

    /// The Memory block of the agents view, from a metrics snapshot (the engine's, or a remote's GetMetrics).
    static func memoryMetricsLines(_ m: JSONValue) -> [String] {
        var lines = ["Memory"]
        lines.append("  records \(m["total_records"]?.integerValue ?? 0) · active \(m["active_records"]?.integerValue ?? 0) · audit entries \(m["total_audit_entries"]?.integerValue ?? 0)")
        if let byType = m["records_by_type"]?.objectValue {
            lines.append("  " + byType.keys.sorted().map { "\($0) \(byType[$0]?.integerValue ?? 0)" }.joined(separator: " · "))
        }
        lines.append(String(format: "  avg salience %.2f · avg confidence %.2f", m["avg_salience"]?.numberValue ?? 0, m["avg_confidence"]?.numberValue ?? 0))
        if let distribution = m["salience_distribution"]?.objectValue {
            lines.append("  salience " + distribution.keys.sorted().map { "\($0): \(distribution[$0]?.integerValue ?? 0)" }.joined(separator: " · "))
        }
        return lines
    }

    /// The notice a refused resolution shows, from the request's current state.
    static func refusal(_ error: DecisionError, id: String, reader: DashboardReader) -> String {
        if let current = try? reader.approval(id), current.status != .pending {
            if current.status == .expired { return "Expired at \(current.expiresAt). Nothing was decided." }
            return "Already \(current.status.rawValue) by someone else. Nothing was decided."
        }
        return "error: \(error.data). Nothing was decided."
    }

    /// The browser's page for `query`: newest first, filtered by salience after the index walk.
    public static func memoryRows(_ query: MemoryQuery, reader: DashboardReader, engine: MemoryEngine, limit: Int = 100) throws -> [MemoryRow] {
        try reader.memoryBrowser(
            text: query.text, types: query.types.map(\.rawValue), maxSensitivity: query.maxSensitivity.rawValue, minSalience: query.minSalience,
            limit: limit, now: engine.currentTime
        )
    }

    /// One provenance source as the memory detail lists it.
    static func provenanceLine(kind: String, ref: String, createdBy: String) -> String {
        "\(kind) \(ref)\(createdBy.isEmpty ? "" : " by " + createdBy)"
    }

    /// One audit entry as the memory detail lists it.
    static func auditLine(timestamp: String, action: String, actor: String, rationale: String) -> String {
        "\(Timestamp.local(timestamp)) \(action) by \(actor)\(rationale.isEmpty ? "" : " · " + rationale)"
    }

    /// The detail's payload: pretty JSON, masked from `high` up.
    static func payloadLines(_ payload: JSONObject, sensitivity: String) -> [String] {
        guard sensitivity != "high", sensitivity != "hyper" else {
            return ["•••••• \(sensitivity) · masked · v reveals it (asks why; written to the audit log)"]
        }
        return JSONValue.object(payload).prettyText.split(separator: "\n").map(String.init)
    }

    /// The one line a list shows for a record's payload: its summary, a fact, a tool call, or a name.
    func memoryDetail(_ record: MemoryRecord) throws -> MemoryDetail {
        let engine = engines.memory
        var relations: [MemoryDetail.Relation] = []
        for relation in record.relations {
            relations.append(.init(predicate: relation.predicate, targetID: relation.targetID, inStore: try engine.record(relation.targetID) != nil))
        }
        let payload = Self.payloadLines(record.payload, sensitivity: record.sensitivity.rawValue)
        return MemoryDetail(
            row: MemoryBrowserRow(record, salience: engine.currentSalience(of: record)), confidence: record.confidence, scope: record.scope, tags: record.tags,
            createdAt: MemoryTime.format(record.createdAt),
            provenance: record.provenance.sources.map { Self.provenanceLine(kind: $0.kind, ref: $0.ref, createdBy: $0.createdBy) },
            payload: payload, relations: relations,
            audit: record.auditLog.map {
                Self.auditLine(timestamp: MemoryTime.format($0.timestamp), action: $0.action, actor: $0.actor, rationale: $0.rationale)
            },
            decisions: try engine.decisions(linkedFrom: record.id))
    }

    /// Polls the store's change signal every `pollInterval`; posts `.dataChanged` when another commit landed and
    /// `.pollSucceeded` either way, backing off while the database is unreadable.
    public func watch(post: @escaping @Sendable (Action) -> Void) async {
        // The signal is opened lazily and reopened after a failure (the file may come back).
        let signal = Mutex<(any StoreChangeSignal)?>(nil)
        await pollForChanges(every: pollInterval, post: post, describe: { error, backoff in "\(error), retrying every \(backoff)s" }) {
            do {
                return try signal.withLock { current in
                    if current == nil { current = try engines.store.changeSignal() }
                    return try current!.version()
                }
            } catch {
                signal.withLock { $0 = nil }
                throw error
            }
        }
    }
}
