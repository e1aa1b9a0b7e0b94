import Foundation
import Synchronization
import Testing
import VigilCore
import VigilStoreSQLite
import VigilTestSupport

/// `vigil backup` and `vigil restore`, the real binary on real SQLite files.
@Suite("vigil backup and restore", .enabled(if: VigilProcess.isAvailable))
struct BackupTests {
    /// Decisions with traces, approvals, product writes and a memory, so every kind of row is in the copy.
    func filledStore() throws -> DecisionFixture {
        let f = try DecisionFixture(store: .sqlite, now: Date())
        for i in 0..<20 { try Self.commitOne(f, i) }
        _ = try f.call("decision_request_approval", ["decision_id": .string(try f.open())])
        var event = IngestEventRequest()
        event.source = "t"; event.eventKind = "note"; event.ref = "backup-test"; event.summary = "backup canary memory"
        _ = try MemoryEngine(store: f.store, clock: f.clock).ingestEvent(event)
        return f
    }

    static func commitOne(_ f: DecisionFixture, _ i: Int) throws {
        let id = try f.open()
        try f.call("decision_add_context", ["decision_id": .string(id), "context": ["seen": .string("order \(i)")]])
        try f.call("decision_write", [
            "decision_id": .string(id), "product": "orders_insert", "purpose": "order_support",
            "mutation": ["data": ["customer_id": .string("c\(i)"), "amount": .double(Double(i) + 0.5)]],
        ])
        try f.call("decision_close", ["decision_id": .string(id), "action": "commit"])
    }

    @Test("a backup taken while an agent writes is sound: integrity ok, every chain verifies, the writer was never held off")
    func backupUnderLoad() async throws {
        let home = try TemporaryDirectory()
        let f = try filledStore()
        // Over 1,024 pages (4 MiB), so the copy takes several steps while the writer commits between them.
        let filler = String(repeating: "pallet manifest line; ", count: 1000)
        for i in 0..<420 {
            let id = try f.open()
            try f.call("decision_add_context", ["decision_id": .string(id), "context": ["manifest": .string("\(i) \(filler)")]])
            try f.call("decision_close", ["decision_id": .string(id), "action": "commit"])
        }
        // The agent keeps committing decisions, each a handful of trace events, until the backup is done.
        let committed = Atomic<Int>(0)
        let stop = Atomic<Bool>(false)
        let writer = Thread {
            var i = 1000
            while !stop.load(ordering: .relaxed) {
                do { try Self.commitOne(f, i) } catch { Issue.record("the writer failed: \(error)"); return }
                committed.add(1, ordering: .relaxed)
                i += 1
            }
        }
        writer.start()
        defer { stop.store(true, ordering: .relaxed) }
        #expect(await waitUntil(timeout: 20) { committed.load(ordering: .relaxed) >= 5 })

        let copy = home.file("copy.db")
        let before = committed.load(ordering: .relaxed)
        let run = try await VigilProcess.run(["backup", copy, "--db", f.databasePath, "--json"], home: home.path)
        let after = committed.load(ordering: .relaxed)
        stop.store(true, ordering: .relaxed)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(after > before, "the writer made no progress while the backup ran")
        let report = try JSONParser.parse(run.stdout)
        #expect(report["path"]?.stringValue == copy)
        #expect((report["decisions"]?.integerValue ?? 0) >= Int64(441 + before), "\(report)")
        #expect((report["bytes"]?.integerValue ?? 0) > 4_194_304, "\(report)")
        #expect(report["memories"] == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: home.path).filter { $0.contains(".partial-") }.isEmpty)

        // Checked afresh, not by the command's word: SQLite's integrity check, and every chain in the copy.
        let summary = try SQLiteStore.inspect(copy)
        #expect(summary.decisions == Int(report["decisions"]?.integerValue ?? -1))
        let verify = try await VigilProcess.run(["decisions", "verify", "--all", "--db", copy, "--json"], home: home.path)
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        let chains = try JSONParser.parse(verify.stdout)
        #expect(chains["verified"]?.integerValue == Int64(summary.decisions) && chains["broken"] == 0, "\(chains)")

        // A backup never overwrites, and says so.
        let again = try await VigilProcess.run(["backup", copy, "--db", f.databasePath], home: home.path)
        #expect(again.status != 0)
        #expect(again.stderr.contains("already exists"), "\(again.stderr)")
    }

