import Foundation
import Testing
import VigilCore
import VigilTestSupport

@Suite("The vigil CLI, run as a process", .enabled(if: VigilProcess.isAvailable))
struct CLITests {
    /// A fixture store plus its config file, shared with the CLI through --db and --config.
    struct Setup {
        let fixture: DecisionFixture
        let configPath: String
        let home: TemporaryDirectory

        init() throws {
            fixture = try DecisionFixture(now: Date())
            configPath = fixture.directory.file("config.toml")
            try DecisionFixture.configTOML.write(toFile: configPath, atomically: true, encoding: .utf8)
            home = try TemporaryDirectory()
        }

        func vigil(_ arguments: [String], stdin: String? = nil) async throws -> VigilProcess.Output {
            try await VigilProcess.run(arguments + ["--db", fixture.databasePath, "--config", configPath], home: home.path, stdin: stdin)
        }

        func json(_ arguments: [String]) async throws -> JSONValue {
            let output = try await vigil(arguments + ["--json"])
            #expect(output.status == 0, "\(arguments): \(output.stderr)")
            return try JSONParser.parse(output.stdout)
        }
    }

    @Test("agents add prints the key once as JSON and stores only its hash")
    func agentsAdd() async throws {
        let setup = try Setup()
        let created = try await setup.json(["agents", "add", "builder", "--grant", "orders_read_v1"])
        #expect(created["agent_id"] == "agent_builder")
        let key = try #require(created["api_key"]?.stringValue)
        #expect(try setup.fixture.principals.authenticate(key)?.principal.principalID == "agent_builder")
        let listed = try await setup.json(["agents", "list"])
        let builder = listed.arrayValue?.first { $0["id"] == "agent_builder" }
        #expect(builder?["product_grants"] == ["orders_read_v1"])
        #expect(!(try await setup.vigil(["agents", "list", "--json"]).stdout.contains(key)))
        let limited = try await setup.json(["agents", "policies", "agent_builder", "discount_cap_v1"])
        #expect(limited["policy_grants"] == ["discount_cap_v1"])
        #expect(try await setup.vigil(["agents", "policies", "agent_builder", "nope"]).stderr.contains("no policy 'nope'"))
        #expect(try await setup.json(["agents", "policies", "agent_builder", "--all"])["policy_grants"] == JSONValue.null)
        let operatorKey = try await setup.json(["agents", "add", "alice", "--operator"])
        #expect(operatorKey["role"] == "operator" && operatorKey["agent_id"] == "alice")
        let revoked = try await setup.json(["agents", "revoke", "agent_builder"])
        #expect(revoked["revoked_keys"] == 1)
        #expect(try setup.fixture.principals.authenticate(key) == nil)
        let duplicate = try await setup.vigil(["agents", "add", "builder"])
        #expect(duplicate.status == 1 && duplicate.stderr.contains("already exists"))
    }

    @Test("an operator approves through the CLI; the receipt verifies until the trace is altered")
    func approveAndVerify() async throws {
        let setup = try Setup()
        let f = setup.fixture
        let id = try f.open()
        let approvalID = try f.call("decision_request_approval", ["decision_id": .string(id), "require_rationale": true])["approval_id"]!.stringValue!

        let pending = try await setup.json(["approvals", "list"])
        #expect(pending["approvals"]?.arrayValue?.map { $0["approval_id"] } == [.string(approvalID)])
        let listed = try await setup.json(["decisions", "list", "--status", "needs_approval"])
        #expect(listed["decisions"]?.arrayValue?.first?["decision_id"] == .string(id))

        let missingRationale = try await setup.vigil(["approvals", "approve", approvalID, "--operator", "op_o"])
        #expect(missingRationale.status == 1)
        #expect(missingRationale.stderr == "error: rationale is required for this approval\n")

        let approved = try await setup.json(["approvals", "approve", approvalID, "--operator", "op_o", "--rationale", "ok"])
        #expect(approved["status"] == "approved" && approved["resolved_by"] == "op_o")
        #expect(try f.get(id)["status"] == "approved")
        try f.call("decision_close", ["decision_id": .string(id), "action": "commit"])

        let receipt = try await setup.vigil(["decisions", "receipt", id])
        #expect(receipt.status == 0)
        let receiptPath = setup.home.file("receipt.json")
        try receipt.stdout.write(toFile: receiptPath, atomically: true, encoding: .utf8)
        let verified = try await setup.vigil(["receipts", "verify", receiptPath])
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(verified.stdout.contains("valid"))
        #expect(try await setup.vigil(["receipts", "verify", "-"], stdin: receipt.stdout).status == 0)

        let trace = try await setup.json(["decisions", "trace", id])
        #expect(trace["events"]?.arrayValue?.count == 4)
        #expect(try await setup.json(["decisions", "verify", id])["intact"] == true)

        // One changed byte in the stored trace, and the receipt no longer verifies.
        let tamper = try StoreTamper(path: f.databasePath)
        try tamper.execute("DROP TRIGGER decision_events_no_update")
        try tamper.execute("UPDATE decision_events SET body = replace(body, '\"ok\"', '\"OK\"') WHERE decision_id = '\(id)' AND type = 'approval_resolved'")
        let rejected = try await setup.vigil(["receipts", "verify", receiptPath])
        #expect(rejected.status == 1)
        #expect(rejected.stderr.contains("altered"))
        #expect(try await setup.vigil(["decisions", "verify", id]).status == 1)
    }

