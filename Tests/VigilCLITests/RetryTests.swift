import Foundation
import Testing
import VigilRemote
import VigilSDK
import VigilTestSupport

import struct VigilCore.JSONParser

/// Clients back off instead of failing: a server whose per-key limit is 2 calls a second answers a burst with 429s;
/// the SDK's client waits out each `Retry-After` and every call succeeds, while a client told not to retry sees them.
@Suite("Clients honour Retry-After", .enabled(if: VigilProcess.isAvailable), .timeLimit(.minutes(2)))
struct RetryTests {
    @Test("a burst over the per-key limit: the SDK's calls all succeed; without retries some are refused with 429")
    func backOff() async throws {
        let home = try TemporaryDirectory()
        let db = home.file("vigil.db")
        let config = home.file("config.toml")
        try (DecisionFixture.configTOML + "\n[tracemem.rate_limit]\nper_second = 2\nburst = 2\n").write(toFile: config, atomically: true, encoding: .utf8)
        let added = try JSONParser.parse(try await VigilProcess.run(["agents", "add", "shopper", "--json", "--db", db, "--config", config], home: home.path).stdout)
        let key = try #require(added["api_key"]?.stringValue)
        let (server, base) = try await RunningProcess.serve(
            ["--db", db, "--config", config, "--mcp", "127.0.0.1:0", "--grpc", "127.0.0.1:0"],
            environment: ["HOME": home.path, "XDG_CONFIG_HOME": home.path + "/config", "XDG_DATA_HOME": home.path + "/data", "PATH": "/usr/bin:/bin"])
        defer { server.terminate() }
        let url = base + "/mcp"

        // Six calls at once: over a limit of two a second, whatever the machine's speed.
        let impatient = MCPClient(url: url, apiKey: key, timeout: 30, retry: .none)
        let refused = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<6 {
                group.addTask {
                    do {
                        _ = try await impatient.callTool("capabilities_get")
                        return 0
                    } catch let error as RemoteError {
                        guard case .rpc(_, _, _, 429) = error else { Issue.record("\(error)"); return 0 }
                        return 1
                    } catch {
                        Issue.record("\(error)")
                        return 0
                    }
                }
            }
            return await group.reduce(0, +)
        }
        #expect(refused > 0, "the burst goes over the limit")

        let client = try TraceMemClient(apiKey: key, mcpURL: url, timeout: 30)
        let failures = await withTaskGroup(of: String?.self) { group in
            for _ in 0..<6 {
                group.addTask {
                    do {
                        _ = try await client.capabilities()
                        return nil
                    } catch {
                        return "\(error)"
                    }
                }
            }
            return await group.compactMap { $0 }.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(failures.isEmpty, "every call waited its turn instead of failing: \(failures)")
    }
}
