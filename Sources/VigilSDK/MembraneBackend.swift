import Foundation
import GRPCCore
import MembraneProto
import SwiftProtobuf
import VigilCore
import VigilStores
import VigilRemote

/// Where a ``MembraneClient`` sends its calls.
public enum MembraneBackend: Sendable {
    /// gRPC to the client's address: `vigil serve`, a Membrane daemon.
    case remote
    /// The memory engine in this process, on the vigil store at `path` (a SQLite file, or a `postgres://` URL), with the `[memory]` settings of `config`
    /// (`nil`: `$VIGIL_CONFIG`, else `~/.config/vigil/config.toml`). No key is checked: whoever can open the file
    /// has it all.
    case embedded(path: String, config: String? = nil)
}

/// The fifteen calls, on the core's request types (field for field the protobuf messages), answering record JSON.
protocol MemoryTransport: Sendable {
    func ingestEvent(_ r: IngestEventRequest) async throws(MembraneError) -> JSONValue
    func ingestToolOutput(_ r: IngestToolOutputRequest) async throws(MembraneError) -> JSONValue
    func ingestObservation(_ r: IngestObservationRequest) async throws(MembraneError) -> JSONValue
    func ingestOutcome(_ r: IngestOutcomeRequest) async throws(MembraneError) -> JSONValue
    func ingestWorkingState(_ r: IngestWorkingStateRequest) async throws(MembraneError) -> JSONValue
    func retrieve(_ r: RetrieveRequest) async throws(MembraneError) -> (records: [JSONValue], selection: JSONValue?)
    func retrieveByID(_ id: String, trust: TrustContextRequest?) async throws(MembraneError) -> JSONValue
    func supersede(oldID: String, newRecord: [UInt8], by: RevisionActor) async throws(MembraneError) -> JSONValue
    func fork(sourceID: String, forkedRecord: [UInt8], by: RevisionActor) async throws(MembraneError) -> JSONValue
    func retract(id: String, by: RevisionActor) async throws(MembraneError)
    func merge(ids: [String], mergedRecord: [UInt8], by: RevisionActor) async throws(MembraneError) -> JSONValue
    func contest(id: String, contestingRef: String, by: RevisionActor) async throws(MembraneError)
    func reinforce(id: String, by: RevisionActor) async throws(MembraneError)
    func penalize(id: String, amount: Double, by: RevisionActor) async throws(MembraneError)
    func metrics() async throws(MembraneError) -> JSONValue
    func close() async
}

/// The engine in-process, answering exactly what the gRPC service would put in its bytes fields.
final class EmbeddedMemory: MemoryTransport {
    let engine: MemoryEngine

    init(path: String, config: String?) throws(MembraneError) {
        do {
            engine = try VigilRuntime.open(paths: Stores.paths(location: path, config: config)).memory
        } catch {
            throw MembraneError(code: .unavailable, message: "cannot open the embedded store: \(error)")
        }
    }

    private func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws(MembraneError) -> T {
        let result: Result<T, MembraneError> = await EmbeddedTools.offload {
            do {
                return .success(try body())
            } catch let error as MemoryError {
                return .failure(MembraneError(code: MembraneError.Code(rawValue: error.grpcCode) ?? .unknown, message: error.message))
            } catch {
                return .failure(MembraneError(code: .internal, message: "\(error)"))
            }
        }
        return try result.get()
    }

    private func record(_ body: @escaping @Sendable () throws -> VigilCore.MemoryRecord) async throws(MembraneError) -> JSONValue {
        let engine = engine
        return try await run { try body().json(at: engine.currentTime) }
    }

    func ingestEvent(_ r: IngestEventRequest) async throws(MembraneError) -> JSONValue { try await record { [engine] in try engine.ingestEvent(r) } }
    func ingestToolOutput(_ r: IngestToolOutputRequest) async throws(MembraneError) -> JSONValue { try await record { [engine] in try engine.ingestToolOutput(r) } }
    func ingestObservation(_ r: IngestObservationRequest) async throws(MembraneError) -> JSONValue { try await record { [engine] in try engine.ingestObservation(r) } }
    func ingestOutcome(_ r: IngestOutcomeRequest) async throws(MembraneError) -> JSONValue { try await record { [engine] in try engine.ingestOutcome(r) } }
    func ingestWorkingState(_ r: IngestWorkingStateRequest) async throws(MembraneError) -> JSONValue { try await record { [engine] in try engine.ingestWorkingState(r) } }

    func retrieve(_ r: RetrieveRequest) async throws(MembraneError) -> (records: [JSONValue], selection: JSONValue?) {
        try await run { [engine] in
            let result = try engine.retrieve(r)
            return (result.recordsJSON, result.selection.map { $0.json(at: result.now) })
        }
    }

