import Foundation
import VigilCore
import VigilStoreSQLite

/// `vigil bench memory`: ingest rate and Retrieve latency at growing store sizes.
///
/// Records are realistic short texts: summaries of 5–30 words drawn with a Zipf distribution (s = 1) over a
/// vocabulary of 3,000 words, mixed over four ingest kinds and five sensitivities, created over the past week so their
/// salience has decayed by different amounts. Queries are 1,000 task descriptors of 3–8 words from the same
/// distribution, at trust `medium`, limit 10.
public enum MemoryBench {
    public struct Step: Sendable {
        public var records: Int
        public var ingestSeconds: Double
        public var ingested: Int
        public var latenciesMs: [Double]
        public var fileBytes: Int64
        /// Time to build or catch up the in-memory relevance index before the queries.
        public var warmUpSeconds: Double

        public var ingestRate: Double { Double(ingested) / ingestSeconds }
        func percentile(_ p: Double) -> Double {
            latenciesMs.percentile(p)
        }
        public var p50: Double { percentile(0.50) }
        public var p95: Double { percentile(0.95) }
        public var p99: Double { percentile(0.99) }
    }

    public struct Report: Sendable {
        public var steps: [Step]
        public var queries: Int

        public var text: String {
            var lines = ["memory bench: Retrieve limit 10, trust medium, \(queries) task descriptors per size"]
            lines.append("  records     ingest/s    p50 ms   p95 ms   p99 ms   file MB   index warm-up s")
            for s in steps {
                lines.append(
                    String(format: "  %-10d %9.0f %9.2f %8.2f %8.2f %9.1f %12.1f", s.records, s.ingestRate, s.p50, s.p95, s.p99,
                           Double(s.fileBytes) / 1_048_576, s.warmUpSeconds))
            }
            if let last = steps.last {
                lines.append(String(format: "  target: p95 ≤ 20 ms at 1M records, limit 10 — at %d records p95 = %.2f ms", last.records, last.p95))
            }
            return lines.joined(separator: "\n")
        }

        public var json: JSONValue {
            [
                "queries": .int(Int64(queries)),
                "steps": .array(steps.map { s in
                    [
                        "records": .int(Int64(s.records)), "ingest_per_second": .double(s.ingestRate.rounded()),
                        "retrieve_p50_ms": .double(s.p50), "retrieve_p95_ms": .double(s.p95),
                        "retrieve_p99_ms": .double(s.p99), "file_bytes": .int(s.fileBytes),
                        "index_warm_up_seconds": .double(s.warmUpSeconds),
                    ]
                }),
                "target_p95_ms": 20,
            ]
        }
    }

