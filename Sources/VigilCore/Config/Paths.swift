import Foundation

/// Where vigil keeps its files, following the XDG base directory spec.
public struct VigilPaths: Sendable, Equatable {
    /// The SQLite database file (the store unless ``store`` names another).
    public var database: String
    /// The configuration file (it need not exist).
    public var config: String
    /// The store chosen by `--store` or `VIGIL_STORE`: a `postgres://` URL (or a SQLite path); `nil` when neither
    /// was given.
    public var store: String?
    /// Whether `--db` or `VIGIL_DB` chose ``database``: then a `[store] url` in the configuration does not apply.
    public var databaseIsExplicit: Bool
    /// Where vigil keeps this machine's files: `$XDG_DATA_HOME/vigil` (the default database's folder).
    public var dataHome: String

    public init(database: String, config: String, store: String? = nil, databaseIsExplicit: Bool = true, dataHome: String? = nil) {
        self.database = database
        self.config = config
        self.store = store
        self.databaseIsExplicit = databaseIsExplicit
        self.dataHome = dataHome ?? (database as NSString).deletingLastPathComponent
    }

    /// Resolves paths from flags, then the environment (`VIGIL_STORE`, `VIGIL_DB`, `VIGIL_CONFIG`, `XDG_DATA_HOME`,
    /// `XDG_CONFIG_HOME`, `HOME`), then the defaults `~/.local/share/vigil/vigil.db` and
    /// `~/.config/vigil/config.toml`. A flag beats any variable: `--db` beats `VIGIL_STORE`, `--store` beats
    /// `VIGIL_DB`.
    public static func resolve(
        database flag: String? = nil, store storeFlag: String? = nil, config configFlag: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> VigilPaths {
        func nonEmpty(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        let dataHome = environment["XDG_DATA_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? home + "/.local/share"
        let configHome =
            environment["XDG_CONFIG_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? home + "/.config"
        let flagged = storeFlag != nil || flag != nil
        let database = flag ?? (flagged ? nil : nonEmpty("VIGIL_DB")) ?? dataHome + "/vigil/vigil.db"
        let store = storeFlag ?? (flagged ? nil : nonEmpty("VIGIL_STORE"))
        let config = configFlag ?? nonEmpty("VIGIL_CONFIG") ?? configHome + "/vigil/config.toml"
        return VigilPaths(
            database: database, config: config, store: store,
            databaseIsExplicit: flag != nil || (!flagged && nonEmpty("VIGIL_DB") != nil), dataHome: dataHome + "/vigil")
    }

    /// The directory holding the database; the receipt signing key lives beside it.
    public var dataDirectory: String { (database as NSString).deletingLastPathComponent }
}
