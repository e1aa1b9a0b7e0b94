import Foundation
import Synchronization
import Testing
import VigilCore
import VigilStorePostgres
import VigilStoreSQLite
import VigilTestSupport

@Suite("The store")
struct StoreTests {
    @Test("CI runs every engine test on PostgreSQL too (VIGIL_TEST_POSTGRES is set)")
    func postgresInCI() {
        guard ProcessInfo.processInfo.environment["CI"] == "true" else { return }
        #expect(TestStore.all == [.sqlite, .postgres], "CI must start a PostgreSQL cluster: run scripts/test.sh")
    }

    @Test("opens in WAL mode with versioned migrations, and reopens without re-migrating")
    func walAndMigrations() throws {
        let dir = try TemporaryDirectory()
        let store = try SQLiteStore(path: dir.file("nested/dir/vigil.db"))
        #expect(try store.journalMode() == "wal")
        #expect(try store.appliedMigrations() == ["v1-decisions", "v2-memory", "v3-decision-search-pieces", "v4-memory-search-rank", "v5-memory-audit-salience", "v6-retention-redaction", "v7-child-lookups"])
        let again = try SQLiteStore(path: dir.file("nested/dir/vigil.db"))
        #expect(try again.appliedMigrations() == ["v1-decisions", "v2-memory", "v3-decision-search-pieces", "v4-memory-search-rank", "v5-memory-audit-salience", "v6-retention-redaction", "v7-child-lookups"])
    }

