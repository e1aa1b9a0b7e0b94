import Foundation

/// One ranked candidate of a Retrieve call.
struct ScoredCandidate {
    var candidate: MemoryCandidate
    var view: MemoryView
    var salience: Double
    var score: Double
    var layer: Int

    /// Spec §8.4's total order: score, salience, layer, newer first, then id bytewise.
    func precedes(_ other: ScoredCandidate) -> Bool {
        if score != other.score { return score > other.score }
        if salience != other.salience { return salience > other.salience }
        if layer != other.layer { return layer < other.layer }
        if candidate.createdAt != other.candidate.createdAt { return candidate.createdAt > other.candidate.createdAt }
        return Array(candidate.id.utf8).lexicographicallyPrecedes(Array(other.candidate.id.utf8))
    }
}

/// The best `limit` candidates seen so far (all of them when `limit` is 0), with the score a newcomer must reach.
struct TopCandidates {
    let limit: Int
    private(set) var items: [ScoredCandidate] = []

    /// The score of the `limit`-th candidate once the list is full; until then nothing can be skipped.
    var threshold: Double { limit > 0 && items.count >= limit ? items[items.count - 1].score : -.infinity }

    mutating func offer(_ c: ScoredCandidate) {
        if limit > 0, items.count >= limit, !c.precedes(items[items.count - 1]) { return }
        let index = items.firstIndex { c.precedes($0) } ?? items.count
        items.insert(c, at: index)
        if limit > 0, items.count > limit { items.removeLast() }
    }
}

/// Turns a task descriptor into a full-text query the way FTS5's `unicode61 remove_diacritics 2` tokenizes (spec
/// §8.4).
public enum TaskQuery {
    public static let maximumTokens = 64

    public static func tokens(_ descriptor: String) -> [String] {
        let folded = descriptor.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil).lowercased()
        var seen = Set<String>()
        var out: [String] = []
        for token in folded.split(whereSeparator: { !($0.isLetter || $0.isNumber) }) {
            let word = String(token)
            if seen.insert(word).inserted {
                out.append(word)
                if out.count == maximumTokens { break }
            }
        }
        return out
    }

    /// Any of the tokens; `nil` when there are none.
    package static func match(_ descriptor: String) -> TextQuery? {
        TextQuery(words: tokens(descriptor), mode: .any)
    }
}

extension MemoryEngine {
    /// `s = −bm25(summary 2, body 1)` of every record matching the task, by record id: from the in-memory index when
    /// there is one, else from FTS5. The two agree; tests hold them to it.
    public func textRelevance(_ task: String) throws -> [String: Double] {
        guard let match = TaskQuery.match(task) else { return [:] }
        return try store.read { tx in
            var out: [String: Double] = [:]
            if let index = relevanceIndex {
                try index.sync(tx)
                let scores = index.score(TaskQuery.tokens(task))
                for slot in scores.touched {
                    if let c = scores.candidates[Int(slot)] { out[c.id] = scores.exact(slot) }
                }
            } else {
                let cursor = try tx.searchCursor(match)
                while let (rowID, s) = try cursor.next() {
                    if let c = try tx.candidate(rowID: rowID) { out[c.id] = s }
                }
            }
            return out
        }
    }

    /// Words at most this informative (idf ≤ 1: in more than about a quarter of all records) are deferred by the
    /// in-memory ranking. Measured on 1M records: 0.05 → p95 17 ms, 0.5 → 15 ms, 1.0 → 14 ms, 2.0 → 29 ms (the bound
    /// they leave grows too loose to stop early).
    static let deferredIDF = 1.0

    /// The matches best first, band by band: each band's upper bound on the partial score and its members, sorted
    /// on demand.
    static func rankedMatches(_ scores: RelevanceIndex.Scores) -> [(upper: Double, members: () -> [Int32])] {
        let (maximum, bands) = scores.bands()
        guard maximum > 0 else { return [] }
        var out: [(upper: Double, members: () -> [Int32])] = bands.enumerated().map { k, band in
            (maximum / Double(1 << k), { band.sorted { scores.score[Int($0)] > scores.score[Int($1)] } })
        }
        let floor = maximum / Double(1 << bands.count)
        out.append((floor, { scores.rest(atMost: floor) }))
        return out
    }

