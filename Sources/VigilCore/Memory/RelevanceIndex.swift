import Foundation
import Synchronization

/// Splits text into search tokens the way FTS5's `unicode61 remove_diacritics 2` tokenizer does: case-folded,
/// diacritics removed, split on every character that is not a letter or a digit. (Identical for ASCII and Latin text;
/// other scripts may differ from SQLite's tables in rare code points.)
public enum SearchTokenizer {
    public static func tokens(_ text: String) -> [Substring] {
        let folded: String
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            folded = text.lowercased()
        } else {
            folded = text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil).lowercased()
        }
        return folded.split(whereSeparator: { !($0.isLetter || $0.isNumber) })
    }

    /// Calls `body` with each token of `text`: a fast path over bytes for ASCII text, ``tokens(_:)`` otherwise.
    static func forEachToken(_ text: String, _ body: (String) -> Void) {
        let utf8 = text.utf8
        let handled: Bool? = utf8.withContiguousStorageIfAvailable { bytes in
            guard !bytes.contains(where: { $0 >= 0x80 }) else { return false }
            var token: [UInt8] = []
            token.reserveCapacity(32)
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): token.append(byte)
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): token.append(byte + 32)
                default:
                    if !token.isEmpty {
                        body(String(decoding: token, as: UTF8.self))
                        token.removeAll(keepingCapacity: true)
                    }
                }
            }
            if !token.isEmpty { body(String(decoding: token, as: UTF8.self)) }
            return true
        }
        _ = utf8
        if handled == true { return }
        for token in tokens(text) { body(String(token)) }
    }
}

/// An in-memory copy of the memory search index that computes FTS5's `bm25(memory_search, 2.0, 1.0)` itself, so a
/// Retrieve over a million records ranks in milliseconds instead of asking FTS5 to score every match.
///
/// It holds, per record, the weighted term frequencies (summary × 2, body × 1), the token count and the ranking
/// inputs; per term, the postings and the document frequency. Scores are computed with FTS5's exact formula and
/// summation order, so they equal FTS5's for text both tokenizers split alike. It catches up with writes from any
/// process through the store's change log before each query.
///
/// - Important: Meant for long-lived processes (the server, the dashboard). Building it reads every record once.
public final class RelevanceIndex: Sendable {
    struct Posting {
        var slot: Int32
        var frequency: Float  // 2·tf(summary) + tf(body): small integers, exact
    }

    struct State {
        var lastChange: Int64 = -1
        var termIDs: [String: Int32] = [:]
        var postings: [[Posting]] = []
        var documentFrequency: [Int32] = []
        var slotOfRow: [Int64: Int32] = [:]
        var rowOfSlot: [Int64] = []
        var alive: [Bool] = []
        var length: [Int32] = []
        var candidates: [MemoryCandidate?] = []
        /// Per slot: the record's terms and weighted frequencies.
        var terms: [[(id: Int32, frequency: Float)]] = []
        var liveDocuments = 0
        var totalTokens = 0
        var deadSlots = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Number of records indexed.
    public var count: Int { state.withLock { $0.liveDocuments } }

    /// Brings the index up to date with the store (the whole store the first time).
    func sync(_ tx: any StoreTransaction) throws {
        let last = state.withLock { $0.lastChange }
        let behindTheLog = try tx.oldestMemoryChange().map { last < $0 - 1 } ?? false
        if last < 0 || behindTheLog {
            let latest = try tx.latestMemoryChange()
            var fresh = State()
            try tx.indexedRecords(nil) { rowID, record in Self.add(&fresh, rowID, record!) }
            fresh.lastChange = latest
            state.withLock { $0 = fresh }
            return
        }
        let (rowIDs, latest) = try tx.memoryChanges(after: last)
        guard !rowIDs.isEmpty else { return }
        if rowIDs.count > max(10_000, count / 10) {
            // Far behind: one sequential rebuild beats many point reads.
            state.withLock { $0.lastChange = -1 }
            return try sync(tx)
        }
        var records: [(Int64, IndexedRecord?)] = []
        try tx.indexedRecords(Array(Set(rowIDs))) { records.append(($0, $1)) }
        state.withLock { s in
            guard s.lastChange < latest else { return }
            for (rowID, record) in records {
                Self.remove(&s, rowID)
                if let record { Self.add(&s, rowID, record) }
            }
            s.lastChange = latest
            if s.deadSlots > max(1024, s.rowOfSlot.count / 4) { Self.compact(&s) }
        }
    }

    private static func add(_ s: inout State, _ rowID: Int64, _ record: IndexedRecord) {
        let slot = Int32(s.rowOfSlot.count)
        var frequencies: [Int32: Float] = [:]
        var tokens = 0
        for (text, weight) in [(record.summary, Float(2)), (record.body, Float(1))] {
            SearchTokenizer.forEachToken(text) { key in
                tokens += 1
                let id: Int32
                if let existing = s.termIDs[key] {
                    id = existing
                } else {
                    id = Int32(s.postings.count)
                    s.termIDs[key] = id
                    s.postings.append([])
                    s.documentFrequency.append(0)
                }
                frequencies[id, default: 0] += weight
            }
        }
        for (id, frequency) in frequencies {
            s.postings[Int(id)].append(Posting(slot: slot, frequency: frequency))
            s.documentFrequency[Int(id)] += 1
        }
        s.slotOfRow[rowID] = slot
        s.rowOfSlot.append(rowID)
        s.alive.append(true)
        s.length.append(Int32(tokens))
        s.candidates.append(record.candidate)
        s.terms.append(frequencies.map { (id: $0.key, frequency: $0.value) })
        s.liveDocuments += 1
        s.totalTokens += tokens
    }

