import Foundation
import Synchronization
import Testing
import VigilCore
import VigilSDK
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Two `vigil` servers on one PostgreSQL database, as a team runs them behind a load balancer.
/// A count shared between tasks.
final class ManagedCounter: Sendable {
    private let count = Mutex(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}

/// A flag set once, read from other tasks.
final class ManagedFlag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}

@Suite(
    "Replicas on PostgreSQL end to end",
    .enabled(if: VigilProcess.isAvailable && TestStore.postgresServer != nil), .timeLimit(.minutes(3)))
struct ReplicaE2ETests {
    /// A scratch database, the fixture's configuration, and a home per replica (each its own signing key).
    struct Cluster {
        let directory: TemporaryDirectory
        let url: String
        let config: String

        init() throws {
            directory = try TemporaryDirectory()
            url = try TestDatabase.create(for: directory)
            config = directory.file("config.toml")
            try DecisionFixture.configTOML.write(toFile: config, atomically: true, encoding: .utf8)
        }

        func environment(_ replica: String) -> [String: String] {
            let home = directory.path + "/" + replica
            try? FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
            return [
                "HOME": home, "XDG_CONFIG_HOME": home + "/config", "XDG_DATA_HOME": home + "/data",
                "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "TERM": "xterm-256color",
                "LANG": "C.UTF-8", "VIGIL_THEME_DIR": DashboardE2ETests.repositoryRoot.appendingPathComponent("themes").path,
            ]
        }

        var common: [String] { ["--store", url, "--config", config] }

        /// `vigil serve` on free loopback ports; returns it with its MCP URL.
        func serve(_ replica: String) async throws -> (RunningProcess, String) {
            try await RunningProcess.serve(common + ["--mcp", "127.0.0.1:0", "--grpc", "127.0.0.1:0"], environment: environment(replica))
        }

        func vigil(_ arguments: [String], replica: String = "cli") async throws -> VigilProcess.Output {
            try await VigilProcess.run(arguments + common, home: directory.path + "/" + replica)
        }
    }

    @Test("an agent on replica A asks; an operator approves in a dashboard on replica B; the agent sees it on A, commits; the receipt verifies",
          .enabled(if: pythonMCPAvailable && TmuxSession.isAvailable))
    func approvalAcrossReplicas() async throws {
        let cluster = try Cluster()
        let agent = try JSONParser.parse(try await cluster.vigil(["agents", "add", "shopper", "--grant", "*", "--json"]).stdout)
        let key = try #require(agent["api_key"]?.stringValue)
        let (replicaA, urlA) = try await cluster.serve("a")
        defer { replicaA.terminate() }

        // Replica B: the dashboard on the same database (serving its own endpoints too).
        let tmux = try TmuxSession(
            [VigilProcess.binary] + cluster.common + ["--operator", "alice", "--mcp", "127.0.0.1:0", "--grpc", "127.0.0.1:0"],
            environment: cluster.environment("b"))
        #expect(await tmux.waitFor(timeout: 30) { $0.contains("Pending 0") } != nil, "\(tmux.lastScreen)")

        let agentProcess = try RunningProcess(
            "/usr/bin/env",
            ["python3", DashboardE2ETests.repositoryRoot.appendingPathComponent("Tests/interop/tracemem_approval_workflow.py").path],
            environment: cluster.environment("agent").merging([
                "TRACEMEM_MCP_URL": urlA, "TRACEMEM_API_KEY": key, "RECEIPT_FILE": cluster.directory.file("receipt.json"),
            ]) { $1 })
        defer { agentProcess.terminate() }
        #expect(await agentProcess.waitForLine(timeout: 60) { $0.hasPrefix("APPROVAL ") } != nil, "\(agentProcess.text)")

        // The request made through A shows on B's dashboard by its change signal.
        #expect(await tmux.waitFor("Pending 1", timeout: 20), "\(tmux.lastScreen)")
        try tmux.send("2")
        #expect(await tmux.waitFor(timeout: 15) { $0.contains("EXPIRES") && $0.contains("▶") && $0.contains("billing.discount.grant") } != nil,
                "\(tmux.lastScreen)")
        try tmux.send("a")
        #expect(await tmux.waitFor("Approve request"), "\(tmux.lastScreen)")
        try tmux.type("approved on replica B")
        #expect(await tmux.waitFor("approved on replica B"), "\(tmux.lastScreen)")
        try tmux.send("Enter")
        try tmux.send("Tab")
        try tmux.send("Enter")
        #expect(await tmux.waitFor("Pending 0"), "\(tmux.lastScreen)")