    @Test("policies replay lists the decisions new rules would decide otherwise; a bad rules file is named, exit 4")
    func policiesReplay() async throws {
        let setup = try Setup()
        let f = setup.fixture
        var ids: [String] = []
        for pct in [5, 15, 40] {
            let id = try f.open(intent: "billing.discount.grant")
            try f.call("decision_evaluate", ["decision_id": .string(id), "policy_id": "discount_cap_v1", "inputs": ["record": ["discount_pct": .int(Int64(pct))]]])
            ids.append(id)
        }
        let rules = setup.home.file("new.toml")
        try DecisionFixture.configTOML.replacingOccurrences(of: #"op = "gt", value = 10 }"#, with: #"op = "gt", value = 20 }"#)
            .write(toFile: rules, atomically: true, encoding: .utf8)
        func replay(_ arguments: [String]) async throws -> VigilProcess.Output {
            try await VigilProcess.run(["policies", "replay", "--db", f.databasePath] + arguments, home: setup.home.path)
        }
        let json = try await replay(["--config", rules, "--json"])
        #expect(json.status == 0, "\(json.stderr)")
        let report = try JSONParser.parse(json.stdout)
        #expect(report["evaluations"] == 3 && report["replayed"] == 3 && report["changed"] == 1)
        let change = try #require(report["changes"]?.arrayValue?.first)
        #expect(change["decision_id"] == .string(ids[1]) && change["before"] == "requires_exception" && change["after"] == "allow")
        #expect(change["agent_id"] == "agent_a" && change["intent"] == "billing.discount.grant")
        #expect(report["per_policy"]?["discount_cap_v1"] == ["unchanged": 2, "requires_exception → allow": 1])
        let text = try await replay(["--config", rules, "--since", "3650d"])
        #expect(text.status == 0 && text.stdout.contains("3 evaluations read, 3 replayed under \(rules): 1 would change"), "\(text.stdout)")
        #expect(text.stdout.contains("requires_exception → allow  (rule default)"))

        try "[[policies]]\npolicy_id = 7\n".write(toFile: rules, atomically: true, encoding: .utf8)
        let broken = try await replay(["--config", rules])
        #expect(broken.status == 4 && broken.stderr.contains("policies[0].policy_id"), "\(broken.stderr)")
        let missing = try await replay(["--config", setup.home.file("nope.toml")])
        #expect(missing.status == 4 && missing.stderr.contains("does not exist"))
        let badSince = try await replay(["--config", rules, "--since", "yesterday"])
        #expect(badSince.status == 64 && badSince.stderr.contains("--since"), "\(badSince.stderr)")
    }

    @Test("a forged receipt fails on its signature")
    func forgedReceipt() async throws {
        let setup = try Setup()
        let id = try setup.fixture.open()
        try setup.fixture.call("decision_close", ["decision_id": .string(id), "action": "abort"])
        let text = try await setup.vigil(["decisions", "receipt", id]).stdout.replacingOccurrences(of: "\"aborted\"", with: "\"committed\"")
        let output = try await setup.vigil(["receipts", "verify", "-"], stdin: text)
        #expect(output.status == 1 && output.stderr.contains("signature does not match"))
    }

    @Test("errors go to stderr with distinct exit codes")
    func errors() async throws {
        let setup = try Setup()
        let unknown = try await setup.vigil(["decisions", "show", "TMEM_NOPE"])
        #expect(unknown.status == 1 && unknown.stderr == "error: Decision 'TMEM_NOPE' not found\n" && unknown.stdout.isEmpty)
        let badConfig = setup.home.file("bad.toml")
        try "[[policies]]\npolicy_id = \"p\"\n".write(toFile: badConfig, atomically: true, encoding: .utf8)
        let config = try await VigilProcess.run(["decisions", "list", "--db", setup.fixture.databasePath, "--config", badConfig], home: setup.home.path)
        #expect(config.status == 4 && config.stderr.contains("policies[0].version"))
        let db = try await VigilProcess.run(["decisions", "list", "--db", "/proc/nope/vigil.db"], home: setup.home.path)
        #expect(db.status == 3 && db.stderr.contains("cannot open the database"))
        let usage = try await setup.vigil(["approvals", "approve"])
        #expect(usage.status == 64)
    }

    @Test("with no --db, the store goes to $XDG_DATA_HOME/vigil/vigil.db")
    func xdgDefault() async throws {
        let home = try TemporaryDirectory()
        let paths = try JSONParser.parse(try await VigilProcess.run(["paths", "--json"], home: home.path).stdout)
        #expect(paths["database"]?.stringValue == home.path + "/data/vigil/vigil.db")
        let list = try await VigilProcess.run(["agents", "list"], home: home.path)
        #expect(list.status == 0)
        #expect(FileManager.default.fileExists(atPath: home.path + "/data/vigil/vigil.db"))
        #expect(FileManager.default.fileExists(atPath: home.path + "/data/vigil/receipt-signing.key"))
        let attributes = try FileManager.default.attributesOfItem(atPath: home.path + "/data/vigil/receipt-signing.key")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }
}

@Suite("vigil serve refuses unsafe starts", .enabled(if: VigilProcess.isAvailable))
struct ServeSafetyTests {
    @Test("5, 6, 10: non-loopback needs --allow-remote, remote gRPC needs a key, an encryption key is refused")
    func refusals() async throws {
        let home = try TemporaryDirectory()
        let db = ["--db", home.file("vigil.db")]
        let remote = try await VigilProcess.run(["serve", "--mcp", "0.0.0.0:0", "--grpc", "127.0.0.1:0"] + db, home: home.path)
        #expect(remote.status == 2 && remote.stderr.contains("--allow-remote"))
        let unauthenticated = try await VigilProcess.run(["serve", "--mcp", "127.0.0.1:0", "--grpc", "0.0.0.0:0", "--allow-remote"] + db, home: home.path)
        #expect(unauthenticated.status == 2 && unauthenticated.stderr.contains("needs authentication"))
        #expect(unauthenticated.stderr.contains("warning: serving plaintext"))
        let encrypted = try await VigilProcess.run(["serve"] + db, home: home.path, extraEnvironment: ["MEMBRANE_ENCRYPTION_KEY": "x"])
        #expect(encrypted.status == 2 && encrypted.stderr.contains("MEMBRANE_ENCRYPTION_KEY"))
    }

    @Test("a taken port stops serve with exit 2 and says which; a listen address in config that is not HOST:PORT is a config error")
    func takenPortAndBadAddress() async throws {
        let home = try TemporaryDirectory()
        let db = ["--db", home.file("vigil.db")]
        let held = try LoopbackHTTPListener()
        let taken = try await VigilProcess.run(["serve", "--mcp", "127.0.0.1:\(held.port)", "--grpc", "127.0.0.1:0"] + db, home: home.path)
        #expect(taken.status == 2, "\(taken.stderr)")
        #expect(taken.stderr.contains("a port is taken (MCP 127.0.0.1:\(held.port)"), "\(taken.stderr)")
        #expect(!taken.stdout.contains("listening"), "nothing is announced when an endpoint cannot start")

        let config = home.file("config.toml")
        try "[membrane]\nlisten_addr = \"9090\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        let bad = try await VigilProcess.run(["serve", "--config", config] + db, home: home.path)
        #expect(bad.status == 4, "\(bad.stderr)")
        #expect(bad.stderr.contains("membrane.listen_addr") && bad.stderr.contains("HOST:PORT"), "\(bad.stderr)")
    }
}
