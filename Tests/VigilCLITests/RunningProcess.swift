import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import VigilCore
import Testing

/// A child process whose output is read line by line while it runs, for end-to-end tests that wait on what it
/// prints (with a deadline, never a fixed sleep). stdout and stderr are one log.
final class RunningProcess: Sendable {
    private let child: SpawnedChild

    init(_ executable: String, _ arguments: [String], environment: [String: String]) throws {
        child = try SpawnedChild(executable, arguments, environment: environment, mergeOutput: true)
    }

    var text: String { child.stdout }
    var isRunning: Bool { child.exitStatus == nil }
    var exitCode: Int32 { child.exitStatus ?? -1 }

    /// Waits until a line matching `predicate` appears; returns it, or `nil` at the deadline or if the process ends.
    func waitForLine(timeout: TimeInterval, _ predicate: (String) -> Bool) async -> String? {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if let line = text.split(separator: "\n").map(String.init).first(where: predicate) { return line }
            if !isRunning {
                try? await Task.sleep(for: .milliseconds(50))  // the last output may still be on its way
                return text.split(separator: "\n").map(String.init).first(where: predicate)
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    /// Waits for the process to exit; `false` at the deadline.
    func waitForExit(timeout: TimeInterval) async -> Bool {
        let end = Date().addingTimeInterval(timeout)
        while isRunning, Date() < end { try? await Task.sleep(for: .milliseconds(50)) }
        if !isRunning { try? await Task.sleep(for: .milliseconds(50)) }  // let the reader drain the pipe
        return !isRunning
    }

    func terminate() { child.terminate() }

    /// SIGKILL: the process dies at once, as in a crash.
    func kill() { child.kill() }

    deinit { terminate() }
}

extension RunningProcess {
    /// `vigil serve ARGUMENTS` on free loopback ports (`arguments` name the store, the config and the ports), with
    /// the MCP URL it announces (`http://127.0.0.1:PORT`, without `/mcp`). Stop it with `terminate()`.
    static func serve(_ arguments: [String], environment: [String: String]) async throws -> (RunningProcess, String) {
        let server = try RunningProcess(VigilProcess.binary, ["serve"] + arguments, environment: environment)
        let line = try #require(await server.waitForLine(timeout: 30) { $0.hasPrefix("MCP endpoint listening on ") }, "\(server.text)")
        let url = try #require(line.split(separator: " ").first { $0.hasPrefix("http://") }.map(String.init), "\(line)")
        return (server, url)
    }
}

/// One MCP tools/call against `url` (`http://127.0.0.1:PORT`): the HTTP status, the JSON-RPC answer and any
/// `Retry-After`.
func mcpToolCall(_ url: String, key: String, _ tool: String, _ arguments: JSONObject) async throws -> (Int, JSONValue, String?) {
    var request = URLRequest(url: URL(string: url + "/mcp")!)
    request.httpMethod = "POST"
    request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    request.setValue("Agent \(key)", forHTTPHeaderField: "Authorization")
    let body: JSONValue = ["jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": ["name": .string(tool), "arguments": .object(arguments)]]
    request.httpBody = Data(body.canonicalBytes)
    let (data, response) = try await URLSession.shared.data(for: request)
    let http = response as! HTTPURLResponse
    return (http.statusCode, try JSONParser.parse(bytes: data), http.value(forHTTPHeaderField: "Retry-After"))
}

/// The fenced block of `language` that follows `<!-- MARKER: tested -->` in the README: the text a test runs as
/// written, so the README cannot drift from what works.
func readmeBlock(_ marker: String, language: String) throws -> String {
    let readme = try String(contentsOf: DashboardE2ETests.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
    guard let start = readme.range(of: "<!-- \(marker): tested -->\n```\(language)\n"),
        let end = readme.range(of: "\n```", range: start.upperBound..<readme.endIndex)
    else { throw CLIError("the README has no \(marker) block") }
    return String(readme[start.upperBound..<end.lowerBound])
}
