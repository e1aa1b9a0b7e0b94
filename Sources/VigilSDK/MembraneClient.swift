import Foundation
import VigilCore
import VigilRemote

/// A Membrane client: the Swift mirror of the Python `membrane-client`, over gRPC or in-process.
///
/// ```swift
/// let memory = try MembraneClient(address: "127.0.0.1:9090", apiKey: key)
/// let event = try await memory.ingestEvent(eventKind: "user_message", ref: "m1", summary: "prefers dark mode")
/// let found = try await memory.retrieve("dark mode", trust: TrustContext(maxSensitivity: .low))   // trust is required
/// try await memory.reinforce(event.id, actor: "me", rationale: "useful")
/// ```
public final class MembraneClient: Sendable {
    public let address: String
    /// The `source` recorded on ingested records when a call names none.
    public let source: String
    let transport: any MemoryTransport

    /// - Parameters:
    ///   - address: `host:port` of the gRPC endpoint (remote backend).
    ///   - tls: connect with TLS; `tlsCACert` is a PEM file of roots to trust (default: the system's).
    ///   - apiKey: sent as `authorization: Bearer <key>`: `MEMBRANE_API_KEY` or a vigil agent key.
    ///   - timeout: seconds each call may take.
    ///   - source: the default `source` of ingested records.
    ///   - backend: ``MembraneBackend/remote`` (default) or ``MembraneBackend/embedded(path:config:)``.
    public init(
        address: String = "127.0.0.1:9090", tls: Bool = false, tlsCACert: String? = nil, apiKey: String? = nil,
        timeout: Double = 30, source: String = "swift-client", backend: MembraneBackend = .remote
    ) throws(MembraneError) {
        self.address = address
        self.source = source
        switch backend {
        case .remote:
            guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]), (1...65535).contains(port) else {
                throw MembraneError(code: .invalidArgument, message: "address must be host:port, not '\(address)'")
            }
            let host = String(address[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            do {
                transport = RemoteMemory(connection: try MembraneConnection(
                    host: host, port: port, apiKey: apiKey, timeout: timeout, tls: tls, caCertificate: tlsCACert))
            } catch {
                throw MembraneError(code: .unavailable, message: error.description)
            }
        case .embedded(let path, let config):
            transport = try EmbeddedMemory(path: path, config: config)
        }
    }

    /// Closes the connection once in-flight calls finish.
    public func close() async { await transport.close() }

    // MARK: Ingest

    /// An episodic record of something that happened (a message, a tool call, an error).
    public func ingestEvent(
        eventKind: String, ref: String, summary: String = "", timestamp: String = "", tags: [String] = [], scope: String = "",
        sensitivity: Sensitivity? = nil, source: String? = nil
    ) async throws(MembraneError) -> MemoryRecord {
        var r = IngestEventRequest()
        (r.source, r.eventKind, r.ref, r.summary, r.timestamp) = (source ?? self.source, eventKind, ref, summary, timestamp)
        (r.tags, r.scope, r.sensitivity) = (tags, scope, sensitivity?.rawValue ?? "")
        return try MemoryRecord(json: try await transport.ingestEvent(r))
    }

    /// An episodic record of a tool's output; `args` and `result` are any JSON.
    public func ingestToolOutput(
        toolName: String, args: JSONValue = [:], result: JSONValue = .null, dependsOn: [String] = [], timestamp: String = "",
        tags: [String] = [], scope: String = "", sensitivity: Sensitivity? = nil, source: String? = nil
    ) async throws(MembraneError) -> MemoryRecord {
        var r = IngestToolOutputRequest()
        (r.source, r.toolName, r.args, r.result, r.dependsOn) = (source ?? self.source, toolName, args.canonicalBytes, result.canonicalBytes, dependsOn)
        (r.timestamp, r.tags, r.scope, r.sensitivity) = (timestamp, tags, scope, sensitivity?.rawValue ?? "")
        return try MemoryRecord(json: try await transport.ingestToolOutput(r))
    }

    /// A semantic fact: `subject` `predicate` `object`.
    public func ingestObservation(
        subject: String, predicate: String, object: JSONValue, timestamp: String = "", tags: [String] = [], scope: String = "",
        sensitivity: Sensitivity? = nil, source: String? = nil
    ) async throws(MembraneError) -> MemoryRecord {
        var r = IngestObservationRequest()
        (r.source, r.subject, r.predicate, r.object) = (source ?? self.source, subject, predicate, object.canonicalBytes)
        (r.timestamp, r.tags, r.scope, r.sensitivity) = (timestamp, tags, scope, sensitivity?.rawValue ?? "")
        return try MemoryRecord(json: try await transport.ingestObservation(r))
    }

    /// How an earlier episodic record turned out (`success`, `partial`, `failure`); returns the updated target.
    public func ingestOutcome(
        targetRecordID: String, outcomeStatus: String, timestamp: String = "", source: String? = nil
    ) async throws(MembraneError) -> MemoryRecord {
        var r = IngestOutcomeRequest()
        (r.source, r.targetRecordID, r.outcomeStatus, r.timestamp) = (source ?? self.source, targetRecordID, outcomeStatus, timestamp)
        return try MemoryRecord(json: try await transport.ingestOutcome(r))
    }

