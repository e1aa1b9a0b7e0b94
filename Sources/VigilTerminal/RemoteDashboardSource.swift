import Foundation
import GRPCCore
import MembraneProto
import Synchronization
import SwiftProtobuf
import VigilCore
import VigilRemote
import VigilTUI

/// The dashboard on a remote vigil: decisions and approvals through the MCP operator tools (and the shared read
/// tools `decision_get`/`decision_trace`), memory through gRPC Retrieve, all with an operator key.
///
/// Changes are found by polling a small fingerprint (the newest decision, the totals, the pending requests) every
/// second; when the remote does not answer, the status line says so and polling backs off to 10 s.
public final class RemoteDashboardSource: DashboardSource {
    let mcp: MCPClient
    /// The watcher's client: a short timeout, so an unreachable remote shows within seconds.
    let poller: MCPClient
    let memory: MembraneConnection
    let endpoint: String
    let pollInterval: Duration
    /// The offset of the next decisions page for the current filter (the operator list pages by offset).
    private let nextOffset = Mutex(0)

    /// - Parameters:
    ///   - mcpURL: the remote MCP endpoint, e.g. `http://10.0.0.5:7420`.
    ///   - grpcHost/grpcPort: the remote Membrane endpoint.
    ///   - operatorKey: a key from `vigil agents add NAME --operator` on the remote.
    public init(
        mcpURL: String, grpcHost: String, grpcPort: Int, operatorKey: String, timeout: Double = 10,
        pollInterval: Duration = .seconds(1)
    ) throws(RemoteError) {
        mcp = MCPClient(url: mcpURL, apiKey: operatorKey, timeout: timeout)
        poller = MCPClient(url: mcpURL, apiKey: operatorKey, timeout: 2)
        memory = try MembraneConnection(host: grpcHost, port: grpcPort, apiKey: operatorKey, timeout: timeout)
        endpoint = mcpURL
        self.pollInterval = pollInterval
    }

    /// Checks the key before the dashboard opens: an agent key or a wrong one is refused with the reason.
    public func checkOperatorKey() async throws(RemoteError) {
        _ = try await poller.callTool("operator_approvals_list", ["limit": 1])
    }

    public func execute(_ effect: Effect, operatorName: String) async -> Action {
        do {
            return try await run(effect, operatorName: operatorName)
        } catch let error as RemoteError {
            if case .rpc = error { return .loadFailed(error.description) }
            return .loadFailed("remote \(endpoint) unreachable: \(error)")
        } catch {
            return .loadFailed("\(error)")
        }
    }

