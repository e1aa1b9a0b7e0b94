import Foundation
import VigilCore
import VigilStoreSQLite

#if canImport(Glibc)
import Glibc
#endif

/// `vigil bench transfer`: `vigil import` and `vigil export`, the real binary, on N records.
///
/// Writes an export file of N records (half decisions, each with a trace of five events, an approval-free receipt and
/// a buffered write; half memories with their audit entries), made from a real store's export with fresh ids, in the
/// order an export writes them. Then times `vigil import` into an empty SQLite store and `vigil export` of that store,
/// each as its own process with its peak RSS (`wait4`), and checks the export is the input, byte for byte. The baseline,
/// in the same run, is parsing the same lines as JSON in this process: what any reader of the file pays.
public enum TransferBench {
    public struct Report: Sendable {
        public var records: Int
        public var fileBytes: Int
        public var parseSeconds: Double
        public var importSeconds: Double
        public var importPeakRSSMB: Double
        public var exportSeconds: Double
        public var exportPeakRSSMB: Double
        public var identical: Bool

        func rate(_ seconds: Double) -> Double { Double(records) / seconds }

        public var text: String {
            """
            transfer bench: \(records) records (\(String(format: "%.0f", Double(fileBytes) / 1_000_000)) MB of JSON Lines)
              export   \(String(format: "%9.0f", rate(exportSeconds))) records/s  (\(String(format: "%.1f", exportSeconds)) s, peak RSS \(String(format: "%.0f", exportPeakRSSMB)) MB; target ≥ 50,000/s)
              import   \(String(format: "%9.0f", rate(importSeconds))) records/s  (\(String(format: "%.1f", importSeconds)) s, peak RSS \(String(format: "%.0f", importPeakRSSMB)) MB; target ≥ 20,000/s, RSS ≤ 150 MB)
              parse    \(String(format: "%9.0f", rate(parseSeconds))) records/s  (the baseline: the same lines parsed as JSON, nothing stored)
              round trip: the export \(identical ? "is" : "is NOT") the imported file, byte for byte
            """
        }

