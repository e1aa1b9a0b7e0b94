import Foundation
import Testing
import VigilCore
import VigilSDK
import VigilTestSupport

/// Whether python3 with the official MCP SDK is installed (`.ci/run` installs it).
let pythonMCPAvailable = pythonCanImport("mcp.client.streamable_http")

/// Whether `python3 -c "import <modules>"` succeeds.
func pythonCanImport(_ modules: String) -> Bool {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", "import \(modules)"]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return false }
    process.waitUntilExit()
    return process.terminationStatus == 0
}

/// Whether python3 with grpcio and grpcio-tools is installed (`.ci/run` installs them).
let pythonGRPCAvailable = pythonCanImport("grpc, grpc_tools.protoc")

@Suite("Interop: a Python grpcio client against vigil serve", .enabled(if: VigilProcess.isAvailable && pythonGRPCAvailable),
       .timeLimit(.minutes(3)))
struct GRPCInteropTests {
    @Test("ingest all five kinds, retrieve with trust, revise, reinforce and read the metrics")
    func membraneSession() async throws {
        let home = try TemporaryDirectory()
        let common = ["--db", home.file("vigil.db")]
        let environment = [
            "HOME": home.path, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "MEMBRANE_API_KEY": "K",
        ]
        let server = try RunningProcess(
            VigilProcess.binary, ["serve", "--mcp", "127.0.0.1:0", "--grpc", "127.0.0.1:0"] + common, environment: environment)
        defer { server.terminate() }
        let listening = try #require(await server.waitForLine(timeout: 30) { $0.contains("Membrane gRPC endpoint listening on ") }, "\(server.text)")
        let address = try #require(listening.split(separator: " ").last.map(String.init))
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let client = try RunningProcess(
            "/usr/bin/env", ["python3", repository.appendingPathComponent("Tests/interop/membrane_grpc_workflow.py").path],
            environment: environment.merging([
                "MEMBRANE_ADDR": address, "PROTO_ROOT": repository.appendingPathComponent("Protos").path,
            ]) { $1 })
        defer { client.terminate() }
        #expect(await client.waitForExit(timeout: 120), "\(client.text)")
        #expect(client.exitCode == 0, "\(client.text)")
        #expect(client.text.contains("OK"), "\(client.text)")
    }
}

@Suite("Interop: the official MCP Python SDK against vigil serve", .enabled(if: VigilProcess.isAvailable && pythonMCPAvailable),
       .timeLimit(.minutes(3)))
struct InteropTests {
    @Test("the TraceMem approval workflow, approved through the CLI, commits and its receipt verifies")
    func approvalWorkflow() async throws {
        let home = try TemporaryDirectory()
        let db = home.file("vigil.db")
        let config = home.file("config.toml")
        try DecisionFixture.configTOML.write(toFile: config, atomically: true, encoding: .utf8)
        let common = ["--db", db, "--config", config]
        let agent = try JSONParser.parse(try await VigilProcess.run(["agents", "add", "shopper", "--grant", "*", "--json"] + common, home: home.path).stdout)
        let key = try #require(agent["api_key"]?.stringValue)
        #expect(try await VigilProcess.run(["agents", "add", "ops", "--operator"] + common, home: home.path).status == 0)

        let environment = ["HOME": home.path, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        let server = try RunningProcess(VigilProcess.binary, ["serve", "--mcp", "127.0.0.1:0", "--grpc", "127.0.0.1:0"] + common, environment: environment)
        defer { server.terminate() }
        let listening = try #require(await server.waitForLine(timeout: 30) { $0.contains("MCP endpoint listening on http://") }, "\(server.text)")
        let url = try #require(listening.split(separator: " ").first { $0.hasPrefix("http://") }.map(String.init))

        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("interop/tracemem_approval_workflow.py").path
        let receipt = home.file("receipt.json")
        let agentProcess = try RunningProcess(
            "/usr/bin/env", ["python3", script],
            environment: environment.merging(["TRACEMEM_MCP_URL": url, "TRACEMEM_API_KEY": key, "RECEIPT_FILE": receipt]) { $1 })
        defer { agentProcess.terminate() }
        let approvalLine = try #require(await agentProcess.waitForLine(timeout: 60) { $0.hasPrefix("APPROVAL ") }, "\(agentProcess.text)")
        let approvalID = String(approvalLine.dropFirst("APPROVAL ".count))

        let approved = try await VigilProcess.run(["approvals", "approve", approvalID, "--operator", "ops", "--rationale", "loyal customer"] + common, home: home.path)
        #expect(approved.status == 0, "\(approved.stderr)")
        #expect(await agentProcess.waitForExit(timeout: 90), "\(agentProcess.text)")
        #expect(agentProcess.exitCode == 0, "\(agentProcess.text)")
        #expect(agentProcess.text.contains("COMMITTED TMEM_"))
        let verified = try await VigilProcess.run(["receipts", "verify", receipt] + common, home: home.path)
        #expect(verified.status == 0, "\(verified.stderr)")
        server.terminate()
        #expect(await server.waitForExit(timeout: 10), "vigil serve stops on SIGTERM")
    }
}

/// A CA and a server certificate for 127.0.0.1, made with the openssl command-line tool.
struct TestCertificates {
    let ca: String
    let certificate: String
    let key: String

