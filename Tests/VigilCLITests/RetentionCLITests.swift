import Foundation
import Testing
import VigilCore
import VigilTestSupport

/// `vigil retention plan|run` and the server's hourly run, with the real binary.
@Suite("vigil retention", .enabled(if: VigilProcess.isAvailable), .timeLimit(.minutes(3)))
struct RetentionCLITests {
    /// A store whose two committed decisions closed three days ago, a receipt of the first saved, and a config that
    /// keeps closed decisions one day.
    func oldStore(_ home: TemporaryDirectory, extra: String = "") throws -> (DecisionFixture, [String], String) {
        let f = try DecisionFixture(store: .sqlite, now: Date().addingTimeInterval(-3 * 86_400))
        var ids: [String] = []
        for _ in 0..<2 {
            let id = try f.open()
            try f.call("decision_add_context", ["decision_id": .string(id), "context": ["note": "three days old"]])
            try f.call("decision_close", ["decision_id": .string(id), "action": "commit"])
            ids.append(id)
        }
        let receipt = JSONValue.object(try f.call("decision_receipt", ["decision_id": .string(ids[0])]))
        try receipt.canonicalText.write(toFile: home.file("r.json"), atomically: true, encoding: .utf8)
        let config = home.file("config.toml")
        try (DecisionFixture.configTOML + "\n[retention]\ndecisions_days = 1\n" + extra).write(toFile: config, atomically: true, encoding: .utf8)
        return (f, ids, config)
    }

    @Test("plan counts, run deletes, and the receipt of a pruned decision verifies as pruned, not tampered")
    func planRunVerify() async throws {
        let home = try TemporaryDirectory()
        let (f, ids, config) = try oldStore(home)
        let common = ["--db", f.databasePath, "--config", config]
        let plan = try await VigilProcess.run(["retention", "plan", "--json"] + common, home: home.path)
        #expect(plan.status == 0, "\(plan.stderr)")
        #expect(try JSONParser.parse(plan.stdout)["decisions"] == 2, "\(plan.stdout)")
        let text = try await VigilProcess.run(["retention", "plan"] + common, home: home.path)
        #expect(text.stdout.contains("decisions closed over 1 day ago: 2"), "\(text.stdout)")

        let run = try await VigilProcess.run(["retention", "run", "--json"] + common, home: home.path)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try JSONParser.parse(run.stdout)["decisions"] == 2, "\(run.stdout)")
        let list = try await VigilProcess.run(["decisions", "list", "--json"] + common, home: home.path)
        #expect(try JSONParser.parse(list.stdout)["total"] == 0, "\(list.stdout)")

        let verify = try await VigilProcess.run(["receipts", "verify", home.file("r.json")] + common, home: home.path)
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(verify.stdout.contains("signature valid; trace pruned by retention on"), "\(verify.stdout)")
        let chain = try await VigilProcess.run(["decisions", "verify", ids[0]] + common, home: home.path)
        #expect(chain.status == 0 && chain.stdout.contains("pruned by retention"), "\(chain.stdout)\(chain.stderr)")
        // Tampered is still tampered.
        var tampered = try JSONParser.parse(try String(contentsOfFile: home.file("r.json"), encoding: .utf8)).objectValue!
        tampered["final"] = false
        try JSONValue.object(tampered).canonicalText.write(toFile: home.file("t.json"), atomically: true, encoding: .utf8)
        let refused = try await VigilProcess.run(["receipts", "verify", home.file("t.json")] + common, home: home.path)
        #expect(refused.status == 1, "\(refused.stdout)")
    }

    @Test("no rules: nothing is deleted and it says so; a wrong rule names its key")
    func rules() async throws {
        let home = try TemporaryDirectory()
        let none = try await VigilProcess.run(["retention", "run", "--db", home.file("v.db")], home: home.path)
        #expect(none.status == 0 && none.stdout.contains("no [retention] rules"), "\(none.stdout)\(none.stderr)")
        try "[retention]\nmemory_days = { dreams = 3 }\n".write(toFile: home.file("bad.toml"), atomically: true, encoding: .utf8)
        let bad = try await VigilProcess.run(["retention", "plan", "--db", home.file("v.db"), "--config", home.file("bad.toml")], home: home.path)
        #expect(bad.status == 4)
        #expect(bad.stderr.contains("retention.memory_days.dreams") && bad.stderr.contains("is not a memory type"), "\(bad.stderr)")
    }

    @Test("vigil serve applies the rules on its own, and /metrics counts what went", .enabled(if: pythonPrometheusAvailable))
    func sweeperRuns() async throws {
        let home = try TemporaryDirectory()
        let (f, _, config) = try oldStore(home, extra: "interval_seconds = 1\n")
        let (server, url) = try await RunningProcess.serve(
            ["--db", f.databasePath, "--config", config, "--mcp", "127.0.0.1:0", "--grpc", "127.0.0.1:0"],
            environment: ["HOME": home.path, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"])
        defer { server.terminate() }
        var samples: [MetricsTests.Sample] = []
        let pruned = try await waitUntilAsync(timeout: 30) {
            samples = try await MetricsTests.scrape(url)
            return MetricsTests.value(samples, "vigil_retention_deleted_total", ["kind": "decisions"]) == 2
        }
        #expect(pruned, "\(samples.filter { $0.name.contains("retention") || $0.name.contains("sweeper") })")
        #expect(MetricsTests.value(samples, "vigil_decisions", ["status": "committed"]) == 0)
        #expect((MetricsTests.value(samples, "vigil_sweeper_runs_total", ["task": "retention", "outcome": "ok"]) ?? 0) >= 1)
    }
}
