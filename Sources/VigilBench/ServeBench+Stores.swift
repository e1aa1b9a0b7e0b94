import Foundation
import Synchronization
import VigilCore
import VigilStorePostgres
import VigilStoreSQLite

/// Which store `vigil bench serve` loads: a temporary SQLite file, or a scratch database on a PostgreSQL server.
public enum BenchStore: Sendable, Equatable {
    /// A SQLite file with the default durability (`synchronous = FULL`).
    case sqlite
    /// The same with `[store] durability = "fast"` (`synchronous = NORMAL`), to measure what FULL costs.
    case sqliteFast
    /// A scratch database is created beside the one `serverURL` names (its role must be allowed to create
    /// databases) and dropped after the run, so the bench never writes into a real store.
    case postgres(serverURL: String)

    public var label: String {
        switch self {
        case .sqlite: return "SQLite"
        case .sqliteFast: return "SQLite durability=fast"
        case .postgres: return "PostgreSQL"
        }
    }

    /// A store opened for one run, and how to get rid of it.
    struct Scratch {
        let store: any Store
        /// The scratch database's URL (PostgreSQL only), for replicas to open.
        let url: String?
        let drop: @Sendable () -> Void
    }

    func open(in directory: String) throws -> Scratch {
        switch self {
        case .sqlite:
            return Scratch(store: try SQLiteStore(path: directory + "/vigil.db"), url: nil, drop: {})
        case .sqliteFast:
            return Scratch(store: try SQLiteStore(path: directory + "/vigil.db", durability: .fast), url: nil, drop: {})
        case .postgres(let serverURL):
            let name = "vigil_bench_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
            let url = try PostgresAdmin.createDatabase(serverURL: serverURL, name: name)
            let store = try PostgresStore(url: url, localDirectory: directory, poolSize: 16)
            return Scratch(store: store, url: url, drop: { try? PostgresAdmin.dropDatabase(serverURL: serverURL, name: name) })
        }
    }
}

extension ServeBench {
    /// Verifies every decision's chain in the store.
    static func verifyChains(_ engine: DecisionEngine) throws -> (verified: Int, broken: Int) {
        let reader = DashboardReader(store: engine.store)
        var cursor: DashboardReader.DecisionCursor?
        var verified = 0, broken = 0
        while true {
            let page = try reader.decisions(after: cursor, limit: 1000)
            for row in page {
                if try engine.verifyChain(decisionID: row.id).isIntact { verified += 1 } else { broken += 1 }
            }
            guard let last = page.last, page.count == 1000 else { return (verified, broken) }
            cursor = DashboardReader.DecisionCursor(createdAt: last.createdAt, id: last.id)
        }
    }

    /// The serve bench on each store, then (with `replicas` > 1) the MCP phase against that many `vigil serve`
    /// processes on one PostgreSQL database, clients split between them.
    public static func compare(
        clients: Int, seconds: Double, records: Int, only: Set<PhaseKind>, stores: [BenchStore], replicas: Int,
        vigilBinary: String, progress: @escaping @Sendable (String) -> Void
    ) async throws -> Comparison {
        var comparison = Comparison()
        for store in stores {
            progress("— \(store.label) —")
            comparison.runs.append((store.label, try await run(clients: clients, seconds: seconds, records: records, only: only, store: store, progress: progress)))
        }
        if replicas > 1, case .postgres(let serverURL)? = stores.last {
            progress("— \(replicas) vigil serve replicas on one PostgreSQL database —")
            comparison.replicas = try await replicaRun(
                count: replicas, serverURL: serverURL, clients: clients, seconds: seconds, vigilBinary: vigilBinary,
                progress: progress)
        }
        return comparison
    }

    /// Starts `count` `vigil serve` processes on one scratch database, each with its own home (and so its own
    /// receipt signing key), loads their MCP endpoints with `decision_add_context`, stops them and verifies every
    /// chain they wrote.
    static func replicaRun(
        count: Int, serverURL: String, clients: Int, seconds: Double, vigilBinary: String,
        progress: @escaping @Sendable (String) -> Void
    ) async throws -> ReplicaRun {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-replicabench-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let scratch = try BenchStore.postgres(serverURL: serverURL).open(in: directory)
        defer { scratch.drop() }
        let principals = PrincipalRegistry(store: scratch.store)
        let keys = try (0..<clients).map { i in try principals.add(name: "bench\(i)", kind: .agent).apiKey }
        let config = directory + "/config.toml"
        try """
            [tracemem.rate_limit]
            per_second = 1000000000.0
            burst = 1000000000
            """.write(toFile: config, atomically: true, encoding: .utf8)
        var servers: [Process] = []
        defer {
            for server in servers where server.isRunning { server.terminate() }
            for server in servers { server.waitUntilExit() }
        }
        var ports: [Int] = []
        for i in 0..<count {
            let home = directory + "/replica\(i)"
            try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
            let (process, port) = try startServe(
                binary: vigilBinary, url: scratch.url!, config: config, home: home)
            servers.append(process)
            ports.append(port)
            progress("replica \(i + 1): MCP on 127.0.0.1:\(port) (pid \(process.processIdentifier))")
        }
        progress("MCP decision_add_context: \(clients) clients split over \(count) replicas for \(Int(seconds)) s")
        let phase = try mcpPhase(ports: ports, keys: keys, seconds: seconds, name: "MCP decision_add_context, \(count) replicas")
        for server in servers { server.terminate() }
        for server in servers { server.waitUntilExit() }
        let engine = try DecisionEngine(store: scratch.store, config: VigilConfig())
        return ReplicaRun(count: count, phase: phase, chains: try verifyChains(engine))
    }