    private static func remove(_ s: inout State, _ rowID: Int64) {
        guard let slot = s.slotOfRow.removeValue(forKey: rowID) else { return }
        let i = Int(slot)
        s.alive[i] = false
        for term in s.terms[i] { s.documentFrequency[Int(term.id)] -= 1 }
        s.terms[i] = []
        s.candidates[i] = nil
        s.liveDocuments -= 1
        s.totalTokens -= Int(s.length[i])
        s.deadSlots += 1
    }

    /// Drops dead slots from every postings list (slots keep their numbers).
    private static func compact(_ s: inout State) {
        let alive = s.alive
        for id in s.postings.indices { s.postings[id].removeAll { !alive[Int($0.slot)] } }
        s.deadSlots = 0
    }

    /// A query's scores by slot. `score` holds the sum over the terms that were not deferred; ``exact(_:)`` gives the
    /// full `s = −bm25`, summed in query order as FTS5 does, so it is bit-identical to FTS5's.
    struct Scores {
        var touched: [Int32]
        var score: [Double]  // dense by slot; meaningful only at touched slots
        var candidates: [MemoryCandidate?]
        var rowOfSlot: [Int64]
        var slotOfRow: [Int64: Int32]
        /// The query's terms in query order, with their idf.
        var terms: [(id: Int32, idf: Double)]
        var docTerms: [[(id: Int32, frequency: Float)]]
        var length: [Int32]
        var avgdl: Double
        /// How much the deferred (most common) terms can add to any record's score, plus a rounding margin.
        var epsilon: Double

        func exact(_ slot: Int32) -> Double {
            let k1 = 1.2, b = 0.75
            let own = docTerms[Int(slot)]
            let d = Double(length[Int(slot)])
            var s = 0.0
            for term in terms {
                guard let hit = own.first(where: { $0.id == term.id }) else { continue }
                let f = Double(hit.frequency)
                s += term.idf * ((f * (k1 + 1.0)) / (f + k1 * (1 - b + b * d / avgdl)))
            }
            return s
        }

        /// The exact score of a record by rowid; 0 when it matches no term.
        func exact(rowID: Int64) -> Double {
            slotOfRow[rowID].map { exact($0) } ?? 0
        }
    }

    /// Scores `tokens` (already deduplicated, in query order) as FTS5's bm25 with weights 2 and 1.
    ///
    /// - Parameter deferBelow: terms whose idf is at most this are not walked (the most common words, whose postings
    ///   are the longest and whose weight is the least); their bound is `epsilon`. Pass a negative value to walk all.
    func score(_ tokens: [String], deferBelow threshold: Double = -1) -> Scores {
        state.withLock { s in
            let k1 = 1.2, b = 0.75
            let n = Double(s.liveDocuments)
            let avgdl = n > 0 ? Double(s.totalTokens) / n : 0
            var terms: [(id: Int32, idf: Double)] = []
            for token in tokens {
                guard let id = s.termIDs[token], s.documentFrequency[Int(id)] > 0 else { continue }
                let hits = Double(s.documentFrequency[Int(id)])
                var idf = log((n - hits + 0.5) / (hits + 0.5))
                if idf <= 0.0 { idf = 1e-6 }
                terms.append((id, idf))
            }
            var epsilon = 0.0
            var score = [Double](repeating: 0, count: s.rowOfSlot.count)
            var touched: [Int32] = []
            score.withUnsafeMutableBufferPointer { score in
                for (id, idf) in terms {
                    if idf <= threshold {
                        epsilon += idf * (k1 + 1.0)
                        continue
                    }
                    s.postings[Int(id)].withUnsafeBufferPointer { postings in
                        s.alive.withUnsafeBufferPointer { alive in
                            s.length.withUnsafeBufferPointer { length in
                                for posting in postings {
                                    let slot = Int(posting.slot)
                                    guard alive[slot] else { continue }
                                    let f = Double(posting.frequency)
                                    let d = Double(length[slot])
                                    // Every contribution is > 0, so a zero score means "not seen yet".
                                    if score[slot] == 0 { touched.append(posting.slot) }
                                    score[slot] += idf * ((f * (k1 + 1.0)) / (f + k1 * (1 - b + b * d / avgdl)))
                                }
                            }
                        }
                    }
                }
            }
            return Scores(
                touched: touched, score: score, candidates: s.candidates, rowOfSlot: s.rowOfSlot, slotOfRow: s.slotOfRow,
                terms: terms, docTerms: s.terms, length: s.length, avgdl: avgdl,
                epsilon: epsilon > 0 ? epsilon * (1 + 1e-9) + 1e-12 : 0)
        }
    }
}

extension RelevanceIndex.Scores {
    /// The matches in bands of halving score — band k holds scores in (max/2^(k+1), max/2^k] — so a query reads the
    /// best matches first without sorting all of them. Only the first `eager` bands are filled at once (one cheap
    /// comparison for every other match); ``rest(after:)`` splits the remainder when a query needs it.
    func bands(eager: Int = 4) -> (maximum: Double, bands: [[Int32]]) {
        var maximum = 0.0
        for slot in touched { maximum = max(maximum, score[Int(slot)]) }
        guard maximum > 0 else { return (0, []) }
        let floor = maximum / Double(1 << eager)
        var bands = [[Int32]](repeating: [], count: eager)
        for slot in touched {
            let value = score[Int(slot)]
            guard value > floor else { continue }
            bands[min(eager - 1, Int((maximum / value).exponent))].append(slot)
        }
        return (maximum, bands)
    }

    /// Every match scoring at most `ceiling`, best first.
    func rest(atMost ceiling: Double) -> [Int32] {
        touched.filter { score[Int($0)] <= ceiling }.sorted { score[Int($0)] > score[Int($1)] }
    }
}