    init(in directory: TemporaryDirectory) async throws {
        ca = directory.file("ca.pem")
        certificate = directory.file("server.pem")
        key = directory.file("server.key")
        let extensions = directory.file("san.ext")
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\n".write(toFile: extensions, atomically: true, encoding: .utf8)
        let curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try await Self.openssl(["req", "-x509"] + curve + ["-keyout", directory.file("ca.key"), "-out", ca, "-subj", "/CN=vigil test CA", "-days", "1"])
        try await Self.openssl(["req"] + curve + ["-keyout", key, "-out", directory.file("server.csr"), "-subj", "/CN=127.0.0.1"])
        try await Self.openssl([
            "x509", "-req", "-in", directory.file("server.csr"), "-CA", ca, "-CAkey", directory.file("ca.key"),
            "-CAcreateserial", "-out", certificate, "-days", "1", "-extfile", extensions,
        ])
    }

    static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") }

    private static func openssl(_ arguments: [String]) async throws {
        let child = try SpawnedChild("/usr/bin/openssl", arguments, environment: ProcessInfo.processInfo.environment, stdin: "")
        try #require(await child.exited() == 0, "openssl \(arguments.joined(separator: " ")): \(child.stderr)")
    }
}

@Suite("TLS: vigil serve with a certificate and key", .enabled(if: VigilProcess.isAvailable && TestCertificates.isAvailable),
       .timeLimit(.minutes(3)))
struct TLSServeTests {
    @Test("both endpoints speak TLS with the given certificate: HTTPS initialize, gRPC health and Retrieve verify against the CA",
          .enabled(if: pythonGRPCAvailable))
    func bothEndpointsServeTLS() async throws {
        let home = try TemporaryDirectory()
        let certificates = try await TestCertificates(in: home)
        let common = ["--db", home.file("vigil.db")]
        let agent = try JSONParser.parse(try await VigilProcess.run(["agents", "add", "tls", "--json"] + common, home: home.path).stdout)
        let key = try #require(agent["api_key"]?.stringValue)
        let environment = [
            "HOME": home.path, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "MEMBRANE_API_KEY": "K",
        ]
        let server = try RunningProcess(
            VigilProcess.binary,
            ["serve", "--mcp", "127.0.0.1:0", "--grpc", "127.0.0.1:0", "--tls-cert", certificates.certificate,
             "--tls-key", certificates.key] + common,
            environment: environment)
        defer { server.terminate() }
        let mcpLine = try #require(await server.waitForLine(timeout: 30) { $0.contains("MCP endpoint listening on https://") }, "\(server.text)")
        let grpcLine = try #require(await server.waitForLine(timeout: 30) { $0.contains("Membrane gRPC endpoint listening on ") }, "\(server.text)")
        #expect(grpcLine.hasSuffix("(TLS)"))
        let url = try #require(mcpLine.split(separator: " ").first { $0.hasPrefix("https://") }.map(String.init))
        let address = try #require(grpcLine.split(separator: " ").first { $0.hasPrefix("127.0.0.1:") }.map(String.init))
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let client = try RunningProcess(
            "/usr/bin/env", ["python3", repository.appendingPathComponent("Tests/interop/tls_check.py").path],
            environment: environment.merging([
                "MCP_URL": url, "MEMBRANE_ADDR": address, "CA_FILE": certificates.ca, "TRACEMEM_API_KEY": key,
                "PROTO_ROOT": repository.appendingPathComponent("Protos").path,
            ]) { $1 })
        defer { client.terminate() }
        #expect(await client.waitForExit(timeout: 120), "\(client.text)")
        #expect(client.exitCode == 0, "\(client.text)")
        #expect(client.text.contains("OK"), "\(client.text)")

        // The Swift SDK's Membrane client: TLS verified against the CA file; with only the system's roots, refused.
        let memory = try MembraneClient(address: address, tls: true, tlsCACert: certificates.ca, apiKey: key, timeout: 30)
        #expect(try await memory.getMetrics()["total_records"] != nil)
        await memory.close()
        let untrusted = try MembraneClient(address: address, tls: true, apiKey: key, timeout: 5)
        await #expect(throws: MembraneError.self) { _ = try await untrusted.getMetrics() }
        await untrusted.close()
    }

