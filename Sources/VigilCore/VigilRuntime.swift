import Logging

/// Everything a process needs to work on one vigil store: resolved paths, the configuration, the store and the
/// engines. The CLI, the server and the dashboard each open one.
public struct VigilRuntime: Sendable {
    public let paths: VigilPaths
    public let config: VigilConfig
    public let store: Store
    public let decisions: DecisionEngine
    public let memory: MemoryEngine
    public let principals: PrincipalRegistry

    /// Loads the configuration, opens (creating and migrating) the store and starts the engines.
    public static func open(
        paths: VigilPaths, clock: any WallClock = SystemClock(), logger: Logger = Logger(label: "vigil")
    ) throws -> VigilRuntime {
        let config = try VigilConfig.load(path: paths.config)
        let store = try Store(path: paths.database)
        let decisions = try DecisionEngine(store: store, config: config, clock: clock, logger: logger)
        let memory = MemoryEngine(store: store, settings: config.memory, clock: clock, logger: logger)
        return VigilRuntime(
            paths: paths, config: config, store: store, decisions: decisions, memory: memory,
            principals: PrincipalRegistry(store: store, clock: clock))
    }

    /// The memories a decision read or produced, for the trace and the dashboard (the decision ↔ memory link).
    public func linkedMemories(decisionID: String, as caller: Caller) throws -> [(record: MemoryRecord, role: String)] {
        let trace = try decisions.trace(["decision_id": .string(decisionID)], caller: caller)
        return try memory.memories(linkedTo: decisionID, trace: trace["events"]?.arrayValue ?? [])
    }
}
