import Foundation
import Synchronization
import VigilCore
import VigilRemote
import VigilSDK
import VigilTUI

// VigilCore and VigilSDK both name memory types (the core's and the wire's); the memory side here is the SDK's.
typealias WireRecord = VigilSDK.MemoryRecord

/// The dashboard on a remote vigil: decisions and approvals through the MCP operator tools (and the shared read
/// tools `decision_get`/`decision_trace`), memory through the SDK's ``MembraneClient`` (gRPC), all with an operator key.
///
/// Changes are found by polling a small fingerprint (the newest decision, the totals, the pending requests) every
/// second; when the remote does not answer, the status line says so and polling backs off to 10 s.
public final class RemoteDashboardSource: DashboardSource {
    let mcp: MCPClient
    /// The watcher's client: a short timeout, so an unreachable remote shows within seconds.
    let poller: MCPClient
    let memory: MembraneClient
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
        do {
            memory = try MembraneClient(address: "\(grpcHost):\(grpcPort)", apiKey: operatorKey, timeout: timeout)
        } catch {
            throw .network(endpoint: "\(grpcHost):\(grpcPort)", reason: error.description)
        }
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
        } catch let error as MembraneError {
            if error.code == .unavailable { return .loadFailed("remote \(memory.address) unreachable: \(error.message)") }
            return .loadFailed(error.description)
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
            if !filter.statuses.isEmpty { arguments["status"] = JSONValue(filter.statuses.map(\.rawValue).sorted()) }
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
        case .replayPolicies(let path):
            // The rules are read here, checked here (a broken file is named before anything is sent) and replayed
            // by the remote over its own store.
            do {
                _ = try LocalDashboardSource.replayRules(path)
            } catch {
                return .loadFailed(error.description)
            }
            let text = try String(contentsOfFile: (path as NSString).expandingTildeInPath, encoding: .utf8)
            let report = try await mcp.callTool("operator_policies_replay", ["config_toml": .string(text)])
            return .replayLoaded(ReplayView(path: path, report: report))
        case .loadActivity:
            return .activityLoaded(Activity(json: try await mcp.callTool("operator_activity", [:])), at: Date())
        case .loadMemory(let query):
            // The operator tool lists what the local browser lists; Membrane's Retrieve ranks live records only.
            let page = try await mcp.callTool("operator_memories_list", [
                "text": .string(query.text), "types": JSONValue(query.types.map(\.rawValue)), "max_sensitivity": .string(query.maxSensitivity.rawValue),
                "min_salience": .double(query.minSalience), "limit": 100,
            ])
            return .memoryLoaded((page["memories"]?.arrayValue ?? []).map(MemoryBrowserRow.init(json:)))
        case .loadDecisionDetail(let id):
            return .detailLoaded(try await decisionDetail(id))
        case .loadMemoryDetail(let id):
            return .detailLoaded(try await memoryDetail(id))
        case .loadMemoryHistory(let id):
            do {
                let result = try await mcp.callTool("operator_memory_history", ["memory_id": .string(id)])
                guard let history = MemoryHistory(json: .object(result.objectValue ?? [:])) else {
                    return .loadFailed("the server's operator_memory_history answer is not a history")
                }
                return .historyLoaded(history)
            } catch {
                if case .rpc(_, let message, let data, _) = error { return .loadFailed(data ?? message) }
                throw error
            }
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
        case .resolveApprovals(let ids, let approve, let rationale):
            // Each request on its own: one that expired or was resolved meanwhile is reported, the others go on.
            var results: [BulkResult] = []
            for id in ids {
                let answer = try await run(.resolveApproval(id: id, approve: approve, rationale: rationale), operatorName: operatorName)
                guard case .actionFinished(_, let refusal, _) = answer else {
                    results.append(BulkResult(id: id, refusal: "error: no answer; nothing was decided"))
                    continue
                }
                results.append(BulkResult(id: id, refusal: refusal))
            }
            return .bulkFinished(results)
        case .revealMemory(let id, let rationale):
            do {
                let result = try await mcp.callTool("operator_memory_reveal", ["memory_id": .string(id), "rationale": .string(rationale)])
                let payload = result["payload"] ?? .object([:])
                return .revealed(RevealedPayload(id: id, lines: payload.prettyText.split(separator: "\n").map(String.init)))
            } catch {
                return .actionFinished(targetID: id, refusal: "\(error.data ?? error.description). Nothing was revealed.", message: "")
            }
        case .memoryAction(let kind, let id, let rationale):
            do {
                switch kind {
                case .reinforce: try await memory.reinforce(id, actor: operatorName, rationale: rationale)
                case .penalize: try await memory.penalize(id, amount: 0.1, actor: operatorName, rationale: rationale)
                case .retract: try await memory.retract(id, actor: operatorName, rationale: rationale)
                case .contest: try await memory.contest(id, contestingRef: "operator:\(operatorName)", actor: operatorName, rationale: rationale)
                case .approve, .reject, .snooze, .reveal: break
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

    /// Pending requests, soonest expiry first; `agent` narrows them to one agent's.
    private func pendingApprovals(agent: String? = nil) async throws -> [ApprovalRow] {
        var arguments: JSONObject = ["status": "pending", "limit": 500]
        if let agent { arguments["agent"] = .string(agent) }
        let result = try await mcp.callTool("operator_approvals_list", arguments)
        return (result["approvals"]?.arrayValue ?? []).map(Self.approvalRow).sorted { ($0.expiresAt, $0.id) < ($1.expiresAt, $1.id) }
    }

    /// Every principal on the remote with its decision counts (`operator_agents_list`), as the local screen shows them.
    private func agents() async throws -> [AgentRow] {
        let result = try await mcp.callTool("operator_agents_list")
        return (result["agents"]?.arrayValue ?? []).map { agent in
            AgentRow(
                id: agent["agent_id"]?.stringValue ?? "?", kind: PrincipalKind(rawValue: agent["kind"]?.stringValue ?? "") ?? .agent,
                active: agent["status"]?.stringValue != "disabled", open: Int(agent["open"]?.integerValue ?? 0),
                pending: Int(agent["pending"]?.integerValue ?? 0), decisions: Int(agent["decisions"]?.integerValue ?? 0),
                lastSeen: agent["last_seen"]?.stringValue)
        }
    }

    private func metricsLines() async throws -> [String] {
        // One call: operator_agents_list carries the decisions per status.
        let result = try await mcp.callTool("operator_agents_list")
        let counts = (result["decision_counts"]?.arrayValue ?? []).map {
            (status: $0["status"]?.stringValue ?? "", count: Int($0["count"]?.integerValue ?? 0))
        }
        var lines = LocalDashboardSource.decisionCountLines(counts)
        lines += LocalDashboardSource.memoryMetricsLines(try await memory.getMetrics())
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
        let traced = trace["events"]?.arrayValue ?? []
        let events = traced.map { event in
            // The body as stored, as the local source shows it: the event without its own hash.
            TimelineEvent(
                seq: Int(event["seq"]?.integerValue ?? 0), type: event["type"]?.stringValue ?? "",
                timestamp: event["timestamp"]?.stringValue ?? "", actor: event["actor"]?.stringValue ?? "",
                body: .object((event.objectValue ?? [:]).filter { $0.key != "hash" }))
        }
        var approval: ApprovalRow?
        if state["approval_status"]?.stringValue == "pending", let approvalID = state["approval_id"]?.stringValue {
            approval = try await pendingApprovals(agent: state["agent_id"]?.stringValue).first { $0.id == approvalID }
        }
        var row = Self.decisionRow(state)
        row.pendingApprovalID = approval?.id
        // The policy that last asked for an exception: the latest evaluation that answered requires_exception.
        row.policy = traced.last { $0["type"] == "evaluate" && $0["outcome"] == "requires_exception" }?["policy_id"]?.stringValue
        let linked = try await mcp.callTool("operator_decision_memories", ["decision_id": .string(id)])
        let memories = (linked["memories"]?.arrayValue ?? []).map { m in
            LinkedMemory(
                id: m["id"]?.stringValue ?? "", type: m["type"]?.stringValue ?? "", role: m["role"]?.stringValue ?? "",
                summary: m["summary"]?.stringValue ?? "")
        }
        return .decision(DecisionDetail(
            decision: row, closedAt: state["closed_at"]?.stringValue, events: events, approval: approval, memories: memories))
    }

    private func memoryDetail(_ id: String) async throws -> Detail {
        let record: WireRecord
        do {
            record = try await memory.retrieveByID(id, trust: VigilSDK.TrustContext(maxSensitivity: .hyper))
        } catch {
            if error.code == .notFound { return .missing(id) }
            throw error
        }
        let refs = record.provenance.sources.map(\.ref)
        return .memory(MemoryDetail(
            row: Self.memoryRow(record), confidence: record.confidence, scope: record.scope, tags: record.tags, createdAt: record.createdAt,
            provenance: record.provenance.sources.map { LocalDashboardSource.provenanceLine(kind: $0.kind, ref: $0.ref, createdBy: $0.createdBy) },
            payload: LocalDashboardSource.payloadLines(record.payload?.objectValue ?? [:], sensitivity: record.sensitivity.rawValue),
            relations: try await relations(of: record),
            audit: record.auditLog.map {
                LocalDashboardSource.auditLine(timestamp: $0.timestamp, action: $0.action, actor: $0.actor, rationale: $0.rationale)
            },
            decisions: DecisionReference.ids(in: refs + record.tags)))
    }

    // MARK: Wire JSON → rows

    static func decisionRow(_ d: JSONValue) -> DecisionRow {
        DecisionRow(
            id: d["decision_id"]?.stringValue ?? "", agentID: d["agent_id"]?.stringValue ?? "", intent: d["intent"]?.stringValue ?? "",
            status: DecisionStatus(rawValue: d["status"]?.stringValue ?? "") ?? .open, mode: AutomationMode(rawValue: d["automation_mode"]?.stringValue ?? "") ?? .propose,
            createdAt: d["created_at"]?.stringValue ?? "", title: d["title"]?.stringValue,
            pendingApprovalID: d["pending_approval_id"]?.stringValue, policy: d["policy"]?.stringValue)
    }

    static func approvalRow(_ a: JSONValue) -> ApprovalRow {
        ApprovalRow(
            id: a["approval_id"]?.stringValue ?? "", decisionID: a["decision_id"]?.stringValue ?? "",
            agentID: a["agent_id"]?.stringValue ?? "", intent: a["intent"]?.stringValue ?? "",
            title: a["title"]?.stringValue ?? a["intent"]?.stringValue ?? "", message: a["message"]?.stringValue,
            status: ApprovalStatus(rawValue: a["status"]?.stringValue ?? "") ?? .pending, requestedAt: a["requested_at"]?.stringValue ?? "",
            expiresAt: a["expires_at"]?.stringValue ?? "", requireRationale: a["require_rationale"]?.boolValue ?? false,
            routeID: a["approval_route_id"]?.stringValue, policy: a["policy_id"]?.stringValue,
            policyMessage: a["reason"]?.stringValue)
    }

    static func memoryRow(_ r: WireRecord) -> MemoryRow {
        MemoryRow(
            id: r.id, type: MemoryType(rawValue: r.type.rawValue) ?? .episodic, salience: r.salience,
            sensitivity: Sensitivity(rawValue: r.sensitivity.rawValue) ?? .hyper, status: state(of: r), summary: MemoryBrowserRow.summary(of: r.payload?.objectValue ?? [:]))
    }

    /// A record's state, as its wire record implies it (``MemoryStatus/implied(salience:audit:relationPredicates:revisionStatus:)``):
    /// the same words the local sources show.
    static func state(of r: WireRecord) -> MemoryStatus {
        MemoryStatus.implied(
            salience: r.salience, audit: r.auditLog.map { ($0.action, $0.rationale) },
            relationPredicates: r.relations.map(\.predicate),
            revisionStatus: r.type == .semantic ? r.payload?["revision"]?["status"]?.stringValue : nil
        )
    }

    /// A record's relations, each marked with whether its target is a record of the remote store.
    private func relations(of record: WireRecord) async throws -> [MemoryDetail.Relation] {
        var lines: [MemoryDetail.Relation] = []
        for relation in record.relations {
            var found = true
            do {
                _ = try await memory.retrieveByID(relation.targetID, trust: VigilSDK.TrustContext(maxSensitivity: .hyper))
            } catch {
                if error.code == .notFound || error.code == .invalidArgument { found = false } else { throw error }
            }
            lines.append(.init(predicate: relation.predicate, targetID: relation.targetID, inStore: found))
        }
        return lines
    }
}
