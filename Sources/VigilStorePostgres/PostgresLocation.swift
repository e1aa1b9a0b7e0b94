import Foundation
import VigilCore

/// A PostgreSQL store's URL, `postgres://user[:password]@host[:port]/database[?sslmode=…]`, as PostgreSQL users write
/// it. The password may also come from `PGPASSWORD` or `~/.pgpass`: libpq reads those itself.
///
/// Only ``redacted`` is ever printed: it is the URL without its password.
package struct PostgresLocation: Sendable, Equatable {
    /// The URL as given, handed to libpq.
    package let url: String
    /// The URL without its password, safe for logs, errors and `vigil paths`.
    package let redacted: String
    package let host: String
    package let port: Int
    package let database: String
    package let user: String?
    /// The password the URL carries, kept only to scrub it from messages.
    private let password: String?

    /// Whether `text` names a PostgreSQL store rather than a SQLite file.
    package static func isPostgresURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    package init(_ text: String) throws(StoreError) {
        guard Self.isPostgresURL(text) else {
            throw StoreError.invalidLocation(reason: "a store URL starts with postgres:// (a SQLite store is a file path: use --db PATH)")
        }
        guard let components = URLComponents(string: text) else {
            throw StoreError.invalidLocation(reason: "not a valid URL; expected postgres://user@host:port/database")
        }
        let database = String(components.path.drop { $0 == "/" })
        guard let host = components.host, !host.isEmpty else {
            throw StoreError.invalidLocation(reason: "the URL names no host; expected postgres://user@host:port/database")
        }
        guard !database.isEmpty, !database.contains("/") else {
            throw StoreError.invalidLocation(reason: "the URL names no database; expected postgres://user@host:port/database")
        }
        for item in components.queryItems ?? [] where item.name == "sslmode" {
            let modes = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]
            guard let value = item.value, modes.contains(value) else {
                throw StoreError.invalidLocation(
                    reason: "sslmode must be one of \(modes.joined(separator: ", ")), not '\(item.value ?? "")'")
            }
        }
        url = text
        self.host = host
        port = components.port ?? 5432
        self.database = database.removingPercentEncoding ?? database
        user = components.user?.removingPercentEncoding ?? components.user
        password = components.password?.removingPercentEncoding ?? components.password
        var safe = components
        safe.password = nil
        redacted = safe.string ?? "postgres://\(host)/\(database)"
    }

    /// What libpq connects with: the URL plus vigil's defaults (an application name, a 5 s connect timeout) where the
    /// URL sets none.
    func connectionString(applicationName: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        var items = components.queryItems ?? []
        if !items.contains(where: { $0.name == "application_name" }) {
            items.append(URLQueryItem(name: "application_name", value: applicationName))
        }
        if !items.contains(where: { $0.name == "connect_timeout" }) {
            items.append(URLQueryItem(name: "connect_timeout", value: "5"))
        }
        components.queryItems = items
        return components.string ?? url
    }

    /// `text` with the password (as given and percent-encoded) replaced, for any message that might echo it.
    func scrub(_ text: String) -> String {
        guard let password, !password.isEmpty else { return text }
        var out = text.replacingOccurrences(of: password, with: "***")
        if let encoded = password.addingPercentEncoding(withAllowedCharacters: .urlPasswordAllowed) {
            out = out.replacingOccurrences(of: encoded, with: "***")
        }
        return out
    }
}
