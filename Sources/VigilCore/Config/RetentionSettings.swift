/// `[retention]`: what leaves the store, and when. Nothing by default: a store only grows until this says otherwise.
///
/// ```toml
/// [retention]
/// decisions_days = 90                          # closed decisions, with their traces, approvals and receipts
/// memory_days = { episodic = 30, working = 7 } # memories of a type unchanged for that long (pinned ones stay)
/// salience_floor = 0.05                        # auto_prune memories whose salience has decayed below this
/// interval_seconds = 3600                      # how often a server's sweeper applies it (hourly)
/// ```
public struct RetentionSettings: Sendable, Equatable {
    /// Closed (committed or aborted) decisions closed more than this many days ago go, with everything of theirs.
    public var decisionDays: Int?
    /// Per memory type, records whose last change is older than this many days go (pinned records stay).
    public var memoryDays: [MemoryType: Int] = [:]
    /// Records whose deletion policy is `auto_prune` and whose salience has decayed below this go (Membrane's rule).
    public var salienceFloor: Double?
    /// Seconds between the sweeper's retention runs on a server.
    public var intervalSeconds: Double = 3600

    /// Whether anything is to be deleted at all.
    public var isEnabled: Bool { decisionDays != nil || !memoryDays.isEmpty || salienceFloor != nil }

    public init() {}

    init(_ table: ConfigReader) throws(ConfigError) {
        func days(_ value: Int?, key: String) throws(ConfigError) -> Int? {
            guard let value else { return nil }
            guard (1...36_500).contains(value) else { throw ConfigError.invalid(key: key, message: "must be a number of days from 1 to 36500") }
            return value
        }
        decisionDays = try days(table.int("decisions_days"), key: table.key("decisions_days"))
        let memory = try table.table("memory_days")
        for name in memory.object.keys.sorted() {
            guard let type = MemoryType(rawValue: name) else {
                throw ConfigError.invalid(
                    key: memory.key(name), message: "is not a memory type (\(MemoryType.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            memoryDays[type] = try days(memory.int(name), key: memory.key(name))
        }
        if let floor = try table.double("salience_floor") {
            guard floor > 0, floor < 1 else { throw ConfigError.invalid(key: table.key("salience_floor"), message: "must be between 0 and 1") }
            salienceFloor = floor
        }
        if let interval = try table.double("interval_seconds") {
            guard interval >= 1 else { throw ConfigError.invalid(key: table.key("interval_seconds"), message: "must be at least 1") }
            intervalSeconds = interval
        }
    }
}
