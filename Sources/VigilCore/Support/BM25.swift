import Foundation

/// FTS5's bm25, computed outside SQLite, so a store without FTS5 ranks exactly as the SQLite store does.
///
/// For a query of phrases `q₁…qₙ` and a document `D` of `|D|` tokens (all columns), with `f(qᵢ, D)` the weighted
/// count of `qᵢ`'s instances in `D`: `s = Σᵢ idf(qᵢ) · f·(k1 + 1) / (f + k1·(1 − b + b·|D|/avgdl))`, summed in query
/// order, with `idf(q) = ln((N − n(q) + 0.5) / (n(q) + 0.5))` floored at 1e-6, `k1 = 1.2` and `b = 0.75`; SQLite's
/// `bm25()` returns `−s`. (The same formula ``RelevanceIndex`` inlines.)
package enum BM25 {
    package static let k1 = 1.2
    package static let b = 0.75

    /// `idf` of a phrase found in `hits` of `documents` rows.
    package static func idf(documents: Int, hits: Int) -> Double {
        let n = Double(documents), hits = Double(hits)
        let idf = log((n - hits + 0.5) / (hits + 0.5))
        return idf <= 0.0 ? 1e-6 : idf
    }

    /// `s` of one document: `frequencies[i]` is the weighted instance count of phrase `i` (query order).
    package static func score(idf: [Double], frequencies: [Double], length: Int, averageLength: Double) -> Double {
        let d = Double(length)
        var s = 0.0
        for (i, f) in frequencies.enumerated() {
            s += idf[i] * ((f * (k1 + 1.0)) / (f + k1 * (1 - b + b * d / averageLength)))
        }
        return s
    }

    /// How often the token sequence `phrase` occurs in `tokens` (overlapping occurrences count, as FTS5 counts
    /// instances).
    package static func instances(of phrase: [Substring], in tokens: [Substring]) -> Int {
        guard !phrase.isEmpty, phrase.count <= tokens.count else { return 0 }
        var count = 0
        var i = 0
        while i + phrase.count <= tokens.count {
            if tokens[i] == phrase[0], tokens[i..<(i + phrase.count)].elementsEqual(phrase) { count += 1 }
            i += 1
        }
        return count
    }
}
