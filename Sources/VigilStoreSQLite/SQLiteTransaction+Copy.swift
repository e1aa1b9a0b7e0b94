import CSQLite
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
        try forEachStoredRow(db.makeStatement(sql: sql), [], columns: table.columns.count, body)
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
        return try storedRows(db.cachedStatement(sql: sql), keys.map { .text($0) }, columns: table.columns.count)
    }

    package func copiedRows(
        _ table: CopyTable, keyColumn: String, after key: String?, since: (column: String, value: StoredValue)?, limit: Int
    ) throws -> [[StoredValue]] {
        var conditions: [String] = []
        var arguments: [StoredValue] = []
        if let key { conditions.append("\(keyColumn) > ?"); arguments.append(.text(key)) }
        if let since {
            conditions.append("\(since.column) >= ?")
            arguments.append(since.value)
        }
        let sql = "SELECT \(table.columns.map(\.name).joined(separator: ", ")) FROM \(table.name)"
            + (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")) + " ORDER BY \(keyColumn) LIMIT \(limit)"
        return try storedRows(db.cachedStatement(sql: sql), arguments, columns: table.columns.count)
    }

    /// Runs a query read straight from SQLite's columns (no GRDB rows: an export reads millions).
    private func storedRows(_ statement: Statement, _ arguments: [StoredValue], columns: Int) throws -> [[StoredValue]] {
        var rows: [[StoredValue]] = []
        try forEachStoredRow(statement, arguments, columns: columns) { rows.append($0) }
        return rows
    }

    /// Runs a query and hands over each row as it is stepped to, its first `columns` columns as stored values: text,
    /// or a blob read as text (as GRDB's rows would give it).
    private func forEachStoredRow(
        _ statement: Statement, _ arguments: [StoredValue], columns: Int, _ body: ([StoredValue]) throws -> Void
    ) throws {
        let handle = statement.sqliteStatement
        try withBindings(statement, arguments) {
            while true {
                let code = sqlite3_step(handle)
                if code == SQLITE_DONE { return }
                guard code == SQLITE_ROW else { throw stepError(code, statement) }
                var row: [StoredValue] = []
                row.reserveCapacity(columns)
                for index in 0..<Int32(columns) {
                    switch sqlite3_column_type(handle, index) {
                    case SQLITE_NULL: row.append(.null)
                    case SQLITE_INTEGER: row.append(.integer(sqlite3_column_int64(handle, index)))
                    case SQLITE_FLOAT: row.append(.real(sqlite3_column_double(handle, index)))
                    default:
                        let count = Int(sqlite3_column_bytes(handle, index))
                        let bytes = sqlite3_column_blob(handle, index)
                        row.append(.text(bytes.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: count).bindMemory(to: UInt8.self), as: UTF8.self) } ?? ""))
                    }
                }
                try body(row)
            }
        }
    }

    /// Runs a statement that returns no rows with `values` bound.
    private func run(_ statement: Statement, _ values: [StoredValue]) throws {
        try withBindings(statement, values) {
            let code = sqlite3_step(statement.sqliteStatement)
            guard code == SQLITE_DONE || code == SQLITE_ROW else { throw stepError(code, statement) }
        }
    }

    /// Binds `values` to the statement's parameters, in order, straight through SQLite's API, and runs `body` while
    /// they are bound. The row's text is copied once into one buffer that stays put until `body` has returned and is
    /// bound in place (SQLite's own copy costs an allocation per value); the bindings are cleared before it goes.
    private func withBindings(_ statement: Statement, _ values: [StoredValue], _ body: () throws -> Void) throws {
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        var length = 0
        for case .text(let text) in values { length += text.utf8.count }
        var texts: [UInt8] = []
        texts.reserveCapacity(length + 1)
        for case .text(let text) in values { texts.append(contentsOf: text.utf8) }
        texts.append(0)
        try texts.withUnsafeBufferPointer { buffer in
            let base = UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
            var offset = 0
            for position in values.indices {
                let index = Int32(position + 1)
                let code: Int32
                switch values[position] {
                case .null: code = sqlite3_bind_null(handle, index)
                case .integer(let i): code = sqlite3_bind_int64(handle, index, i)
                case .real(let d): code = sqlite3_bind_double(handle, index, d)
                case .text(let text):
                    let count = text.utf8.count
                    code = sqlite3_bind_text(handle, index, base + offset, Int32(count), nil)
                    offset += count
                }
                guard code == SQLITE_OK else { throw stepError(code, statement) }
            }
            try body()
        }
    }

    private func stepError(_ code: Int32, _ statement: Statement) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: statement.sql)
    }

    package func insertCopiedRows(_ table: CopyTable, _ rows: [[StoredValue]], searchDocuments: [MemoryText.Document]?) throws {
        switch table {
        case .memoryRecords:
            // One at a time, for each record's row number; then the search documents in as few statements as
            // possible: FTS5 writes out what it holds at every statement that follows one of its inserts in a
            // transaction, so one insert per record would cost a segment each.
            let statement = try db.cachedStatement(sql: Self.insertSQL[table]!)
            var documents: [StoredValue] = []
            for (index, row) in rows.enumerated() {
                try run(statement, row)
                let document = searchDocuments?[index] ?? MemoryText.document(copiedRow: row)
                documents += [.integer(db.lastInsertedRowID), .text(document.summary), .text(document.body)]
            }
            for chunk in Self.chunks(documents, of: 3 * 300) {
                let values = Array(repeating: "(?, ?, ?)", count: chunk.count / 3).joined(separator: ", ")
                try run(db.cachedStatement(sql: "INSERT INTO memory_search (rowid, summary, body) VALUES \(values)"), chunk)
            }
        case .decisionSearchText:
            let statement = try db.cachedStatement(sql: """
                INSERT INTO decision_search_text (decision_rowid, text) SELECT rowid, ?2 FROM decisions WHERE decision_id = ?1
                """)
            for row in rows { try run(statement, row) }
            // Each decision's search document is rebuilt from its copied words.
            var seen = Set<String>()
            let decisions: [StoredValue] = rows.compactMap { row in
                guard case .text(let id) = row[0], seen.insert(id).inserted else { return nil }
                return row[0]
            }
            for chunk in Self.chunks(decisions, of: 500) {
                try run(db.cachedStatement(sql: """
                    INSERT OR IGNORE INTO decision_search_stale (decision_rowid)
                    SELECT rowid FROM decisions WHERE decision_id IN (\(Self.marks(chunk.count)))
                    """), chunk)
            }
        default:
            let statement = try db.cachedStatement(sql: Self.insertSQL[table]!)
            for row in rows { try run(statement, row) }
        }
    }

    /// Each table's INSERT of a copied row, worked out once. (Several rows a statement measured no faster.)
    private static let insertSQL: [CopyTable: String] = Dictionary(uniqueKeysWithValues: CopyTable.allCases.map { table in
        let columns = table.columns.map(\.name)
        return (table, "INSERT INTO \(table.name) (\(columns.joined(separator: ", "))) VALUES (\(marks(columns.count)))")
    })

    package func copiedIDs(_ table: CopyTable, among ids: [String]) throws -> Set<String> {
        let column = table.columns[0].name
        var found = Set<String>()
        for chunk in Self.chunks(ids.map { StoredValue.text($0) }, of: 500) {
            let statement = try db.cachedStatement(sql: "SELECT \(column) FROM \(table.name) WHERE \(column) IN (\(Self.marks(chunk.count)))")
            for row in try storedRows(statement, chunk, columns: 1) {
                if case .text(let id) = row[0] { found.insert(id) }
            }
        }
        return found
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