    @Test("acknowledged means durable: synchronous = FULL by default, NORMAL only with [store] durability = \"fast\"; a wrong value names the key")
    func durability() throws {
        let dir = try TemporaryDirectory()
        #expect(try SQLiteStore(path: dir.file("a.db")).synchronousLevel() == 2)
        #expect(try SQLiteStore(path: dir.file("b.db"), durability: .fast).synchronousLevel() == 1)
        #expect(try VigilConfig(toml: "").store.durability == .full)
        #expect(try VigilConfig(toml: "[store]\ndurability = \"fast\"\n").store.durability == .fast)
        #expect(throws: ConfigError.invalid(key: "store.durability", message: "must be \"full\" (the default) or \"fast\"")) {
            try VigilConfig(toml: "[store]\ndurability = \"yolo\"\n")
        }
    }

    @Test("a store from before v3 keeps its decisions' words searchable after the upgrade")
    func upgradeKeepsSearch() throws {
        let f = try DecisionFixture()
        let id = try f.open()
        try f.call("decision_add_context", ["decision_id": .string(id), "context": ["carrier": "walrus"]])
        // Turn the file back into a v2 store: words in decisions.search_text, the index built from them.
        let tamper = try StoreTamper(path: f.databasePath)
        try tamper.execute("""
            UPDATE decisions SET search_text = (SELECT group_concat(text, ' ') FROM decision_search_text t
                WHERE t.decision_rowid = decisions.rowid);
            DELETE FROM decision_search;
            INSERT INTO decision_search (rowid, body) SELECT rowid, search_text FROM decisions;
            DROP TABLE decision_search_text;
            DROP TABLE decision_search_stale;
            DELETE FROM grdb_migrations WHERE identifier = 'v3-decision-search-pieces';
            """)
        let upgraded = try DecisionEngine(store: try SQLiteStore(path: f.databasePath), config: f.config, clock: f.clock)
        func hits(_ query: String) throws -> [JSONValue] {
            try upgraded.call(tool: "decision_search", arguments: ["query": .string(query)], caller: .agent(f.agentA))["results"]!
                .arrayValue!
        }
        #expect(try hits("walrus").count == 1)
        _ = try upgraded.call(
            tool: "decision_add_context", arguments: ["decision_id": .string(id), "context": ["note": "pelican"]],
            caller: .agent(f.agentA))
        #expect(try hits("walrus pelican refund").count == 1, "old and new words make one document")
        #expect(try tamper.strings("SELECT search_text FROM decisions") == [""], "the old copy of the words is gone")
    }

    @Test("the log is checkpointed in the background once it passes 1,000 pages, and the writes all land")
    func backgroundCheckpoint() async throws {
        let f = try DecisionFixture()
        let databaseFile = URL(fileURLWithPath: f.databasePath)
        func mainFileSize() throws -> Int {
            try databaseFile.resourceValues(forKeys: [.fileSizeKey]).fileSize ?? 0
        }
        let before = try mainFileSize()
        let id = try f.open()
        // About 1,900 pages of log: each event carries ~1 KB of words, in its own commit.
        let words = (0..<120).map { "word\($0)" }.joined(separator: " ")
        for i in 0..<2000 {
            try f.call("decision_add_context", ["decision_id": .string(id), "context": ["i": .int(Int64(i)), "words": .string(words)]])
        }
        let deadline = Date().addingTimeInterval(20)
        let store = try #require(f.store as? SQLiteStore)
        while store.checkpointsRun == 0, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(store.checkpointsRun > 0, "no background checkpoint ran")
        #expect(try mainFileSize() > before + 1_000_000, "the checkpoint copied the log into the database file")
        let chain = try f.engine.verifyChain(decisionID: id)
        #expect(chain.isIntact && chain.eventCount == 2001)
    }

    @Test("a file that is not a database gets a clear error and is left alone")
    func notADatabase() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("junk.db")
        try Data(String(repeating: "not sqlite ", count: 200).utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: StoreError.corrupt(path: path)) { try SQLiteStore(path: path) }
        #expect(try String(contentsOfFile: path, encoding: .utf8).hasPrefix("not sqlite"))
    }

    @Test("an unwritable location gets a cannot-open error that says what to do")
    func unwritable() throws {
        let error = #expect(throws: StoreError.self) { try SQLiteStore(path: "/proc/vigil-cannot-exist/vigil.db") }
        guard case .cannotOpen? = error else { Issue.record("unexpected \(String(describing: error))"); return }
        #expect(error?.description.contains("--db PATH") == true)
    }

    @Test("the change signal moves when another connection commits, and only then", arguments: TestStore.all)
    func changeSignal(store: TestStore) async throws {
        let f = try DecisionFixture(store: store)
        let signal = try f.store.changeSignal()
        let before = try signal.version()
        #expect(try signal.version() == before)
        // A second, independent store on the same database plays the other process.
        let other = try f.secondStore()
        _ = try PrincipalRegistry(store: other).add(name: "someone", kind: .agent)
        // PostgreSQL delivers the notification a moment after the commit: wait for it, with a deadline.
        let deadline = ContinuousClock.now + .seconds(5)
        while try signal.version() == before, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(try signal.version() != before)
    }

    @Test("two engines on one database serialize appends to the same decision", arguments: TestStore.all)
    func concurrentAppends(store: TestStore) async throws {
        let f = try DecisionFixture(store: store)
        let id = try f.open()
        let second = try DecisionEngine(store: try f.secondStore(), config: f.config, clock: f.clock)
        let agent = f.agentA
        try await withThrowingTaskGroup(of: Void.self) { group in
            for engine in [f.engine, second] {
                group.addTask {
                    for i in 0..<25 {
                        _ = try engine.addContext(["decision_id": .string(id), "context": ["i": .int(Int64(i))]], agent: agent)
                    }
                }
            }
            try await group.waitForAll()
        }
        let chain = try f.engine.verifyChain(decisionID: id)
        #expect(chain.isIntact && chain.eventCount == 51)
    }
}

