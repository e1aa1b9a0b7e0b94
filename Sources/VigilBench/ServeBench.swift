import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import MembraneProto
import SwiftProtobuf
import Synchronization
import VigilCore
import VigilStoreSQLite
import VigilServer

/// `vigil bench serve`: both endpoints on loopback under a bounded load from the same process.
///
/// Three phases, each with `clients` concurrent keep-alive connections for `seconds` (after one second of
/// warm-up that is not counted):
/// 1. MCP `tools/call` `decision_add_context`, each client with its own agent key on its own open decisions (ten
///    events each, then the next decision);
/// 2. gRPC `IngestEvent`;
/// 3. gRPC `Retrieve` (trust medium, limit 10) once the store holds `records` memories.
///
/// On request (`floor`), the same load on calls that do no work — MCP `ping` and gRPC `Health/Check` — measures what the
/// HTTP and gRPC stacks (server and load generator together) cost on this machine, so the figures above can be read
/// against it.
///
/// The load generator shares the machine with the server, so the figures are a floor for a server with the
/// machine to itself.
public enum ServeBench {
    public struct Phase: Sendable {
        public var name: String
        public var calls: Int
        public var errors: Int
        public var seconds: Double
        public var latenciesMs: [Double]

        public var throughput: Double { Double(calls) / seconds }
        public func percentile(_ p: Double) -> Double {
            latenciesMs.percentile(p)
        }
    }

    public struct Report: Sendable {
        public var clients: Int
        public var phases: [Phase]
        public var records: Int
        /// Write transactions and the writes they carried during the run (``Store/writeStatistics``).
        public var writeTransactions = 0
        public var writeJobs = 0
        /// Background checkpoints of the log during the run (SQLite's).
        public var checkpoints = 0
        /// Decisions whose hash chains were verified after the run, and how many were broken (must be 0).
        public var chains: (verified: Int, broken: Int) = (0, 0)

        public var text: String {
            var lines = ["serve bench: \(clients) keep-alive clients per phase on loopback, server and load in one process"]
            lines.append("  phase                                        calls/s   p50 ms   p95 ms   p99 ms   errors")
            for p in phases {
                let name = p.name.count < 42 ? p.name + String(repeating: " ", count: 42 - p.name.count) : p.name
                lines.append("  " + name + String(
                    format: " %9.0f %8.2f %8.2f %8.2f %8d", p.throughput, p.percentile(0.5), p.percentile(0.95),
                    p.percentile(0.99), p.errors))
            }
            let rate = { (name: String) in phases.first { $0.name == name }?.throughput }
            for (work, floor, label) in [
                (PhaseName.mcp, PhaseName.mcpFloor, "MCP decision_add_context"), (PhaseName.ingest, PhaseName.grpcFloor, "gRPC IngestEvent"),
            ] {
                if let done = rate(work), let most = rate(floor), most > 0 {
                    lines.append(String(format: "  %@ runs at %.0f %% of its no-op floor", label, done / most * 100))
                }
            }
            lines.append(String(
                format: "  write transactions: %d for %d writes (group commit); %d background checkpoints", writeTransactions,
                writeJobs, checkpoints))
            lines.append("  after the run: \(chains.verified) decision chains verified, \(chains.broken) broken")
            lines.append("  targets: MCP ≥ 5,000 calls/s with p99 ≤ 20 ms; IngestEvent ≥ 5,000/s; Retrieve p95 ≤ 20 ms")
            return lines.joined(separator: "\n")
        }

