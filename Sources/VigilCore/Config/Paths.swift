import Foundation

/// Where vigil keeps its files, following the XDG base directory spec.
public struct VigilPaths: Sendable, Equatable {
    /// The database file.
    public var database: String
    /// The configuration file (it need not exist).
    public var config: String

    /// Resolves paths from flags, then the environment (`VIGIL_DB`, `VIGIL_CONFIG`, `XDG_DATA_HOME`,
    /// `XDG_CONFIG_HOME`, `HOME`), then the defaults `~/.local/share/vigil/vigil.db` and
    /// `~/.config/vigil/config.toml`.
    public static func resolve(
        database flag: String? = nil, config configFlag: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> VigilPaths {
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        let dataHome = environment["XDG_DATA_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? home + "/.local/share"
        let configHome =
            environment["XDG_CONFIG_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? home + "/.config"
        let database =
            flag ?? environment["VIGIL_DB"].flatMap { $0.isEmpty ? nil : $0 } ?? dataHome + "/vigil/vigil.db"
        let config =
            configFlag ?? environment["VIGIL_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
            ?? configHome + "/vigil/config.toml"
        return VigilPaths(database: database, config: config)
    }

    /// The directory holding the database; the receipt signing key lives beside it.
    public var dataDirectory: String { (database as NSString).deletingLastPathComponent }
}
