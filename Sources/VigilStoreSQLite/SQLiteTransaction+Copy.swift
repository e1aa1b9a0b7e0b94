import GRDB
import VigilCore

/// Copying a whole store: rows out in a stable order, rows in with fresh row numbers and rebuilt search documents.
extension SQLiteTransaction {
    package func holdsNoData() throws -> Bool {
        try Bool.fetchOne(db, sql: """
            SELECT NOT EXISTS (SELECT 1 FROM principals) AND NOT EXISTS (SELECT 1 FROM decisions)
               AND NOT EXISTS (SELECT 1 FROM memory_records) AND NOT EXISTS (SELECT 1 FROM receipt_keys)
            """) ?? false
    }

    package func rowCount(_ table: CopyTable) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table.name)") ?? 0
    }

    package func forEachRow(_ table: CopyTable, _ body: ([StoredValue]) throws -> Void) throws {
        let sql: String
        if table == .decisionSearchText {
            sql = """
                SELECT d.decision_id, t.text FROM decision_search_text t JOIN decisions d ON d.rowid = t.decision_rowid
                ORDER BY t.rowid
                """
        } else {
            let order = table.keepsRowOrder ? "rowid" : table.orderBy.joined(separator: ", ")
            sql = "SELECT \(table.columns.map(\.name).joined(separator: ", ")) FROM \(table.name) ORDER BY \(order)"
        }
        let cursor = try Row.fetchCursor(db, sql: sql)
        while let row = try cursor.next() { try body(Self.storedValues(row, count: table.columns.count)) }
    }

    package func copiedRows(_ table: CopyTable, whereColumn column: String, in keys: [String]) throws -> [[StoredValue]] {
        guard !keys.isEmpty else { return [] }
        let marks = keys.map { _ in "?" }.joined(separator: ", ")
        let sql = table == .decisionSearchText
            ? """
                SELECT d.decision_id, t.text FROM decision_search_text t JOIN decisions d ON d.rowid = t.decision_rowid
                WHERE d.decision_id IN (\(marks)) ORDER BY d.decision_id, t.rowid
                """
            : """
                SELECT \(table.columns.map(\.name).joined(separator: ", ")) FROM \(table.name) WHERE \(column) IN (\(marks))
                ORDER BY \(column), \(table.orderBy.joined(separator: ", "))
                """
        return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(keys)).map { Self.storedValues($0, count: table.columns.count) }
    }

    package func copiedRows(
        _ table: CopyTable, keyColumn: String, after key: String?, since: (column: String, value: StoredValue)?, limit: Int
    ) throws -> [[StoredValue]] {
        var conditions: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        if let key { conditions.append("\(keyColumn) > ?"); arguments.append(key) }
        if let since {
            conditions.append("\(since.column) >= ?")
            switch since.value {
            case .integer(let i): arguments.append(i)
            case .real(let d): arguments.append(d)
            case .text(let t): arguments.append(t)
            case .null: arguments.append(nil)
            }
        }
        let sql = "SELECT \(table.columns.map(\.name).joined(separator: ", ")) FROM \(table.name)"
            + (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")) + " ORDER BY \(keyColumn) LIMIT \(limit)"
        return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map { Self.storedValues($0, count: table.columns.count) }
    }

    static func storedValues(_ row: Row, count: Int) -> [StoredValue] {
        (0..<count).map { index in
            switch (row[index] as DatabaseValue).storage {
            case .null: return .null
            case .int64(let i): return .integer(i)
            case .double(let d): return .real(d)
            case .string(let text): return .text(text)
            case .blob(let data): return .text(String(decoding: data, as: UTF8.self))
            }
        }
    }

    package func insertCopiedRows(_ table: CopyTable, _ rows: [[StoredValue]]) throws {
        let columns = table.columns.map(\.name)
        let sql: String
        if table == .decisionSearchText {
            sql = "INSERT INTO decision_search_text (decision_rowid, text) SELECT rowid, ?2 FROM decisions WHERE decision_id = ?1"
        } else {
            sql = "INSERT INTO \(table.name) (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))"
        }
        let statement = try db.cachedStatement(sql: sql)
        for row in rows {
            let values: [(any DatabaseValueConvertible)?] = row.map { value in
                switch value {
                case .null: return nil
                case .integer(let i): return i
                case .real(let d): return d
                case .text(let text): return text
                }
            }
            try statement.execute(arguments: StatementArguments(values))
            switch table {
            case .memoryRecords:
                let document = MemoryText.document(copiedRow: row)
                try db.cachedStatement(sql: "INSERT INTO memory_search (rowid, summary, body) VALUES (?, ?, ?)")
                    .execute(arguments: [db.lastInsertedRowID, document.summary, document.body])
            case .decisionSearchText:
                // The decision's search document is rebuilt from its copied words.
                try db.cachedStatement(sql: """
                    INSERT OR IGNORE INTO decision_search_stale (decision_rowid) SELECT rowid FROM decisions WHERE decision_id = ?
                    """).execute(arguments: [values[0]])
            default: break
            }
        }
    }

    package func copiedRowExists(_ table: CopyTable, id: String) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM \(table.name) WHERE \(table.columns[0].name) = ?)"),
            arguments: [id]) ?? false
    }

    package func productRowCount(_ table: VigilCore.TableDefinition) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT count(*) FROM \"\(table.sqlName)\"") ?? 0
    }

    package func productRows(_ table: VigilCore.TableDefinition, offset: Int, limit: Int) throws -> [JSONObject] {
        try selectProductRows(table, fields: table.columns, query: [], limit: limit, offset: offset)
    }

    package func allDecisionIDs() throws -> [String] {
        try String.fetchAll(db, sql: "SELECT decision_id FROM decisions ORDER BY decision_id")
    }
}
