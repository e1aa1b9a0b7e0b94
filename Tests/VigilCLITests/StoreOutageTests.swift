import Foundation
import Testing
import VigilCore
import VigilTestSupport

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A running `vigil serve` whose PostgreSQL server goes away and comes back, on a cluster of the test's own (the
/// shared test cluster serves every other test meanwhile).
@Suite("A server that loses its database", .enabled(if: VigilProcess.isAvailable && TestStore.postgresServer != nil),
       .timeLimit(.minutes(3)))
struct StoreOutageTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/test-postgres.sh").path

    /// Runs the cluster script and returns what it printed.
    static func cluster(_ arguments: [String]) async throws -> String {
        let process = try RunningProcess(
            "/bin/bash", [script] + arguments, environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"])
        guard await process.waitForExit(timeout: 60), process.exitCode == 0 else {
            throw CLIError("test-postgres.sh \(arguments.joined(separator: " ")) failed: \(process.text)")
        }
        return process.text
    }

    @Test("agents get 503 Store unavailable (Retry-After) while PostgreSQL is down, and the same server serves again when it returns")
    func outageAndRecovery() async throws {
        let started = try await Self.cluster(["start"])
        func value(_ name: String) -> String? {
            started.split(separator: "\n").first { $0.contains(name + "=") }.flatMap { $0.split(separator: "'").dropFirst().first.map(String.init) }
        }
        let url = try #require(value("VIGIL_TEST_POSTGRES"))
        let directory = try #require(value("VIGIL_TEST_POSTGRES_DIR"))
        defer {
            // Stopped whatever happens (a synchronous child: defer cannot await).
            let stop = Process()
            stop.executableURL = URL(fileURLWithPath: "/bin/bash")
            stop.arguments = [Self.script, "stop", directory]
            try? stop.run()
        }
        let home = try TemporaryDirectory()
        let added = try await VigilProcess.run(["agents", "add", "shopper", "--grant", "*", "--store", url, "--json"], home: home.path)
        let key = try #require(try JSONParser.parse(added.stdout)["api_key"]?.stringValue, "\(added.stderr)")
        let environment = [
            "HOME": home.path, "XDG_DATA_HOME": home.path + "/data", "XDG_CONFIG_HOME": home.path + "/config",
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
        ]
        let server = try RunningProcess(
            VigilProcess.binary, ["serve", "--store", url, "--mcp", "127.0.0.1:0", "--grpc", "127.0.0.1:0"], environment: environment)
        defer { server.terminate() }
        let line = try #require(await server.waitForLine(timeout: 60) { $0.contains("MCP endpoint listening on ") }, "\(server.text)")
        let endpoint = try #require(line.split(separator: " ").first { $0.hasPrefix("http://") }.map(String.init))
        let create: JSONObject = ["intent": "deploy.service.execute", "automation_mode": "autonomous"]
        let (okStatus, ok, _) = try await mcpToolCall(endpoint, key: key, "decision_create", create)
        #expect(okStatus == 200 && ok["result"]?["structuredContent"]?["decision_id"] != nil, "\(ok)")

        _ = try await Self.cluster(["pause", directory])
        // Within a second the key cache may still answer for the key; every call from then on meets the outage.
        var down: (Int, JSONValue, String?)?
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let answer = try await mcpToolCall(endpoint, key: key, "decision_create", create)
            if answer.0 == 503 { down = answer; break }
            #expect(answer.1["result"]?["structuredContent"]?["decision_id"] == nil, "nothing succeeds while the database is down: \(answer.1)")
            try await Task.sleep(for: .milliseconds(100))
        }
        let outage = try #require(down, "the server never answered 503")
        #expect(outage.1["error"]?["code"] == -32603)
        #expect(outage.1["error"]?["data"]?.stringValue?.hasPrefix("Store unavailable: ") == true, "\(outage.1)")
        #expect(outage.1["error"]?["data"]?.stringValue?.contains("vigil-test-password") == false, "never the password")
        #expect(outage.2 == "1")
        #expect(server.isRunning, "the server keeps running without its database")

        _ = try await Self.cluster(["resume", directory])
        var recovered: JSONValue?
        let back = Date().addingTimeInterval(60)
        while Date() < back {
            let answer = try await mcpToolCall(endpoint, key: key, "decision_create", create)
            if answer.0 == 200, answer.1["result"]?["structuredContent"]?["decision_id"] != nil { recovered = answer.1; break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(recovered != nil, "the same server serves again once the database is back")
        let listed = try await VigilProcess.run(["decisions", "list", "--store", url, "--json"], home: home.path)
        #expect((try JSONParser.parse(listed.stdout)["decisions"]?.arrayValue?.count ?? 0) == 2, "one before, one after: \(listed.stdout)")
    }
}
