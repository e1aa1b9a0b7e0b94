import Foundation
import VigilCore
import VigilServer
import VigilStoreSQLite

/// `vigil bench gate`: what a coding agent waits for on every tool call.
///
/// Starts a vigil on loopback (a temporary store, a policy that allows the call, the per-key limiter out of the way)
/// and runs `vigil gate claude-code` N times with a `Bash` event on standard input, timing each from process start
/// to its answer. The baseline, in the same run: `vigil --version` N times, the binary's bare start-up.
public enum GateBench {
    public struct Report: Sendable {
        public var calls: Int
        public var version: [Double]
        public var gate: [Double]

        public var text: String {
            func ms(_ values: [Double], _ p: Double) -> String { String(format: "%6.1f ms", values.percentile(p) * 1000) }
            return """
                gate bench: \(calls) tool calls through `vigil gate claude-code` against vigil on loopback (allow path: \
                create, context, evaluate, commit over MCP)
                  gate            p50 \(ms(gate, 0.5))   p99 \(ms(gate, 0.99))   (target p50 ≤ 100 ms)
                  vigil --version p50 \(ms(version, 0.5))   p99 \(ms(version, 0.99))   (the binary's start-up alone)
                  the gate's own work: p50 \(String(format: "%.1f", (gate.percentile(0.5) - version.percentile(0.5)) * 1000)) ms beyond start-up
                """
        }

        public var json: JSONValue {
            func ms(_ values: [Double], _ p: Double) -> JSONValue { .double((values.percentile(p) * 10000).rounded() / 10) }
            return [
                "calls": .int(Int64(calls)), "gate_p50_ms": ms(gate, 0.5), "gate_p99_ms": ms(gate, 0.99),
                "version_p50_ms": ms(version, 0.5), "version_p99_ms": ms(version, 0.99), "target_p50_ms": 100,
            ]
        }
    }

    static let policyTOML = """
        [[policies]]
        policy_id = "coding_agent"
        version = "1"
        [[policies.rules]]
        id = "force_push"
        when = { field = "command", op = "matches", value = '\\bgit\\s+push\\b.*\\s(--force|-f)\\b' }
        outcome = "requires_exception"
        [policies.default]
        outcome = "allow"
        message = "ordinary commands"
        """

    /// Runs the bench; `progress` gets the number of gate calls answered so far.
    public static func run(calls: Int, vigilBinary: String, progress: (Int) -> Void = { _ in }) async throws -> Report {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-gatebench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let configPath = directory.appendingPathComponent("config.toml").path
        try policyTOML.write(toFile: configPath, atomically: true, encoding: .utf8)
        var config = try VigilConfig(toml: policyTOML)
        config.tracemem.ratePerSecond = 1e9
        config.tracemem.rateBurst = 1_000_000_000
        let store = try SQLiteStore(path: directory.appendingPathComponent("gate.db").path)
        let runtime = try VigilRuntime.open(
            paths: VigilPaths.resolve(database: directory.path + "/gate.db"), config: config, store: store, use: .longLived)
        let key = try runtime.principals.add(name: "claude-code", kind: .agent).apiKey
        let host = await VigilHost(runtime: runtime, settings: .loopbackAnyPort).start(startup: .seconds(60))
        defer { host.stop() }
        guard let url = host.mcpURL else { throw DecisionBench.Failure(description: "the MCP endpoint did not start: \(host.status.joined(separator: "; "))") }
        let environment = [
            "HOME": directory.path, "XDG_CONFIG_HOME": directory.path + "/config", "PATH": "/usr/bin:/bin",
            "VIGIL_URL": url + "/mcp", "VIGIL_AGENT_KEY": key,
        ]
        let event = #"{"session_id":"bench","cwd":"/tmp/project","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"swift test"}}"#
        // Interleaved, so both see the same machine load.
        var version: [Double] = []
        var gate: [Double] = []
        for i in 0..<calls {
            version.append(try timed(vigilBinary, ["--version"], environment: environment, stdin: "").seconds)
            let (seconds, output) = try timed(vigilBinary, ["gate", "claude-code", "--config", configPath], environment: environment, stdin: event)
            guard output.contains(#""permissionDecision":"allow""#) else {
                throw DecisionBench.Failure(description: "call \(i + 1) was not allowed: \(output)")
            }
            gate.append(seconds)
            if (i + 1) % 10 == 0 { progress(i + 1) }
        }
        return Report(calls: calls, version: version, gate: gate)
    }

    /// Runs a process to its end; the seconds from launch to exit and what it printed.
    static func timed(_ executable: String, _ arguments: [String], environment: [String: String], stdin: String) throws -> (seconds: Double, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        let start = DispatchTime.now()
        try process.run()
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        return (seconds, String(decoding: data, as: UTF8.self))
    }
}
