import ArgumentParser
import Foundation
import Logging
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
        abstract: "Serve the TraceMem MCP endpoint and the Membrane gRPC endpoint so agents report into vigil.",
        discussion: """
            Decisions: point a TraceMem client at TRACEMEM_MCP_URL=http://127.0.0.1:7420 with TRACEMEM_API_KEY=<a key
            from `vigil agents add`>. Memories: point a Membrane client at 127.0.0.1:9090 with MEMBRANE_API_KEY (or any
            agent key as the Bearer token). Listens on loopback unless --allow-remote. Stops cleanly on Ctrl-C or SIGTERM.
            """)

    @OptionGroup var common: CommonOptions
    @Option(help: ArgumentHelp("Where the MCP endpoint listens.", valueName: "host:port")) var mcp: ListenAddress?
    @Option(help: ArgumentHelp("Where the Membrane gRPC endpoint listens.", valueName: "host:port")) var grpc: ListenAddress?
    @Flag(help: "Allow listening on a non-loopback address.") var allowRemote = false
    @Option(help: ArgumentHelp(
        "A PEM certificate chain; with --tls-key, both endpoints serve TLS (else tracemem./membrane.tls_cert_file).",
        valueName: "path")) var tlsCert: String?
    @Option(help: ArgumentHelp("The PEM private key of --tls-cert.", valueName: "path")) var tlsKey: String?
    @Flag(help: "Log one line per request (method, path, status, sizes; never a key).") var verbose = false

    func run() async throws {
        let runtime: VigilRuntime
        do {
            runtime = try common.open()
        } catch {
            let cliError = CLIError(error)
            throw failure(cliError.description, cliError.exitCode)
        }
        let address = mcp ?? ListenAddress(argument: runtime.config.tracemem.listenAddress)!
        let grpcAddress = grpc ?? ListenAddress(argument: runtime.config.memory.listenAddress)!
        let environment = ProcessInfo.processInfo.environment
        if let encryption = environment["MEMBRANE_ENCRYPTION_KEY"], !encryption.isEmpty {
            try fail("MEMBRANE_ENCRYPTION_KEY is set, but vigil does not encrypt at rest and will not store memories unencrypted; unset it", 2)
        }
        let membraneKey = environment["MEMBRANE_API_KEY"].flatMap { $0.isEmpty ? nil : $0 } ?? runtime.config.memory.apiKey
        let mcpTLS: TLSFiles?
        let grpcTLS: TLSFiles?
        do {
            let flagsGiven = tlsCert != nil || tlsKey != nil
            mcpTLS = try TLSFiles.load(
                certificate: flagsGiven ? tlsCert : runtime.config.tracemem.tlsCertFile,
                key: flagsGiven ? tlsKey : runtime.config.tracemem.tlsKeyFile, endpoint: flagsGiven ? nil : "tracemem")
            grpcTLS = try TLSFiles.load(
                certificate: flagsGiven ? tlsCert : runtime.config.memory.tlsCertFile,
                key: flagsGiven ? tlsKey : runtime.config.memory.tlsKeyFile, endpoint: flagsGiven ? nil : "membrane")
        } catch {
            try fail(error.description, 4)
        }
        let remoteAllowed = allowRemote || runtime.config.allowRemote
        for (name, listen, tls) in [("MCP", address, mcpTLS), ("gRPC", grpcAddress, grpcTLS)] where !listen.isLoopback {
            if !remoteAllowed {
                try fail("\(listen) (\(name)) is not a loopback address; pass --allow-remote (or set server.allow_remote) to listen there", 2)
            }
            if tls == nil {
                FileHandle.standardError.write(Data("warning: serving plaintext on \(listen) (\(name)); keys cross the network unencrypted. Pass --tls-cert and --tls-key\n".utf8))
            }
        }
        if !grpcAddress.isLoopback, (membraneKey ?? "").isEmpty, !runtime.config.memory.requireAuth {
            try fail("the gRPC endpoint on \(grpcAddress) needs authentication: set MEMBRANE_API_KEY or membrane.require_auth", 2)
        }
        let service = MCPService(engine: runtime.decisions, principals: runtime.principals)
        let memory = MemoryEngine(store: runtime.store, settings: runtime.config.memory, inMemoryRelevance: true)
        let sweeper = Sweeper(decisions: runtime.decisions, memory: memory, config: runtime.config).start()
        defer { sweeper.cancel() }
        let database = runtime.store.location
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    var logger = Logger(label: "vigil.mcp")
                    logger.logLevel = verbose ? .debug : .info
                    try await MCPServer.run(
                        service: service, host: address.host, port: address.port, tls: mcpTLS, handleSignals: true,
                        logger: logger
                    ) { port in
                        print("MCP endpoint listening on \(mcpTLS == nil ? "http" : "https")://\(address.host.contains(":") ? "[\(address.host)]" : address.host):\(port)  (store \(database))")
                        fflush(nil)
                    }
                }
                group.addTask {
                    try await MembraneServer.run(
                        engine: memory, principals: runtime.principals, host: grpcAddress.host, port: grpcAddress.port,
                        tls: grpcTLS, membraneKey: membraneKey, requireAuth: runtime.config.memory.requireAuth,
                        ratePerSecond: runtime.config.memory.ratePerSecond
                    ) { port in
                        print("Membrane gRPC endpoint listening on \(grpcAddress.host):\(port)\(grpcTLS == nil ? "" : "  (TLS)")")
                        fflush(nil)
                    }
                }
                // The MCP server returns on SIGINT/SIGTERM; then the gRPC server stops too.
                try await group.next()
                group.cancelAll()
            }
        } catch {
            let detail = "\(error)"
            if detail.contains("Address already in use") {
                try fail(
                    "cannot listen: a port is taken (MCP \(address), gRPC \(grpcAddress)). Is another vigil running? "
                        + "Stop it, or pick free ports with --mcp / --grpc HOST:PORT", 2)
            }
            try fail("cannot serve (MCP \(address), gRPC \(grpcAddress)): \(detail). Pick other addresses with --mcp / --grpc HOST:PORT", 2)
        }
    }

    private func fail(_ message: String, _ code: Int32) throws -> Never {
        throw failure(message, code)
    }
}
