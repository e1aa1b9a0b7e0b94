import Foundation
import VigilCore

/// Full-text search on PostgreSQL, ranked exactly as FTS5 ranks on SQLite.
///
/// A document's `doc` is a `tsvector` of the tokens ``SearchTokenizer`` makes of its text (no PostgreSQL parser, so
/// `billing.refund` is two words here as in FTS5), indexed with GIN: it finds the candidates. Each candidate's text is
/// then tokenized again and scored with ``BM25`` from the same statistics FTS5 uses (rows, tokens, rows per phrase), so
/// both stores return the same top results in the same order.
extension PostgresTransaction {
    /// A query's phrases in query order: each word's tokens (a word of several tokens is a phrase, as in FTS5). Words
    /// with no token are dropped.
    static func phrases(_ text: TextQuery) -> [[Substring]] {
        text.words.map { SearchTokenizer.tokens($0) }.filter { !$0.isEmpty }
    }

    /// `'a' & 'b'` for one phrase; phrases joined by `&` (all) or `|` (any). Lexemes are quoted, never parsed.
    static func tsquery(_ phrases: [[Substring]], mode: TextQuery.Mode) -> String {
        func lexeme(_ token: Substring) -> String {
            "'" + token.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "''") + "'"
        }
        let parts = phrases.map { "(" + $0.map(lexeme).joined(separator: " & ") + ")" }
        return parts.joined(separator: mode == .all ? " & " : " | ")
    }

    /// Rows and tokens of a search table (FTS5's `N` and total size).
    private func statistics(_ table: String) throws -> (rows: Int, tokens: Int64) {
        try query("SELECT count(*), coalesce(sum(tokens), 0) FROM \(table)").first { ($0.int(0), $0.int64(1)) } ?? (0, 0)
    }

    /// How many documents of `table` hold each phrase: the GIN index counts single words; a phrase of several words
    /// is checked in the text of the documents that hold all its words.
    private func hits(_ phrases: [[Substring]], table: String, text: String) throws -> [Int] {
        try phrases.map { phrase in
            let q = Self.tsquery([phrase], mode: .all)
            if phrase.count == 1 {
                return try query("SELECT count(*) FROM \(table) WHERE doc @@ $1::tsquery", [q]).first { $0.int(0) } ?? 0
            }
            return try query("SELECT \(text) FROM \(table) WHERE doc @@ $1::tsquery", [q])
                .map { BM25.instances(of: phrase, in: SearchTokenizer.tokens($0.string(0))) > 0 ? 1 : 0 }
                .reduce(0, +)
        }
    }

    // MARK: Decisions

    func rankedDecisions(
        _ text: TextQuery, conditions: [String], parameters: [any PostgresBindable], q: DecisionQuery
    ) throws -> (rows: [StoredDecision], total: Int) {
        let phrases = Self.phrases(text)
        guard !phrases.isEmpty else { return ([], 0) }
        var parameters = parameters
        parameters.append(Self.tsquery(phrases, mode: text.mode))
        let all = (conditions + ["s.doc @@ $\(parameters.count)::tsquery"]).joined(separator: " AND ")
        let candidates = try query(
            """
            SELECT \(Self.decisionColumns("d")), s.body, s.tokens FROM decision_search s
            JOIN decisions d ON d.row_id = s.decision_rowid WHERE \(all)
            """, parameters
        ).map { row in (decision: Self.makeDecision(row), body: row.string(25), length: row.int(26)) }
        guard !candidates.isEmpty else { return ([], 0) }
        let (documents, tokens) = try statistics("decision_search")
        let idf = try hits(phrases, table: "decision_search", text: "body").map { BM25.idf(documents: documents, hits: $0) }
        let averageLength = Double(tokens) / Double(documents)
        var scored: [(decision: StoredDecision, s: Double)] = []
        for candidate in candidates {
            let words = SearchTokenizer.tokens(candidate.body)
            let frequencies = phrases.map { Double(BM25.instances(of: $0, in: words)) }
            let matches = text.mode == .all ? frequencies.allSatisfy { $0 > 0 } : frequencies.contains { $0 > 0 }
            guard matches else { continue }
            let s = BM25.score(idf: idf, frequencies: frequencies, length: candidate.length, averageLength: averageLength)
            scored.append((candidate.decision, s))
        }
        scored.sort { a, b in
            if a.s != b.s { return a.s > b.s }
            if a.decision.createdAt != b.decision.createdAt { return a.decision.createdAt > b.decision.createdAt }
            return a.decision.decisionID > b.decision.decisionID
        }
        let page = scored.dropFirst(q.offset).prefix(q.limit).map(\.decision)
        return (Array(page), scored.count)
    }

    // MARK: Memory

    /// `s = −bm25(memory_search, 2.0, 1.0)` of the documents matching `text` (all of them, or those of `rowIDs`).
    func memoryScores(_ text: TextQuery, rowIDs: [Int64]?) throws -> [(rowID: Int64, s: Double)] {
        let phrases = Self.phrases(text)
        guard !phrases.isEmpty else { return [] }
        var parameters: [any PostgresBindable] = [Self.tsquery(phrases, mode: text.mode)]
        var restriction = ""
        if let rowIDs {
            guard !rowIDs.isEmpty else { return [] }
            parameters.append("{" + rowIDs.map(String.init).joined(separator: ",") + "}")
            restriction = " AND row_id = ANY($2::bigint[])"
        }
        let candidates = try query(
            "SELECT row_id, summary, body, tokens FROM memory_search WHERE doc @@ $1::tsquery\(restriction)", parameters
        ).map { (rowID: $0.int64(0), summary: $0.string(1), body: $0.string(2), length: $0.int(3)) }
        guard !candidates.isEmpty else { return [] }
        let (documents, tokens) = try statistics("memory_search")
        let idf = try hits(phrases, table: "memory_search", text: "summary || ' ' || body")
            .map { BM25.idf(documents: documents, hits: $0) }
        let averageLength = Double(tokens) / Double(documents)
        var out: [(rowID: Int64, s: Double)] = []
        for candidate in candidates {
            let summary = SearchTokenizer.tokens(candidate.summary)
            let body = SearchTokenizer.tokens(candidate.body)
            let frequencies = phrases.map {
                2.0 * Double(BM25.instances(of: $0, in: summary)) + Double(BM25.instances(of: $0, in: body))
            }
            let matches = text.mode == .all ? frequencies.allSatisfy { $0 > 0 } : frequencies.contains { $0 > 0 }
            guard matches else { continue }
            out.append((candidate.rowID,
                        BM25.score(idf: idf, frequencies: frequencies, length: candidate.length, averageLength: averageLength)))
        }
        return out.sorted { $0.s != $1.s ? $0.s > $1.s : $0.rowID < $1.rowID }
    }

    func searchCursor(_ text: TextQuery) throws -> any SearchCursor {
        ArrayCursor(try memoryScores(text, rowIDs: nil))
    }

    func searchScores(_ text: TextQuery, rowIDs: [Int64]) throws -> [Int64: Double] {
        Dictionary(try memoryScores(text, rowIDs: rowIDs).map { ($0.rowID, $0.s) }, uniquingKeysWith: { a, _ in a })
    }

    /// Writes a record's search document: its summary and body, their token count and the `tsvector` of the tokens.
    func writeMemoryDocument(rowID: Int64, summary: String, body: String) throws {
        try execute(
            """
            INSERT INTO memory_search (row_id, summary, body, tokens, doc) VALUES ($1, $2, $3, $4, array_to_tsvector($5::text[]))
            ON CONFLICT (row_id) DO UPDATE SET summary = excluded.summary, body = excluded.body, tokens = excluded.tokens,
                doc = excluded.doc
            """, [rowID] + Self.documentParameters(summary: summary, body: body))
    }

    /// A memory search document's row but its `row_id`: summary, body, how many words, and the distinct words (an
    /// array literal for `array_to_tsvector`).
    static func documentParameters(summary: String, body: String) -> [any PostgresBindable] {
        let tokens = SearchTokenizer.tokens(summary) + SearchTokenizer.tokens(body)
        return [summary, body, tokens.count, StoredJSON.array(Array(Set(tokens.map(String.init))))]
    }
}

/// A cursor over rows already in memory, best first.
final class ArrayCursor: SearchCursor {
    private var rows: [(rowID: Int64, s: Double)]
    private var index = 0

    init(_ rows: [(rowID: Int64, s: Double)]) { self.rows = rows }

    func next() throws -> (rowID: Int64, s: Double)? {
        guard index < rows.count else { return nil }
        defer { index += 1 }
        return rows[index]
    }
}