@Suite("Paths follow XDG")
struct PathTests {
    @Test("flags beat VIGIL_DB, which beats XDG_DATA_HOME, which beats HOME")
    func precedence() {
        let env = ["HOME": "/home/u", "XDG_DATA_HOME": "/data", "XDG_CONFIG_HOME": "/cfg", "VIGIL_DB": "/env.db"]
        #expect(VigilPaths.resolve(database: "/flag.db", environment: env).database == "/flag.db")
        #expect(VigilPaths.resolve(environment: env).database == "/env.db")
        #expect(VigilPaths.resolve(environment: ["HOME": "/home/u", "XDG_DATA_HOME": "/data"]).database == "/data/vigil/vigil.db")
        #expect(VigilPaths.resolve(environment: ["HOME": "/home/u"]).database == "/home/u/.local/share/vigil/vigil.db")
        #expect(VigilPaths.resolve(environment: ["HOME": "/home/u"]).config == "/home/u/.config/vigil/config.toml")
        #expect(VigilPaths.resolve(environment: env).config == "/cfg/vigil/config.toml")
        #expect(VigilPaths.resolve(environment: ["HOME": "/h", "XDG_DATA_HOME": "relative"]).database == "/h/.local/share/vigil/vigil.db")
    }
}

@Suite("Agents, operators and keys")
struct PrincipalTests {
    @Test("21: only sha256(key) is stored; no file holds the plaintext", arguments: TestStore.all)
    func keyStorage(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        let hashes = try StoreTamper(f).strings("SELECT key_hash FROM api_keys ORDER BY created_at")
        #expect(hashes.contains(Encoding.sha256Hex(f.keyA)))
        #expect(f.keyA.hasPrefix("vgl_") && f.keyA.count == 47)
        for file in try FileManager.default.contentsOfDirectory(atPath: f.directory.path) {
            let bytes = FileManager.default.contents(atPath: f.directory.file(file)) ?? Data()
            #expect(!String(decoding: bytes, as: UTF8.self).contains(f.keyA), "\(file) contains a key")
        }
    }

    @Test("20: revoked keys and disabled principals stop authenticating", arguments: TestStore.all)
    func authentication(store: TestStore) throws {
        let f = try DecisionFixture(store: store)
        #expect(try f.principals.authenticate(f.keyA)?.principal.principalID == "agent_a")
        #expect(try f.principals.authenticate(f.keyO)?.role == .operator)
        #expect(try f.principals.authenticate("wrong") == nil)
        try f.principals.revoke("agent_a")
        #expect(try f.principals.authenticate(f.keyA) == nil)
        try f.principals.setActive("agent_b", false)
        #expect(try f.principals.authenticate(f.keyB) == nil)
    }

    @Test("a server's key cache: its own changes apply at once, another process's within the cache's lifetime", arguments: TestStore.all)
    func keyCache(store: TestStore) async throws {
        let f = try DecisionFixture(store: store)
        let server = f.principals.cachingKeys(for: .milliseconds(200))
        #expect(try server.authenticate(f.keyA)?.principal.principalID == "agent_a")
        #expect(try server.authenticate(f.keyB) != nil)
        // Through the caching registry itself: at once.
        try server.revoke("agent_a")
        #expect(try server.authenticate(f.keyA) == nil)
        // Through another registry (as the CLI in another process would): once the cached entry expires, the store
        // decides. (How long it serves meanwhile is timing, which tests do not assert.)
        #expect(try server.authenticate(f.keyB) != nil)
        try f.principals.revoke("agent_b")
        let deadline = ContinuousClock.now + .seconds(5)
        while try server.authenticate(f.keyB) != nil, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(try server.authenticate(f.keyB) == nil)
    }

    @Test("names become ids; bad names and duplicates are refused", arguments: TestStore.all)
    func naming(store: TestStore) throws {
        #expect(try PrincipalRegistry.principalID(forName: "builder", kind: .agent) == "agent_builder")
        #expect(try PrincipalRegistry.principalID(forName: "agent_x", kind: .agent) == "agent_x")
        #expect(try PrincipalRegistry.principalID(forName: "op.Alice@corp", kind: .operator) == "op.Alice@corp")
        #expect(throws: PrincipalError.self) { try PrincipalRegistry.principalID(forName: "Bad Name", kind: .agent) }
        let f = try DecisionFixture(store: store)
        #expect(throws: PrincipalError.alreadyExists("agent_a")) { try f.principals.add(name: "a", kind: .agent) }
    }
}

