import Foundation
import GRPCCore
import MembraneProto
import SwiftProtobuf
import VigilCore

/// Membrane's legacy v1 gRPC API (spec `membrane-grpc.md` §3–§12) over the ``MemoryEngine``: it translates messages
/// and errors; every rule lives in the engine.
public struct MembraneService: Membrane_V1_MembraneService.SimpleServiceProtocol {
    let engine: MemoryEngine

    public init(engine: MemoryEngine) { self.engine = engine }

    /// Runs `body` on a ``BlockingWork`` thread, mapping engine errors to gRPC statuses (spec §5.3). Unexpected
    /// failures become `INTERNAL` with details only in the log.
    private func serve<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        do {
            return try await BlockingWork.run(body)
        } catch let error as MemoryError {
            let code: RPCError.Code
            switch error {
            case .invalidArgument: code = .invalidArgument
            case .notFound: code = .notFound
            case .alreadyExists: code = .alreadyExists
            case .permissionDenied: code = .permissionDenied
            case .failedPrecondition: code = .failedPrecondition
            }
            throw RPCError(code: code, message: error.message)
        } catch let error as StoreError {
            switch error {
            case .unreachable, .connectionLost, .authenticationFailed, .busy:
                // Nothing was committed; the client may retry when the store is back.
                throw RPCError(code: .unavailable, message: "store unavailable: \(error.description)")
            default:
                throw RPCError(code: .internalError, message: "internal error")
            }
        } catch {
            throw RPCError(code: .internalError, message: "internal error")
        }
    }

    private func record(_ r: MemoryRecord) -> Data { Data(r.json(at: engine.currentTime).canonicalBytes) }

    private func trust(_ message: Membrane_V1_TrustContext?, present: Bool) -> TrustContextRequest? {
        guard present, let message else { return nil }
        var t = TrustContextRequest(maxSensitivity: message.maxSensitivity, scopes: message.scopes)
        t.authenticated = message.authenticated
        t.actorID = message.actorID
        return t
    }

    public func ingestEvent(request m: Membrane_V1_IngestEventRequest, context: ServerContext) async throws -> Membrane_V1_IngestResponse {
        var r = IngestEventRequest()
        (r.source, r.eventKind, r.ref, r.summary, r.timestamp) = (m.source, m.eventKind, m.ref, m.summary, m.timestamp)
        (r.tags, r.scope, r.sensitivity) = (m.tags, m.scope, m.sensitivity)
        let request = r
        let created = try await serve { try engine.ingestEvent(request) }
        return .with { $0.record = record(created) }
    }

    public func ingestToolOutput(request m: Membrane_V1_IngestToolOutputRequest, context: ServerContext) async throws -> Membrane_V1_IngestResponse {
        var r = IngestToolOutputRequest()
        (r.source, r.toolName, r.args, r.result, r.dependsOn) = (m.source, m.toolName, Array(m.args), Array(m.result), m.dependsOn)
        (r.timestamp, r.tags, r.scope, r.sensitivity) = (m.timestamp, m.tags, m.scope, m.sensitivity)
        let request = r
        let created = try await serve { try engine.ingestToolOutput(request) }
        return .with { $0.record = record(created) }
    }

    public func ingestObservation(request m: Membrane_V1_IngestObservationRequest, context: ServerContext) async throws -> Membrane_V1_IngestResponse {
        var r = IngestObservationRequest()
        (r.source, r.subject, r.predicate, r.object) = (m.source, m.subject, m.predicate, Array(m.object))
        (r.timestamp, r.tags, r.scope, r.sensitivity) = (m.timestamp, m.tags, m.scope, m.sensitivity)
        let request = r
        let created = try await serve { try engine.ingestObservation(request) }
        return .with { $0.record = record(created) }
    }

    public func ingestOutcome(request m: Membrane_V1_IngestOutcomeRequest, context: ServerContext) async throws -> Membrane_V1_IngestResponse {
        var r = IngestOutcomeRequest()
        (r.source, r.targetRecordID, r.outcomeStatus, r.timestamp) = (m.source, m.targetRecordID, m.outcomeStatus, m.timestamp)
        let request = r
        let created = try await serve { try engine.ingestOutcome(request) }
        return .with { $0.record = record(created) }
    }

    public func ingestWorkingState(request m: Membrane_V1_IngestWorkingStateRequest, context: ServerContext) async throws -> Membrane_V1_IngestResponse {
        var r = IngestWorkingStateRequest()
        (r.source, r.threadID, r.state, r.nextActions, r.openQuestions) = (m.source, m.threadID, m.state, m.nextActions, m.openQuestions)
        (r.contextSummary, r.activeConstraints, r.timestamp) = (m.contextSummary, Array(m.activeConstraints), m.timestamp)
        (r.tags, r.scope, r.sensitivity) = (m.tags, m.scope, m.sensitivity)
        let request = r
        let created = try await serve { try engine.ingestWorkingState(request) }
        return .with { $0.record = record(created) }
    }

    public func retrieve(request m: Membrane_V1_RetrieveRequest, context: ServerContext) async throws -> Membrane_V1_RetrieveResponse {
        var r = RetrieveRequest()
        r.taskDescriptor = m.taskDescriptor
        r.trust = trust(m.trust, present: m.hasTrust)
        (r.memoryTypes, r.minSalience, r.limit, r.includeInactive) = (m.memoryTypes, m.minSalience, m.limit, m.includeInactive)
        let request = r
        let result = try await serve { try engine.retrieve(request) }
        return .with {
            $0.records = result.recordsJSON.map { Data($0.canonicalBytes) }
            $0.selection = result.selection.map { Data($0.json(at: result.now).canonicalBytes) } ?? Data()
        }
    }

    public func retrieveByID(request m: Membrane_V1_RetrieveByIDRequest, context: ServerContext) async throws -> Membrane_V1_MemoryRecordResponse {
        let found = try await serve { try engine.retrieveByID(m.id, trust: trust(m.trust, present: m.hasTrust)) }
        return .with { $0.record = record(found) }
    }

    public func supersede(request m: Membrane_V1_SupersedeRequest, context: ServerContext) async throws -> Membrane_V1_MemoryRecordResponse {
        let new = try await serve { try engine.supersede(oldID: m.oldID, newRecord: Array(m.newRecord), by: RevisionActor(actor: m.actor, rationale: m.rationale)) }
        return .with { $0.record = record(new) }
    }

    public func fork(request m: Membrane_V1_ForkRequest, context: ServerContext) async throws -> Membrane_V1_MemoryRecordResponse {
        let new = try await serve { try engine.fork(sourceID: m.sourceID, forkedRecord: Array(m.forkedRecord), by: RevisionActor(actor: m.actor, rationale: m.rationale)) }
        return .with { $0.record = record(new) }
    }

    public func retract(request m: Membrane_V1_RetractRequest, context: ServerContext) async throws -> Membrane_V1_RetractResponse {
        try await serve { try engine.retract(id: m.id, by: RevisionActor(actor: m.actor, rationale: m.rationale)) }
        return .init()
    }

    public func merge(request m: Membrane_V1_MergeRequest, context: ServerContext) async throws -> Membrane_V1_MemoryRecordResponse {
        let new = try await serve { try engine.merge(ids: m.ids, mergedRecord: Array(m.mergedRecord), by: RevisionActor(actor: m.actor, rationale: m.rationale)) }
        return .with { $0.record = record(new) }
    }

    public func reinforce(request m: Membrane_V1_ReinforceRequest, context: ServerContext) async throws -> Membrane_V1_ReinforceResponse {
        _ = try await serve { try engine.reinforce(id: m.id, by: RevisionActor(actor: m.actor, rationale: m.rationale)) }
        return .init()
    }

    public func penalize(request m: Membrane_V1_PenalizeRequest, context: ServerContext) async throws -> Membrane_V1_PenalizeResponse {
        _ = try await serve { try engine.penalize(id: m.id, amount: m.amount, by: RevisionActor(actor: m.actor, rationale: m.rationale)) }
        return .init()
    }

    public func getMetrics(request: Membrane_V1_GetMetricsRequest, context: ServerContext) async throws -> Membrane_V1_MetricsResponse {
        let snapshot = try await serve { try engine.metrics() }
        return .with { $0.snapshot = Data(snapshot.canonicalBytes) }
    }

    public func contest(request m: Membrane_V1_ContestRequest, context: ServerContext) async throws -> Membrane_V1_ContestResponse {
        try await serve { try engine.contest(id: m.id, contestingRef: m.contestingRef, by: RevisionActor(actor: m.actor, rationale: m.rationale)) }
        return .init()
    }
}
