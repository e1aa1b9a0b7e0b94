import Logging

/// Everything a process needs to work on one vigil store: resolved paths, the configuration, the store and the
/// engines. This is the one place the engines are assembled: the CLI, `vigil serve`, the dashboard, the demo and the
/// SDK's embedded clients each open one (`VigilRuntime.open` in `VigilStores` opens the store too).
public struct VigilRuntime: Sendable {
    /// How long the process lives, which decides what is worth building up front.
    public enum Use: Sendable {
        /// One command, then exit: memory text queries rank through the store's full-text search.
        case command
        /// A server or a dashboard: memory keeps the in-memory relevance index, fed from the change log.
        case longLived
    }

    public let paths: VigilPaths
    public let config: VigilConfig
    package let store: any Store
    public let decisions: DecisionEngine
    public let memory: MemoryEngine
    public let principals: PrincipalRegistry

    /// Starts the engines on `store` (open one with `VigilStores`).
    package static func open(
        paths: VigilPaths, config: VigilConfig, store: any Store, use: Use = .command,
        clock: any WallClock = SystemClock(), logger: Logger = Logger(label: "vigil")
    ) throws -> VigilRuntime {
        let decisions = try DecisionEngine(store: store, config: config, clock: clock, logger: logger)
        let memory = MemoryEngine(
            store: store, settings: config.memory, clock: clock, inMemoryRelevance: use == .longLived, logger: logger)
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
