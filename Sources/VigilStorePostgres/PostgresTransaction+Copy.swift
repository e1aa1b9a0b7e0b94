import Foundation
import VigilCore

/// Copying a whole store: rows out in a stable order through a server-side cursor, rows in with fresh row numbers and
/// rebuilt search documents.
extension PostgresTransaction {
    func holdsNoData() throws -> Bool {
        try query("""
            SELECT NOT EXISTS (SELECT 1 FROM principals) AND NOT EXISTS (SELECT 1 FROM decisions)
               AND NOT EXISTS (SELECT 1 FROM memory_records) AND NOT EXISTS (SELECT 1 FROM receipt_keys)
            """).first { $0.bool(0) } ?? false
    }

    func rowCount(_ table: CopyTable) throws -> Int {
        try query("SELECT count(*) FROM \(table.name)").first { $0.int(0) } ?? 0
    }

    func forEachRow(_ table: CopyTable, _ body: ([StoredValue]) throws -> Void) throws {
        let sql: String
        if table == .decisionSearchText {
            sql = """
                SELECT d.decision_id, t.text FROM decision_search_text t JOIN decisions d ON d.row_id = t.decision_rowid
                ORDER BY t.piece_id
                """
        } else {
            let order = table.keepsRowOrder ? "row_id" : table.orderBy.joined(separator: ", ")
            sql = "SELECT \(table.columns.map(\.name).joined(separator: ", ")) FROM \(table.name) ORDER BY \(order)"
        }
        let name = "vigil_copy_\(table.name)"
        try execute("DECLARE \(name) NO SCROLL CURSOR FOR \(sql)", prepare: false)
        defer { _ = try? execute("CLOSE \(name)", prepare: false) }
        while true {
            let rows = try query("FETCH 2000 FROM \(name)", prepare: false).map { Self.storedValues($0, table) }
            for row in rows { try body(row) }
            if rows.count < 2000 { return }
        }
    }

    func copiedRows(_ table: CopyTable, whereColumn column: String, in keys: [String]) throws -> [[StoredValue]] {
        guard !keys.isEmpty else { return [] }
        let marks = (1...keys.count).map { "$\($0)" }.joined(separator: ", ")
        let sql = table == .decisionSearchText
            ? """
                SELECT d.decision_id, t.text FROM decision_search_text t JOIN decisions d ON d.row_id = t.decision_rowid
                WHERE d.decision_id IN (\(marks)) ORDER BY d.decision_id, t.piece_id
                """
            : """
                SELECT \(table.columns.map(\.name).joined(separator: ", ")) FROM \(table.name) WHERE \(column) IN (\(marks))
                ORDER BY \(column), \(table.orderBy.joined(separator: ", "))
                """
        return try query(sql, keys, prepare: false).map { Self.storedValues($0, table) }
    }

    func copiedRows(
        _ table: CopyTable, keyColumn: String, after key: String?, since: (column: String, value: StoredValue)?, limit: Int
    ) throws -> [[StoredValue]] {
        var conditions: [String] = []
        var parameters: [any PostgresBindable] = []
        if let key { parameters.append(key); conditions.append("\(keyColumn) > $\(parameters.count)") }
        if let since {
            switch since.value {
            case .integer(let i): parameters.append(i)
            case .real(let d): parameters.append(d)
            case .text(let t): parameters.append(t)
            case .null: parameters.append("")
            }
            conditions.append("\(since.column) >= $\(parameters.count)")
        }
        let sql = "SELECT \(table.columns.map(\.name).joined(separator: ", ")) FROM \(table.name)"
            + (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")) + " ORDER BY \(keyColumn) LIMIT \(limit)"
        return try query(sql, parameters).map { Self.storedValues($0, table) }
    }

    static func storedValues(_ row: PostgresRow, _ table: CopyTable) -> [StoredValue] {
        table.columns.enumerated().map { index, column -> StoredValue in
            guard let text = row[index] else { return .null }
            switch column.kind {
            case .text: return .text(text)
            case .integer: return Int64(text).map { .integer($0) } ?? .text(text)
            case .real: return Double(text).map { .real($0) } ?? .text(text)
            }
        }
    }

    func insertCopiedRows(_ table: CopyTable, _ rows: [[StoredValue]], searchDocuments: [MemoryText.Document]?) throws {
        let columns = table.columns.map(\.name)
        let sql: String
        if table == .decisionSearchText {
            // The decision's search document is rebuilt from its copied words.
            sql = """
                WITH d AS (SELECT row_id FROM decisions WHERE decision_id = $1),
                     t AS (INSERT INTO decision_search_text (decision_rowid, text) SELECT row_id, $2 FROM d)
                INSERT INTO decision_search_stale (decision_rowid) SELECT row_id FROM d ON CONFLICT DO NOTHING
                """
        } else if table == .memoryRecords {
            // The record and its search document in one statement, so it needs no answer.
            let n = columns.count
            sql = """
                WITH r AS (INSERT INTO memory_records (\(columns.joined(separator: ", "))) VALUES (\(Self.placeholders(n))) RETURNING row_id)
                INSERT INTO memory_search (row_id, summary, body, tokens, doc)
                SELECT row_id, $\(n + 1)::text, $\(n + 2)::text, $\(n + 3)::bigint, array_to_tsvector($\(n + 4)::text[]) FROM r
                """
        } else {
            sql = "INSERT INTO \(table.name) (\(columns.joined(separator: ", "))) VALUES (\(Self.placeholders(columns.count)))"
        }
        // Queued, not answered one by one: a batch goes to the server in a few round trips (a round trip a row was
        // most of an import's time).
        for (index, row) in rows.enumerated() {
            var parameters: [any PostgresBindable] = row.map { value in
                switch value {
                case .null: return String?.none
                case .integer(let i): return i
                case .real(let d): return d
                case .text(let text): return text
                }
            }
            if table == .memoryRecords {
                let document = searchDocuments?[index] ?? MemoryText.document(copiedRow: row)
                parameters += Self.documentParameters(summary: document.summary, body: document.body)
            }
            try enqueue(sql, parameters)
        }
    }

    func copiedIDs(_ table: CopyTable, among ids: [String]) throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        let column = table.columns[0].name
        return Set(try query("SELECT \(column) FROM \(table.name) WHERE \(column) = ANY($1::text[])", [StoredJSON.array(ids)]).map { $0.string(0) })
    }

    func productRowCount(_ table: VigilCore.TableDefinition) throws -> Int {
        try query("SELECT count(*) FROM \"\(table.sqlName.replacingOccurrences(of: "\"", with: "\"\""))\"").first { $0.int(0) } ?? 0
    }

    func productRows(_ table: VigilCore.TableDefinition, offset: Int, limit: Int) throws -> [JSONObject] {
        try selectProductRows(table, fields: table.columns, query: [], limit: limit, offset: offset)
    }

    func allDecisionIDs() throws -> [String] {
        try query("SELECT decision_id FROM decisions ORDER BY decision_id").map { $0.string(0) }
    }
}
