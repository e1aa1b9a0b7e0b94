import Foundation
import Testing
import VigilCore
import VigilStoreSQLite
import VigilTestSupport

/// `vigil memory erase`: a record and what was derived from it go for good; a tombstone says who, when and why.
@Suite("Memory erasure")
struct ErasureTests {
    /// Every byte of the store's files (the database and its write-ahead log).
    static func fileBytes(_ path: String) -> Data {
        var data = Data()
        for suffix in ["", "-wal"] { data.append((try? Data(contentsOf: URL(fileURLWithPath: path + suffix))) ?? Data()) }
        return data
    }

    @Test("the record and its derived copies go; the canary is in no table and, on SQLite, nowhere in the file's bytes",
          arguments: TestStore.all)
    func erase(store: TestStore) throws {
        let f = try MemoryFixture(store: store)
        let canary = "CANARY-\(UUID().uuidString)"
        let source = try f.observation("customer", "email", .string(canary))
        f.advance(1)
        let derived = try f.engine.merge(
            ids: [source.id],
            mergedRecord: MemoryFixture.suppliedRecord(payload: [
                "kind": "semantic", "subject": "customer", "predicate": "reachable_at", "object": .string("mail to \(canary)"),
                "validity": ["mode": "global"],
                "evidence": [["source_type": "observation", "source_id": .string(source.id), "timestamp": "2026-01-01T00:00:00Z"]],
            ]),
            by: RevisionActor(actor: "curator", rationale: "merge"))
        let other = try f.observation("db", "uses", "postgres")
        #expect(try f.store.snapshot().contains(canary))
        if store == .sqlite { #expect(Self.fileBytes(f.store.location).range(of: Data(canary.utf8)) != nil, "the canary should be on disk first") }

        let erased = try f.engine.erase(id: source.id, by: RevisionActor(actor: "alice", rationale: "request #4411"))
        #expect(erased == [source.id, derived.id])
        #expect(try f.engine.record(source.id) == nil && f.engine.record(derived.id) == nil)
        #expect(try f.engine.record(other.id) != nil)
        let tombstone = try #require(try f.engine.tombstone(source.id))
        #expect(tombstone.reason == "erased by alice: request #4411")
        #expect(try f.engine.tombstone(derived.id)?.reason.contains("from which it was derived") == true)
        #expect(!(try f.store.snapshot()).contains(canary))
        if store == .sqlite {
            #expect(Self.fileBytes(f.store.location).range(of: Data(canary.utf8)) == nil, "the canary is still in the file's bytes")
        }

        // Unknown, already erased, or without a reason: refused, nothing changes.
        let before = try f.store.snapshot()
        #expect(throws: MemoryError.notFound("record \(source.id) not found")) {
            try f.engine.erase(id: source.id, by: RevisionActor(actor: "alice", rationale: "again"))
        }
        #expect(throws: MemoryError.self) { try f.engine.erase(id: other.id, by: RevisionActor(actor: "alice", rationale: "")) }
        #expect(try f.store.snapshot() == before)
    }
}
