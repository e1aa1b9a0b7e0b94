import Foundation
import Logging

/// The memory engine: every semantic rule of Membrane's legacy v1 API (spec `membrane-grpc.md` §6–§12) on vigil's
/// store, with the deliberate differences of §15 (read-time decay, history kept, text relevance).
///
/// Every call reads the clock once; each mutating call is one SQLite transaction, so a refused call changes nothing.
public final class MemoryEngine: Sendable {
    package let store: any Store
    public let settings: MemorySettings
    let clock: any WallClock
    let logger: Logger
    /// The in-memory relevance index, for long-lived processes; `nil` ranks through FTS5 directly.
    let relevanceIndex: RelevanceIndex?

    /// - Parameter inMemoryRelevance: keep an in-memory relevance index (fast text ranking at any size, at the cost
    ///   of reading every record once). Servers and dashboards want it; one-shot CLI commands do not.
    package init(store: any Store, settings: MemorySettings = MemorySettings(), clock: any WallClock = SystemClock(),
                inMemoryRelevance: Bool = false, logger: Logger = Logger(label: "vigil.memory")) {
        self.store = store
        self.settings = settings
        self.clock = clock
        self.logger = logger
        relevanceIndex = inMemoryRelevance ? RelevanceIndex() : nil
    }

    /// Builds (or catches up) the in-memory relevance index now rather than on the first text query.
    /// - Returns: the number of records indexed, or 0 without an index.
    @discardableResult
    public func warmUp() throws -> Int {
        guard let index = relevanceIndex else { return 0 }
        try store.read { tx in try index.sync(tx) }
        return index.count
    }

    var defaults: MemoryDefaults { settings.defaults }

    func now() -> Nanoseconds { MemoryTime.nanoseconds(clock.now()) }

    // MARK: Ingestion (spec §6)

    public func ingestEvent(_ r: IngestEventRequest) throws -> MemoryRecord {
        try ingest([.event(r)])[0]
    }

    public func ingestToolOutput(_ r: IngestToolOutputRequest) throws -> MemoryRecord {
        try ingest([.toolOutput(r)])[0]
    }

    public func ingestObservation(_ r: IngestObservationRequest) throws -> MemoryRecord {
        try ingest([.observation(r)])[0]
    }

    public func ingestWorkingState(_ r: IngestWorkingStateRequest) throws -> MemoryRecord {
        try ingest([.workingState(r)])[0]
    }

    /// Ingests many records in one transaction: all of them, or none if any is refused. For bulk loads.
    public func ingest(_ requests: [MemoryIngestRequest]) throws -> [MemoryRecord] {
        let t = now()
        var records: [MemoryRecord] = []
        records.reserveCapacity(requests.count)
        for request in requests {
            switch request {
            case .event(let r): records.append(try eventRecord(r, now: t))
            case .toolOutput(let r): records.append(try toolOutputRecord(r, now: t))
            case .observation(let r): records.append(try observationRecord(r, now: t))
            case .workingState(let r): records.append(try workingStateRecord(r, now: t))
            }
        }
        try store.write { tx in
            for record in records { try tx.insertMemoryRecord(record) }
        }
        return records
    }

    func eventRecord(_ r: IngestEventRequest, now t: Nanoseconds) throws(MemoryError) -> MemoryRecord {
        try MemoryLimits.checkTags(r.tags)
        for (value, field) in [(r.source, "source"), (r.eventKind, "event_kind"), (r.ref, "ref"), (r.summary, "summary"),
                               (r.scope, "scope")] { try MemoryLimits.checkString(value, field) }
        let sensitivity = try parseSensitivity(r.sensitivity)
        let ts = try requestTime(r.timestamp, now: t)
        try policy(!r.source.isEmpty, "source is required")
        try policy(!r.eventKind.isEmpty, "event kind is required for event candidates")
        try policy(!r.ref.isEmpty, "event ref is required for event candidates")
        var timelineEntry: JSONObject = ["t": .string(MemoryTime.format(ts)), "event_kind": .string(r.eventKind), "ref": .string(r.ref)]
        if !r.summary.isEmpty { timelineEntry["summary"] = .string(r.summary) }
        let record = newRecord(
            type: .episodic, sensitivity: sensitivity, confidence: 0.8, scope: r.scope, tags: r.tags, now: t,
            source: ProvenanceSource(kind: "event", ref: r.ref, createdBy: r.source, timestamp: ts),
            payload: ["kind": "episodic", "timeline": [.object(timelineEntry)]], kindName: "event", sourceName: r.source)
        return record
    }

