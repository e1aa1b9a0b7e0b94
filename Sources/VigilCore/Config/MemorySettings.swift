/// `[memory]` and `[membrane]`: the memory engine's settings (Membrane spec §14).
public struct MemorySettings: Sendable, Equatable {
    public var defaults = MemoryDefaults()
    public var selectionConfidenceThreshold = 0.7
    public var pruneIntervalSeconds: Double = 3600
    public var auditRetentionSeconds: Double = 2_592_000
    public var consolidationIntervalSeconds: Double = 21600
    public var weightRelevance = 0.6
    public var weightSalience = 0.3
    public var weightRecency = 0.1
    public var recencyHalfLifeSeconds: Double = 604_800
    /// `membrane.listen_addr`.
    public var listenAddress = "127.0.0.1:9090"
    /// ``listenAddress`` parsed (loading refuses one that does not parse).
    public var listen: ListenAddress { ListenAddress(listenAddress) ?? ListenAddress(host: "127.0.0.1", port: 9090) }
    /// `membrane.api_key` (env `MEMBRANE_API_KEY` takes precedence at the endpoint).
    public var apiKey: String?
    public var requireAuth = false
    public var ratePerSecond = 100.0
    public var tlsCertFile: String?
    public var tlsKeyFile: String?

    public init() {}

    init(config root: ConfigReader) throws(ConfigError) {
        let memory = try root.table("memory")
        if let raw = try memory.string("default_sensitivity") {
            guard let level = Sensitivity(rawValue: raw) else {
                throw ConfigError.invalid(key: memory.key("default_sensitivity"), message: "must be one of \(Sensitivity.list)")
            }
            defaults.sensitivity = level
        }
        defaults.minSalience = try memory.double("default_min_salience") ?? 0
        defaults.reinforcementGain = try memory.double("reinforcement_gain") ?? 0.1
        guard defaults.minSalience >= 0, (0...1).contains(defaults.reinforcementGain) else {
            throw ConfigError.invalid(key: memory.key("reinforcement_gain"), message: "must be between 0 and 1")
        }
        selectionConfidenceThreshold = try memory.double("selection_confidence_threshold") ?? 0.7
        pruneIntervalSeconds = try Self.duration(memory, "prune_interval") ?? 3600
        auditRetentionSeconds = try Self.duration(memory, "audit_retention") ?? 2_592_000
        consolidationIntervalSeconds = try Self.duration(memory, "consolidation_interval") ?? 21600
        let retrieval = try memory.table("retrieval")
        recencyHalfLifeSeconds = try Self.duration(retrieval, "recency_half_life") ?? 604_800
        let weights = try retrieval.table("weights")
        weightRelevance = try weights.double("relevance") ?? 0.6
        weightSalience = try weights.double("salience") ?? 0.3
        weightRecency = try weights.double("recency") ?? 0.1
        let sum = weightRelevance + weightSalience + weightRecency
        guard weightRelevance >= 0, weightSalience >= 0, weightRecency >= 0, abs(sum - 1) < 1e-9 else {
            throw ConfigError.invalid(key: weights.path, message: "weights must be ≥ 0 and sum to 1")
        }
        let membrane = try root.table("membrane")
        listenAddress = try membrane.string("listen_addr") ?? listenAddress
        guard ListenAddress(listenAddress) != nil else {
            throw ConfigError.invalid(key: membrane.key("listen_addr"), message: "must be HOST:PORT, e.g. \"127.0.0.1:9090\"")
        }
        apiKey = try membrane.string("api_key")
        requireAuth = try membrane.bool("require_auth") ?? false
        ratePerSecond = try membrane.double("rate_limit_per_second") ?? 100
        tlsCertFile = try membrane.string("tls_cert_file")
        tlsKeyFile = try membrane.string("tls_key_file")
    }

    /// A duration given as seconds (number) or Go-style text (`"1h"`, `"720h"`, `"30m"`, `"45s"`).
    static func duration(_ reader: ConfigReader, _ key: String) throws(ConfigError) -> Double? {
        switch reader.object[key] {
        case nil: return nil
        case .string(let text)?:
            guard let seconds = parseDuration(text) else {
                throw ConfigError.invalid(key: reader.key(key), message: "'\(text)' is not a duration like 90s, 30m or 6h")
            }
            return seconds
        case let value?:
            guard let seconds = value.numberValue, seconds >= 0 else {
                throw ConfigError.invalid(key: reader.key(key), message: "must be a duration")
            }
            return seconds
        }
    }

    static func parseDuration(_ text: String) -> Double? {
        var total = 0.0
        var number = ""
        var sawUnit = false
        for ch in text {
            if ch.isNumber || ch == "." { number.append(ch); continue }
            guard let value = Double(number) else { return nil }
            switch ch {
            case "h": total += value * 3600
            case "m": total += value * 60
            case "s": total += value
            default: return nil
            }
            number = ""
            sawUnit = true
        }
        if !number.isEmpty { return nil }
        return sawUnit ? total : nil
    }
}