    @Test("half a pair or a file that is not PEM stops start-up with exit 4 and names the problem")
    func badTLSFilesAreRefused() async throws {
        let home = try TemporaryDirectory()
        let certificates = try await TestCertificates(in: home)
        let common = ["--db", home.file("vigil.db"), "--mcp", "127.0.0.1:0", "--grpc", "127.0.0.1:0"]
        let half = try await VigilProcess.run(["serve", "--tls-cert", certificates.certificate] + common, home: home.path)
        #expect(half.status == 4)
        #expect(half.stderr.contains("TLS needs both --tls-cert and --tls-key"), "\(half.stderr)")
        let notPEM = try await VigilProcess.run(
            ["serve", "--tls-cert", certificates.certificate, "--tls-key", home.file("san.ext")] + common, home: home.path)
        #expect(notPEM.status == 4)
        #expect(notPEM.stderr.contains("san.ext") && notPEM.stderr.contains("not a PEM private key"), "\(notPEM.stderr)")
        let config = home.file("config.toml")
        try "[membrane]\ntls_key_file = \"\(certificates.key)\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        let configHalf = try await VigilProcess.run(["serve", "--config", config] + common, home: home.path)
        #expect(configHalf.status == 4)
        #expect(configHalf.stderr.contains("membrane.tls_cert_file"), "\(configHalf.stderr)")
    }
}

@Suite("vigil bench serve", .enabled(if: VigilProcess.isAvailable), .timeLimit(.minutes(3)))
struct ServeBenchTests {
    /// Runs `vigil bench serve --clients 2 --json` with `arguments`; expects it to succeed with calls and no errors in
    /// every phase, and returns the report with the phases' names.
    func cleanRun(_ arguments: [String], home: TemporaryDirectory) async throws -> (report: JSONValue, names: [String]) {
        let run = try await VigilProcess.run(["bench", "serve", "--clients", "2", "--json"] + arguments, home: home.path)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("MCP on 127.0.0.1:"))
        let parsed = try JSONParser.parse(run.stdout)
        // With a write phase the run is two: durability "fast" first (the write phases), then the default, full.
        let runs = parsed["stores"]?.arrayValue?.compactMap { $0["report"] } ?? [parsed]
        for run in runs {
            for phase in run["phases"]?.arrayValue ?? [] {
                #expect((phase["calls"]?.integerValue ?? 0) > 0, "\(phase)")
                #expect(phase["errors"]?.integerValue == 0, "\(phase)")
            }
        }
        let report = try #require(runs.last)
        let phases = try #require(report["phases"]?.arrayValue)
        return (report, phases.compactMap { $0["name"]?.stringValue })
    }

