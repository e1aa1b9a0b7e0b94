import Foundation
import Testing
import VigilCore
import VigilSDK
import VigilTestSupport

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Whether python3 has the official Prometheus client (`.ci/run` installs it).
let pythonPrometheusAvailable = pythonCanImport("prometheus_client.parser")

/// `GET /metrics` on a real `vigil serve`, read by Prometheus's own text parser.
@Suite("Prometheus metrics", .enabled(if: VigilProcess.isAvailable && pythonPrometheusAvailable), .timeLimit(.minutes(3)))
struct MetricsTests {
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
        /// Its metric's `# HELP` text.
        var help: String = ""
    }

    /// Scrapes `url` and parses the text with `prometheus_client`; a text it cannot parse fails the test.
    static func scrape(_ url: String) async throws -> [Sample] {
        let (data, response) = try await URLSession.shared.data(from: URL(string: url + "/metrics")!)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        #expect((response as? HTTPURLResponse)?.value(forHTTPHeaderField: "Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }
        let input = directory.file("metrics.txt")
        try data.write(to: URL(fileURLWithPath: input))
        let parser = try RunningProcess(
            "/bin/sh", ["-c", "python3 '\(DashboardE2ETests.repositoryRoot.path)/Tests/interop/prometheus_parse.py' < '\(input)'"],
            environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"])
        #expect(await parser.waitForExit(timeout: 30))
        #expect(parser.exitCode == 0, "\(parser.text)\n\(String(decoding: data, as: UTF8.self))")
        return try parser.text.split(separator: "\n").map { line in
            let object = try JSONParser.parse(String(line))
            return Sample(
                name: object["name"]?.stringValue ?? "",
                labels: (object["labels"]?.objectValue ?? [:]).compactMapValues(\.stringValue),
                value: object["value"]?.numberValue ?? .nan,
                help: object["help"]?.stringValue ?? "")
        }
    }

    static func value(_ samples: [Sample], _ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { sample in sample.name == name && labels.allSatisfy { key, value in sample.labels[key] == value } }?.value
    }

    @Test("after a known workload over MCP and gRPC the counts, gauges and histograms say exactly what happened")
    func knownWorkload() async throws {
        let home = try TemporaryDirectory()
        let f = try DecisionFixture(store: .sqlite, now: Date())
        let config = home.file("config.toml")
        try DecisionFixture.configTOML.replacingOccurrences(
            of: "default_expires_in_seconds = 3600", with: "default_expires_in_seconds = 3600\nsweep_interval = 0.2"
        ).write(toFile: config, atomically: true, encoding: .utf8)
        let (server, url) = try await RunningProcess.serve(
            ["--db", f.databasePath, "--config", config, "--mcp", "127.0.0.1:0", "--grpc", "127.0.0.1:0"],
            environment: ["HOME": home.path, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "MEMBRANE_API_KEY": "K"])
        defer { server.terminate() }
        let grpcLine = try #require(await server.waitForLine(timeout: 30) { $0.contains("Membrane gRPC endpoint listening on ") })
        #expect(server.text.contains("Prometheus metrics at \(url)/metrics"), "\(server.text)")

        // MCP: three decisions, a fourth that asks for approval, which the operator approves; one unknown decision,
        // one unknown tool, one request with a wrong key.
        let create: JSONObject = ["intent": "customer.profile.review", "automation_mode": "propose"]
        for _ in 0..<3 { #expect(try await mcpToolCall(url, key: f.keyA, "decision_create", create).0 == 200) }
        let (_, opened, _) = try await mcpToolCall(url, key: f.keyA, "decision_create", create)
        let decisionID = try #require(opened["result"]?["structuredContent"]?["decision_id"]?.stringValue, "\(opened)")
        let (_, requested, _) = try await mcpToolCall(url, key: f.keyA, "decision_request_approval", ["decision_id": .string(decisionID)])
        let approvalID = try #require(requested["result"]?["structuredContent"]?["approval_id"]?.stringValue, "\(requested)")
        let (_, resolved, _) = try await mcpToolCall(
            url, key: f.keyO, "operator_approval_resolve", ["approval_id": .string(approvalID), "resolution": "approve"])
        #expect(resolved["error"] == nil, "\(resolved)")
        _ = try await mcpToolCall(url, key: f.keyA, "decision_get", ["decision_id": "TMEM_01NOSUCHDECISION00000000"])
        _ = try await mcpToolCall(url, key: f.keyA, "decision_teleport", [:])
        #expect(try await mcpToolCall(url, key: "not-a-key", "decision_create", create).0 == 401)

        // gRPC: two events remembered, one refused.
        let address = try #require(grpcLine.split(separator: " ").last.map(String.init))
        let memory = try MembraneClient(address: address, apiKey: "K", timeout: 30)
        _ = try await memory.ingestEvent(eventKind: "user_message", ref: "m1", summary: "first")
        _ = try await memory.ingestEvent(eventKind: "user_message", ref: "m2", summary: "second")
        await #expect(throws: (any Error).self) { _ = try await memory.ingestEvent(eventKind: "", ref: "", summary: "") }

        // The sweeper runs every 0.2 s; wait until a scrape shows it has.
        var samples: [Sample] = []
        let swept = try await waitUntilAsync(timeout: 20) {
            samples = try await Self.scrape(url)
            return (Self.value(samples, "vigil_sweeper_runs_total", ["task": "approvals", "outcome": "ok"]) ?? 0) >= 1
        }
        #expect(swept, "\(samples.filter { $0.name.hasPrefix("vigil_sweeper") })")

        #expect(Self.value(samples, "vigil_mcp_calls_total", ["tool": "decision_create", "outcome": "ok"]) == 4)
        #expect(Self.value(samples, "vigil_mcp_calls_total", ["tool": "decision_request_approval", "outcome": "ok"]) == 1)
        #expect(Self.value(samples, "vigil_mcp_calls_total", ["tool": "operator_approval_resolve", "outcome": "ok"]) == 1)
        #expect(Self.value(samples, "vigil_mcp_calls_total", ["tool": "decision_get", "outcome": "decisionNotFound"]) == 1)
        #expect(Self.value(samples, "vigil_mcp_calls_total", ["tool": "unknown", "outcome": "toolNotFound"]) == 1)
        #expect(Self.value(samples, "vigil_mcp_rejected_requests_total", ["status": "401"]) == 1)
        #expect(Self.value(samples, "vigil_mcp_call_duration_seconds_count", ["tool": "decision_create"]) == 4)
        #expect(Self.value(samples, "vigil_mcp_call_duration_seconds_bucket", ["tool": "decision_create", "le": "+Inf"]) == 4)
        #expect(Self.value(samples, "vigil_grpc_calls_total", ["rpc": "IngestEvent", "code": "ok"]) == 2)
        #expect(Self.value(samples, "vigil_grpc_calls_total", ["rpc": "IngestEvent", "code": "invalidArgument"]) == 1)
        #expect(Self.value(samples, "vigil_grpc_call_duration_seconds_count", ["rpc": "IngestEvent"]) == 3)

        // What the store holds.
        #expect(Self.value(samples, "vigil_decisions", ["status": "open"]) == 3)
        #expect(Self.value(samples, "vigil_decisions", ["status": "approved"]) == 1)
        #expect(Self.value(samples, "vigil_decisions", ["status": "committed"]) == 0)
        #expect(Self.value(samples, "vigil_approvals_pending") == 0)
        #expect(Self.value(samples, "vigil_approval_wait_seconds_count", ["outcome": "approved"]) == 1)
        let episodic = samples.filter { $0.name == "vigil_memory_records" && $0.labels["type"] == "episodic" }
        #expect(episodic.count == 5 && episodic.map(\.value).reduce(0, +) == 2, "\(episodic)")
        #expect((Self.value(samples, "vigil_store_bytes") ?? 0) > 0)
        let undocumented = Set(samples.filter { $0.help.isEmpty }.map(\.name))
        #expect(undocumented.isEmpty, "every metric says what it counts (# HELP): \(undocumented.sorted())")

        // A second scrape counts the approval's wait once, not again.
        let again = try await Self.scrape(url)
        #expect(Self.value(again, "vigil_approval_wait_seconds_count", ["outcome": "approved"]) == 1)
    }
}

extension MetricsTests {
    @Test("a [metrics] token_file that cannot be read stops start-up with the key named; nothing listens")
    func unreadableTokenFile() async throws {
        let home = try TemporaryDirectory()
        let config = home.file("config.toml")
        try "[metrics]\ntoken_file = \"\(home.file("missing-token"))\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        let run = try await VigilProcess.run(
            ["serve", "--db", home.file("vigil.db"), "--config", config, "--mcp", "127.0.0.1:0", "--grpc", "127.0.0.1:0"],
            home: home.path)
        #expect(run.status == 4)
        #expect(run.stderr.contains("metrics.token_file") && run.stderr.contains("cannot read"), "\(run.stderr)")
        #expect(!run.stdout.contains("listening"))
    }
}

/// ``waitUntil(timeout:_:)`` for a condition that awaits.
func waitUntilAsync(timeout: TimeInterval, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while true {
        if try await condition() { return true }
        if Date() >= deadline { return false }
        try await Task.sleep(for: .milliseconds(100))
    }
}