    func toolOutputRecord(_ r: IngestToolOutputRequest, now t: Nanoseconds) throws(MemoryError) -> MemoryRecord {
        try MemoryLimits.checkTags(r.tags)
        for (value, field) in [(r.source, "source"), (r.toolName, "tool_name"), (r.scope, "scope")] {
            try MemoryLimits.checkString(value, field)
        }
        try MemoryLimits.checkRepeated(r.dependsOn, "depends_on")
        let sensitivity = try parseSensitivity(r.sensitivity)
        let args = try MemoryJSON.parse(r.args, field: "args")
        if let args, args.objectValue == nil { throw MemoryError.invalidArgument("invalid args JSON: must be an object") }
        let result = try MemoryJSON.parse(r.result, field: "result")
        let ts = try requestTime(r.timestamp, now: t)
        try policy(!r.source.isEmpty, "source is required")
        try policy(!r.toolName.isEmpty, "tool name is required for tool output candidates")
        let nodeID = Identifiers.uuid()
        var node: JSONObject = ["id": .string(nodeID), "tool": .string(r.toolName), "timestamp": .string(MemoryTime.format(ts))]
        if let args, args != .object([:]) { node["args"] = args }
        if let result, !result.isNull { node["result"] = result }
        if !r.dependsOn.isEmpty { node["depends_on"] = JSONValue(r.dependsOn) }
        let record = newRecord(
            type: .episodic, sensitivity: sensitivity, confidence: 0.9, scope: r.scope, tags: r.tags, now: t,
            source: ProvenanceSource(kind: "tool_call", ref: "", createdBy: r.source, timestamp: ts),
            payload: [
                "kind": "episodic",
                "timeline": [["t": .string(MemoryTime.format(ts)), "event_kind": "tool_call", "ref": .string(nodeID),
                              "summary": .string("tool_call: \(r.toolName)")]],
                "tool_graph": [.object(node)],
            ], kindName: "tool_output", sourceName: r.source)
        return record
    }

    func observationRecord(_ r: IngestObservationRequest, now t: Nanoseconds) throws(MemoryError) -> MemoryRecord {
        try MemoryLimits.checkTags(r.tags)
        for (value, field) in [(r.source, "source"), (r.subject, "subject"), (r.predicate, "predicate"), (r.scope, "scope")] {
            try MemoryLimits.checkString(value, field)
        }
        let sensitivity = try parseSensitivity(r.sensitivity)
        let object = try MemoryJSON.parse(r.object, field: "object")
        let ts = try requestTime(r.timestamp, now: t)
        try policy(!r.source.isEmpty, "source is required")
        try policy(!r.subject.isEmpty, "observation subject is required")
        try policy(!r.predicate.isEmpty, "observation predicate is required")
        let record = newRecord(
            type: .semantic, sensitivity: sensitivity, confidence: 0.7, scope: r.scope, tags: r.tags, now: t,
            source: ProvenanceSource(kind: "observation", ref: "", createdBy: r.source, timestamp: ts),
            payload: [
                "kind": "semantic", "subject": .string(r.subject), "predicate": .string(r.predicate),
                "object": object ?? .null, "validity": ["mode": "global"],
                "evidence": [["source_type": "observation", "source_id": .string(r.source), "timestamp": .string(MemoryTime.format(ts))]],
                "revision_policy": "replace",
            ], kindName: "observation", sourceName: r.source)
        return record
    }

