import ArgumentParser
import Foundation
import VigilBench
import VigilCore

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure vigil's engines on a temporary store and print the figures.",
        subcommands: [Decisions.self, Memory.self, Serve.self, TUI.self, Replay.self, Gate.self, Transfer.self])

    struct Decisions: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run N decisions of 10 events each through the engine, against raw sqlite3 inserts of the same rows.",
            discussion: "Target: the engine reaches at least 30 % of the raw rate.")
        @Option(help: "How many decisions.") var decisions = 2000
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            try runCountingBench(json: json, counting: "decisions run", text: \.text, json: \.json) { progress in
                try DecisionBench.run(decisions: decisions, progress: progress)
            }
        }
    }

    struct Replay: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Store N policy evaluations through the engine, then replay them all under new rules (policies replay).",
            discussion: "Printed beside reading the same evaluation pages alone, in the same run. Target: ≥ 50,000 evaluations replayed per second.")
        @Option(help: "How many stored evaluations.") var evaluations = 50_000
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            try runCountingBench(json: json, counting: "evaluations stored", text: \.text, json: \.json) { progress in
                try ReplayBench.run(evaluations: evaluations, progress: progress)
            }
        }
    }

    struct Transfer: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time `vigil import` and `vigil export` on N records (half decisions with traces, half memories).",
            discussion: """
                Each runs as its own process, timed with its peak RSS, beside parsing the same lines in the same run. \
                Targets at 1,000,000 records: export ≥ 50,000 records/s, import ≥ 20,000 records/s with RSS ≤ 150 MB. \
                Needs room for the file twice (about 2 GB at 1M) in $TMPDIR.
                """)
        @Option(help: "How many records.") var records = 100_000
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            guard records >= 2 else { throw ValidationError("--records must be at least 2") }
            do {
                let report = try TransferBench.run(records: records, vigilBinary: Bundle.main.executablePath ?? CommandLine.arguments[0]) {
                    FileHandle.standardError.write(Data("  \($0)\n".utf8))
                }
                print(json ? report.json.prettyText : report.text)
            } catch {
                throw failure("\(error)", .refused)
            }
        }
    }

    struct Gate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time `vigil gate claude-code` from process start to answer, against vigil on loopback, beside `vigil --version`.",
            discussion: "The allow path, N calls interleaved with N bare start-ups in the same run. Target: gate p50 ≤ 100 ms.")
        @Option(help: "How many gated calls.") var calls = 100
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            guard calls > 0 else { throw ValidationError("--calls must be positive") }
            do {
                let report = try await GateBench.run(calls: calls, vigilBinary: Bundle.main.executablePath ?? CommandLine.arguments[0]) { done in
                    FileHandle.standardError.write(Data("  \(done) of \(calls) calls\n".utf8))
                }
                print(json ? report.json.prettyText : report.text)
            } catch {
                throw failure("\(error)", .refused)
            }
        }
    }

    struct Memory: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ingest realistic memories up to each size and time Retrieve (limit 10) at each.",
            discussion: "Default sizes 100000 and 1000000 (about 2 GB of temporary disk at 1M). Target: p95 ≤ 20 ms at 1M.")
        @Option(parsing: .upToNextOption, help: "Store sizes to measure at.") var sizes: [Int] = [100_000, 1_000_000]
        @Option(help: "Task descriptors per size.") var queries = 1000
        @Option(help: ArgumentHelp("Fill and keep this new database instead of a temporary one.", valueName: "path")) var keep: String?
        @Option(help: ArgumentHelp("Only time queries on this existing database (one filled with --keep).", valueName: "path"))
        var queriesOn: String?
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            try runReporting {
                let progress: (String) -> Void = { message in FileHandle.standardError.write(Data("  \(message)\n".utf8)) }
                let report = try queriesOn.map { try MemoryBench.runQueries(path: $0, queries: queries, progress: progress) }
                    ?? MemoryBench.run(sizes: sizes, queries: queries, keepAt: keep, progress: progress)
                print(json ? report.json.prettyText : report.text)
            }
        }
    }

    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start both endpoints on loopback and load them: MCP tools/call, gRPC IngestEvent, gRPC Retrieve.",
            discussion: """
                Each phase runs CLIENTS keep-alive connections back to back for SECONDS (after 1 s of warm-up) against a \
                temporary store; Retrieve runs once the store holds RECORDS memories. The load generator shares the \
                machine with the server. Targets on 2 cores: MCP ≥ 5,000 calls/s with p99 ≤ 20 ms; IngestEvent ≥ \
                5,000/s; Retrieve p95 ≤ 20 ms.

                --phase floor runs the same load on calls that do no work (MCP ping, gRPC Health/Check): what the HTTP \
                and gRPC stacks alone cost here, to read the other figures against.

                --store postgres://… runs the same phases on PostgreSQL after SQLite, in a scratch database created \
                beside the one the URL names (the role needs CREATEDB) and dropped afterwards, and prints each phase's \
                ratio to SQLite's. --replicas N then starts N `vigil serve` processes on one scratch database and splits \
                the MCP clients between them. Targets: PostgreSQL ≥ 50 % of SQLite for decision_add_context; two \
                replicas ≥ 80 % of one; 0 errors; every chain verifies.
                """)
        @Option(help: "Concurrent clients per phase.") var clients = 16
        @Option(help: "Measured seconds per phase.") var seconds = 10.0
        @Option(help: "Memories in the store for the Retrieve phase.") var records = 100_000
        @Option(help: ArgumentHelp("Run only these phases (mcp, ingest, retrieve, floor); repeatable. Default: the first three.", valueName: "phase"))
        var phase: [String] = []
        @Option(help: ArgumentHelp(
            "Also run on PostgreSQL: a server URL whose role may create databases (a scratch one is used and dropped).",
            valueName: "url")) var store: String?
        @Option(help: "With --store: also run the MCP phase against this many `vigil serve` processes on one database (2–8).")
        var replicas = 1
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            guard clients > 0, seconds > 0, records >= 0 else {
                throw ValidationError("--clients and --seconds must be positive and --records not negative")
            }
            guard (1...8).contains(replicas) else { throw ValidationError("--replicas must be between 1 and 8") }
            if replicas > 1, store == nil { throw ValidationError("--replicas needs --store postgres://…") }
            if let store, !store.hasPrefix("postgres://"), !store.hasPrefix("postgresql://") {
                throw ValidationError("--store takes a postgres:// URL (the SQLite run is always there)")
            }
            var only = ServeBench.PhaseKind.standard
            if !phase.isEmpty {
                only = []
                for name in phase {
                    guard let kind = ServeBench.PhaseKind(rawValue: name) else {
                        throw ValidationError("unknown phase '\(name)'; expected mcp, ingest, retrieve or floor")
                    }
                    only.insert(kind)
                }
            }
            let progress: @Sendable (String) -> Void = { message in FileHandle.standardError.write(Data("  \(message)\n".utf8)) }
            do {
                if let store {
                    let comparison = try await ServeBench.compare(
                        clients: clients, seconds: seconds, records: records, only: only,
                        stores: [.sqlite, .postgres(serverURL: store)], replicas: replicas,
                        vigilBinary: Bundle.main.executablePath ?? CommandLine.arguments[0], progress: progress)
                    print(json ? comparison.json.prettyText : comparison.text)
                } else if only.contains(.mcp) || only.contains(.ingest) {
                    // The write phases also under durability "fast", first, so the report shows what FULL costs.
                    progress("— SQLite, durability fast (synchronous = NORMAL) —")
                    let fast = try await ServeBench.run(
                        clients: clients, seconds: seconds, records: records, only: only.intersection([.mcp, .ingest]), store: .sqliteFast,
                        progress: progress)
                    progress("— SQLite, durability full (synchronous = FULL, the default) —")
                    let full = try await ServeBench.run(clients: clients, seconds: seconds, records: records, only: only, progress: progress)
                    let comparison = ServeBench.Comparison(runs: [(BenchStore.sqliteFast.label, fast), (BenchStore.sqlite.label, full)])
                    print(json ? comparison.json.prettyText : comparison.text)
                } else {
                    let report = try await ServeBench.run(clients: clients, seconds: seconds, records: records, only: only, progress: progress)
                    print(json ? report.json.prettyText : report.text)
                }
            } catch let error as StoreError {
                throw failure(error.description, CLIError.status(error))
            } catch {
                throw failure("\(error)", .refused)
            }
        }
    }

    struct TUI: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "tui",
            abstract: "Build the dashboard's frames headlessly against a big store and print frame times and RSS.",
            discussion: """
                A frame is a key through the reducer, the store queries it asks for, and a render at 200×50. Defaults: \
                1,000,000 decisions and 1,000,000 memories (several minutes to fill; --keep PATH reuses a filled \
                store). Target: p99 ≤ 5 ms per frame, RSS ≤ 100 MB.
                """)
        @Option(help: "Decisions in the store.") var decisions = 1_000_000
        @Option(help: "Memories in the store.") var memories = 1_000_000
        @Option(help: ArgumentHelp("Fill and keep this database (or reuse it when already filled).", valueName: "path")) var keep: String?
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            try runReporting {
                let report = try TUIBench.run(decisions: decisions, memories: memories, keep: keep) { message in
                    FileHandle.standardError.write(Data("  \(message)\n".utf8))
                }
                print(json ? report.json.prettyText : report.text)
            }
        }
    }
}

/// Runs a bench that reports how far it got as a count: the count on one rewritten stderr line (not with --json),
/// the line cleared at the end, then the report as text or JSON.
private func runCountingBench<Report>(
    json: Bool, counting noun: String, text: (Report) -> String, json jsonValue: (Report) -> JSONValue,
    _ body: ((Int) -> Void) throws -> Report
) throws {
    // The running count is for a person at a terminal; piped or logged, it would be a wall of carriage returns.
    let live = !json && isatty(STDERR_FILENO) == 1
    try runReporting {
        let report = try body { done in
            if live { FileHandle.standardError.write(Data("\r  \(done) \(noun)…".utf8)) }
        }
        if live { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        print(json ? jsonValue(report).prettyText : text(report))
    }
}
