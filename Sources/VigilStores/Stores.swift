import Logging
import VigilCore
import VigilStoreSQLite

/// Opens the store a process was pointed at. The one place that knows every kind of store vigil has.
public enum Stores {
    /// Opens (creating and migrating) the store `paths` names.
    package static func open(_ paths: VigilPaths) throws(StoreError) -> any Store {
        try open(location: paths.database)
    }

    /// Opens (creating and migrating) the store at `location`: a SQLite file's path.
    package static func open(location: String) throws(StoreError) -> any Store {
        try SQLiteStore(path: location)
    }
}

extension VigilRuntime {
    /// Loads the configuration, opens (creating and migrating) the store `paths` names and starts the engines.
    public static func open(
        paths: VigilPaths, clock: any WallClock = SystemClock(), logger: Logger = Logger(label: "vigil")
    ) throws -> VigilRuntime {
        try open(paths: paths, store: try Stores.open(paths), clock: clock, logger: logger)
    }
}