    /// Starts `vigil serve` on loopback with free ports and returns it with its MCP port, read from its first line.
    static func startServe(binary: String, url: String, config: String, home: String) throws -> (Process, Int) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--store", url, "--config", config, "--mcp", "127.0.0.1:0", "--grpc", "127.0.0.1:0"]
        process.environment = ["HOME": home, "PATH": "/usr/bin:/bin", "XDG_DATA_HOME": home + "/data", "XDG_CONFIG_HOME": home + "/config"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let reader = output.fileHandleForReading
        var text = ""
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
            if let range = text.range(of: "MCP endpoint listening on http://127.0.0.1:") {
                let digits = text[range.upperBound...].prefix { $0.isNumber }
                if let port = Int(digits) { return (process, port) }
            }
        }
        process.terminate()
        throw Failure(description: "vigil serve did not start: \(text.prefix(300))")
    }

    public struct ReplicaRun: Sendable {
        public var count: Int
        public var phase: Phase
        public var chains: (verified: Int, broken: Int)
    }

    /// Each store's run, side by side, with the ratio of each phase to SQLite's in the same run.
    public struct Comparison: Sendable {
        public var runs: [(label: String, report: Report)] = []
        public var replicas: ReplicaRun?

        public init(runs: [(label: String, report: Report)] = [], replicas: ReplicaRun? = nil) { (self.runs, self.replicas) = (runs, replicas) }

        public var text: String {
            var lines = runs.map { "[\($0.label)] " + $0.report.text }
            if runs.count > 1, let base = runs.first {
                lines.append("ratios to \(base.label) in the same run (calls/s):")
                for run in runs.dropFirst() {
                    for phase in run.report.phases {
                        guard let reference = base.report.phases.first(where: { $0.name == phase.name }), reference.throughput > 0
                        else { continue }
                        lines.append(String(
                            format: "  %@ %@: %.0f vs %.0f calls/s = %.0f %%", run.label, phase.name, phase.throughput,
                            reference.throughput, phase.throughput / reference.throughput * 100))
                    }
                }
            }
            if let replicas {
                let p = replicas.phase
                lines.append(String(
                    format: "%@: %.0f calls/s, p50 %.2f ms, p99 %.2f ms, %d errors", p.name, p.throughput, p.percentile(0.5),
                    p.percentile(0.99), p.errors))
                if let single = runs.last?.report.phases.first(where: { $0.name == PhaseName.mcp }), single.throughput > 0 {
                    lines.append(String(
                        format: "  %d replicas reach %.0f %% of one (target ≥ 80 %%)", replicas.count, p.throughput / single.throughput * 100))
                }
                lines.append("  after the run: \(replicas.chains.verified) decision chains verified, \(replicas.chains.broken) broken")
            }
            if runs.contains(where: { $0.label == BenchStore.sqliteFast.label }) {
                lines.append("target: durability full (the default) keeps ≥ 80 % of fast for MCP and IngestEvent; 0 errors; every chain verifies")
            } else if runs.count > 1 {
                lines.append("targets: PostgreSQL MCP decision_add_context ≥ 50 % of SQLite's; 0 errors; every chain verifies")
            }
            return lines.joined(separator: "\n")
        }

        public var json: JSONValue {
            var object: JSONObject = [
                "stores": .array(runs.map { ["store": .string($0.label), "report": $0.report.json] })
            ]
            if let replicas {
                object["replicas"] = [
                    "count": .int(Int64(replicas.count)), "calls": .int(Int64(replicas.phase.calls)),
                    "errors": .int(Int64(replicas.phase.errors)), "per_second": .double(replicas.phase.throughput.rounded()),
                    "p50_ms": .double(replicas.phase.percentile(0.5)), "p99_ms": .double(replicas.phase.percentile(0.99)),
                    "chains_verified": .int(Int64(replicas.chains.verified)), "chains_broken": .int(Int64(replicas.chains.broken)),
                ]
            }
            return .object(object)
        }
    }
}