    private func run(_ effect: Effect, operatorName: String) async throws -> Action {
        switch effect {
        case .loadDecisions(let after, let filterText):
            var filter = DecisionFilter()
            if let filterText, case .success(let parsed) = DecisionFilter.parse(filterText) { filter = parsed }
            let limit = 200
            let offset = after == nil ? 0 : nextOffset.withLock { $0 }
            var arguments: JSONObject = ["limit": .int(Int64(limit)), "offset": .int(Int64(offset))]
            if !filter.statuses.isEmpty { arguments["status"] = JSONValue(filter.statuses.sorted()) }
            if let agent = filter.agent { arguments["agent"] = .string(agent) }
            if !filter.text.isEmpty { arguments["text"] = .string(filter.text) }
            let result = try await mcp.callTool("operator_decisions_list", arguments)
            let rows = (result["decisions"]?.arrayValue ?? []).map(Self.decisionRow)
            nextOffset.withLock { $0 = offset + rows.count }
            return .decisionsLoaded(rows, appended: after != nil, hasMore: rows.count == limit)
        case .loadApprovals:
            return .approvalsLoaded(try await pendingApprovals())
        case .loadPending:
            let rows = try await pendingApprovals()
            return .pendingLoaded(count: rows.count, ids: Set(rows.map(\.id)))
        case .loadAgents:
            return .agentsLoaded(try await agents())
        case .loadMetrics:
            return .metricsLoaded(try await metricsLines(), at: Date())
        case .loadMemory(let query):
            var request = Membrane_V1_RetrieveRequest()
            request.taskDescriptor = query.text
            request.trust.maxSensitivity = query.maxSensitivity
            request.memoryTypes = query.types
            request.minSalience = query.minSalience
            request.limit = 100
            let records = try await memory.call { try await $0.retrieve(request, metadata: $1, options: $2).records }
            return .memoryLoaded(try records.map { Self.memoryRow(try MembraneConnection.json($0)) })
        case .loadDecisionDetail(let id):
            return .detailLoaded(try await decisionDetail(id))
        case .loadMemoryDetail(let id):
            return .detailLoaded(try await memoryDetail(id))
        case .resolveApproval(let id, let approve, let rationale):
            var arguments: JSONObject = ["approval_id": .string(id), "resolution": .string(approve ? "approve" : "reject")]
            if let rationale { arguments["rationale"] = .string(rationale) }
            do {
                let result = try await mcp.callTool("operator_approval_resolve", arguments)
                let status = result["status"]?.stringValue ?? (approve ? "approved" : "rejected")
                let by = result["resolved_by"]?.stringValue ?? operatorName
                return .actionFinished(targetID: id, refusal: nil, message: "\(DisplayWidth.middle(id, 16)) \(status) by \(by)")
            } catch {
                return .actionFinished(targetID: id, refusal: "\(error.data ?? error.description). Nothing was decided.", message: "")
            }
        case .memoryAction(let kind, let id, let rationale):
            do {
                switch kind {
                case .reinforce:
                    let m = Membrane_V1_ReinforceRequest.with { ($0.id, $0.actor, $0.rationale) = (id, operatorName, rationale) }
                    _ = try await memory.call { try await $0.reinforce(m, metadata: $1, options: $2) }
                case .penalize:
                    let m = Membrane_V1_PenalizeRequest.with { ($0.id, $0.amount, $0.actor, $0.rationale) = (id, 0.1, operatorName, rationale) }
                    _ = try await memory.call { try await $0.penalize(m, metadata: $1, options: $2) }
                case .retract:
                    let m = Membrane_V1_RetractRequest.with { ($0.id, $0.actor, $0.rationale) = (id, operatorName, rationale) }
                    _ = try await memory.call { try await $0.retract(m, metadata: $1, options: $2) }
                case .contest:
                    let m = Membrane_V1_ContestRequest.with {
                        ($0.id, $0.contestingRef, $0.actor, $0.rationale) = (id, "operator:\(operatorName)", operatorName, rationale)
                    }
                    _ = try await memory.call { try await $0.contest(m, metadata: $1, options: $2) }
                case .approve, .reject: break
                }
                return .actionFinished(targetID: id, refusal: nil, message: "\(kind.pastTense) \(DisplayWidth.middle(id, 16))")
            } catch {
                return .actionFinished(targetID: id, refusal: "error: \(error)", message: "")
            }
        case .bell, .quit:
            return .tick(Date())
        }
    }

    public func watch(post: @escaping @Sendable (Action) -> Void) async {
        let endpoint = endpoint
        await pollForChanges(every: pollInterval, post: post, describe: { error, backoff in
            let reason: String
            if let error = error as? RemoteError, case .rpc = error { reason = "refused: \(error.data ?? error.description)" } else { reason = "unreachable" }
            return "remote \(endpoint) \(reason), retrying in \(backoff)s"
        }) {
            let decisions = try await poller.callTool("operator_decisions_list", ["limit": 1])
            let pending = try await poller.callTool("operator_approvals_list", ["limit": 1])
            let newest = decisions["decisions"]?.arrayValue?.first
            let fingerprint: JSONValue = [
                "total": decisions["total"] ?? .null, "newest": newest?["decision_id"] ?? .null,
                "status": newest?["status"] ?? .null, "events": newest?["event_count"] ?? .null,
                "pending": pending["total"] ?? .null, "first": pending["approvals"]?.arrayValue?.first?["approval_id"] ?? .null,
            ]
            return fingerprint
        }
    }

