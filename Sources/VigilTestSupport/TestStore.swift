import Foundation
import VigilCore
import VigilStorePostgres
import VigilStoreSQLite

/// The stores an engine test runs on: every test of the engines takes one as its argument
/// (`@Test(arguments: TestStore.all)`), so one behaviour is proven on every store vigil has.
public enum TestStore: String, Sendable, CaseIterable, CustomStringConvertible {
    case sqlite
    case postgres

    public var description: String { rawValue }

    /// The PostgreSQL server the tests use: `VIGIL_TEST_POSTGRES`, a `postgres://` URL of a role that may create
    /// databases (`scripts/test-postgres.sh start` prints one; `.ci/run` sets it).
    public static var postgresServer: String? {
        ProcessInfo.processInfo.environment["VIGIL_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// SQLite always; PostgreSQL too when `VIGIL_TEST_POSTGRES` names a server.
    public static var all: [TestStore] { postgresServer == nil ? [.sqlite] : [.sqlite, .postgres] }

    /// Opens a fresh, empty store of this kind: a file in `directory`, or a new database on the test server that is
    /// dropped when `directory` is released. The receipt signing key lives in `directory` either way.
    package func open(in directory: TemporaryDirectory) throws -> any Store {
        switch self {
        case .sqlite:
            // Tests are not about power cuts: an fsync per commit, with every suite writing at once, makes single calls
            // wait seconds on a busy disk. `StoreTests.durability` checks the default (FULL) itself.
            return try SQLiteStore(path: directory.file("vigil.db"), durability: .fast)
        case .postgres:
            return try PostgresStore(url: try TestDatabase.create(for: directory), localDirectory: directory.path)
        }
    }

    /// Another handle on the database `store` is on, as a second process or server would open it.
    package func reopen(_ store: any Store, in directory: TemporaryDirectory) throws -> any Store {
        switch store {
        case let sqlite as SQLiteStore: return try SQLiteStore(path: sqlite.path, durability: sqlite.durability)
        case let postgres as PostgresStore: return try PostgresStore(url: postgres.connectionURL, localDirectory: directory.path)
        default: throw StoreError.invalidLocation(reason: "unknown store \(store.location)")
        }
    }
}

/// A throwaway database on the test server, dropped when the directory that owns it is released.
public enum TestDatabase {
    /// Creates a database named after `directory` and returns its URL.
    public static func create(for directory: TemporaryDirectory) throws -> String {
        guard let server = TestStore.postgresServer else {
            throw StoreError.invalidLocation(reason: "VIGIL_TEST_POSTGRES is not set (scripts/test-postgres.sh start)")
        }
        let name = "vigil_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        let url = try PostgresAdmin.createDatabase(serverURL: server, name: name)
        directory.onRelease { try? PostgresAdmin.dropDatabase(serverURL: server, name: name) }
        return url
    }
}

/// Raw SQL on a test database, for tests that set up what vigil itself would refuse to write.
public enum PostgresTestSQL {
    public static func execute(url: String, _ sql: String) throws {
        try PostgresAdmin.execute(url: url, sql)
    }
}