        public var json: JSONValue {
            [
                "clients": .int(Int64(clients)), "records": .int(Int64(records)),
                "write_transactions": .int(Int64(writeTransactions)), "writes": .int(Int64(writeJobs)),
                "checkpoints": .int(Int64(checkpoints)),
                "chains_verified": .int(Int64(chains.verified)), "chains_broken": .int(Int64(chains.broken)),
                "phases": .array(phases.map { p in
                    [
                        "name": .string(p.name), "calls": .int(Int64(p.calls)), "errors": .int(Int64(p.errors)),
                        "seconds": .double(p.seconds), "per_second": .double(p.throughput.rounded()),
                        "p50_ms": .double(p.percentile(0.5)), "p95_ms": .double(p.percentile(0.95)),
                        "p99_ms": .double(p.percentile(0.99)),
                    ]
                }),
            ]
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The names phases carry in the report (the floor lines pair them up by these).
    public enum PhaseName {
        public static let mcp = "MCP tools/call decision_add_context"
        public static let mcpFloor = "MCP ping (floor)"
        public static let ingest = "gRPC IngestEvent"
        public static let grpcFloor = "gRPC Health/Check (floor)"
    }

    /// The phases, by the names `--phase` takes.
    public enum PhaseKind: String, CaseIterable, Sendable {
        case mcp, ingest, retrieve, floor

        /// What runs when no phase is named: the three the targets are about.
        public static let standard: Set<PhaseKind> = [.mcp, .ingest, .retrieve]
    }

    public static func run(
        clients: Int = 16, seconds: Double = 10, records: Int = 100_000, only: Set<PhaseKind> = PhaseKind.standard,
        store kind: BenchStore = .sqlite, progress: @escaping @Sendable (String) -> Void = { _ in }
    ) async throws -> Report {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-servebench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let scratch = try kind.open(in: directory.path)
        defer { scratch.drop() }
        let store = scratch.store
        var config = VigilConfig()
        // The bench measures the server, not the per-key limiter (10/s by default).
        config.tracemem.ratePerSecond = 1e9
        config.tracemem.rateBurst = 1_000_000_000
        let runtime = try VigilRuntime.open(
            paths: VigilPaths.resolve(database: directory.path + "/bench.db"), config: config, store: store, use: .longLived)
        let (decisions, principals, memory) = (runtime.decisions, runtime.principals, runtime.memory)
        let keys = try (0..<clients).map { i in try principals.add(name: "bench\(i)", kind: .agent).apiKey }
        let membraneKey = "bench-membrane-key"
        // Critical-only logging (the host's default): cancelling the servers at the end makes Hummingbird log an
        // expected CancellationError.
        var settings = HostSettings.loopbackAnyPort
        settings.membraneKey = membraneKey
        let host = await VigilHost(runtime: runtime, settings: settings).start(startup: .seconds(60))
        defer { host.stop() }
        guard let mcpPort = host.mcpPort, let grpcPort = host.grpcPort else {
            throw Failure(description: "the endpoints did not start: \(host.status.joined(separator: "; "))")
        }
        do {
            progress("MCP on 127.0.0.1:\(mcpPort), gRPC on 127.0.0.1:\(grpcPort)")

            var phases: [Phase] = []
            if only.contains(.mcp) {
                progress("MCP decision_add_context: \(clients) clients for \(Int(seconds)) s")
                phases.append(try mcpPhase(ports: [mcpPort], keys: keys, seconds: seconds))
            }
            if only.contains(.floor) {
                progress("MCP ping (no work: the HTTP floor): \(clients) clients for \(Int(seconds)) s")
                phases.append(try mcpPhase(ports: [mcpPort], keys: keys, seconds: seconds, pingOnly: true))
                progress("gRPC Health/Check (no work: the gRPC floor): \(clients) clients for \(Int(seconds)) s")
                phases.append(try await grpcPhase(name: PhaseName.grpcFloor, port: grpcPort, clients: clients, seconds: seconds) { grpc, _, _ in
                    _ = try await Grpc_Health_V1_Health.Client(wrapping: grpc).check(.init())
                })
            }
            let auth: Metadata = ["authorization": "Bearer \(membraneKey)"]
            if only.contains(.ingest) {
            progress("gRPC IngestEvent: \(clients) clients for \(Int(seconds)) s")
            phases.append(try await grpcPhase(name: PhaseName.ingest, port: grpcPort, clients: clients, seconds: seconds) { grpc, i, n in
                _ = try await Membrane_V1_MembraneService.Client(wrapping: grpc).ingestEvent(.with {
                    $0.source = "bench\(i)"
                    $0.eventKind = "user_message"
                    $0.ref = "c\(i)-\(n)"
                    $0.summary = "client \(i) call \(n) reports progress on the rollout"
                }, metadata: auth)
            })
            }
            guard only.contains(.retrieve) else {
                let writes = store.writeStatistics
                return Report(
                    clients: clients, phases: phases, records: 0, writeTransactions: writes.transactions, writeJobs: writes.jobs,
                    checkpoints: (store as? SQLiteStore)?.checkpointsRun ?? 0, chains: try verifyChains(decisions))
            }
            var count = Int(try memory.metrics()["total_records"]?.integerValue ?? 0)
            progress("filling the store to \(records) memories (now \(count))")
            var rng = MemoryBench.Random(state: 7)
            let vocabulary = MemoryBench.Vocabulary(size: 3000)
            try MemoryBench.fill(
                memory, upTo: records, count: &count, clock: nil, step: 0, vocabulary: vocabulary, rng: &rng, progress: progress)
            try memory.warmUp()
            let tasks = (0..<1000).map { _ in vocabulary.phrase(&rng, 3...8) }
            let label = count >= 10_000 ? "\(count / 1000)k" : "\(count)"
            // Twice: one client alone (the latency of a query) and all clients at once (the same 2 cores shared by
            // 16 queries in flight, so queueing shows in the percentiles).
            for concurrency in clients > 1 ? [1, clients] : [clients] {
                progress("gRPC Retrieve over \(count) records: \(concurrency) client\(concurrency == 1 ? "" : "s") for \(Int(seconds)) s")
                phases.append(try await grpcPhase(
                    name: "gRPC Retrieve (\(label) records, \(concurrency) client\(concurrency == 1 ? "" : "s"))", port: grpcPort,
                    clients: concurrency, seconds: seconds
                ) { grpc, i, n in
                    _ = try await Membrane_V1_MembraneService.Client(wrapping: grpc).retrieve(.with {
                        $0.taskDescriptor = tasks[(i * 7919 + n) % tasks.count]
                        $0.trust = .with { $0.maxSensitivity = "medium" }
                        $0.limit = 10
                    }, metadata: auth)
                })
            }
            let writes = store.writeStatistics
            return Report(
                clients: clients, phases: phases, records: count, writeTransactions: writes.transactions, writeJobs: writes.jobs,
                checkpoints: (store as? SQLiteStore)?.checkpointsRun ?? 0, chains: try verifyChains(decisions))
        }
    }

    /// Context events per decision in the MCP phase (as in `vigil bench decisions`); each client then opens the next.
    static let eventsPerDecision = 10

    /// One thread per client, each with its own connection and key, adding context to its open decision. Only the
    /// `decision_add_context` calls are counted and timed; the `decision_create` between them also load the server.
    /// With `pingOnly`, each client sends `ping` instead (authenticated, answered without touching the store).
    /// With several `ports` (replicas), client `i` talks to `ports[i % ports.count]`.
    static func mcpPhase(ports: [Int], keys: [String], seconds: Double, pingOnly: Bool = false, name: String? = nil) throws -> Phase {
        let results = Mutex<[(calls: Int, errors: Int, latencies: [Double], failure: String?)]>([])
        let start = DispatchTime.now().uptimeNanoseconds
        let warmEnd = start + 1_000_000_000
        let end = warmEnd + UInt64(seconds * 1e9)
        let group = DispatchGroup()
        for (i, key) in keys.enumerated() {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                var calls = 0
                var errors = 0
                var latencies: [Double] = []
                latencies.reserveCapacity(Int(seconds) * 2000)
                var failure: String?
                do {
                    let connection = try KeepAliveHTTPConnection(host: "127.0.0.1", port: ports[i % ports.count])
                    let headers = [("Content-Type", "application/json"), ("Authorization", "Agent \(key)")]
                    var decision = ""
                    var n = 1
                    while true {
                        // A fresh decision every `eventsPerDecision` calls, as agents work: many short decisions.
                        if !pingOnly, (n - 1) % eventsPerDecision == 0 {
                            let create = try connection.post(path: "/mcp", headers: headers, body: call(id: n, "decision_create", [
                                "intent": "bench.context.add", "automation_mode": "autonomous",
                            ]))
                            decision = try decisionID(from: create.body)
                        }
                        let before = DispatchTime.now().uptimeNanoseconds
                        if before >= end { break }
                        let body = pingOnly ? ping(id: n) : call(id: n, "decision_add_context", [
                            "decision_id": .string(decision), "context": ["step": .int(Int64(n)), "client": .int(Int64(i))],
                        ])
                        let reply = try connection.post(path: "/mcp", headers: headers, body: body)
                        let after = DispatchTime.now().uptimeNanoseconds
                        n += 1
                        guard before >= warmEnd else { continue }
                        calls += 1
                        if reply.status != 200 || reply.body.starts(with: Array(#"{"error""#.utf8))
                            || String(decoding: reply.body, as: UTF8.self).contains(#""isError":true"#)
                        {
                            errors += 1
                        }
                        latencies.append(Double(after - before) / 1e6)
                    }
                } catch {
                    failure = "\(error)"
                }
                results.withLock { $0.append((calls, errors, latencies, failure)) }
            }
        }
        group.wait()
        let all = results.withLock { $0 }
        if let failure = all.compactMap({ $0.failure }).first { throw Failure(description: "MCP client: \(failure)") }
        return Phase(
            name: name ?? (pingOnly ? PhaseName.mcpFloor : PhaseName.mcp), calls: all.reduce(0) { $0 + $1.calls },
            errors: all.reduce(0) { $0 + $1.errors }, seconds: seconds, latenciesMs: all.flatMap { $0.latencies })
    }

    static func call(id: Int, _ tool: String, _ arguments: JSONObject) -> [UInt8] {
        JSONValue.object([
            "jsonrpc": "2.0", "id": .int(Int64(id)), "method": "tools/call",
            "params": ["name": .string(tool), "arguments": .object(arguments)],
        ]).canonicalBytes
    }

    static func ping(id: Int) -> [UInt8] {
        JSONValue.object(["jsonrpc": "2.0", "id": .int(Int64(id)), "method": "ping"]).canonicalBytes
    }

    static func decisionID(from body: [UInt8]) throws -> String {
        let reply = try JSONParser.parse(bytes: body)
        guard let text = reply["result"]?["content"]?.arrayValue?.first?["text"]?.stringValue,
            let id = try JSONParser.parse(text)["decision_id"]?.stringValue
        else { throw Failure(description: "decision_create failed: \(String(decoding: body, as: UTF8.self).prefix(300))") }
        return id
    }

    /// `clients` gRPC clients, each on its own HTTP/2 connection, calling `body` back to back.
    static func grpcPhase(
        name: String, port: Int, clients: Int, seconds: Double,
        _ body: @escaping @Sendable (GRPCClient<HTTP2ClientTransport.Posix>, Int, Int) async throws -> Void
    ) async throws -> Phase {
        let clock = ContinuousClock()
        let warmEnd = clock.now + .seconds(1)
        let end = warmEnd + .seconds(seconds)
        let outcomes = try await withThrowingTaskGroup(of: (Int, Int, [Double]).self) { group in
            for i in 0..<clients {
                group.addTask {
                    try await withGRPCClient(
                        transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext)
                    ) { grpc in
                        var calls = 0
                        var errors = 0
                        var latencies: [Double] = []
                        var n = 0
                        while true {
                            let before = clock.now
                            if before >= end { break }
                            var failed = false
                            do { try await body(grpc, i, n) } catch { failed = true }
                            let elapsed = before.duration(to: clock.now)
                            n += 1
                            guard before >= warmEnd else { continue }
                            calls += 1
                            if failed { errors += 1 }
                            latencies.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)
                        }
                        return (calls, errors, latencies)
                    }
                }
            }
            var all: [(Int, Int, [Double])] = []
            for try await outcome in group { all.append(outcome) }
            return all
        }
        return Phase(
            name: name, calls: outcomes.reduce(0) { $0 + $1.0 }, errors: outcomes.reduce(0) { $0 + $1.1 }, seconds: seconds,
            latenciesMs: outcomes.flatMap(\.2))
    }
}
