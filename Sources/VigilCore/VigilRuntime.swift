import Logging

/// Everything a process needs to work on one vigil store: resolved paths, the configuration, the store and the
/// engines. The CLI, the server and the dashboard each open one.
public struct VigilRuntime: Sendable {
    public let paths: VigilPaths
    public let config: VigilConfig
    package let store: any Store
    public let decisions: DecisionEngine
    public let memory: MemoryEngine
    public let principals: PrincipalRegistry

    /// Starts the engines on `store` (open one with `VigilStores`).
    package static func open(
        paths: VigilPaths, config: VigilConfig, store: any Store, clock: any WallClock = SystemClock(),
        logger: Logger = Logger(label: "vigil")
    ) throws -> VigilRuntime {
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
