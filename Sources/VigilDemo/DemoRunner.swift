import VigilSDK

/// Runs the simulated agents against the endpoints until the task is cancelled.
///
/// Every agent talks to the endpoints over loopback with its own key, through the Swift SDK's remote clients: the
/// decision agents through MCP over HTTP, the memory agents and the curator through gRPC. Nothing goes through the
/// engines in-process.
public struct DemoRunner: Sendable {
    public var agents: [DemoAgent]
    /// The MCP endpoint, e.g. `http://127.0.0.1:7420/mcp`.
    public var mcpURL: String
    public var grpcHost: String
    public var grpcPort: Int
    /// Calls per second, all agents together.
    public var rate: Double
    public let activity: DemoActivity

    public init(agents: [DemoAgent], mcpURL: String, grpcHost: String, grpcPort: Int, rate: Double, activity: DemoActivity = DemoActivity()) {
        (self.agents, self.mcpURL, self.grpcHost, self.grpcPort, self.rate, self.activity) = (agents, mcpURL, grpcHost, grpcPort, rate, activity)
    }

    /// Runs until cancelled; errors are counted in ``activity`` and the agent goes on after a pause.
    public func run() async throws {
        let pacer = Pacer(rate: rate, agents: agents.count)
        let contexts = try agents.map { agent in
            AgentContext(
                agent: agent,
                decisions: try TraceMemClient(
                    apiKey: agent.apiKey, mcpURL: mcpURL, timeout: 10, defaultActor: agent.agentID, defaultAutomationMode: "autonomous"),
                memory: try MembraneClient(address: "\(grpcHost):\(grpcPort)", apiKey: agent.apiKey, timeout: 10, source: agent.agentID),
                pacer: pacer, activity: activity)
        }
        await withTaskGroup(of: Void.self) { group in
            var firstDecisionAgent = true
            for context in contexts {
                switch context.agent.role {
                case .decisions:
                    let agent = DecisionAgent(context: context, opensWithApproval: firstDecisionAgent)
                    firstDecisionAgent = false
                    group.addTask { await agent.run() }
                case .memory:
                    group.addTask { await MemoryAgent(context: context).run() }
                case .curator:
                    group.addTask {
                        // Give the others a moment to remember something worth curating.
                        try? await context.pacer.pause(3)
                        await CuratorAgent(context: context).run()
                    }
                }
            }
        }
        for context in contexts { await context.memory.close() }
    }
}
