import Foundation
import VigilCore

/// Database-level chores on a PostgreSQL server: what tests, `vigil store copy` and the bench need besides a store.
package enum PostgresAdmin {
    /// Creates an empty database `name` on the server `serverURL` names and returns the URL of the new database.
    package static func createDatabase(serverURL: String, name: String) throws -> String {
        let server = try PostgresLocation(serverURL)
        let connection = try PostgresConnection(server, applicationName: "vigil-admin")
        try connection.run("CREATE DATABASE \(quote(name)) TEMPLATE template0 ENCODING 'UTF8'")
        return try url(serverURL, database: name)
    }

    /// Drops database `name` on the server `serverURL` names, closing its connections first.
    package static func dropDatabase(serverURL: String, name: String) throws {
        let server = try PostgresLocation(serverURL)
        let connection = try PostgresConnection(server, applicationName: "vigil-admin")
        try connection.run("DROP DATABASE IF EXISTS \(quote(name)) WITH (FORCE)")
    }

    /// Runs SQL (several statements allowed) on the database `url` names.
    package static func execute(url: String, _ sql: String) throws {
        let connection = try PostgresConnection(try PostgresLocation(url), applicationName: "vigil-admin")
        try connection.run(sql)
    }

    /// The first column of every row of `sql` on the database `url` names.
    package static func strings(url: String, _ sql: String) throws -> [String] {
        let connection = try PostgresConnection(try PostgresLocation(url), applicationName: "vigil-admin")
        return try connection.query(sql, prepare: false).map { $0.string(0) }
    }

    /// `url` with its database replaced by `database`.
    package static func url(_ url: String, database: String) throws -> String {
        guard var components = URLComponents(string: url) else {
            throw StoreError.invalidLocation(reason: "not a valid URL")
        }
        components.path = "/" + database
        return components.string ?? url
    }

    private static func quote(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
}