    func retrieveByID(_ id: String, trust: TrustContextRequest?) async throws(MembraneError) -> JSONValue {
        try await record { [engine] in try engine.retrieveByID(id, trust: trust) }
    }
    func supersede(oldID: String, newRecord: [UInt8], by a: RevisionActor) async throws(MembraneError) -> JSONValue {
        try await record { [engine] in try engine.supersede(oldID: oldID, newRecord: newRecord, by: a) }
    }
    func fork(sourceID: String, forkedRecord: [UInt8], by a: RevisionActor) async throws(MembraneError) -> JSONValue {
        try await record { [engine] in try engine.fork(sourceID: sourceID, forkedRecord: forkedRecord, by: a) }
    }
    func retract(id: String, by a: RevisionActor) async throws(MembraneError) { try await run { [engine] in try engine.retract(id: id, by: a) } }
    func merge(ids: [String], mergedRecord: [UInt8], by a: RevisionActor) async throws(MembraneError) -> JSONValue {
        try await record { [engine] in try engine.merge(ids: ids, mergedRecord: mergedRecord, by: a) }
    }
    func contest(id: String, contestingRef: String, by a: RevisionActor) async throws(MembraneError) {
        try await run { [engine] in try engine.contest(id: id, contestingRef: contestingRef, by: a) }
    }
    func reinforce(id: String, by a: RevisionActor) async throws(MembraneError) { _ = try await run { [engine] in try engine.reinforce(id: id, by: a) } }
    func penalize(id: String, amount: Double, by a: RevisionActor) async throws(MembraneError) {
        _ = try await run { [engine] in try engine.penalize(id: id, amount: amount, by: a) }
    }
    func metrics() async throws(MembraneError) -> JSONValue { try await run { [engine] in try engine.metrics() } }
    func close() async {}
}

/// gRPC to a Membrane endpoint: the core's requests become protobuf messages, JSON bytes are parsed back.
struct RemoteMemory: MemoryTransport {
    let connection: MembraneConnection

    private func call<T: Sendable>(
        _ body: (MembraneConnection.Client, GRPCCore.Metadata, GRPCCore.CallOptions) async throws -> T
    ) async throws(MembraneError) -> T {
        do {
            return try await connection.call(body)
        } catch {
            switch error {
            case .status(let code, let message): throw MembraneError(code: MembraneError.Code(rawValue: code) ?? .unknown, message: message)
            case .timeout: throw MembraneError(code: .deadlineExceeded, message: error.description)
            default: throw MembraneError(code: .unavailable, message: error.description)
            }
        }
    }

    private func json(_ bytes: Data) throws(MembraneError) -> JSONValue {
        do { return try JSONParser.parse(bytes: bytes) } catch { throw MembraneError(code: .internal, message: "the server sent bytes that are not JSON: \(error)") }
    }

    private static func trust(_ t: TrustContextRequest?) -> Membrane_V1_TrustContext? {
        t.map { t in
            .with {
                $0.maxSensitivity = t.maxSensitivity
                $0.authenticated = t.authenticated
                $0.actorID = t.actorID
                $0.scopes = t.scopes
            }
        }
    }

    func ingestEvent(_ r: IngestEventRequest) async throws(MembraneError) -> JSONValue {
        let m = Membrane_V1_IngestEventRequest.with {
            ($0.source, $0.eventKind, $0.ref, $0.summary, $0.timestamp) = (r.source, r.eventKind, r.ref, r.summary, r.timestamp)
            ($0.tags, $0.scope, $0.sensitivity) = (r.tags, r.scope, r.sensitivity)
        }
        return try json(try await call { try await $0.ingestEvent(m, metadata: $1, options: $2).record })
    }

    func ingestToolOutput(_ r: IngestToolOutputRequest) async throws(MembraneError) -> JSONValue {
        let m = Membrane_V1_IngestToolOutputRequest.with {
            ($0.source, $0.toolName, $0.args, $0.result, $0.dependsOn) = (r.source, r.toolName, Data(r.args), Data(r.result), r.dependsOn)
            ($0.timestamp, $0.tags, $0.scope, $0.sensitivity) = (r.timestamp, r.tags, r.scope, r.sensitivity)
        }
        return try json(try await call { try await $0.ingestToolOutput(m, metadata: $1, options: $2).record })
    }

    func ingestObservation(_ r: IngestObservationRequest) async throws(MembraneError) -> JSONValue {
        let m = Membrane_V1_IngestObservationRequest.with {
            ($0.source, $0.subject, $0.predicate, $0.object) = (r.source, r.subject, r.predicate, Data(r.object))
            ($0.timestamp, $0.tags, $0.scope, $0.sensitivity) = (r.timestamp, r.tags, r.scope, r.sensitivity)
        }
        return try json(try await call { try await $0.ingestObservation(m, metadata: $1, options: $2).record })
    }

    func ingestOutcome(_ r: IngestOutcomeRequest) async throws(MembraneError) -> JSONValue {
        let m = Membrane_V1_IngestOutcomeRequest.with {
            ($0.source, $0.targetRecordID, $0.outcomeStatus, $0.timestamp) = (r.source, r.targetRecordID, r.outcomeStatus, r.timestamp)
        }
        return try json(try await call { try await $0.ingestOutcome(m, metadata: $1, options: $2).record })
    }