@Suite("Configuration")
struct ConfigTests {
    @Test("the fixture loads, with hashes that are stable")
    func fixture() throws {
        let config = try VigilConfig(toml: DecisionFixture.configTOML)
        #expect(config.products.count == 6)
        #expect(config.policy("discount_cap_v1")?.rules.count == 2)
        let again = try VigilConfig(toml: DecisionFixture.configTOML)
        #expect(config.policy("discount_cap_v1")?.hash == again.policy("discount_cap_v1")?.hash)
        #expect(config.product("orders_insert")?.hash == again.product("orders_insert")?.hash)
        #expect(config.intentMap.intent(for: "secrets") == "secrets.change.propose")
        #expect(config.intentMap.intent(for: "docs") == "docs.update.apply")
        #expect(config.intentMap.mappings.count == 11)
    }

    @Test("errors name the key to fix", arguments: [
        ("[[policies]]\npolicy_id = \"p\"\nversion = \"1\"\n", "policies[0].default"),
        ("[[policies]]\npolicy_id = \"p\"\nversion = \"1\"\ndefault = { outcome = \"allow\" }\nrules = [{ id = \"r\", when = { field = \"a\", op = \"bigger\", value = 1 }, outcome = \"deny\" }]\n", "policies[0].rules[0].when.op"),
        ("[[policies]]\npolicy_id = \"p\"\nversion = \"1\"\ndefault = { outcome = \"allow\" }\n[[policies]]\npolicy_id = \"p\"\nversion = \"1\"\ndefault = { outcome = \"allow\" }\n", "policies[1].policy_id"),
        ("[[policies]]\npolicy_id = \"p\"\nversion = \"1\"\ndefault = { outcome = \"maybe\" }\n", "policies[0].default.outcome"),
        ("[approvals]\ndefault_expires_in_seconds = 5\n", "approvals.default_expires_in_seconds"),
        ("[data_products.tables.t.columns]\nid = { type = \"uuid\", primary_key = true }\n", "data_products.tables.t.columns.id.type"),
    ])
    func errors(toml: String, key: String) {
        do {
            _ = try VigilConfig(toml: toml)
            Issue.record("expected a configuration error at \(key)")
        } catch {
            guard case .invalid(let reported, _) = error else { Issue.record("\(error)"); return }
            #expect(reported == key)
        }
    }

    @Test("update products must expose their keys; syntax errors say where")
    func productRules() {
        let toml = """
            [data_products.tables.t.columns]
            id = { type = "string", primary_key = true }
            v = { type = "string" }
            [[data_products.products]]
            product_id = "t_update"
            table = "t"
            operation = "update"
            fields = ["v"]
            allowed_purposes = ["x"]
            """
        #expect(throws: ConfigError.invalid(key: "data_products.products[0].fields", message: "update products must expose key field 'id'")) {
            try VigilConfig(toml: toml)
        }
        #expect(throws: ConfigError.self) { try VigilConfig(toml: "this is = = not toml") }
    }
}

@Suite("Policies")
struct PolicyTests {
    func policy(_ when: String) throws -> Policy {
        try VigilConfig(toml: """
            [[policies]]
            policy_id = "p"
            version = "1"
            rules = [{ id = "hit", when = \(when), outcome = "deny", message = "m" }]
            default = { outcome = "allow", message = "d" }
            """).policy("p")!
    }

