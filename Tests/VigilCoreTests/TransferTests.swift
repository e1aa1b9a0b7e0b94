import Foundation
import Testing
import VigilCore
import VigilTestSupport

/// `vigil export` / `vigil import`: JSON Lines out of one store and into any other, byte for byte.
@Suite("Export and import")
struct TransferTests {
    /// A store with every kind of row an export carries.
    func source() throws -> DecisionFixture {
        let f = try DecisionFixture(store: .sqlite, now: Date(timeIntervalSince1970: 1_767_780_000.123457))
        for i in 0..<4 {
            let id = try f.open()
            try f.call("decision_add_context", ["decision_id": .string(id), "context": ["customer": ["contact": .string("c\(i)@example.org")]]])
            try f.call("decision_read", ["decision_id": .string(id), "product": "orders_read_v1", "purpose": "order_support"])
            try f.call("decision_write", [
                "decision_id": .string(id), "product": "orders_insert", "purpose": "order_support", "idempotency_key": .string("k\(i)"),
                "mutation": ["data": ["customer_id": .string("c\(i)"), "amount": .double(Double(i) + 0.25)]],
            ])
            if i == 0 {
                let approval = try f.call("decision_request_approval", ["decision_id": .string(id)])["approval_id"]!
                try f.callAsOperator("operator_approval_resolve", ["approval_id": approval, "resolution": "approve"])
            }
            try f.call("decision_close", ["decision_id": .string(id), "action": i == 3 ? "abort" : "commit"])
            if i == 1 { try f.engine.redact(decisionID: id, seq: 2, path: "$.context.customer.contact", rationale: "asked", by: "op_o") }
        }
        _ = try f.call("decision_request_approval", ["decision_id": .string(try f.open())])
        let memory = MemoryEngine(store: f.store, clock: f.clock)
        var event = IngestEventRequest()
        event.source = "t"; event.eventKind = "note"; event.ref = "m1"; event.summary = "a walrus was seen \u{2014} na\u{EF}ve \"quoted\"\ttab \u{1D11E} \u{1}"
        let record = try memory.ingestEvent(event)
        try memory.reinforce(id: record.id, by: RevisionActor(actor: "curator", rationale: "useful"))
        return f
    }

    static func export(_ store: DecisionFixture, kind: ExportKind = .all) throws -> [String] {
        var lines: [String] = []
        _ = try StoreTransfer.export(from: store.store, kind: kind, since: nil, emit: { lines.append(String(decoding: $0, as: UTF8.self)) })
        return lines
    }

    static func load(_ lines: [String], into target: DecisionFixture) throws -> StoreTransfer.Counts {
        let parsed = try lines.enumerated().map { try StoreTransfer.parse($0.element, number: $0.offset + 1) }
        return try StoreTransfer.load(parsed, into: target.store)
    }