    // MARK: Queries

    private func pendingApprovals() async throws -> [ApprovalRow] {
        let result = try await mcp.callTool("operator_approvals_list", ["status": "pending", "limit": 500])
        return (result["approvals"]?.arrayValue ?? []).map(Self.approvalRow).sorted { ($0.expiresAt, $0.id) < ($1.expiresAt, $1.id) }
    }

    /// The agents seen in the newest 500 decisions (the operator tools do not list principals).
    private func agents() async throws -> [AgentRow] {
        let result = try await mcp.callTool("operator_decisions_list", ["limit": 500])
        var byAgent: [String: AgentRow] = [:]
        for decision in result["decisions"]?.arrayValue ?? [] {
            let id = decision["agent_id"]?.stringValue ?? "?"
            var row = byAgent[id] ?? AgentRow(id: id, kind: "agent", active: true, open: 0, pending: 0, decisions: 0, lastSeen: nil)
            row.decisions += 1
            let status = decision["status"]?.stringValue ?? ""
            if ["open", "approved"].contains(status) { row.open += 1 }
            if status == "needs_approval" { row.pending += 1 }
            let created = decision["created_at"]?.stringValue
            if let created, row.lastSeen.map({ created > $0 }) ?? true { row.lastSeen = created }
            byAgent[id] = row
        }
        return byAgent.values.sorted { ($0.lastSeen ?? "") > ($1.lastSeen ?? "") }
    }

    private func metricsLines() async throws -> [String] {
        var lines = ["Decisions"]
        for status in ["open", "needs_approval", "approved", "rejected", "committed", "aborted"] {
            let result = try await mcp.callTool("operator_decisions_list", ["status": .string(status), "limit": 1])
            let total = result["total"]?.integerValue ?? 0
            if total > 0 { lines.append("  \(status == "needs_approval" ? "pending" : status): \(total)") }
        }
        let snapshot = try await memory.call { try await $0.getMetrics(Membrane_V1_GetMetricsRequest(), metadata: $1, options: $2).snapshot }
        lines += LocalDashboardSource.memoryMetricsLines(try MembraneConnection.json(snapshot))
        lines.append("Remote")
        lines.append("  \(endpoint) · gRPC \(memory.address) · polled every second")
        return lines
    }

    private func decisionDetail(_ id: String) async throws -> Detail {
        let state: JSONValue
        do {
            state = try await mcp.callTool("decision_get", ["decision_id": .string(id)])
        } catch {
            if case .rpc = error { return .missing(id) }
            throw error
        }
        let trace = try await mcp.callTool("decision_trace", ["decision_id": .string(id)])
        let events = (trace["events"]?.arrayValue ?? []).map { event in
            TimelineEvent(
                seq: Int(event["seq"]?.integerValue ?? 0), type: event["type"]?.stringValue ?? "",
                timestamp: event["timestamp"]?.stringValue ?? "", actor: event["actor"]?.stringValue ?? "", body: event)
        }
        var approval: ApprovalRow?
        if state["approval_status"]?.stringValue == "pending", let approvalID = state["approval_id"]?.stringValue {
            approval = try await pendingApprovals().first { $0.id == approvalID }
        }
        var row = Self.decisionRow(state)
        row.pendingApprovalID = approval?.id
        return .decision(DecisionDetail(decision: row, closedAt: state["closed_at"]?.stringValue, events: events, approval: approval))
    }