    func workingStateRecord(_ r: IngestWorkingStateRequest, now t: Nanoseconds) throws(MemoryError) -> MemoryRecord {
        try MemoryLimits.checkTags(r.tags)
        for (value, field) in [(r.source, "source"), (r.threadID, "thread_id"), (r.contextSummary, "context_summary"),
                               (r.scope, "scope"), (r.state, "state")] { try MemoryLimits.checkString(value, field) }
        try MemoryLimits.checkRepeated(r.nextActions, "next_actions")
        try MemoryLimits.checkRepeated(r.openQuestions, "open_questions")
        let sensitivity = try parseSensitivity(r.sensitivity)
        let constraints = try MemoryJSON.parse(r.activeConstraints, field: "active_constraints")
        if let constraints {
            guard case .array(let items) = constraints,
                items.allSatisfy({ $0.objectValue != nil && ($0["type"]?.stringValue != nil) && ($0["key"]?.stringValue != nil) })
            else {
                throw MemoryError.invalidArgument("invalid active_constraints JSON: must be an array of {type, key, value, required?}")
            }
        }
        let states = ["planning", "executing", "blocked", "waiting", "done"]
        if !r.state.isEmpty, !states.contains(r.state) {
            throw MemoryError.invalidArgument("state must be one of: \(states.joined(separator: ", "))")
        }
        let ts = try requestTime(r.timestamp, now: t)
        try policy(!r.source.isEmpty, "source is required")
        try policy(!r.threadID.isEmpty, "working state thread_id is required")
        try policy(!r.state.isEmpty, "working state state is required")
        var payload: JSONObject = ["kind": "working", "thread_id": .string(r.threadID), "state": .string(r.state)]
        if let constraints, constraints != .array([]) { payload["active_constraints"] = constraints }
        if !r.nextActions.isEmpty { payload["next_actions"] = JSONValue(r.nextActions) }
        if !r.openQuestions.isEmpty { payload["open_questions"] = JSONValue(r.openQuestions) }
        if !r.contextSummary.isEmpty { payload["context_summary"] = .string(r.contextSummary) }
        let record = newRecord(
            type: .working, sensitivity: sensitivity, confidence: 1.0, scope: r.scope, tags: r.tags, now: t,
            source: ProvenanceSource(kind: "event", ref: "", createdBy: r.source, timestamp: ts),
            payload: payload, kindName: "working_state", sourceName: r.source)
        return record
    }

    /// `IngestOutcome` (spec §6.3): the one mutation of an episodic record.
    public func ingestOutcome(_ r: IngestOutcomeRequest) throws -> MemoryRecord {
        for (value, field) in [(r.source, "source"), (r.targetRecordID, "target_record_id")] {
            try MemoryLimits.checkString(value, field)
        }
        let statuses = ["success", "failure", "partial"]
        if !r.outcomeStatus.isEmpty, !statuses.contains(r.outcomeStatus) {
            throw MemoryError.invalidArgument("outcome_status must be one of: success, failure, partial")
        }
        let t = now()
        let ts = try requestTime(r.timestamp, now: t)
        try policy(!r.source.isEmpty, "source is required")
        try policy(!r.targetRecordID.isEmpty, "outcome target_record_id is required")
        try policy(!r.outcomeStatus.isEmpty, "outcome status is required")
        return try store.write { tx in
            guard var record = try tx.memoryRecord(r.targetRecordID) else { throw MemoryError.notFound(r.targetRecordID) }
            guard record.type == .episodic else {
                throw MemoryError.invalidArgument("ingestion: target record \(r.targetRecordID) is not episodic")
            }
            let previous = record
            record.payload["outcome"] = .string(r.outcomeStatus)
            record.provenance.sources.append(
                ProvenanceSource(kind: "outcome", ref: "outcome:\(record.id):\(r.outcomeStatus)", createdBy: r.source, timestamp: ts))
            record.auditLog.append(AuditEntry(action: "revise", actor: r.source, timestamp: t, rationale: "Outcome recorded: \(r.outcomeStatus)"))
            record.updatedAt = ts
            try tx.updateMemoryRecord(record, previous: previous, reindex: true)
            return record
        }
    }

