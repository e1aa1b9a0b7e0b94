import Foundation
import GRDB
import VigilCore

extension SQLiteTransaction {
    /// Creates `dp_<table>` for every configured table and adds missing columns. Never drops or alters one.
    package func ensureProductTables(_ tables: [VigilCore.TableDefinition]) throws {
        for table in tables {
            let existing = try Row.fetchAll(db, sql: "PRAGMA table_info(\(quote(table.sqlName)))")
                .map { $0["name"] as String }
            if existing.isEmpty {
                let columns = table.columns.map { column in
                    "\(quote(column.name)) \(column.type.sqliteType)\(column.nullable ? "" : " NOT NULL")"
                }
                let key = "PRIMARY KEY (" + table.primaryKey.map { quote($0.name) }.joined(separator: ", ") + ")"
                try db.execute(sql: "CREATE TABLE \(quote(table.sqlName)) (\(columns.joined(separator: ", ")), \(key))")
            } else {
                for column in table.columns where !existing.contains(column.name) {
                    try db.execute(
                        sql: "ALTER TABLE \(quote(table.sqlName)) ADD COLUMN \(quote(column.name)) \(column.type.sqliteType)")
                }
            }
        }
    }

    /// Rows of `product` matching `query` (field → value equality, `null` matching NULL), in primary-key order.
    package func readProductRows(_ product: DataProduct, query: [(VigilCore.ColumnDefinition, JSONValue)], limit: Int) throws -> [JSONObject] {
        try selectProductRows(product.table, fields: product.exposedColumns, query: query, limit: limit, offset: 0)
    }

    /// `fields` of the rows of `table` matching `query`, in primary-key order.
    func selectProductRows(
        _ table: VigilCore.TableDefinition, fields: [VigilCore.ColumnDefinition], query: [(VigilCore.ColumnDefinition, JSONValue)],
        limit: Int, offset: Int
    ) throws -> [JSONObject] {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        for (column, value) in query {
            if value.isNull {
                conditions.append("\(quote(column.name)) IS NULL")
            } else {
                conditions.append("\(quote(column.name)) = ?")
                arguments += [databaseValue(value, column.type)]
            }
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let order = table.primaryKey.map { quote($0.name) + " ASC" }.joined(separator: ", ")
        let sql = """
            SELECT \(fields.map { quote($0.name) }.joined(separator: ", ")) FROM \(quote(table.sqlName))
            \(whereClause) ORDER BY \(order) LIMIT ? OFFSET ?
            """
        return try Row.fetchAll(db, sql: sql, arguments: arguments + [limit, offset]).map { row in
            var record: JSONObject = [:]
            for column in fields { record[column.name] = jsonValue(row[column.name], column.type) }
            return record
        }
    }

    /// Applies normalized row operations to the product's table inside a savepoint.
    ///
    /// - Parameter keepExisting: inserts skip rows whose primary key is already present (seed data).
    /// - Returns: the number of affected rows.
    /// - Throws: ``ProductWriteFailure`` after rolling back the savepoint.
    package func applyProductWrite(_ table: VigilCore.TableDefinition, operation: ProductOperation, rows: [JSONValue], keepExisting: Bool = false) throws -> Int {
        var affected = 0
        for row in rows {
            switch operation {
            case .insert:
                let values = row["values"]?.objectValue ?? [:]
                let names = values.keys.sorted()
                let sql = "INSERT \(keepExisting ? "OR IGNORE " : "")INTO \(quote(table.sqlName)) (\(names.map(quote).joined(separator: ", "))) VALUES (\(names.map { _ in "?" }.joined(separator: ", ")))"
                try db.execute(sql: sql, arguments: StatementArguments(names.map { databaseValue(values[$0]!, table.column($0)?.type ?? .json) }))
            case .update:
                let match = row["match"]?.objectValue ?? [:]
                let set = row["set"]?.objectValue ?? [:]
                let setNames = set.keys.sorted()
                let (whereClause, whereArguments) = matchClause(table, match)
                let sql = "UPDATE \(quote(table.sqlName)) SET \(setNames.map { quote($0) + " = ?" }.joined(separator: ", ")) WHERE \(whereClause)"
                try db.execute(sql: sql, arguments: StatementArguments(setNames.map { databaseValue(set[$0]!, table.column($0)?.type ?? .json) }) + whereArguments)
            case .delete:
                let (whereClause, whereArguments) = matchClause(table, row["match"]?.objectValue ?? [:])
                try db.execute(sql: "DELETE FROM \(quote(table.sqlName)) WHERE \(whereClause)", arguments: whereArguments)
            case .read:
                continue
            }
            affected += db.changesCount
        }
        return affected
    }

    /// Runs `body` in a savepoint; on a database error the savepoint is rolled back and a
    /// ``ProductWriteFailure`` describing the SQLite error is thrown.
    package func inProductSavepoint<T>(_ body: () throws -> T) throws -> T {
        var result: T?
        do {
            try db.inSavepoint {
                result = try body()
                return .commit
            }
        } catch let error as DatabaseError {
            throw ProductWriteFailure(detail: error.message ?? "\(error.resultCode)")
        }
        return result!
    }

    private func matchClause(_ table: VigilCore.TableDefinition, _ match: JSONObject) -> (String, StatementArguments) {
        var parts: [String] = []
        var arguments: StatementArguments = []
        for name in match.keys.sorted() {
            let value = match[name]!
            if value.isNull {
                parts.append("\(quote(name)) IS NULL")
            } else {
                parts.append("\(quote(name)) = ?")
                arguments += [databaseValue(value, table.column(name)?.type ?? .json)]
            }
        }
        return (parts.isEmpty ? "0" : parts.joined(separator: " AND "), arguments)
    }

    private func quote(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    /// The SQLite value stored for a validated JSON value of `type`.
    private func databaseValue(_ value: JSONValue, _ type: ColumnType) -> (any DatabaseValueConvertible)? {
        switch (type, value) {
        case (_, .null): return nil
        case (.json, _): return value.canonicalText
        case (.boolean, .bool(let b)): return b ? 1 : 0
        case (.integer, _): return value.integerValue
        case (.number, _): return value.numberValue
        case (_, .string(let s)): return s
        default: return value.canonicalText
        }
    }

    private func jsonValue(_ dbValue: DatabaseValue, _ type: ColumnType) -> JSONValue {
        switch dbValue.storage {
        case .null: return .null
        case .int64(let i):
            switch type {
            case .boolean: return .bool(i != 0)
            case .number: return .double(Double(i))
            default: return .int(i)
            }
        case .double(let d): return type == .integer ? (JSONValue.double(d).integerValue.map { .int($0) } ?? .double(d)) : .double(d)
        case .string(let s):
            if type == .json { return (try? JSONParser.parse(s)) ?? .string(s) }
            return .string(s)
        case .blob(let data): return .string(Encoding.base64URL(data))
        }
    }
}
