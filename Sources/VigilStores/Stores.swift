import Foundation
import Logging
import VigilCore
import VigilStorePostgres
import VigilStoreSQLite

/// Which store a process opens, named before it is opened: safe to print (a PostgreSQL URL without its password).
package enum StoreChoice: Sendable, Equatable {
    case sqlite(path: String)
    case postgres(PostgresLocation)

    /// `sqlite` or `postgres`.
    package var kind: String {
        switch self {
        case .sqlite: return "sqlite"
        case .postgres: return "postgres"
        }
    }

    /// The file's path, or the URL without its password.
    package var location: String {
        switch self {
        case .sqlite(let path): return path
        case .postgres(let location): return location.redacted
        }
    }
}

/// Opens the store a process was pointed at. The one place that knows every kind of store vigil has.
public enum Stores {
    /// Which store `paths` and `config` choose: `--store`/`--db` (a flag beats a variable), then `VIGIL_STORE` or
    /// `VIGIL_DB`, then `[store] url`, then the default SQLite file.
    package static func choice(_ paths: VigilPaths, config: VigilConfig) throws(StoreError) -> StoreChoice {
        if let store = paths.store { return try choice(location: store) }
        if !paths.databaseIsExplicit, let url = config.store.url { return try choice(location: url) }
        return .sqlite(path: paths.database)
    }

    /// A `postgres://` URL chooses PostgreSQL; any other URL is refused; anything else is a SQLite file's path.
    package static func choice(location: String) throws(StoreError) -> StoreChoice {
        if PostgresLocation.isPostgresURL(location) { return .postgres(try PostgresLocation(location)) }
        if location.contains("://") {
            let scheme = location.prefix { $0 != ":" }
            throw StoreError.invalidLocation(
                reason: "'\(scheme)://' is not a store vigil knows; use postgres://user@host:port/database, or a SQLite file's path")
        }
        guard !location.isEmpty else { throw StoreError.invalidLocation(reason: "the store location is empty") }
        return .sqlite(path: location)
    }

    /// Where this machine keeps the receipt signing key for `choice`: beside a SQLite file; for PostgreSQL,
    /// `[store] key_directory`, else the data folder.
    package static func keyDirectory(_ choice: StoreChoice, paths: VigilPaths, config: VigilConfig) -> String {
        switch choice {
        case .sqlite(let path):
            let directory = (path as NSString).deletingLastPathComponent
            return directory.isEmpty ? "." : directory
        case .postgres:
            return config.store.keyDirectory ?? paths.dataHome
        }
    }

    /// The paths for a store named by one string, as the SDK's embedded backends take it: a `postgres://` URL, or a
    /// SQLite file's path.
    package static func paths(location: String, config: String?) -> VigilPaths {
        PostgresLocation.isPostgresURL(location)
            ? VigilPaths.resolve(store: location, config: config) : VigilPaths.resolve(database: location, config: config)
    }

    /// Opens (creating and migrating) the store `paths` and `config` choose.
    package static func open(_ paths: VigilPaths, config: VigilConfig) throws(StoreError) -> any Store {
        let chosen = try choice(paths, config: config)
        return try open(
            chosen, keyDirectory: keyDirectory(chosen, paths: paths, config: config), poolSize: config.store.poolSize,
            durability: config.store.durability)
    }

    /// Opens (creating and migrating) the store at `location`: a PostgreSQL URL or a SQLite file's path.
    package static func open(location: String, keyDirectory: String? = nil) throws(StoreError) -> any Store {
        let chosen = try choice(location: location)
        let paths = VigilPaths.resolve()
        return try open(chosen, keyDirectory: keyDirectory ?? Self.keyDirectory(chosen, paths: paths, config: VigilConfig()))
    }

    static func open(
        _ choice: StoreChoice, keyDirectory: String, poolSize: Int = PostgresStore.defaultPoolSize, durability: Durability = .full
    ) throws(StoreError) -> any Store {
        switch choice {
        case .sqlite(let path):
            return try SQLiteStore(path: path, durability: durability)
        case .postgres(let location):
            return try PostgresStore(url: location.url, localDirectory: keyDirectory, poolSize: poolSize, durability: durability)
        }
    }
}

extension VigilRuntime {
    /// Loads the configuration, opens (creating and migrating) the store `paths` and the configuration choose and
    /// starts the engines.
    public static func open(
        paths: VigilPaths, use: Use = .command, clock: any WallClock = SystemClock(), logger: Logger = Logger(label: "vigil")
    ) throws -> VigilRuntime {
        let config = try VigilConfig.load(path: paths.config)
        return try open(paths: paths, config: config, use: use, clock: clock, logger: logger)
    }

    /// Opens the store `paths` and `config` choose and starts the engines, with a configuration already loaded.
    package static func open(
        paths: VigilPaths, config: VigilConfig, use: Use = .command, clock: any WallClock = SystemClock(),
        logger: Logger = Logger(label: "vigil")
    ) throws -> VigilRuntime {
        try open(paths: paths, config: config, store: try Stores.open(paths, config: config), use: use, clock: clock, logger: logger)
    }
}
