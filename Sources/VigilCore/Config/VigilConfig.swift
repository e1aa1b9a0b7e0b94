import Foundation

/// An approval route from `[[approvals.routes]]` (TraceMem spec §8.4).
public struct ApprovalRoute: Sendable, Equatable {
    public var routeID: String
    public var name: String
    public var requireRationale: Bool
    public var expiresInSeconds: Int?
    public var webhookURL: String?
}

/// `[tracemem]`: the decision endpoint's settings and limits.
public struct TraceMemSettings: Sendable, Equatable {
    public var listenAddress = "127.0.0.1:7420"
    /// ``listenAddress`` parsed (loading refuses one that does not parse).
    public var listen: ListenAddress { ListenAddress(listenAddress) ?? ListenAddress(host: "127.0.0.1", port: 7420) }
    public var maxBodyBytes = 1_048_576
    public var ratePerSecond = 10.0
    public var rateBurst = 20
    public var getPerMinute = 60
    public var maxWriteRows = 1000
    public var allowedOrigins: [String] = []
    public var tlsCertFile: String?
    public var tlsKeyFile: String?
}

/// `[approvals]`.
public struct ApprovalSettings: Sendable, Equatable {
    public var defaultExpiresInSeconds = 3600
    public var defaultRoute: String?
    public var routes: [ApprovalRoute] = []
    public var sweepIntervalSeconds = 5.0
}

/// vigil's configuration (`config.toml`): data products, policies, approval routes, limits, the operator name and
/// the dashboard's look.
///
/// A missing file means the defaults. A present but wrong file stops start-up with a ``ConfigError`` that names the
/// key.
/// `[store]`: which store a process opens when no flag or variable says, and what stays on this machine.
public struct StoreSettings: Sendable, Equatable {
    /// A `postgres://` URL; `nil` keeps the SQLite file.
    public var url: String?
    /// Where this machine keeps its receipt signing key (a 0600 file) when the store is PostgreSQL. Default: the data
    /// folder, `~/.local/share/vigil`.
    public var keyDirectory: String?
    /// PostgreSQL connections one process keeps at most.
    public var poolSize = 8
    /// `[store] durability`: what an acknowledged commit survives (SQLite's `synchronous`, PostgreSQL's
    /// `synchronous_commit`).
    public var durability = Durability.full
}

/// What a commit that agents were told succeeded survives.
public enum Durability: String, Sendable, Equatable, CaseIterable {
    /// Every commit is on disk before it is acknowledged (SQLite `synchronous = FULL`, PostgreSQL `synchronous_commit`
    /// at least `on`): a power cut or a kernel crash loses nothing an agent was told succeeded. Group commit lets one
    /// fsync carry many calls. The default.
    case full
    /// A process crash loses nothing, a power cut may lose the last commits (SQLite `synchronous = NORMAL`,
    /// PostgreSQL `synchronous_commit = off`): faster on slow disks.
    case fast
}

public struct VigilConfig: Sendable, Equatable {
    /// The local operator identity (`operator = "…"`); the CLI falls back to `$USER`.
    public var operatorName: String?
    public var theme: String?
    /// `dashboard.allow_reveal` (default true): whether operators may reveal HIGH and HYPER payloads (audited).
    public var allowReveal = true
    /// `metrics.token_file`: a file holding the bearer token a Prometheus server presents at `GET /metrics` when the
    /// MCP endpoint listens beyond loopback (an operator key works too).
    public var metricsTokenFile: String?
    /// `server.allow_remote`: permits non-loopback listen addresses.
    public var allowRemote = false
    public var store = StoreSettings()
    public var tracemem = TraceMemSettings()
    public var approvals = ApprovalSettings()
    public var retention = RetentionSettings()
    public var memory = MemorySettings()
    public var intentMap = IntentMap()
    public var tables: [String: TableDefinition] = [:]
    /// Products in configuration order.
    public var products: [DataProduct] = []
    /// Policies in configuration order.
    public var policies: [Policy] = []
    /// The whole file as JSON, for settings other modules own (`[membrane]`, `[memory]`, `[keymap]`…).
    public var raw: JSONValue = .object([:])

    public init() {}

    public func product(_ id: String) -> DataProduct? { products.first { $0.productID == id } }
    public func policy(_ id: String) -> Policy? { policies.first { $0.policyID == id } }
    public func route(_ id: String) -> ApprovalRoute? { approvals.routes.first { $0.routeID == id } }

