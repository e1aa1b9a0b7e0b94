import ArgumentParser
import Foundation
import VigilCore
import VigilServer

/// `HOST:PORT` as given on the command line.
struct ListenAddress: ExpressibleByArgument, CustomStringConvertible {
    var host: String
    var port: Int

    init?(argument: String) {
        guard let colon = argument.lastIndex(of: ":"), let port = Int(argument[argument.index(after: colon)...]),
            (0...65535).contains(port)
        else { return nil }
        host = String(argument[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        self.port = port
    }

    var isLoopback: Bool { host == "localhost" || host == "::1" || host.hasPrefix("127.") }
    var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the TraceMem-compatible MCP endpoint so agents can report decisions.",
        discussion: """
            Point a TraceMem client at it with TRACEMEM_MCP_URL=http://127.0.0.1:7420 and TRACEMEM_API_KEY=<a key from
            `vigil agents add`>. Listens on loopback unless --allow-remote. Stops cleanly on Ctrl-C or SIGTERM.
            """)

    @OptionGroup var common: CommonOptions
    @Option(help: ArgumentHelp("Where the MCP endpoint listens.", valueName: "host:port")) var mcp: ListenAddress?
    @Flag(help: "Allow listening on a non-loopback address.") var allowRemote = false

    func run() async throws {
        let runtime: VigilRuntime
        do {
            runtime = try common.open()
        } catch {
            let failure = CLIError(error)
            FileHandle.standardError.write(Data("error: \(failure.description)\n".utf8))
            throw ExitCode(failure.exitCode)
        }
        let address = mcp ?? ListenAddress(argument: runtime.config.tracemem.listenAddress)!
        if !address.isLoopback, !(allowRemote || runtime.config.allowRemote) {
            FileHandle.standardError.write(Data(
                "error: \(address) is not a loopback address; pass --allow-remote (or set server.allow_remote) to listen there\n".utf8))
            throw ExitCode(2)
        }
        if !address.isLoopback {
            FileHandle.standardError.write(Data("warning: serving plaintext HTTP on \(address); API keys cross the network unencrypted\n".utf8))
        }
        let service = MCPService(engine: runtime.decisions, principals: runtime.principals)
        let sweeper = Task.detached {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(runtime.config.approvals.sweepIntervalSeconds))
                _ = try? runtime.decisions.sweepExpiredApprovals()
            }
        }
        defer { sweeper.cancel() }
        do {
            try await MCPServer.run(service: service, host: address.host, port: address.port, handleSignals: true) { port in
                print("MCP endpoint listening on http://\(address.host.contains(":") ? "[\(address.host)]" : address.host):\(port)  (database \(runtime.paths.database))")
                fflush(nil)
            }
        } catch {
            FileHandle.standardError.write(Data("error: cannot serve on \(address): \(error). Is the port taken? Pick another with --mcp HOST:PORT\n".utf8))
            throw ExitCode(3)
        }
    }
}
