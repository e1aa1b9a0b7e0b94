import Foundation
import VigilCore

extension PostgresTransaction {
    /// The PostgreSQL column type of a product column: texts sort byte-wise as on SQLite, flags are 0/1 integers.
    private static func columnType(_ type: ColumnType) -> String {
        switch type {
        case .string, .timestamp, .json: return "TEXT COLLATE \"C\""
        case .integer, .boolean: return "BIGINT"
        case .number: return "DOUBLE PRECISION"
        }
    }

    func ensureProductTables(_ tables: [VigilCore.TableDefinition]) throws {
        for table in tables {
            let existing = try query(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1",
                [table.sqlName]
            ).map { $0.string(0) }
            if existing.isEmpty {
                let columns = table.columns.map { column in
                    "\(quote(column.name)) \(Self.columnType(column.type))\(column.nullable ? "" : " NOT NULL")"
                }
                let key = "PRIMARY KEY (" + table.primaryKey.map { quote($0.name) }.joined(separator: ", ") + ")"
                // Another server may create it at the same moment: IF NOT EXISTS keeps that harmless.
                try execute("CREATE TABLE IF NOT EXISTS \(quote(table.sqlName)) (\(columns.joined(separator: ", ")), \(key))")
            } else {
                for column in table.columns where !existing.contains(column.name) {
                    try execute(
                        "ALTER TABLE \(quote(table.sqlName)) ADD COLUMN IF NOT EXISTS \(quote(column.name)) \(Self.columnType(column.type))")
                }
            }
        }
    }

    func readProductRows(_ product: DataProduct, query match: [(VigilCore.ColumnDefinition, JSONValue)], limit: Int) throws -> [JSONObject] {
        try selectProductRows(product.table, fields: product.exposedColumns, query: match, limit: limit, offset: 0)
    }

    /// `fields` of the rows of `table` matching `query`, in primary-key order.
    func selectProductRows(
        _ table: VigilCore.TableDefinition, fields: [VigilCore.ColumnDefinition], query match: [(VigilCore.ColumnDefinition, JSONValue)],
        limit: Int, offset: Int
    ) throws -> [JSONObject] {
        var conditions: [String] = []
        var parameters: [any PostgresBindable] = []
        for (column, value) in match {
            if value.isNull {
                conditions.append("\(quote(column.name)) IS NULL")
            } else {
                parameters.append(bindable(value, column.type))
                conditions.append("\(quote(column.name)) = $\(parameters.count)")
            }
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let order = table.primaryKey.map { quote($0.name) + " ASC" }.joined(separator: ", ")
        parameters.append(limit)
        parameters.append(offset)
        let sql = """
            SELECT \(fields.map { quote($0.name) }.joined(separator: ", ")) FROM \(quote(table.sqlName))
            \(whereClause) ORDER BY \(order) LIMIT $\(parameters.count - 1) OFFSET $\(parameters.count)
            """
        return try query(sql, parameters).map { row in
            var record: JSONObject = [:]
            for (index, column) in fields.enumerated() { record[column.name] = jsonValue(row[index], column.type) }
            return record
        }
    }

    func applyProductWrite(_ table: VigilCore.TableDefinition, operation: ProductOperation, rows: [JSONValue], keepExisting: Bool) throws -> Int {
        var affected = 0
        for row in rows {
            switch operation {
            case .insert:
                let values = row["values"]?.objectValue ?? [:]
                let names = values.keys.sorted()
                let sql = """
                    INSERT INTO \(quote(table.sqlName)) (\(names.map(quote).joined(separator: ", ")))
                    VALUES (\(Self.placeholders(names.count)))\(keepExisting ? " ON CONFLICT DO NOTHING" : "")
                    """
                affected += try execute(sql, names.map { bindable(values[$0]!, table.column($0)?.type ?? .json) })
            case .update:
                let match = row["match"]?.objectValue ?? [:]
                let set = row["set"]?.objectValue ?? [:]
                let setNames = set.keys.sorted()
                var parameters: [any PostgresBindable] = setNames.map { bindable(set[$0]!, table.column($0)?.type ?? .json) }
                let assignments = setNames.enumerated().map { quote($0.element) + " = $\($0.offset + 1)" }
                let whereClause = matchClause(table, match, &parameters)
                affected += try execute(
                    "UPDATE \(quote(table.sqlName)) SET \(assignments.joined(separator: ", ")) WHERE \(whereClause)", parameters)
            case .delete:
                var parameters: [any PostgresBindable] = []
                let whereClause = matchClause(table, row["match"]?.objectValue ?? [:], &parameters)
                affected += try execute("DELETE FROM \(quote(table.sqlName)) WHERE \(whereClause)", parameters)
            case .read:
                continue
            }
        }
        return affected
    }

    /// A savepoint around `body`: PostgreSQL aborts the whole transaction on any error, so a failed product write
    /// must roll back to it for the rest of the decision's work to go on.
    func inProductSavepoint<T>(_ body: () throws -> T) throws -> T {
        try execute("SAVEPOINT vigil_product")
        do {
            let value = try body()
            try execute("RELEASE SAVEPOINT vigil_product")
            return value
        } catch let failure as PostgresFailure where failure.connectionLost {
            throw failure
        } catch {
            try execute("ROLLBACK TO SAVEPOINT vigil_product")
            if let failure = error as? PostgresFailure { throw ProductWriteFailure(detail: failure.message) }
            throw error
        }
    }

    private func matchClause(_ table: VigilCore.TableDefinition, _ match: JSONObject, _ parameters: inout [any PostgresBindable]) -> String {
        var parts: [String] = []
        for name in match.keys.sorted() {
            let value = match[name]!
            if value.isNull {
                parts.append("\(quote(name)) IS NULL")
            } else {
                parameters.append(bindable(value, table.column(name)?.type ?? .json))
                parts.append("\(quote(name)) = $\(parameters.count)")
            }
        }
        return parts.isEmpty ? "FALSE" : parts.joined(separator: " AND ")
    }

    private func quote(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    /// The value stored for a validated JSON value of `type`, as the SQLite store stores it.
    private func bindable(_ value: JSONValue, _ type: ColumnType) -> any PostgresBindable {
        switch (type, value) {
        case (_, .null): return String?.none
        case (.json, _): return value.canonicalText
        case (.boolean, .bool(let b)): return b ? Int64(1) : Int64(0)
        case (.integer, _): return value.integerValue.map { $0 as any PostgresBindable } ?? value.canonicalText
        case (.number, _): return value.numberValue.map { $0 as any PostgresBindable } ?? value.canonicalText
        case (_, .string(let s)): return s
        default: return value.canonicalText
        }
    }

    private func jsonValue(_ text: String?, _ type: ColumnType) -> JSONValue {
        guard let text else { return .null }
        switch type {
        case .boolean: return .bool((Int64(text) ?? 0) != 0)
        case .integer: return Int64(text).map { .int($0) } ?? .string(text)
        case .number: return Double(text).map { .double($0) } ?? .string(text)
        case .json: return (try? JSONParser.parse(text)) ?? .string(text)
        case .string, .timestamp: return .string(text)
        }
    }
}