        #expect(await agentProcess.waitForExit(timeout: 90), "\(agentProcess.text)")
        #expect(agentProcess.exitCode == 0, "\(agentProcess.text)")
        #expect(agentProcess.text.contains("COMMITTED TMEM_"))
        let verified = try await cluster.vigil(["receipts", "verify", cluster.directory.file("receipt.json")])
        #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        try tmux.send("q")
    }

    @Test("SIGKILL one replica under load: no call it acknowledged is lost, the other keeps serving, every chain verifies")
    func killOneReplica() async throws {
        let cluster = try Cluster()
        // A load test, not a rate-limit test.
        try (DecisionFixture.configTOML + "\n[tracemem.rate_limit]\nper_second = 100000.0\nburst = 100000\n")
            .write(toFile: cluster.config, atomically: true, encoding: .utf8)
        var keys: [String] = []
        for i in 0..<4 {
            let added = try JSONParser.parse(try await cluster.vigil(["agents", "add", "loader\(i)", "--grant", "*", "--json"]).stdout)
            keys.append(try #require(added["api_key"]?.stringValue))
        }
        let (replicaA, urlA) = try await cluster.serve("a")
        let (replicaB, urlB) = try await cluster.serve("b")
        defer { replicaA.terminate(); replicaB.terminate() }

        /// Each client adds context to its own decisions through A (or B), moving to B once A is gone, and keeps
        /// what was acknowledged: (decision, event id). Clients run until A is killed and each has made 20 more calls
        /// after that (bounded: 5,000 calls or 60 s each).
        let killed = ManagedFlag()
        let progress = ManagedCounter()
        let acknowledged = try await withThrowingTaskGroup(of: [(String, String)].self) { group in
            for (i, key) in keys.enumerated() {
                group.addTask {
                    var acks: [(String, String)] = []
                    var client = try TraceMemClient(apiKey: key, mcpURL: i % 2 == 0 ? urlA : urlB, timeout: 30)
                    var decision = try await client.createDecision(intent: "load.context.add", automationMode: "autonomous")
                    var afterKill = 0
                    let deadline = Date().addingTimeInterval(60)
                    for step in 1...5000 {
                        if killed.isSet { afterKill += 1 }
                        if afterKill > 20 || Date() > deadline { break }
                        do {
                            let reply = try await decision.note(message: "step \(step)", data: ["step": .int(Int64(step))])
                            acks.append((decision.id, try #require(reply["event_id"]?.stringValue)))
                            progress.add()
                        } catch {
                            // A is gone: move to B, as a load balancer would. The call that failed may or may not have
                            // landed; only acknowledged ones count.
                            #expect(killed.isSet, "a call failed before the kill: \(error)")
                            client = try TraceMemClient(apiKey: key, mcpURL: urlB, timeout: 30)
                            decision = try await client.createDecision(intent: "load.context.add", automationMode: "autonomous")
                        }
                    }
                    return acks
                }
            }
            // Kill A while the load runs: once the clients have had some calls acknowledged.
            let deadline = ContinuousClock.now + .seconds(30)
            while progress.value < 40, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            killed.set()
            replicaA.kill()
            var all: [(String, String)] = []
            for try await acks in group { all += acks }
            return all
        }
        #expect(acknowledged.count > 40, "the load ran: \(acknowledged.count) acknowledged calls")
        // B still answers.
        let alive = try TraceMemClient(apiKey: keys[0], mcpURL: urlB)
        _ = try await alive.createDecision(intent: "after.the.kill", automationMode: "autonomous")
        #expect(!replicaA.isRunning)

        // Every acknowledged event is in its decision's trace, and every chain verifies.
        let byDecision = Dictionary(grouping: acknowledged, by: \.0)
        #expect(byDecision.count > keys.count, "some clients moved to B after the kill")
        for (decision, events) in byDecision {
            let trace = try JSONParser.parse(try await cluster.vigil(["decisions", "trace", decision, "--json"]).stdout)
            let recorded = Set((trace["events"]?.arrayValue ?? []).compactMap { $0["event_id"]?.stringValue })
            for (_, event) in events { #expect(recorded.contains(event), "\(decision) lost acknowledged event \(event)") }
            let verify = try await cluster.vigil(["decisions", "verify", decision])
            #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        }
    }
}