        public var json: JSONValue {
            [
                "records": .int(Int64(records)), "file_bytes": .int(Int64(fileBytes)),
                "export_per_second": .double(rate(exportSeconds).rounded()), "export_peak_rss_mb": .double(exportPeakRSSMB.rounded()),
                "import_per_second": .double(rate(importSeconds).rounded()), "import_peak_rss_mb": .double(importPeakRSSMB.rounded()),
                "parse_per_second": .double(rate(parseSeconds).rounded()), "round_trip_identical": .bool(identical),
                "targets": ["export_per_second": 50000, "import_per_second": 20000, "import_peak_rss_mb": 150],
            ]
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public static func run(records: Int, vigilBinary: String, progress: (String) -> Void = { _ in }) throws -> Report {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-transferbench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("in.jsonl").path

        progress("writing \(records) records")
        let fileBytes = try writeInput(records: records, to: input, scratch: directory.appendingPathComponent("template.db").path)

        // Each timed phase starts with nothing left to write back from the one before (the input file, the imported
        // store): otherwise the disk's catching up lands on whichever phase comes next.
        sync()
        progress("parsing them (the baseline)")
        let parseStart = DispatchTime.now()
        var parsed = 0
        try LineReader.forEach(path: input) { _, line in
            _ = try JSONParser.parse(line)
            parsed += 1
        }
        let parseSeconds = seconds(since: parseStart)

        let environment = [
            "HOME": directory.path, "XDG_CONFIG_HOME": directory.path + "/config", "XDG_DATA_HOME": directory.path + "/data",
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
        ]
        // Its own folder, so it gets its own signing key rather than the template's.
        let db = directory.appendingPathComponent("target/bench.db").path
        sync()
        progress("vigil import")
        let imported = try measured(vigilBinary, ["import", input, "--db", db], environment: environment, log: directory.path + "/import.log")
        let output = directory.appendingPathComponent("out.jsonl").path
        sync()
        progress("vigil export")
        let exported = try measured(vigilBinary, ["export", "--db", db, "--output", output], environment: environment, log: directory.path + "/export.log")
        let identical = FileManager.default.contentsEqual(atPath: input, andPath: output)
        // VIGIL_BENCH_KEEP=1 keeps the files (in $TMPDIR/vigil-transferbench-kept) to profile or compare them.
        if ProcessInfo.processInfo.environment["VIGIL_BENCH_KEEP"] != nil {
            let kept = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-transferbench-kept").path
            try? FileManager.default.removeItem(atPath: kept)
            try? FileManager.default.copyItem(atPath: directory.path, toPath: kept)
        }
        return Report(
            records: records, fileBytes: fileBytes, parseSeconds: parseSeconds, importSeconds: imported.seconds,
            importPeakRSSMB: imported.peakRSSMB, exportSeconds: exported.seconds, exportPeakRSSMB: exported.peakRSSMB, identical: identical)
    }

    /// The input file: a real store's decision and memory lines, repeated with fresh ids that sort in writing order.
    static func writeInput(records: Int, to path: String, scratch: String) throws -> Int {
        let store = try SQLiteStore(path: scratch, durability: .fast)
        let engine = try DecisionEngine(store: store, config: try VigilConfig(toml: benchConfig))
        let (agent, _) = try PrincipalRegistry(store: store).add(name: "bench", kind: .agent, productGrants: ["orders_insert"])
        let id = try engine.createDecision(["intent": "billing.refund.issue", "automation_mode": "autonomous"], agent: agent)["decision_id"]!
        _ = try engine.call(tool: "decision_add_context", arguments: ["decision_id": id, "context": ["ticket": "T-1", "note": "refund of a damaged parcel"]], caller: .agent(agent))
        _ = try engine.call(tool: "decision_write", arguments: [
            "decision_id": id, "product": "orders_insert", "purpose": "order_support",
            "mutation": ["data": ["customer_id": "c1", "amount": 12.5]],
        ], caller: .agent(agent))
        _ = try engine.call(tool: "decision_add_context", arguments: ["decision_id": id, "context": ["checked": true]], caller: .agent(agent))
        _ = try engine.call(tool: "decision_close", arguments: ["decision_id": id, "action": "commit"], caller: .agent(agent))
        var event = IngestEventRequest()
        event.source = "bench"; event.eventKind = "note"; event.ref = "r1"; event.summary = "a customer asked for a refund"
        let memory = MemoryEngine(store: store)
        let record = try memory.ingestEvent(event)
        try memory.reinforce(id: record.id, by: RevisionActor(actor: "bench", rationale: "useful"))
        var lines: [String] = []
        _ = try StoreTransfer.export(from: store, kind: .all, since: nil, emit: { lines.append(String(decoding: $0, as: UTF8.self)) })
        guard let decisionLine = lines.first(where: { $0.contains(#""kind":"decision""#) }),
            let keyLine = lines.first(where: { $0.contains(#""kind":"receipt_key""#) }),
            let memoryLine = lines.first(where: { $0.contains(#""kind":"memory""#) })
        else { throw Failure(description: "the template store exported no decision, key or memory") }
        // Every id in the decision line (decision, events, approvals) gets a per-record suffix of the same length.
        let ids = Set(decisionLine.matches(of: /(TMEM|evt|appr)_[0-9A-Z]{26}/).map { String($0.output.0) }).sorted()

        // Each record is the template's bytes with a counter written over the last ten characters of every id in
        // it (all ids of a line in the same places), so writing a million costs little more than copying them.
        let decisionBytes = Array(decisionLine.utf8)
        let memoryBytes = Array(memoryLine.utf8)
        FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 22 + 1 << 16)
        var bytes = 0
        func flushIfFull(force: Bool = false) throws {
            guard force || buffer.count >= 1 << 22 else { return }
            try handle.write(contentsOf: buffer)
            bytes += buffer.count
            buffer.removeAll(keepingCapacity: true)
        }
        func put(_ template: [UInt8], _ spots: [Int], _ number: Int) throws {
            let start = buffer.count
            buffer.append(contentsOf: template)
            buffer.append(0x0A)
            for spot in spots {
                var value = number
                for position in stride(from: spot + 9, through: spot, by: -1) {
                    buffer[start + position] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
            }
            try flushIfFull()
        }
        let decisionSuffixes = ids.flatMap { id in offsets(of: Array(id.utf8), in: decisionBytes).map { $0 + id.utf8.count - 10 } }
        let decisions = records / 2
        for i in 0..<decisions { try put(decisionBytes, decisionSuffixes, i) }
        buffer.append(contentsOf: keyLine.utf8)
        buffer.append(0x0A)
        // A memory id becomes 00000000-0000-4000-8000-00NNNNNNNNNN: its last twelve characters, "00" and a counter.
        let memoryTemplate = Array(memoryLine.replacingOccurrences(of: record.id, with: "00000000-0000-4000-8000-000000000000").utf8)
        let memorySuffixes = offsets(of: Array("00000000-0000-4000-8000-000000000000".utf8), in: memoryTemplate).map { $0 + 26 }
        for i in 0..<(records - decisions) { try put(memoryTemplate, memorySuffixes, i) }
        try flushIfFull(force: true)
        return bytes
    }

    /// Where `needle` starts in `haystack`, every time.
    static func offsets(of needle: [UInt8], in haystack: [UInt8]) -> [Int] {
        guard !needle.isEmpty, haystack.count >= needle.count else { return [] }
        return (0...(haystack.count - needle.count)).filter { start in
            haystack[start] == needle[0] && haystack[start..<(start + needle.count)].elementsEqual(needle)
        }
    }

    static let benchConfig = """
        [data_products.tables.orders.columns]
        order_id = { type = "string", primary_key = true, generated = "ulid" }
        customer_id = { type = "string" }
        amount = { type = "number" }

        [[data_products.products]]
        product_id = "orders_insert"
        table = "orders"
        operation = "insert"
        allowed_purposes = ["order_support"]
        """

    static func seconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }

    /// Runs a child to completion; its wall time and peak resident set (from `wait4`'s usage, in MB).
    static func measured(
        _ executable: String, _ arguments: [String], environment: [String: String], log: String
    ) throws -> (seconds: Double, peakRSSMB: Double) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let start = DispatchTime.now()
        guard posix_spawn(&pid, executable, &actions, nil, argv, envp) == 0 else {
            throw Failure(description: "cannot start \(executable)")
        }
        var status: Int32 = 0
        var usage = rusage()
        _ = wait4(pid, &status, 0, &usage)
        let elapsed = seconds(since: start)
        guard status == 0 else {
            let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw Failure(description: "\(arguments.first ?? executable) failed: \(output.suffix(2000))")
        }
        return (elapsed, Double(usage.ru_maxrss) / 1024)
    }
}