    @Test("export → import into an empty store → export again gives the same bytes; every chain and receipt verifies; twice adds nothing",
          arguments: TestStore.all)
    func roundTrip(store: TestStore) throws {
        let f = try source()
        let lines = try Self.export(f)
        #expect(lines.filter { $0.contains(#""kind":"decision""#) }.count == 5)
        #expect(lines.filter { $0.contains(#""kind":"memory""#) }.count == 1)
        // Sorted keys, no spaces: JCS but for integers, which keep every digit.
        #expect(lines.allSatisfy { line in (try? JSONParser.parse(line)).map { StoreTransfer.sortedText($0) == line } ?? false })
        let memoryLine = try #require(lines.first { $0.contains(#""kind":"memory""#) })
        let createdAt = try #require(try JSONParser.parse(memoryLine)["record"]?["created_at"]?.integerValue)
        // Integers past 2^53 keep every digit (JCS alone would print the nearest double).
        let exact = StoreTransfer.line("tombstone", [("row", .row(.memoryTombstones, [.text("m"), .text("episodic"), .integer(1_796_620_900_137_235_123), .text("r")]))])
        let reread = try JSONParser.parse(exact)
        #expect(exact.contains("1796620900137235123") && reread["row"]?["pruned_at"]?.integerValue == 1_796_620_900_137_235_123)
        for value: Int64 in [0, -7, 10, Int64.min, Int64.max] {
            let text = StoreTransfer.line("t", [("row", .row(.memoryTombstones, [.text("m"), .text("e"), .integer(value), .text("r")]))])
            #expect(text.contains(#""pruned_at":\#(value),"#), "\(text)")
        }

        let target = try DecisionFixture(store: store)
        let loaded = try Self.load(lines, into: target)
        #expect(loaded.decisions == 5 && loaded.memories == 1 && loaded.receiptKeys == 1, "\(loaded)")
        #expect(try Self.export(target) == lines)
        let recordID = try #require(try JSONParser.parse(memoryLine)["record"]?["id"]?.stringValue)
        let record = try #require(try MemoryEngine(store: target.store).record(recordID))
        #expect(record.createdAt == createdAt, "a nanosecond time arrives exactly")
        var search = RetrieveRequest()
        search.taskDescriptor = "walrus"
        search.trust = TrustContextRequest(maxSensitivity: "hyper")
        #expect(try MemoryEngine(store: target.store).retrieve(search).records.map(\.record.id) == [recordID], "its search document came along")
        let (verified, broken) = try DecisionEngine.verifyAllChains(in: target.store)
        #expect(verified == 5 && broken.isEmpty)
        let committed = try f.store.read { tx in try tx.closedDecisions(before: "9999", limit: 10) }.first!
        let receipt = JSONValue.object(try f.call("decision_receipt", ["decision_id": .string(committed)]))
        #expect(try target.engine.verifyReceipt(receipt).isIntact)
        #expect(try target.engine.verifyChain(decisionID: try #require(lines.compactMap { try? JSONParser.parse($0) }
            .first { !($0["redactions"]?.arrayValue ?? []).isEmpty }?["decision"]?["decision_id"]?.stringValue)).redactions.count == 1)

        let again = try Self.load(lines, into: target)
        #expect(again.total == 0 && again.skipped == lines.count)
        #expect(try Self.export(target) == lines)
    }

    @Test("--kind and --since choose what is written")
    func kinds() throws {
        let f = try source()
        #expect(try Self.export(f, kind: .memories).count == 1)
        #expect(try Self.export(f, kind: .approvals).count == 2)
        #expect(try Self.export(f, kind: .decisions).count == 6)
        var lines: [String] = []
        _ = try StoreTransfer.export(from: f.store, kind: .all, since: f.clock.now().addingTimeInterval(60), emit: { lines.append(String(decoding: $0, as: UTF8.self)) })
        #expect(lines.isEmpty)
    }

    @Test("a file is checked in parallel parts (a refusal names its line in the whole file, and nothing is opened), then loaded while it is read",
          arguments: TestStore.all)
    func importFile(store: TestStore) throws {
        let lines = try Self.export(try source())
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-import-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func file(_ lines: [String], _ name: String) throws -> String {
            let path = directory.appendingPathComponent(name).path
            try Data(lines.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: path))
            return path
        }
        // Three copies and a blank line: every line a part reads is numbered as in the whole file.
        let bad = try file(lines + [""] + lines + ["{\"v\":1,\"kind\":\"memory\",\"record\":{}}"] + lines, "bad.jsonl")
        var opened = false
        for workers in [1, 2, 4] {
            #expect(throws: ImportError.malformed(line: 2 * lines.count + 2, reason: #"record has no "id""#)) {
                _ = try StoreTransfer.importFile(path: bad, into: { opened = true; return try DecisionFixture(store: store).store }, workers: workers)
            }
        }
        #expect(!opened, "a refused file never opens the store")

        let target = try DecisionFixture(store: store)
        var steps: [StoreTransfer.ImportProgress] = []
        let counts = try StoreTransfer.importFile(path: try file(lines + [""] + lines, "good.jsonl"), into: { target.store }, workers: 3) { steps.append($0) }
        #expect(counts.total == lines.count && counts.skipped == lines.count, "\(counts)")
        #expect((target.store.usage().logBytes ?? 0) == 0, "the import leaves no log for the next opener to read through")
        #expect(try Self.export(target) == lines)
        guard case .loaded(let done, let total)? = steps.last else { Issue.record("\(steps)"); return }
        #expect(done == 2 * lines.count + 1 && total == done)
    }

    @Test("a batch of hundreds of lines loads whole (on PostgreSQL, several pipelines in one transaction); one bad row in it fails all of it",
          arguments: TestStore.all)
    func bigBatch(store: TestStore) throws {
        let lines = try Self.export(try source())
        let memoryLine = try #require(lines.first { $0.contains(#""kind":"memory""#) })
        let recordID = try StoreTransfer.parseGenerally(memoryLine, number: 1).id
        let memories = (0..<600).map { _ in memoryLine.replacingOccurrences(of: recordID, with: UUID().uuidString.lowercased()) }
        let target = try DecisionFixture(store: store)
        let before = try target.store.snapshot()
        // Two decisions that differ only in their id: the second's events repeat the first's event ids, which the
        // store refuses, after every memory line has been sent.
        let decisionLine = try #require(lines.first { $0.contains(#""kind":"decision""#) })
        let decisionID = try StoreTransfer.parseGenerally(decisionLine, number: 1).id
        let twin = decisionLine.replacingOccurrences(of: decisionID, with: "TMEM_01TWINTWINTWINTWINTWINTW")
        #expect(throws: (any Error).self) { _ = try Self.load(memories + [decisionLine, twin], into: target) }
        #expect(try target.store.snapshot() == before, "nothing of the failed batch is stored")

        let counts = try Self.load(memories, into: target)
        #expect(counts.memories == 600)
        #expect(try Self.export(target, kind: .memories).count == 600)
    }

    @Test("the fast reader of export lines reads exactly what the general parser reads, and leaves it anything else")
    func fastReader() throws {
        func read(_ line: String) -> String {
            var line = line
            return line.withUTF8 { ExportLineDecoder.decode($0) }.map(Self.describe) ?? "nil"
        }
        func check(_ line: String) -> Bool {
            var line = line
            return line.withUTF8 { ExportLineDecoder.check($0) }
        }
        func general(_ line: String) -> String {
            do { return Self.describe(try StoreTransfer.parseGenerally(line, number: 1)) } catch { return "\(error)" }
        }
        let lines = try Self.export(try source())
        for line in lines {
            #expect(read(line) != "nil", "vigil's own line takes the fast way: \(line.prefix(80))")
            #expect(read(line) == general(line))
            #expect(check(line), "the first pass takes it too")
        }
        // Strings with every kind of escape, and characters beyond ASCII, arrive intact.
        let memoryLine = try #require(lines.first { $0.contains(#""kind":"memory""#) })
        let parsed = try StoreTransfer.parseGenerally(memoryLine, number: 1)
        var record = parsed.rows[0].rows[0]
        let scope = try #require(CopyTable.memoryRecords.columns.firstIndex { $0.name == "scope" })
        record[scope] = .text("tab\t quote\" back\\ nul\u{0} bell\u{7} é 𝄞 \u{2028} end")
        let fields: [(String, StoreTransfer.Field)] = [("record", .row(.memoryRecords, record))]
            + zip(StoreTransfer.memoryChildren, parsed.rows.dropFirst()).map { ($0.field, .rows($0.table, $1.rows)) }
        let escaped = StoreTransfer.line("memory", fields)
        var escapedLine = escaped
        let decoded = try #require(escapedLine.withUTF8 { ExportLineDecoder.decode($0) })
        #expect(escaped.contains(#"\u0000"#) && decoded.rows[0].rows[0][scope] == record[scope])
        #expect(read(escaped) == general(escaped) && check(escaped))
        // What vigil does not write is the general parser's to read or refuse, with the same outcome.
        let others = [
            memoryLine.replacingOccurrences(of: ",", with: ", "),
            memoryLine.replacingOccurrences(of: #"{"audit""#, with: #"{"zzz":1,"audit""#),
            memoryLine.replacingOccurrences(of: #""v":1"#, with: #""v":1,"v":1"#),
            memoryLine.replacingOccurrences(of: #""confidence":"#, with: #""confidence":"0.5","x":"#),
            memoryLine.replacingOccurrences(of: #""live":1"#, with: #""live":1.5"#),
            memoryLine.replacingOccurrences(of: #""live":1"#, with: #""live":true"#),
            memoryLine.replacingOccurrences(of: #""kind":"memory""#, with: #""kind":"decision""#),
            String(memoryLine.dropLast()),
            memoryLine.replacingOccurrences(of: #""scope":""#, with: #""scope":"\ud800"#),
            memoryLine.replacingOccurrences(of: #""scope":""#, with: #""scope":"\q"#),
            memoryLine.replacingOccurrences(of: #""scope":""#, with: "\"scope\":\"\u{1}"),
            memoryLine.replacingOccurrences(of: "\"id\":\"\(parsed.id)\"", with: #""id":"""#),
            memoryLine.replacingOccurrences(of: "\"id\":\"\(parsed.id)\"", with: #""id":null"#),
            memoryLine.replacingOccurrences(of: #""kind":"memory""#, with: #""kind":"memories""#),
        ]
        for other in others {
            #expect(other != memoryLine)
            #expect(read(other) == "nil" || read(other) == general(other), "\(other.prefix(120))")
            #expect(check(other) == (read(other) != "nil"), "the first pass agrees: \(other.prefix(120))")
            let outcome: String
            do { outcome = Self.describe(try StoreTransfer.parse(other, number: 1)) } catch { outcome = "\(error)" }
            #expect(outcome == general(other))
        }
    }

    @Test("a receipt's key id is found as vigil writes it, and by parsing otherwise")
    func receiptKeyID() {
        #expect(StoreTransfer.receiptKeyID(#"{"algorithm":"Ed25519","key_id":"rk_1","sig":"x"}"#) == "rk_1")
        #expect(StoreTransfer.receiptKeyID(#"{"key_id" : "rk_2"}"#) == "rk_2")
        #expect(StoreTransfer.receiptKeyID(#"{"key_id":"rk_\u0033"}"#) == "rk_3")
        #expect(StoreTransfer.receiptKeyID(#"{"algorithm":"Ed25519"}"#) == nil)
        #expect(StoreTransfer.receiptKeyID("") == nil)
    }

    static func describe(_ line: StoreTransfer.ParsedLine) -> String {
        "\(line.kind) \(line.id) " + line.rows.map { "\($0.table.name)=\($0.rows)" }.joined(separator: " ")
    }

    @Test("a line that cannot be read is refused with its number and what is wrong", arguments: [
        ("not json", "line 3: not JSON"),
        (#"[1,2]"#, "line 3: not a JSON object"),
        (#"{"kind":"memory"}"#, #"line 3: no "v" (the format version)"#),
        (#"{"kind":"memory","v":2}"#, "line 3: format version 2 is not one this vigil reads (it reads 1)"),
        (#"{"kind":"spell","v":1}"#, #"line 3: unknown kind "spell""#),
        (#"{"kind":"memory","v":1,"record":{"id":"x"}}"#, #"line 3: record has no "#),
    ])
    func refused(line: String, message: String) throws {
        let f = try source()
        var lines = try Self.export(f)
        lines.insert(line, at: 2)
        let target = try DecisionFixture(store: .sqlite)
        let before = try target.store.snapshot()
        do {
            _ = try Self.load(lines, into: target)
            Issue.record("the line was accepted")
        } catch let error as ImportError {
            #expect(error.description.hasPrefix(message), "\(error.description)")
            #expect(error.description.hasSuffix("nothing was imported"))
        }
        #expect(try target.store.snapshot() == before)
    }
}
