import ArgumentParser
import Foundation
import Logging
import VigilCore
import VigilServer
import VigilStores

/// `HOST:PORT` on the command line (`--mcp`, `--grpc`).
extension ListenAddress: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
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
            runtime = try VigilRuntime.open(paths: common.paths, use: .longLived)
        } catch {
            let cliError = CLIError(error)
            throw failure(cliError.description, cliError.status)
        }
        var settings = HostSettings(config: runtime.config)
        if let mcp { settings.mcp = mcp }
        if let grpc { settings.grpc = grpc }
        if let encryption = ProcessInfo.processInfo.environment["MEMBRANE_ENCRYPTION_KEY"], !encryption.isEmpty {
            try fail("MEMBRANE_ENCRYPTION_KEY is set, but vigil does not encrypt at rest and will not store memories unencrypted; unset it", .unusable)
        }
        do {
            let flagsGiven = tlsCert != nil || tlsKey != nil
            settings.mcpTLS = try TLSFiles.load(
                certificate: flagsGiven ? tlsCert : runtime.config.tracemem.tlsCertFile,
                key: flagsGiven ? tlsKey : runtime.config.tracemem.tlsKeyFile, endpoint: flagsGiven ? nil : "tracemem")
            settings.grpcTLS = try TLSFiles.load(
                certificate: flagsGiven ? tlsCert : runtime.config.memory.tlsCertFile,
                key: flagsGiven ? tlsKey : runtime.config.memory.tlsKeyFile, endpoint: flagsGiven ? nil : "membrane")
        } catch {
            try fail(error.description, .configuration)
        }
        do {
            try settings.loadMetricsToken(file: runtime.config.metricsTokenFile)
        } catch {
            try fail(error.description, .configuration)
        }
        let remoteAllowed = allowRemote || runtime.config.allowRemote
        for (name, listen, tls) in [("MCP", settings.mcp, settings.mcpTLS), ("gRPC", settings.grpc, settings.grpcTLS)] where !listen.isLoopback {
            if !remoteAllowed {
                try fail("\(listen) (\(name)) is not a loopback address; pass --allow-remote (or set server.allow_remote) to listen there", .unusable)
            }
            if tls == nil {
                FileHandle.standardError.write(Data("warning: serving plaintext on \(listen) (\(name)); keys cross the network unencrypted. Pass --tls-cert and --tls-key\n".utf8))
            }
        }
        if !settings.grpc.isLoopback, (settings.membraneKey ?? "").isEmpty, !settings.requireAuth {
            try fail("the gRPC endpoint on \(settings.grpc) needs authentication: set MEMBRANE_API_KEY or membrane.require_auth", .unusable)
        }
        var logger = Logger(label: "vigil.mcp")
        logger.logLevel = verbose ? .debug : .info
        settings.logger = logger
        let store = runtime.store.location
        let grpcTLSNote = settings.grpcTLS == nil ? "" : "  (TLS)"
        let metricsNote = settings.mcp.isLoopback ? "" : "  (bearer: an operator key or the [metrics] token)"
        do {
            // Returns on SIGINT/SIGTERM.
            try await VigilHost(runtime: runtime, settings: settings).serve { running in
                print("MCP endpoint listening on \(running.mcpURL ?? "?")  (store \(store))")
                print("Membrane gRPC endpoint listening on \(running.grpcHost ?? "?"):\(running.grpcPort ?? 0)\(grpcTLSNote)")
                print("Prometheus metrics at \(running.mcpURL ?? "?")/metrics\(metricsNote)")
                fflush(nil)
            }
        } catch {
            if error.portTaken {
                try fail(
                    "cannot listen: a port is taken (MCP \(settings.mcp), gRPC \(settings.grpc)). Is another vigil running? "
                        + "Stop it, or pick free ports with --mcp / --grpc HOST:PORT", .unusable)
            }
            try fail("cannot serve (\(error)). Pick other addresses with --mcp / --grpc HOST:PORT", .unusable)
        }
    }

    private func fail(_ message: String, _ status: ExitStatus) throws -> Never {
        throw failure(message, status)
    }
}