    @Test("restore puts a backup back: into a new file, and over a store only with --force; a broken or foreign file is refused untouched")
    func restore() async throws {
        let home = try TemporaryDirectory()
        let f = try filledStore()
        let copy = home.file("copy.db")
        let backup = try await VigilProcess.run(["backup", copy, "--db", f.databasePath], home: home.path)
        #expect(backup.status == 0, "\(backup.stderr)")
        #expect(backup.stdout.contains("21 decisions"), "\(backup.stdout)")

        // Into a new file: the same decisions, approvals and memories, the chains intact.
        let fresh = home.file("fresh/vigil.db")
        let restored = try await VigilProcess.run(["restore", copy, "--db", fresh, "--json"], home: home.path)
        #expect(restored.status == 0, "\(restored.stderr)")
        #expect(try JSONParser.parse(restored.stdout)["decisions"] == 21)
        let pending = try await VigilProcess.run(["approvals", "list", "--db", fresh, "--json"], home: home.path)
        #expect(try JSONParser.parse(pending.stdout)["total"] == 1, "\(pending.stdout)")
        let verify = try await VigilProcess.run(["decisions", "verify", "--all", "--db", fresh, "--json"], home: home.path)
        #expect(try JSONParser.parse(verify.stdout)["verified"] == 21, "\(verify.stdout)")

        // Over a store with data: refused without --force, nothing changed; with --force the backup's state returns.
        try Self.commitOne(f, 99)
        let original = try f.store.snapshot()
        let refused = try await VigilProcess.run(["restore", copy, "--db", f.databasePath], home: home.path)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("--force") && refused.stderr.contains("22 decisions"), "\(refused.stderr)")
        #expect(try f.store.snapshot() == original)
        let forced = try await VigilProcess.run(["restore", copy, "--db", f.databasePath, "--force", "--json"], home: home.path)
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(try SQLiteStore.inspect(f.databasePath).decisions == 21)

        // Not a store, damaged, or missing: a clear error, the target untouched.
        let target = try f.store.snapshot()
        let text = home.file("notes.db")
        try "not a database at all, just some text that is long enough to look like a file".write(toFile: text, atomically: true, encoding: .utf8)
        let foreign = try await VigilProcess.run(["restore", text, "--db", f.databasePath, "--force"], home: home.path)
        #expect(foreign.status != 0 && foreign.stderr.contains("not a vigil store"), "\(foreign.stderr)")
        var damaged = try Data(contentsOf: URL(fileURLWithPath: copy))
        for offset in stride(from: 8192, to: min(damaged.count, 40960), by: 97) { damaged[offset] ^= 0x5A }
        let broken = home.file("broken.db")
        try damaged.write(to: URL(fileURLWithPath: broken))
        let corrupt = try await VigilProcess.run(["restore", broken, "--db", f.databasePath, "--force"], home: home.path)
        #expect(corrupt.status != 0, "\(corrupt.stdout)")
        #expect(corrupt.stderr.contains("integrity") || corrupt.stderr.contains("malformed") || corrupt.stderr.contains("corrupt"),
                "\(corrupt.stderr)")
        let missing = try await VigilProcess.run(["restore", home.file("nope.db"), "--db", f.databasePath, "--force"], home: home.path)
        #expect(missing.status != 0 && missing.stderr.contains("no such file"), "\(missing.stderr)")
        #expect(try f.store.snapshot() == target)
    }

    @Test("a PostgreSQL store is pointed at its own tools")
    func postgresIsRefused() async throws {
        let home = try TemporaryDirectory()
        let run = try await VigilProcess.run(
            ["backup", home.file("x.db"), "--store", "postgres://vigil:s3cret-pw@127.0.0.1:1/vigil"], home: home.path)
        #expect(run.status == 2)
        #expect(run.stderr.contains("pg_dump"), "\(run.stderr)")
        #expect(!run.stderr.contains("s3cret-pw"))
        #expect(!FileManager.default.fileExists(atPath: home.file("x.db")))
    }
}