    /// `Retrieve` (spec §8.3–§8.5): trust-filtered, decay-aware, ranked by text relevance × salience × recency.
    ///
    /// Ranking never scans the store: candidates come from the full-text index best-first and from per-half-life
    /// indexes in decreasing salience, and each stream stops once no later row can reach the current top `limit`.
    public func retrieve(_ r: RetrieveRequest) throws -> RetrieveResult {
        let trust = try validateTrust(r.trust)
        try MemoryLimits.checkRepeated(r.memoryTypes, "memory_types")
        var types: [MemoryType] = []
        for raw in r.memoryTypes {
            guard let type = MemoryType(rawValue: raw) else {
                throw MemoryError.invalidArgument("memory_types must be one of: \(MemoryType.list)")
            }
            if !types.contains(type) { types.append(type) }
        }
        if types.isEmpty { types = MemoryType.allCases }
        guard r.minSalience >= 0, r.minSalience.isFinite else {
            throw MemoryError.invalidArgument("min_salience must be non-negative and finite")
        }
        guard (0...10_000).contains(r.limit) else { throw MemoryError.invalidArgument("limit must be between 0 and 10000") }
        try MemoryLimits.checkString(r.taskDescriptor, "task_descriptor")
        let t = now()
        let match = TaskQuery.match(r.taskDescriptor)
        let limit = Int(r.limit)
        let w = (rel: settings.weightRelevance, sal: settings.weightSalience, rec: settings.weightRecency)
        let recencyHalfLife = settings.recencyHalfLifeSeconds

        func layer(_ type: MemoryType) -> Int { types.firstIndex(of: type) ?? types.count }
        func view(_ c: MemoryCandidate) -> (MemoryView, Double)? {
            guard c.status.isLive || r.includeInactive else { return nil }
            let v = trust.view(of: c.sensitivity, scope: c.scope)
            guard v != .omitted else { return nil }
            let salience = c.salience(at: t)
            if r.minSalience > 0, salience < r.minSalience { return nil }
            return (v, salience)
        }
        func recency(_ c: MemoryCandidate) -> Double {
            exp2(-max(0, Double(t - c.updatedAt) / 1e9) / recencyHalfLife)
        }
        func score(_ c: MemoryCandidate, view v: MemoryView, salience: Double, rel: Double) -> ScoredCandidate {
            let sal = min(1, salience)
            let value = match == nil ? sal : w.rel * rel + w.sal * sal + w.rec * recency(c)
            return ScoredCandidate(candidate: c, view: v, salience: salience, score: value, layer: layer(c.type))
        }

        return try store.read { tx in
            var top = TopCandidates(limit: limit)
            var sMax: Double?
            var relevance: [Int64: Double] = [:]  // rowid → s, for matched full-view candidates seen

            var indexScores: RelevanceIndex.Scores?
            /// What a record no stream has offered yet can add through relevance: 0 on the FTS5 path.
            var unseenRelevance = 0.0
            if match != nil, let index = relevanceIndex {
                // Phase A, in memory. The most common words are deferred when only the top `limit` is wanted: their
                // postings are the longest and their weight the least; `epsilon` bounds what they add, and every
                // record that is ranked gets its exact score.
                try index.sync(tx)
                let tokens = TaskQuery.tokens(r.taskDescriptor)
                var scores = index.score(tokens, deferBelow: limit > 0 ? Self.deferredIDF : -1)
                var ranked = Self.rankedMatches(scores)
                // Certify s_max: the best exact score among full-view candidates, once no later match can beat it.
                var best: Double?
                var exact: [Int32: Double] = [:]
                certify: for (upper, members) in ranked {
                    if let best, upper + scores.epsilon <= best { break }
                    for slot in members() {
                        if let best, scores.score[Int(slot)] + scores.epsilon <= best { break certify }
                        guard let c = scores.candidates[Int(slot)], types.contains(c.type), let (v, _) = view(c), v == .full
                        else { continue }
                        let s = scores.exact(slot)
                        exact[slot] = s
                        best = max(best ?? s, s)
                    }
                }
                if scores.epsilon > 0, (best ?? 0) < scores.epsilon {
                    // Too little matched beyond the common words to tell: walk every term.
                    scores = index.score(tokens)
                    ranked = Self.rankedMatches(scores)
                    exact = [:]
                }
                indexScores = scores
                bands: for (upper, members) in ranked {
                    if let sMax, w.rel * ((upper + scores.epsilon) / sMax) + w.sal + w.rec < top.threshold { break }
                    for slot in members() {
                        if let sMax, w.rel * ((scores.score[Int(slot)] + scores.epsilon) / sMax) + w.sal + w.rec < top.threshold {
                            break bands
                        }
                        guard let c = scores.candidates[Int(slot)], types.contains(c.type),
                            let (v, salience) = view(c), v == .full
                        else { continue }
                        let s = exact[slot] ?? scores.exact(slot)
                        if sMax == nil { sMax = scores.epsilon > 0 ? best : s }
                        relevance[c.rowID] = s
                        top.offer(score(c, view: v, salience: salience, rel: s / sMax!))
                    }
                }
                if let sMax { unseenRelevance = w.rel * scores.epsilon / sMax }
            } else if let match {
                // Phase A: matched records, best bm25 first, until no later match can reach the top.
                let cursor = try tx.searchCursor(match)
                while let (rowID, s) = try cursor.next() {
                    if let sMax, w.rel * (s / sMax) + w.sal + w.rec < top.threshold { break }
                    guard let c = try tx.candidate(rowID: rowID), types.contains(c.type),
                        let (v, salience) = view(c), v == .full
                    else { continue }
                    if sMax == nil { sMax = s }
                    relevance[rowID] = s
                    top.offer(score(c, view: v, salience: salience, rel: s / sMax!))
                }
            }

            /// The relevance of a record phase A did not score: exact when the index deferred common words (they may
            /// match it), else 0 (every match that could reach the top was scored).
            func unseenRel(_ c: MemoryCandidate, _ v: MemoryView) -> Double {
                guard v == .full, let sMax, let scores = indexScores, scores.epsilon > 0 else { return 0 }
                return scores.exact(rowID: c.rowID) / sMax
            }

            // Phase B: every type's candidates in decreasing salience, plus those outside the anchor order.
            for type in types {
                if limit == 0 {
                    for c in try tx.allCandidates(type: type, includeInactive: r.includeInactive)
                    where relevance[c.rowID] == nil {
                        guard let (v, salience) = view(c) else { continue }
                        top.offer(score(c, view: v, salience: salience, rel: 0))
                    }
                    continue
                }
                for c in try tx.unorderedCandidates(type: type, includeInactive: r.includeInactive)
                where relevance[c.rowID] == nil {
                    guard let (v, salience) = view(c) else { continue }
                    top.offer(score(c, view: v, salience: salience, rel: unseenRel(c, v)))
                }
                for halfLife in try tx.halfLives(of: type) {
                    let cursor = try tx.anchorCursor(type: type, halfLife: halfLife)
                    while let c = try cursor.next() {
                        // An upper bound on this and every later row's salience (no clamp for future anchors).
                        let bound = c.base * exp2(Double(c.lastReinforcedAt - t) / 1e9 / Double(halfLife))
                        let boundScore = match == nil ? min(1, bound) : unseenRelevance + w.sal * min(1, bound) + w.rec
                        if boundScore < top.threshold || bound < r.minSalience { break }
                        if relevance[c.rowID] != nil { continue }
                        guard let (v, salience) = view(c) else { continue }
                        top.offer(score(c, view: v, salience: salience, rel: unseenRel(c, v)))
                    }
                }
            }

            var records: [(MemoryRecord, MemoryView)] = []
            for item in top.items {
                if let record = try tx.memoryRecord(rowID: item.candidate.rowID) { records.append((record, item.view)) }
            }
            let selection = try select(
                tx, types: types, trust: trust, request: r, match: match, sMax: sMax, at: t, view: view,
                indexScores: indexScores)
            return RetrieveResult(records: records, selection: selection, now: t)
        }
    }