    // MARK: Helpers

    func newRecord(
        type: MemoryType, sensitivity: Sensitivity, confidence: Double, scope: String, tags: [String], now t: Nanoseconds,
        source: ProvenanceSource, payload: JSONObject, kindName: String, sourceName: String
    ) -> MemoryRecord {
        MemoryRecord(
            id: Identifiers.uuid(), type: type, sensitivity: sensitivity, confidence: confidence, base: 1.0, scope: scope,
            tags: tags, createdAt: t, updatedAt: t,
            lifecycle: Lifecycle(decay: defaults.decay(for: type), lastReinforcedAt: t, pinned: false, deletionPolicy: "auto_prune"),
            provenance: Provenance(sources: [source], createdBy: "ingestion-service"), relations: [], payload: payload,
            auditLog: [AuditEntry(action: "create", actor: "ingestion-service", timestamp: t,
                                  rationale: "Ingested \(kindName) from \(sourceName)")],
            status: .active)
    }

    func parseSensitivity(_ raw: String) throws(MemoryError) -> Sensitivity {
        if raw.isEmpty { return defaults.sensitivity }
        guard let level = Sensitivity(rawValue: raw) else {
            throw MemoryError.invalidArgument("sensitivity must be one of: \(Sensitivity.list)")
        }
        return level
    }

    func requestTime(_ raw: String, now t: Nanoseconds) throws(MemoryError) -> Nanoseconds {
        if raw.isEmpty { return t }
        guard let ns = MemoryTime.parse(raw) else {
            throw MemoryError.invalidArgument("invalid timestamp: \(raw.prefix(64)) is not RFC 3339")
        }
        return ns
    }

    func policy(_ condition: Bool, _ message: String) throws(MemoryError) {
        if !condition { throw MemoryError.invalidArgument("ingestion policy: \(message)") }
    }

    /// Validates a TrustContext as Retrieve and RetrieveByID require (spec §5.2).
    func validateTrust(_ trust: TrustContextRequest?) throws(MemoryError) -> TrustContext {
        guard let trust else { throw MemoryError.invalidArgument("trust context is required") }
        guard !trust.maxSensitivity.isEmpty else { throw MemoryError.invalidArgument("trust.max_sensitivity is required") }
        guard let level = Sensitivity(rawValue: trust.maxSensitivity) else {
            throw MemoryError.invalidArgument("trust.max_sensitivity must be one of: \(Sensitivity.list)")
        }
        try MemoryLimits.checkRepeated(trust.scopes, "scopes")
        try MemoryLimits.checkString(trust.actorID, "actor_id")
        return TrustContext(maxSensitivity: level, authenticated: trust.authenticated, actorID: trust.actorID, scopes: trust.scopes)
    }

    // MARK: Reading

    /// `RetrieveByID` (spec §8.7): any status, full view only.
    public func retrieveByID(_ id: String, trust: TrustContextRequest?) throws -> MemoryRecord {
        let context = try validateTrust(trust)
        try MemoryLimits.checkString(id, "id")
        guard let record = try store.read({ tx in try tx.memoryRecord(id) }) else { throw MemoryError.notFound(id) }
        guard context.view(of: record.sensitivity, scope: record.scope) == .full else { throw MemoryError.permissionDenied }
        return record
    }

    /// The operator's full-visibility read, for the dashboard and CLI: any record, any status.
    public func record(_ id: String) throws -> MemoryRecord? {
        try store.read { tx in try tx.memoryRecord(id) }
    }

    /// The salience `record` has right now.
    public func currentSalience(of record: MemoryRecord) -> Double { record.salience(at: now()) }

    /// The current time as the engine sees it, in nanoseconds.
    public var currentTime: Nanoseconds { now() }
}