    @Test("a short run loads both endpoints over loopback and reports every phase without errors")
    func shortRun() async throws {
        let (report, names) = try await cleanRun(["--seconds", "0.5", "--records", "300"], home: try TemporaryDirectory())
        // MCP, IngestEvent, and Retrieve twice: one client alone, then all of them.
        #expect(names.count == 4)
        #expect((report["records"]?.integerValue ?? 0) >= 300)
        // Every call that wrote went through the store's group commit.
        #expect((report["writes"]?.integerValue ?? 0) >= (report["write_transactions"]?.integerValue ?? 1))
    }

    @Test("the floor phase loads no-op calls on both endpoints, alone when named alone; the text relates each phase to its floor")
    func floor() async throws {
        let home = try TemporaryDirectory()
        let (_, names) = try await cleanRun(["--seconds", "0.3", "--phase", "floor"], home: home)
        #expect(names == ["MCP ping (floor)", "gRPC Health/Check (floor)"])
        let text = try await VigilProcess.run(
            ["bench", "serve", "--clients", "2", "--seconds", "0.3", "--phase", "floor", "--phase", "ingest"], home: home.path)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("gRPC IngestEvent runs at "), "\(text.stdout)")
        #expect(text.stdout.contains("[SQLite durability=fast]") && text.stdout.contains("durability full (the default) keeps ≥ 80 % of fast"),
                "the write phase also ran under durability fast: \(text.stdout)")
        #expect(!text.stdout.contains("MCP decision_add_context runs at"), "no MCP phase ran: \(text.stdout)")
    }

    @Test("--store runs the phases on PostgreSQL beside SQLite, and --replicas 2 on two vigil serve processes; no errors, every chain verifies",
          .enabled(if: TestStore.postgresServer != nil))
    func postgresAndReplicas() async throws {
        let home = try TemporaryDirectory()
        let server = try #require(TestStore.postgresServer)
        let run = try await VigilProcess.run(
            ["bench", "serve", "--clients", "2", "--seconds", "0.5", "--phase", "mcp", "--store", server, "--replicas", "2", "--json"],
            home: home.path)
        #expect(run.status == 0, "\(run.stderr)")
        let report = try JSONParser.parse(run.stdout)
        let stores = try #require(report["stores"]?.arrayValue)
        #expect(stores.map { $0["store"] } == ["SQLite", "PostgreSQL"])
        for store in stores {
            let phases = try #require(store["report"]?["phases"]?.arrayValue)
            #expect(phases.count == 1 && (phases[0]["calls"]?.integerValue ?? 0) > 0 && phases[0]["errors"] == 0, "\(store)")
            #expect((store["report"]?["chains_verified"]?.integerValue ?? 0) > 0 && store["report"]?["chains_broken"] == 0)
        }
        let replicas = try #require(report["replicas"])
        #expect(replicas["count"] == 2 && replicas["errors"] == 0 && (replicas["calls"]?.integerValue ?? 0) > 0, "\(replicas)")
        #expect((replicas["chains_verified"]?.integerValue ?? 0) > 0 && replicas["chains_broken"] == 0)
        #expect(run.stderr.contains("replica 2: MCP on 127.0.0.1:"))
        #expect(!run.stdout.contains("vigil-test-password") && !run.stderr.contains("vigil-test-password"))
    }

    @Test("an unknown phase is a usage error")
    func unknownPhase() async throws {
        let home = try TemporaryDirectory()
        let run = try await VigilProcess.run(["bench", "serve", "--phase", "http3"], home: home.path)
        #expect(run.status == 64)
        #expect(run.stderr.contains("unknown phase 'http3'"), "\(run.stderr)")
    }
}
