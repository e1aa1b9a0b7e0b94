import ArgumentParser
import Foundation
import VigilBench
import VigilCore

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure vigil's engines on a temporary store and print the figures.",
        subcommands: [Decisions.self])

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
}