    private func memoryDetail(_ id: String) async throws -> Detail {
        var request = Membrane_V1_RetrieveByIDRequest()
        request.id = id
        request.trust.maxSensitivity = "hyper"
        let bytes: Data
        do {
            bytes = try await memory.call { try await $0.retrieveByID(request, metadata: $1, options: $2).record }
        } catch {
            if case .status("NOT_FOUND", _) = error { return .missing(id) }
            throw error
        }
        let record = try MembraneConnection.json(bytes)
        let sensitivity = record["sensitivity"]?.stringValue ?? ""
        return .memory(MemoryDetail(
            row: Self.memoryRow(record), confidence: record["confidence"]?.numberValue ?? 0, scope: record["scope"]?.stringValue ?? "",
            tags: record["tags"]?.arrayValue?.compactMap(\.stringValue) ?? [], createdAt: record["created_at"]?.stringValue ?? "",
            provenance: (record["provenance"]?["sources"]?.arrayValue ?? []).map { s in
                let by = s["created_by"]?.stringValue ?? ""
                return "\(s["kind"]?.stringValue ?? "") \(s["ref"]?.stringValue ?? "")\(by.isEmpty ? "" : " by " + by)"
            },
            payload: LocalDashboardSource.payloadLines(record["payload"]?.objectValue ?? [:], sensitivity: sensitivity),
            relations: (record["relations"]?.arrayValue ?? []).map { r in
                .init(predicate: r["predicate"]?.stringValue ?? "", targetID: r["target_id"]?.stringValue ?? "", inStore: true)
            },
            audit: (record["audit_log"]?.arrayValue ?? []).map { a in
                let why = a["rationale"]?.stringValue ?? ""
                return "\(a["timestamp"]?.stringValue ?? "") \(a["action"]?.stringValue ?? "") by \(a["actor"]?.stringValue ?? "")\(why.isEmpty ? "" : " · " + why)"
            },
            decisions: DecisionReference.find(in: ((record["tags"]?.arrayValue ?? []).compactMap(\.stringValue)
                + (record["provenance"]?["sources"]?.arrayValue ?? []).compactMap { $0["ref"]?.stringValue }).joined(separator: " "))))
    }

    // MARK: Wire JSON → rows

    static func decisionRow(_ d: JSONValue) -> DecisionRow {
        DecisionRow(
            id: d["decision_id"]?.stringValue ?? "", agentID: d["agent_id"]?.stringValue ?? "", intent: d["intent"]?.stringValue ?? "",
            status: d["status"]?.stringValue ?? "", mode: d["automation_mode"]?.stringValue ?? "",
            createdAt: d["created_at"]?.stringValue ?? "", title: d["title"]?.stringValue,
            pendingApprovalID: d["pending_approval_id"]?.stringValue)
    }

    static func approvalRow(_ a: JSONValue) -> ApprovalRow {
        ApprovalRow(
            id: a["approval_id"]?.stringValue ?? "", decisionID: a["decision_id"]?.stringValue ?? "",
            agentID: a["agent_id"]?.stringValue ?? "", intent: a["intent"]?.stringValue ?? "",
            title: a["title"]?.stringValue ?? a["intent"]?.stringValue ?? "", message: a["message"]?.stringValue,
            status: a["status"]?.stringValue ?? "pending", requestedAt: a["requested_at"]?.stringValue ?? "",
            expiresAt: a["expires_at"]?.stringValue ?? "", requireRationale: a["require_rationale"]?.boolValue ?? false,
            routeID: a["approval_route_id"]?.stringValue, policyMessage: a["reason"]?.stringValue)
    }

    static func memoryRow(_ r: JSONValue) -> MemoryRow {
        MemoryRow(
            id: r["id"]?.stringValue ?? "", type: r["type"]?.stringValue ?? "", salience: r["salience"]?.numberValue ?? 0,
            sensitivity: r["sensitivity"]?.stringValue ?? "", state: (r["salience"]?.numberValue ?? 1) == 0 ? "inactive" : "active",
            summary: LocalDashboardSource.summary(of: r["payload"]?.objectValue ?? [:]))
    }
}