    @Test("operators follow spec §9", arguments: [
        ("{ field = \"a\", op = \"eq\", value = 1 }", #"{"a":1.0}"#, true),
        ("{ field = \"a\", op = \"eq\", value = 1 }", #"{"a":"1"}"#, false),
        ("{ field = \"a\", op = \"ne\", value = 1 }", #"{}"#, true),
        ("{ field = \"a.b\", op = \"gt\", value = 2 }", #"{"a":{"b":3}}"#, true),
        ("{ field = \"a\", op = \"lt\", value = \"b\" }", #"{"a":"a"}"#, true),
        ("{ field = \"a\", op = \"gte\", value = 1 }", #"{"a":"2"}"#, false),
        ("{ field = \"a\", op = \"in\", value = [1, 2] }", #"{"a":2}"#, true),
        ("{ field = \"a\", op = \"not_in\", value = [1, 2] }", #"{}"#, true),
        ("{ field = \"a\", op = \"contains\", value = \"ell\" }", #"{"a":"hello"}"#, true),
        ("{ field = \"a\", op = \"contains\", value = 3 }", #"{"a":[1,3]}"#, true),
        ("{ field = \"a\", op = \"starts_with\", value = \"he\" }", #"{"a":"hello"}"#, true),
        ("{ field = \"a\", op = \"exists\" }", #"{"a":null}"#, false),
        ("{ field = \"a\", op = \"missing\" }", #"{"a":null}"#, true),
        ("{ all = [] }", #"{}"#, true),
        ("{ any = [] }", #"{}"#, false),
        ("{ not = { field = \"a\", op = \"exists\" } }", #"{}"#, true),
        ("{ any = [{ field = \"a\", op = \"eq\", value = 1 }, { field = \"b\", op = \"eq\", value = 2 }] }", #"{"b":2}"#, true),
    ])
    func operators(when: String, inputs: String, matches: Bool) throws {
        let result = try policy(when).evaluate(try JSONParser.parse(inputs))
        #expect((result.outcome == .deny) == matches)
        #expect(result.ruleID == (matches ? "hit" : "default"))
    }
}

@Suite("Group commit")
struct GroupCommitTests {
    @Test("writers queued while another process keeps the lock past the busy timeout all get the busy error; the store goes on")
    func lockHeldElsewhere() throws {
        let dir = try TemporaryDirectory()
        let store = try SQLiteStore(path: dir.file("vigil.db"))
        let registry = PrincipalRegistry(store: store)
        let outcomes = Mutex<[String]>([])
        let done = DispatchGroup()
        try StoreTamper(path: store.path).holdingWriteLock {
            for i in 0..<4 {
                done.enter()
                Thread.detachNewThread {
                    defer { done.leave() }
                    do {
                        _ = try registry.add(name: "agent\(i)", kind: .agent)
                        outcomes.withLock { $0.append("added") }
                    } catch {
                        outcomes.withLock { $0.append("\(error)") }
                    }
                }
            }
            #expect(done.wait(timeout: .now() + 30) == .success, "queued writers never returned")
        }
        let results = outcomes.withLock { $0 }
        #expect(results.count == 4)
        #expect(results.allSatisfy { $0 == StoreError.busy.description }, "\(results)")
        _ = try registry.add(name: "after", kind: .agent)
        #expect(try registry.list().map(\.principal.name) == ["after"])
    }

    @Test("many threads writing at once: each failure undoes only its own work, every success is committed", arguments: TestStore.all)
    func failuresAreIsolated(kind: TestStore) async throws {
        let dir = try TemporaryDirectory()
        let store = try kind.open(in: dir)
        let registry = PrincipalRegistry(store: store)
        // Every name is added twice at once: exactly one of each pair succeeds, the other throws alreadyExists
        // inside a transaction it may share with other threads' successful writes.
        let outcomes = await withTaskGroup(of: (String, Bool).self) { group in
            for i in 0..<64 {
                group.addTask {
                    await withCheckedContinuation { continuation in
                        Thread.detachNewThread {
                            let name = "agent\(i / 2)"
                            do {
                                _ = try registry.add(name: name, kind: .agent)
                                continuation.resume(returning: (name, true))
                            } catch {
                                continuation.resume(returning: (name, false))
                            }
                        }
                    }
                }
            }
            var all: [(String, Bool)] = []
            for await outcome in group { all.append(outcome) }
            return all
        }
        let successes = Dictionary(grouping: outcomes.filter(\.1), by: \.0)
        #expect(successes.count == 32)
        #expect(successes.values.allSatisfy { $0.count == 1 })
        let stored = try registry.list().map(\.principal.name).sorted()
        #expect(stored == (0..<32).map { "agent\($0)" }.sorted())
        let statistics = store.writeStatistics
        #expect(statistics.jobs == 64)
        #expect(statistics.transactions >= 1 && statistics.transactions <= 64)
    }
}

@Suite("PostgreSQL connection pool")
struct PostgresPoolTests {
    @Test("[store] durability maps to synchronous_commit: full raises off to on and keeps stronger settings, fast sets off",
          .enabled(if: TestStore.postgresServer != nil))
    func durability() throws {
        let directory = try TemporaryDirectory()
        let url = try TestDatabase.create(for: directory)
        func setting(_ options: String?, _ durability: Durability) throws -> String {
            let withOptions = options.map { url + (url.contains("?") ? "&" : "?") + "options=" + $0 } ?? url
            return try PostgresStore(url: withOptions, localDirectory: directory.path, durability: durability).synchronousCommit()
        }
        #expect(try setting(nil, .full) == "on")
        #expect(try setting(nil, .fast) == "off")
        #expect(try setting("-c%20synchronous_commit%3Doff", .full) == "on", "a server or URL that says off is raised")
        #expect(try setting("-c%20synchronous_commit%3Dremote_apply", .full) == "remote_apply", "a stronger setting is kept")
        #expect(try setting("-c%20synchronous_commit%3Don", .fast) == "off")
        // An import commits under fast and then syncs: one commit that waits for the log, its setting its own.
        let fast = try PostgresStore(url: url, localDirectory: directory.path, poolSize: 1, durability: .fast)
        try fast.syncToDisk()
        #expect(try fast.synchronousCommit() == "off", "the sync's setting was local to its transaction")
    }

    @Test("a read inside a write never waits for a connection the writes themselves hold", .enabled(if: TestStore.postgresServer != nil),
          .timeLimit(.minutes(1)))
    func nestedReadsDoNotDeadlock() async throws {
        let directory = try TemporaryDirectory()
        let store = try TestStore.postgres.open(in: directory)
        // More writers than connections (the default pool has 8), each reading inside its write.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<24 {
                group.addTask {
                    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                        Thread.detachNewThread {
                            continuation.resume(with: Result {
                                try store.write { tx in
                                    _ = try tx.principal("agent_\(i)")
                                    _ = try store.read { inner in try inner.decisionCount() }
                                }
                            })
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    @Test("statements held back until the next answer or COMMIT fail the whole transaction when one fails; the pool goes on",
          .enabled(if: TestStore.postgresServer != nil), .timeLimit(.minutes(1)))
    func heldBackStatementsFailWhole() throws {
        let f = try DecisionFixture(store: .postgres)
        let id = try f.open()
        try f.call("decision_add_context", ["decision_id": .string(id), "context": ["n": 1]])
        let before = try f.store.read { tx in try tx.decision(id)! }
        let events = try f.store.read { tx in try tx.events(of: id) }
        #expect(throws: StoreError.self) {
            try f.store.write { tx in
                var moved = try tx.decision(id)!
                moved.eventCount += 5
                moved.headHash = String(repeating: "f", count: 64)
                try tx.updateDecisionHead(moved)  // held back
                // Held back too, and a duplicate: it fails when COMMIT carries both.
                try tx.appendEvent(events[0], type: "created", timestamp: "2026-01-01T00:00:00.000Z", actor: "agent_a")
            }
        }
        let after = try f.store.read { tx in try tx.decision(id)! }
        #expect(after.eventCount == before.eventCount && after.headHash == before.headHash, "nothing of the failed write stayed")
        // Every pooled connection still works (more calls than connections).
        for n in 2..<20 { try f.call("decision_add_context", ["decision_id": .string(id), "context": ["n": .int(Int64(n))]]) }
        #expect(try f.engine.verifyChain(decisionID: id).isIntact)
        #expect(try f.engine.verifyChain(decisionID: id).eventCount == before.eventCount + 18)
    }
}
