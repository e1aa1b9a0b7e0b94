import Foundation
import Testing
import VigilCore
import VigilTestSupport

/// Options with a fixed set of values are checked by the parser, listed by `--help`, and refused with exit 64.
@Suite("Command-line choices", .enabled(if: VigilProcess.isAvailable))
struct ChoiceTests {
    @Test("a value outside a choice is a usage error (64) naming every choice; no store is created",
          arguments: [
            (["memory", "search", "x", "--max-sensitivity", "secret"], ["public", "low", "medium", "high", "hyper"]),
            (["memory", "search", "x", "--type", "dreams"], ["episodic", "plan_graph"]),
            (["memory", "ingest", "dream"], ["event", "tool", "observation", "outcome", "working"]),
            (["memory", "ingest", "event", "--sensitivity", "secret"], ["hyper"]),
            (["approvals", "list", "--status", "maybe"], ["pending", "approved", "rejected", "expired"]),
            (["decisions", "list", "--status", "done"], ["needs_approval", "committed"]),
            (["--color", "purple"], ["auto", "never", "16", "256"]),
            (["demo", "--headless", "--color", "purple"], ["auto", "never", "16", "256"]),
          ])
    func refused(arguments: [String], listed: [String]) async throws {
        let home = try TemporaryDirectory()
        let db = home.file("vigil.db")
        let run = try await VigilProcess.run(arguments + ["--db", db], home: home.path)
        #expect(run.status == 64, "\(arguments): \(run.stderr)")
        for value in listed { #expect(run.stderr.contains(value), "\(arguments): \(run.stderr)") }
        #expect(!FileManager.default.fileExists(atPath: db), "a refused command line must not create a store")
    }

    @Test("--help lists each choice's values")
    func help() async throws {
        let home = try TemporaryDirectory()
        let search = try await VigilProcess.run(["memory", "search", "--help"], home: home.path)
        #expect(search.stdout.contains("public") && search.stdout.contains("hyper") && search.stdout.contains("plan_graph"), "\(search.stdout)")
        let dashboard = try await VigilProcess.run(["dashboard", "--help"], home: home.path)
        #expect(dashboard.stdout.contains("auto") && dashboard.stdout.contains("256"), "\(dashboard.stdout)")
        let demo = try await VigilProcess.run(["demo", "--help"], home: home.path)
        for option in ["--operator", "--theme", "--color", "--mcp", "--grpc"] {
            #expect(demo.stdout.contains(option) && dashboard.stdout.contains(option), "\(option) is shared by the dashboard and the demo")
        }
    }
}
