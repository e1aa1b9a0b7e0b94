import Foundation
import Testing
import VigilCore
import VigilStoreSQLite
import VigilDemo
import VigilTestSupport

/// The programs in Examples/, built with the package, run against a real `vigil serve` on loopback.
@Suite("Examples against vigil serve", .enabled(if: VigilProcess.isAvailable), .timeLimit(.minutes(3)))
struct ExamplesTests {
    /// `.build/<config>/<name>`, beside the vigil binary.
    static func example(_ name: String) -> String {
        (VigilProcess.binary as NSString).deletingLastPathComponent + "/" + name
    }

    /// A store with the demo's products and seed rows, agent `builder`, operator `ops`, and `vigil serve`.
    final class Server {
        let home: TemporaryDirectory
        let common: [String]
        let key: String
        let process: RunningProcess
        let environment: [String: String]

        init() async throws {
            home = try TemporaryDirectory()
            let config = home.file("config.toml")
            try DemoSetup.configTOML.write(toFile: config, atomically: true, encoding: .utf8)
            common = ["--db", home.file("vigil.db"), "--config", config]
            let engine = try DecisionEngine(store: try SQLiteStore(path: home.file("vigil.db")), config: try DemoSetup.config())
            try DemoSetup.seed(engine)
            let added = try JSONParser.parse(try await VigilProcess.run(["agents", "add", "builder", "--grant", "*", "--json"] + common, home: home.path).stdout)
            key = try #require(added["api_key"]?.stringValue)
            #expect(try await VigilProcess.run(["agents", "add", "ops", "--operator"] + common, home: home.path).status == 0)
            let base = ["HOME": home.path, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
            process = try RunningProcess(VigilProcess.binary, ["serve", "--mcp", "127.0.0.1:0", "--grpc", "127.0.0.1:0"] + common, environment: base)
            let mcp = try #require(await process.waitForLine(timeout: 30) { $0.contains("MCP endpoint listening on http://") }, "\(process.text)")
            let grpc = try #require(await process.waitForLine(timeout: 30) { $0.contains("Membrane gRPC endpoint listening on ") }, "\(process.text)")
            environment = base.merging([
                "TRACEMEM_MCP_URL": try #require(mcp.split(separator: " ").first { $0.hasPrefix("http://") }.map(String.init)),
                "TRACEMEM_API_KEY": key, "MEMBRANE_ADDR": try #require(grpc.split(separator: " ").last.map(String.init)),
                "MEMBRANE_API_KEY": key,
            ]) { $1 }
        }

        deinit { process.terminate() }

        func run(_ example: String) throws -> RunningProcess {
            try RunningProcess(ExamplesTests.example(example), [], environment: environment)
        }
    }

    @Test("DecisionQuickStart: open → note → close commits")
    func decisionQuickStart() async throws {
        let server = try await Server()
        let run = try server.run("DecisionQuickStart")
        #expect(await run.waitForExit(timeout: 60), "\(run.text)")
        #expect(run.exitCode == 0, "\(run.text)")
        let line = try #require(run.text.split(separator: "\n").first { $0.hasPrefix("closed TMEM_") }, "\(run.text)")
        #expect(line.hasSuffix(": committed"))
    }

    @Test("SecretsApproval: waits for the operator, then writes, commits and prints the receipt")
    func secretsApproval() async throws {
        let server = try await Server()
        let run = try server.run("SecretsApproval")
        defer { run.terminate() }
        let waiting = try #require(await run.waitForLine(timeout: 60) { $0.hasPrefix("APPROVAL ") }, "\(run.text)")
        let approvalID = try #require(waiting.split(separator: " ").dropFirst().first.map(String.init))
        let approved = try await VigilProcess.run(
            ["approvals", "approve", approvalID, "--operator", "ops", "--rationale", "rotation due"] + server.common, home: server.home.path)
        #expect(approved.status == 0, "\(approved.stderr)")
        #expect(await run.waitForExit(timeout: 60), "\(run.text)")
        #expect(run.exitCode == 0, "\(run.text)")
        #expect(run.text.contains("operator answer: approved"), "\(run.text)")
        // The update reached the seeded row.
        #expect(run.text.contains("committed, 1 row(s) changed; receipt sig_"), "\(run.text)")
        let listed = try JSONParser.parse(try await VigilProcess.run(["decisions", "list", "--json"] + server.common, home: server.home.path).stdout)
        #expect(listed["decisions"]?.arrayValue?.first?["status"]?.stringValue == "committed", "\(listed)")
    }

    @Test("MemoryQuickStart: ingest → retrieve → reinforce")
    func memoryQuickStart() async throws {
        let server = try await Server()
        let run = try server.run("MemoryQuickStart")
        #expect(await run.waitForExit(timeout: 60), "\(run.text)")
        #expect(run.exitCode == 0, "\(run.text)")
        #expect(run.text.contains("ingested episodic"), "\(run.text)")
        #expect(run.text.contains("ingested semantic"), "\(run.text)")
        #expect(run.text.contains("reinforced "), "\(run.text)")
    }
}
