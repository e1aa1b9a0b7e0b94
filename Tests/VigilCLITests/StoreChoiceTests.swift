import Foundation
import Testing
import VigilCore
import VigilTestSupport

/// Choosing the store from the command line, the environment or the config, and what a user sees when the chosen
/// PostgreSQL store cannot be opened.
@Suite(
    "Choosing the store: --store, VIGIL_STORE, [store] url",
    .enabled(if: VigilProcess.isAvailable && TestStore.postgresServer != nil))
struct StoreChoiceTests {
    /// A fresh database on the test server, its URL and the password in it.
    struct Database {
        let home: TemporaryDirectory
        let url: String
        var password: String { URLComponents(string: url)?.password ?? "" }
        /// The URL with the password replaced.
        func url(password: String) -> String {
            var components = URLComponents(string: url)!
            components.password = password
            return components.string!
        }
        func vigil(_ arguments: [String], environment: [String: String] = [:]) async throws -> VigilProcess.Output {
            try await VigilProcess.run(arguments, home: home.path, extraEnvironment: environment)
        }

        init() throws {
            home = try TemporaryDirectory()
            url = try TestDatabase.create(for: home)
        }
    }

    @Test("--store, VIGIL_STORE and [store] url open PostgreSQL; a flag beats a variable; the password never shows")
    func choosing() async throws {
        let db = try Database()
        let added = try await db.vigil(["agents", "add", "builder", "--grant", "*", "--store", db.url, "--json"])
        #expect(added.status == 0, "\(added.stderr)")
        // The same agent through the variable and through the config.
        let viaEnvironment = try await db.vigil(["agents", "list", "--json"], environment: ["VIGIL_STORE": db.url])
        #expect(viaEnvironment.stdout.contains("agent_builder"))
        let config = db.home.file("config.toml")
        try "[store]\nurl = \"\(db.url)\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        let viaConfig = try await db.vigil(["agents", "list", "--json", "--config", config])
        #expect(viaConfig.stdout.contains("agent_builder"))
        // --db beats VIGIL_STORE: an empty SQLite file has no agents.
        let sqlite = try await db.vigil(["agents", "list", "--json", "--db", db.home.file("other.db")], environment: ["VIGIL_STORE": db.url])
        #expect(sqlite.status == 0 && !sqlite.stdout.contains("agent_builder"))
        // paths names the store without its password.
        let paths = try await db.vigil(["paths", "--json", "--store", db.url])
        let value = try JSONParser.parse(paths.stdout)
        #expect(value["store_kind"] == "postgres")
        #expect(value["store"]?.stringValue?.hasPrefix("postgres://vigil@127.0.0.1:") == true)
        for output in [added, viaEnvironment, viaConfig, paths] {
            #expect(!(output.stdout + output.stderr).contains(db.password))
        }
        let both = try await db.vigil(["agents", "list", "--db", db.home.file("x.db"), "--store", db.url])
        #expect(both.status != 0 && both.stderr.contains("not both"))
    }

    @Test("unreachable, wrong password, newer schema, not a URL: one line naming host and database, a distinct exit code each")
    func refusals() async throws {
        let db = try Database()
        let components = URLComponents(string: db.url)!
        let hostAndDatabase = "\(components.host!):\(components.port!)\(components.path)"

        let wrong = try await db.vigil(["agents", "list", "--store", db.url(password: "not-the-password")])
        #expect(wrong.status == 6)
        #expect(wrong.stderr.contains("refused the credentials") && wrong.stderr.contains(hostAndDatabase))
        #expect(!wrong.stderr.contains("not-the-password"))

        let unreachable = try await db.vigil(["agents", "list", "--store", "postgres://vigil:secret-pw@127.0.0.1:1/vigil"])
        #expect(unreachable.status == 5)
        #expect(unreachable.stderr.contains("cannot reach") && unreachable.stderr.contains("127.0.0.1:1/vigil"))
        #expect(!unreachable.stderr.contains("secret-pw"))

        let notAURL = try await db.vigil(["agents", "list", "--store", "mysql://db.example/vigil"])
        #expect(notAURL.status == 2 && notAURL.stderr.contains("not a store URL"))
        let noDatabase = try await db.vigil(["agents", "list", "--store", "postgres://vigil@127.0.0.1:5432"])
        #expect(noDatabase.status == 2 && noDatabase.stderr.contains("names no database"))

        // A database a newer vigil migrated: refused, untouched.
        #expect(try await db.vigil(["agents", "list", "--store", db.url]).status == 0)
        try PostgresTestSQL.execute(url: db.url, "INSERT INTO vigil_migrations (identifier) VALUES ('v99-from-the-future')")
        let newer = try await db.vigil(["agents", "list", "--store", db.url])
        #expect(newer.status == 7)
        #expect(newer.stderr.contains("newer vigil") && newer.stderr.contains(hostAndDatabase))
        #expect(!newer.stderr.contains(db.password))

        for output in [wrong, unreachable, notAURL, noDatabase, newer] {
            #expect(output.stderr.split(separator: "\n").count == 1, "one line: \(output.stderr)")
            #expect(output.stdout.isEmpty)
        }
    }
}