    /// A small deterministic generator (SplitMix64), so runs are comparable.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
        mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
    }

    /// Words and a Zipf sampler over them.
    struct Vocabulary {
        let words: [String]
        let cumulative: [Double]

        init(size: Int) {
            let syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "bar", "cor", "den", "fel", "gan",
                             "hul", "jin", "kes", "lum", "mor", "nid", "pra", "qui", "ros", "sul", "tam"]
            var words: [String] = []
            var i = 0
            while words.count < size {
                var n = i
                var word = ""
                repeat {
                    word += syllables[n % syllables.count]
                    n /= syllables.count
                } while n > 0
                words.append(word)
                i += 1
            }
            self.words = words
            var total = 0.0
            cumulative = (1...size).map { rank in
                total += 1 / Double(rank)
                return total
            }
        }

        func sample(_ rng: inout Random) -> String {
            let target = rng.unit() * cumulative[cumulative.count - 1]
            var low = 0, high = cumulative.count - 1
            while low < high {
                let mid = (low + high) / 2
                if cumulative[mid] < target { low = mid + 1 } else { high = mid }
            }
            return words[low]
        }

        func phrase(_ rng: inout Random, _ range: ClosedRange<Int>) -> String {
            (0..<rng.int(range)).map { _ in sample(&rng) }.joined(separator: " ")
        }
    }

    /// Warms the relevance index up, then times `queries` Retrieve calls (limit 10, trust medium) on fresh task
    /// descriptors. Returns the warm-up seconds, the records indexed and each call's latency in milliseconds.
    static func timeQueries(
        _ engine: MemoryEngine, queries: Int, vocabulary: Vocabulary, rng: inout Random, label: String,
        progress: (String) -> Void
    ) throws -> (warmUpSeconds: Double, records: Int, latencies: [Double]) {
        let warmStart = DispatchTime.now()
        let records = try engine.warmUp()
        let warmUpSeconds = Double(DispatchTime.now().uptimeNanoseconds - warmStart.uptimeNanoseconds) / 1e9
        progress("\(label) records: relevance index ready in " + String(format: "%.1f s", warmUpSeconds))
        var latencies: [Double] = []
        for q in 0..<queries {
            var request = RetrieveRequest()
            request.taskDescriptor = vocabulary.phrase(&rng, 3...8)
            request.trust = TrustContextRequest(maxSensitivity: "medium")
            request.limit = 10
            let began = DispatchTime.now()
            _ = try engine.retrieve(request)
            latencies.append(Double(DispatchTime.now().uptimeNanoseconds - began.uptimeNanoseconds) / 1e6)
            if q % 250 == 249 { progress("\(label) records: \(q + 1) queries") }
        }
        return (warmUpSeconds, records, latencies)
    }

    /// Times Retrieve on an existing store (one kept with `keepAt`), without ingesting: for iterating on ranking.
    public static func runQueries(path: String, queries: Int, progress: (String) -> Void = { _ in }) throws -> Report {
        let store = try SQLiteStore(path: path)
        let engine = MemoryEngine(store: store, inMemoryRelevance: true)
        let vocabulary = Vocabulary(size: 3000)
        var rng = Random(state: 7)
        let (warmUpSeconds, records, latencies) = try timeQueries(
            engine, queries: queries, vocabulary: vocabulary, rng: &rng, label: path, progress: progress)
        let fileBytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int64) ?? 0
        return Report(
            steps: [Step(records: records, ingestSeconds: 1, ingested: 0, latenciesMs: latencies, fileBytes: fileBytes,
                         warmUpSeconds: warmUpSeconds)],
            queries: queries)
    }

    /// Runs the bench into a temporary store, growing it to each of `sizes` in turn.
    /// - Parameter keepAt: a database path to fill and keep (it must not exist); by default a temporary one is removed.
    public static func run(
        sizes: [Int], queries: Int, keepAt: String? = nil, progress: (String) -> Void = { _ in }
    ) throws -> Report {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-membench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = keepAt ?? directory.appendingPathComponent("memory.db").path
        let store = try SQLiteStore(path: path)
        let week = 7.0 * 86400
        let end = Date()
        let clock = ManualClock(end.addingTimeInterval(-week))
        let engine = MemoryEngine(store: store, clock: clock, inMemoryRelevance: true)
        let vocabulary = Vocabulary(size: 3000)
        var rng = Random(state: 42)
        let target = sizes.max() ?? 0
        let step = week / Double(max(1, target))
        var steps: [Step] = []
        var count = 0
        for size in sizes.sorted() {
            let start = DispatchTime.now()
            let before = count
            try fill(engine, upTo: size, count: &count, clock: clock, step: step, vocabulary: vocabulary, rng: &rng, progress: progress)
            let ingestSeconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            clock.set(end)
            let (warmUpSeconds, _, latencies) = try timeQueries(
                engine, queries: queries, vocabulary: vocabulary, rng: &rng, label: "\(size)", progress: progress)
            let fileBytes = ["", "-wal", "-shm"].reduce(Int64(0)) { total, suffix in
                total + ((try? FileManager.default.attributesOfItem(atPath: path + suffix)[.size] as? Int64) ?? 0)
            }
            steps.append(Step(records: size, ingestSeconds: ingestSeconds, ingested: count - before, latenciesMs: latencies,
                              fileBytes: fileBytes, warmUpSeconds: warmUpSeconds))
            progress(String(format: "%d records: p95 %.2f ms", size, steps.last!.p95))
        }
        return Report(steps: steps, queries: queries)
    }

    /// Ingests realistic records (see the type's comment) in batches of 1,000 until `count` reaches `size`, moving
    /// `clock` forward `step` seconds per record when one is given.
    static func fill(
        _ engine: MemoryEngine, upTo size: Int, count: inout Int, clock: ManualClock?, step: Double,
        vocabulary: Vocabulary, rng: inout Random, progress: (String) -> Void
    ) throws {
        let sensitivities = ["public", "low", "low", "low", "low", "medium", "medium", "high", "high", "hyper"]
        while count < size {
            var batch: [MemoryIngestRequest] = []
            for _ in 0..<min(1000, size - count) {
                let sensitivity = sensitivities[rng.int(0...9)]
                let summary = vocabulary.phrase(&rng, 5...30)
                switch rng.int(0...9) {
                case 0...4:
                    var r = IngestEventRequest()
                    (r.source, r.eventKind, r.ref, r.summary, r.sensitivity) = ("bench", "user_message", "m\(count)", summary, sensitivity)
                    batch.append(.event(r))
                case 5, 6:
                    var r = IngestObservationRequest()
                    (r.source, r.subject, r.predicate, r.sensitivity) = ("bench", vocabulary.sample(&rng), "relates_to", sensitivity)
                    r.object = JSONValue.string(summary).canonicalBytes
                    batch.append(.observation(r))
                case 7, 8:
                    var r = IngestToolOutputRequest()
                    (r.source, r.toolName, r.sensitivity) = ("bench", vocabulary.sample(&rng), sensitivity)
                    r.args = JSONValue.object(["query": .string(summary)]).canonicalBytes
                    batch.append(.toolOutput(r))
                default:
                    var r = IngestWorkingStateRequest()
                    (r.source, r.threadID, r.state, r.contextSummary, r.sensitivity) = ("bench", "t\(count % 500)", "executing", summary, sensitivity)
                    batch.append(.workingState(r))
                }
                count += 1
            }
            clock?.advance(by: step * Double(batch.count))
            _ = try engine.ingest(batch)
            if count % 50_000 == 0 { progress("ingested \(count) records") }
        }
    }
}