    func ingestWorkingState(_ r: IngestWorkingStateRequest) async throws(MembraneError) -> JSONValue {
        let m = Membrane_V1_IngestWorkingStateRequest.with {
            ($0.source, $0.threadID, $0.state, $0.nextActions, $0.openQuestions) = (r.source, r.threadID, r.state, r.nextActions, r.openQuestions)
            ($0.contextSummary, $0.activeConstraints, $0.timestamp) = (r.contextSummary, Data(r.activeConstraints), r.timestamp)
            ($0.tags, $0.scope, $0.sensitivity) = (r.tags, r.scope, r.sensitivity)
        }
        return try json(try await call { try await $0.ingestWorkingState(m, metadata: $1, options: $2).record })
    }

    func retrieve(_ r: RetrieveRequest) async throws(MembraneError) -> (records: [JSONValue], selection: JSONValue?) {
        let m = Membrane_V1_RetrieveRequest.with {
            $0.taskDescriptor = r.taskDescriptor
            if let trust = Self.trust(r.trust) { $0.trust = trust }
            ($0.memoryTypes, $0.minSalience, $0.limit, $0.includeInactive) = (r.memoryTypes, r.minSalience, r.limit, r.includeInactive)
        }
        let response = try await call { try await $0.retrieve(m, metadata: $1, options: $2) }
        var records: [JSONValue] = []
        for bytes in response.records { records.append(try json(bytes)) }
        return (records, response.selection.isEmpty ? nil : try json(response.selection))
    }

    func retrieveByID(_ id: String, trust: TrustContextRequest?) async throws(MembraneError) -> JSONValue {
        let m = Membrane_V1_RetrieveByIDRequest.with {
            $0.id = id
            if let trust = Self.trust(trust) { $0.trust = trust }
        }
        return try json(try await call { try await $0.retrieveByID(m, metadata: $1, options: $2).record })
    }

    func supersede(oldID: String, newRecord: [UInt8], by a: RevisionActor) async throws(MembraneError) -> JSONValue {
        let m = Membrane_V1_SupersedeRequest.with { ($0.oldID, $0.newRecord, $0.actor, $0.rationale) = (oldID, Data(newRecord), a.actor, a.rationale) }
        return try json(try await call { try await $0.supersede(m, metadata: $1, options: $2).record })
    }

    func fork(sourceID: String, forkedRecord: [UInt8], by a: RevisionActor) async throws(MembraneError) -> JSONValue {
        let m = Membrane_V1_ForkRequest.with { ($0.sourceID, $0.forkedRecord, $0.actor, $0.rationale) = (sourceID, Data(forkedRecord), a.actor, a.rationale) }
        return try json(try await call { try await $0.fork(m, metadata: $1, options: $2).record })
    }

    func retract(id: String, by a: RevisionActor) async throws(MembraneError) {
        let m = Membrane_V1_RetractRequest.with { ($0.id, $0.actor, $0.rationale) = (id, a.actor, a.rationale) }
        _ = try await call { try await $0.retract(m, metadata: $1, options: $2) }
    }

    func merge(ids: [String], mergedRecord: [UInt8], by a: RevisionActor) async throws(MembraneError) -> JSONValue {
        let m = Membrane_V1_MergeRequest.with { ($0.ids, $0.mergedRecord, $0.actor, $0.rationale) = (ids, Data(mergedRecord), a.actor, a.rationale) }
        return try json(try await call { try await $0.merge(m, metadata: $1, options: $2).record })
    }

    func contest(id: String, contestingRef: String, by a: RevisionActor) async throws(MembraneError) {
        let m = Membrane_V1_ContestRequest.with { ($0.id, $0.contestingRef, $0.actor, $0.rationale) = (id, contestingRef, a.actor, a.rationale) }
        _ = try await call { try await $0.contest(m, metadata: $1, options: $2) }
    }

    func reinforce(id: String, by a: RevisionActor) async throws(MembraneError) {
        let m = Membrane_V1_ReinforceRequest.with { ($0.id, $0.actor, $0.rationale) = (id, a.actor, a.rationale) }
        _ = try await call { try await $0.reinforce(m, metadata: $1, options: $2) }
    }

    func penalize(id: String, amount: Double, by a: RevisionActor) async throws(MembraneError) {
        let m = Membrane_V1_PenalizeRequest.with { ($0.id, $0.amount, $0.actor, $0.rationale) = (id, amount, a.actor, a.rationale) }
        _ = try await call { try await $0.penalize(m, metadata: $1, options: $2) }
    }

    func metrics() async throws(MembraneError) -> JSONValue {
        try json(try await call { try await $0.getMetrics(Membrane_V1_GetMetricsRequest(), metadata: $1, options: $2).snapshot })
    }

    func close() async { await connection.close() }
}
