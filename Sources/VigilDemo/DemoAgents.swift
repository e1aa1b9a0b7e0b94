import Foundation
import VigilSDK

import struct VigilCore.PrincipalRegistry

/// What a simulated agent does.
public enum DemoRole: String, Sendable {
    /// Opens decisions over MCP (reads, policies, approvals, writes, commit or abort) and remembers how each ended.
    case decisions
    /// Ingests all five kinds of memory over gRPC, at varied sensitivities.
    case memory
    /// Reads memories back and reinforces, penalizes, contests or supersedes them.
    case curator
}

/// A registered demo agent and its key.
public struct DemoAgent: Sendable {
    public var name: String
    public var agentID: String
    public var apiKey: String
    public var role: DemoRole
}

extension DemoAgent {
    /// The cast, in the order `--agents N` takes them: a decision agent first, so a request for approval appears
    /// within seconds of the start.
    static let cast: [(String, DemoRole)] = [
        ("shopper", .decisions), ("archivist", .memory), ("release", .decisions), ("curator", .curator),
        ("secops", .decisions), ("researcher", .memory), ("support", .decisions), ("planner", .memory),
    ]

    /// Registers `count` agents (names past the cast get a number) with every product granted, or issues a fresh
    /// key to one that exists already (`--db` on an earlier demo store).
    public static func register(count: Int, principals: PrincipalRegistry) throws -> [DemoAgent] {
        try (0..<count).map { index in
            let (base, role) = cast[index % cast.count]
            let name = index < cast.count ? base : "\(base)\(index / cast.count + 1)"
            let id = try PrincipalRegistry.principalID(forName: name, kind: .agent)
            if try principals.principal(id) != nil {
                return DemoAgent(name: name, agentID: id, apiKey: try principals.issueKey(for: id), role: role)
            }
            let (principal, key) = try principals.add(name: name, kind: .agent, productGrants: ["*"])
            return DemoAgent(name: name, agentID: principal.principalID, apiKey: key, role: role)
        }
    }
}

/// Spaces an agent's calls so that all agents together make about `rate` calls per second.
struct Pacer: Sendable {
    var interval: Double

    init(rate: Double, agents: Int) { interval = Double(max(agents, 1)) / max(rate, 0.01) }

    /// Sleeps between half and one and a half intervals; throws when the demo is cancelled.
    func pause(_ factor: Double = 1) async throws {
        try await Task.sleep(for: .milliseconds(Int(interval * factor * Double.random(in: 0.5...1.5) * 1000)))
    }
}

/// Everything an agent uses: its two SDK clients (over the wire), its pace, and the shared tally.
struct AgentContext: Sendable {
    var agent: DemoAgent
    var decisions: TraceMemClient
    var memory: MembraneClient
    var pacer: Pacer
    var activity: DemoActivity

    /// One turn of an agent's loop. A failure is counted and followed by a longer pause, and the agent goes on;
    /// returns `false` once the demo is cancelled.
    func turn(_ body: () async throws -> Void) async -> Bool {
        do {
            try await body()
            return !Task.isCancelled
        } catch is CancellationError {
            return false
        } catch {
            if Task.isCancelled { return false }
            activity.failed(agent.name, error)
            try? await pacer.pause(3)
            return !Task.isCancelled
        }
    }

    /// One call, then a pause.
    @discardableResult
    func paced<T: Sendable>(_ call: () async throws -> T) async throws -> T {
        let result = try await call()
        try await pacer.pause()
        return result
    }
}