    /// Spec §8.5: scores every competence and plan_graph candidate; `nil` when there are none.
    private func select(
        _ tx: any StoreTransaction, types: [MemoryType], trust: TrustContext, request r: RetrieveRequest, match: TextQuery?,
        sMax: Double?, at t: Nanoseconds, view: (MemoryCandidate) -> (MemoryView, Double)?,
        indexScores: RelevanceIndex.Scores?
    ) throws -> Selection? {
        var candidates: [(MemoryCandidate, MemoryView)] = []
        for type in [MemoryType.competence, .planGraph] where types.contains(type) {
            for c in try tx.allCandidates(type: type, includeInactive: r.includeInactive) {
                if let (v, _) = view(c) { candidates.append((c, v)) }
            }
        }
        guard !candidates.isEmpty else { return nil }
        var s: [Int64: Double] = [:]
        if let match, sMax != nil {
            let full = candidates.filter { $0.1 == .full }.map(\.0.rowID)
            if let indexScores {
                for rowID in full {
                    let value = indexScores.exact(rowID: rowID)
                    if value > 0 { s[rowID] = value }
                }
            } else {
                s = try tx.searchScores(match, rowIDs: full)
            }
        }
        var scored: [(MemoryCandidate, MemoryView, Double)] = []
        for (c, v) in candidates {
            guard v == .full else { scored.append((c, v, 0.5)); continue }
            let applicability = match == nil ? c.confidence : (s[c.rowID].map { $0 / sMax! } ?? 0)
            let payload = try tx.payload(rowID: c.rowID)
            var successRate = 0.5
            if c.type == .competence, let perf = payload["performance"] {
                let ok = perf["success_count"]?.numberValue ?? 0
                let bad = perf["failure_count"]?.numberValue ?? 0
                if ok + bad > 0 { successRate = ok / (ok + bad) }
            } else if c.type == .planGraph, let metrics = payload["metrics"],
                (metrics["execution_count"]?.numberValue ?? 0) > 0
            {
                successRate = 1 - (metrics["failure_rate"]?.numberValue ?? 0)
            }
            let recency: Double
            if c.lastReinforcedAt == 0 {
                recency = 0.5
            } else if c.lastReinforcedAt > t {
                recency = 1
            } else {
                recency = exp2(-Double(t - c.lastReinforcedAt) / 1e9 / 2_592_000)
            }
            scored.append((c, v, (applicability + successRate + recency) / 3))
        }
        scored.sort { a, b in a.2 != b.2 ? a.2 > b.2 : Array(a.0.id.utf8).lexicographicallyPrecedes(Array(b.0.id.utf8)) }
        let confidence: Double
        if scored.count == 1 {
            confidence = min(scored[0].2, 1)
        } else {
            confidence = scored[0].2 == 0 ? 0 : (scored[0].2 - scored[1].2) / scored[0].2
        }
        var selected: [(MemoryRecord, MemoryView)] = []
        var scores: [String: Double] = [:]
        for (c, v, value) in scored {
            scores[c.id] = value
            if let record = try tx.memoryRecord(rowID: c.rowID) { selected.append((record, v)) }
        }
        return Selection(
            selected: selected, confidence: confidence, needsMore: confidence < settings.selectionConfidenceThreshold,
            scores: scores)
    }
}