    /// Loads `path`; a file that does not exist yields the defaults.
    public static func load(path: String) throws(ConfigError) -> VigilConfig {
        guard FileManager.default.fileExists(atPath: path) else { return VigilConfig() }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError.unreadable(path: path, reason: error.localizedDescription)
        }
        return try VigilConfig(toml: text, path: path)
    }

    /// Parses TOML text.
    public init(toml text: String, path: String = "config.toml") throws(ConfigError) {
        try self.init(json: try TOMLConversion.json(fromTOML: text, path: path))
    }

    /// Builds the configuration from its JSON form (the TOML document converted, or a test fixture).
    public init(json: JSONValue) throws(ConfigError) {
        let root = try ConfigReader(json, path: "")
        raw = json
        operatorName = try root.string("operator")
        if let name = operatorName, !Identifier.isValidOperatorID(name) {
            throw ConfigError.invalid(key: "operator", message: "must match [A-Za-z0-9._@-]{1,64}")
        }
        let uiTheme = try root.table("ui").string("theme")
        theme = try root.string("theme") ?? uiTheme
        allowRemote = try root.table("server").bool("allow_remote") ?? false
        allowReveal = try root.table("dashboard").bool("allow_reveal") ?? true
        metricsTokenFile = try root.table("metrics").string("token_file")
        retention = try RetentionSettings(root.table("retention"))

        let storeTable = try root.table("store")
        store.url = try storeTable.string("url")
        store.keyDirectory = try storeTable.string("key_directory")
        store.poolSize = try storeTable.int("pool_size") ?? store.poolSize
        if let word = try storeTable.string("durability") {
            guard let durability = Durability(rawValue: word) else {
                throw ConfigError.invalid(key: storeTable.key("durability"), message: "must be \"full\" (the default) or \"fast\"")
            }
            store.durability = durability
        }
        guard (1...256).contains(store.poolSize) else {
            throw ConfigError.invalid(key: storeTable.key("pool_size"), message: "must be between 1 and 256")
        }

        let tm = try root.table("tracemem")
        tracemem.listenAddress = try tm.string("listen_addr") ?? tracemem.listenAddress
        guard ListenAddress(tracemem.listenAddress) != nil else {
            throw ConfigError.invalid(key: tm.key("listen_addr"), message: "must be HOST:PORT, e.g. \"127.0.0.1:7420\"")
        }
        tracemem.maxBodyBytes = try tm.int("max_body_bytes") ?? tracemem.maxBodyBytes
        tracemem.maxWriteRows = try tm.int("max_write_rows") ?? tracemem.maxWriteRows
        tracemem.allowedOrigins = try tm.strings("allowed_origins") ?? []
        tracemem.tlsCertFile = try tm.string("tls_cert_file")
        tracemem.tlsKeyFile = try tm.string("tls_key_file")
        let rate = try tm.table("rate_limit")
        tracemem.ratePerSecond = try rate.double("per_second") ?? tracemem.ratePerSecond
        tracemem.rateBurst = try rate.int("burst") ?? tracemem.rateBurst
        tracemem.getPerMinute = try rate.int("get_per_minute") ?? tracemem.getPerMinute

        let ap = try root.table("approvals")
        approvals.defaultExpiresInSeconds = try ap.int("default_expires_in_seconds") ?? 3600
        guard (60...604_800).contains(approvals.defaultExpiresInSeconds) else {
            throw ConfigError.invalid(key: ap.key("default_expires_in_seconds"), message: "must be between 60 and 604800")
        }
        approvals.sweepIntervalSeconds = try ap.double("sweep_interval") ?? 5
        for route in try ap.tables("routes") {
            let id = try route.requiredString("approval_route_id")
            guard Identifier.isValidConfigID(id) else {
                throw ConfigError.invalid(key: route.key("approval_route_id"), message: "must match [A-Za-z0-9_.-]{1,128}")
            }
            guard !approvals.routes.contains(where: { $0.routeID == id }) else {
                throw ConfigError.invalid(key: route.key("approval_route_id"), message: "duplicate route '\(id)'")
            }
            let expires = try route.int("expires_in_seconds")
            if let expires, !(60...604_800).contains(expires) {
                throw ConfigError.invalid(key: route.key("expires_in_seconds"), message: "must be between 60 and 604800")
            }
            approvals.routes.append(
                ApprovalRoute(
                    routeID: id, name: try route.string("name") ?? id,
                    requireRationale: try route.bool("require_rationale") ?? false, expiresInSeconds: expires,
                    webhookURL: try route.string("webhook_url")))
        }
        approvals.defaultRoute = try ap.string("default_route")
        if let route = approvals.defaultRoute, self.route(route) == nil {
            throw ConfigError.invalid(key: ap.key("default_route"), message: "no route '\(route)' under approvals.routes")
        }

        var extraIntents: [String: String] = [:]
        let intents = try root.table("intents")
        for key in intents.object.keys {
            guard let intent = try intents.string(key), !intent.isEmpty else {
                throw ConfigError.invalid(key: intents.key(key), message: "must be a non-empty intent string")
            }
            extraIntents[key] = intent
        }
        intentMap = IntentMap(extending: extraIntents)

        for policyReader in try root.tables("policies") {
            let policy = try Policy(config: policyReader)
            guard self.policy(policy.policyID) == nil else {
                throw ConfigError.invalid(key: policyReader.key("policy_id"), message: "duplicate policy '\(policy.policyID)'")
            }
            for rule in policy.rules {
                if let route = rule.approvalRouteID, self.route(route) == nil {
                    throw ConfigError.invalid(
                        key: policyReader.key("rules"), message: "rule '\(rule.id)' names unknown route '\(route)'")
                }
            }
            policies.append(policy)
        }

        memory = try MemorySettings(config: root)

        let dataProducts = try root.table("data_products")
        let tablesReader = try dataProducts.table("tables")
        for name in tablesReader.object.keys.sorted() {
            tables[name] = try TableDefinition(name: name, config: try tablesReader.table(name))
        }
        let policyIDs = Set(policies.map(\.policyID))
        for productReader in try dataProducts.tables("products") {
            let product = try DataProduct(config: productReader, tables: tables, policyIDs: policyIDs)
            guard self.product(product.productID) == nil else {
                throw ConfigError.invalid(
                    key: productReader.key("product_id"), message: "duplicate product '\(product.productID)'")
            }
            products.append(product)
        }
    }
}