    /// A working-memory snapshot of a thread: its state, next actions and open questions.
    public func ingestWorkingState(
        threadID: String, state: String, nextActions: [String] = [], openQuestions: [String] = [], contextSummary: String = "",
        activeConstraints: JSONValue? = nil, timestamp: String = "", tags: [String] = [], scope: String = "",
        sensitivity: Sensitivity? = nil, source: String? = nil
    ) async throws(MembraneError) -> MemoryRecord {
        var r = IngestWorkingStateRequest()
        (r.source, r.threadID, r.state, r.nextActions, r.openQuestions) = (source ?? self.source, threadID, state, nextActions, openQuestions)
        (r.contextSummary, r.activeConstraints, r.timestamp) = (contextSummary, activeConstraints?.canonicalBytes ?? [], timestamp)
        (r.tags, r.scope, r.sensitivity) = (tags, scope, sensitivity?.rawValue ?? "")
        return try MemoryRecord(json: try await transport.ingestWorkingState(r))
    }

    // MARK: Retrieve

    /// Records for a task, ranked by relevance × salience × recency. Records one level above `trust` come back
    /// redacted (``MemoryRecord/isRedacted``), higher ones not at all. `limit` 0 returns every candidate.
    public func retrieve(
        _ taskDescriptor: String, trust: TrustContext, memoryTypes: [MemoryType] = [], minSalience: Double = 0,
        limit: Int = 10, includeInactive: Bool = false
    ) async throws(MembraneError) -> [MemoryRecord] {
        try await retrieveWithSelection(
            taskDescriptor, trust: trust, memoryTypes: memoryTypes, minSalience: minSalience, limit: limit,
            includeInactive: includeInactive
        ).records
    }

    /// ``retrieve(_:trust:memoryTypes:minSalience:limit:includeInactive:)`` plus the selection among competence and
    /// plan-graph candidates, when there were any.
    public func retrieveWithSelection(
        _ taskDescriptor: String, trust: TrustContext, memoryTypes: [MemoryType] = [], minSalience: Double = 0,
        limit: Int = 10, includeInactive: Bool = false
    ) async throws(MembraneError) -> (records: [MemoryRecord], selection: Selection?) {
        var r = RetrieveRequest()
        r.taskDescriptor = taskDescriptor
        r.trust = Self.request(trust)
        (r.memoryTypes, r.minSalience, r.limit, r.includeInactive) = (memoryTypes.map(\.rawValue), minSalience, Int32(clamping: limit), includeInactive)
        let answer = try await transport.retrieve(r)
        var records: [MemoryRecord] = []
        for json in answer.records { records.append(try MemoryRecord(json: json)) }
        return (records, try answer.selection.map { json throws(MembraneError) in try Selection(json: json) })
    }

    /// One record by id; `PERMISSION_DENIED` when `trust` may not see it.
    public func retrieveByID(_ id: String, trust: TrustContext) async throws(MembraneError) -> MemoryRecord {
        try MemoryRecord(json: try await transport.retrieveByID(id, trust: Self.request(trust)))
    }

    // MARK: Revise

    /// Replaces `oldID` with `newRecord` (record JSON as the spec's §7.5 describes); returns the new record.
    public func supersede(_ oldID: String, newRecord: JSONValue, actor: String, rationale: String) async throws(MembraneError) -> MemoryRecord {
        try MemoryRecord(json: try await transport.supersede(oldID: oldID, newRecord: newRecord.canonicalBytes, by: RevisionActor(actor: actor, rationale: rationale)))
    }

    /// A variant of `sourceID` that coexists with it; returns the fork.
    public func fork(_ sourceID: String, forkedRecord: JSONValue, actor: String, rationale: String) async throws(MembraneError) -> MemoryRecord {
        try MemoryRecord(json: try await transport.fork(sourceID: sourceID, forkedRecord: forkedRecord.canonicalBytes, by: RevisionActor(actor: actor, rationale: rationale)))
    }

    /// Withdraws a record (kept, with salience 0, for the audit trail).
    public func retract(_ id: String, actor: String, rationale: String) async throws(MembraneError) {
        try await transport.retract(id: id, by: RevisionActor(actor: actor, rationale: rationale))
    }

    /// Folds `ids` into `mergedRecord`; returns the merged record.
    public func merge(_ ids: [String], mergedRecord: JSONValue, actor: String, rationale: String) async throws(MembraneError) -> MemoryRecord {
        try MemoryRecord(json: try await transport.merge(ids: ids, mergedRecord: mergedRecord.canonicalBytes, by: RevisionActor(actor: actor, rationale: rationale)))
    }

    /// Marks a record as disputed by `contestingRef` (any reference: a record id, a ticket).
    public func contest(_ id: String, contestingRef: String, actor: String, rationale: String) async throws(MembraneError) {
        try await transport.contest(id: id, contestingRef: contestingRef, by: RevisionActor(actor: actor, rationale: rationale))
    }

    /// Raises a record's salience by its reinforcement gain and restarts its decay.
    public func reinforce(_ id: String, actor: String, rationale: String) async throws(MembraneError) {
        try await transport.reinforce(id: id, by: RevisionActor(actor: actor, rationale: rationale))
    }

    /// Lowers a record's salience by `amount`.
    public func penalize(_ id: String, amount: Double, actor: String, rationale: String) async throws(MembraneError) {
        try await transport.penalize(id: id, amount: amount, by: RevisionActor(actor: actor, rationale: rationale))
    }

    /// The store's metrics snapshot (totals by type, salience, usefulness).
    public func getMetrics() async throws(MembraneError) -> JSONValue { try await transport.metrics() }

    private static func request(_ t: TrustContext) -> TrustContextRequest {
        var r = TrustContextRequest(maxSensitivity: t.maxSensitivity.rawValue, scopes: t.scopes)
        r.authenticated = t.authenticated
        r.actorID = t.actorID
        return r
    }
}
