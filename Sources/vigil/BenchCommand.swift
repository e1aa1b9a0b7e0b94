import ArgumentParser
import Foundation
import VigilBench
import VigilCore

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure vigil's engines on a temporary store and print the figures.",
        subcommands: [Decisions.self, Memory.self])

    struct Decisions: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run N decisions of 10 events each through the engine, against raw sqlite3 inserts of the same rows.",
            discussion: "Target: the engine reaches at least 30 % of the raw rate.")
        @Option(help: "How many decisions.") var decisions = 2000
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            try runReporting {
                let report = try DecisionBench.run(decisions: decisions) { done in
                    if !json { FileHandle.standardError.write(Data("\r  \(done)…".utf8)) }
                }
                if !json { FileHandle.standardError.write(Data("\r".utf8)) }
                print(json ? report.json.prettyText : report.text)
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
}
