extension DecisionEngine {
    /// Inserts rows straight into a configured table, outside any decision and its trace: seed data for a fresh
    /// store (`vigil demo`) and fixtures. Rows are checked against the table's column types; generated columns may be
    /// given explicitly. Rows whose primary key is already present are left as
    /// they are. Nothing is inserted if any row is refused.
    ///
    /// - Throws: ``DecisionError/invalidArgument(_:)`` naming the table, row and field at fault.
    public func seed(table name: String, rows: [JSONObject]) throws {
        guard let table = config.tables[name] else { throw DecisionError.invalidArgument("no table '\(name)' in the configuration") }
        for (index, row) in rows.enumerated() {
            for (field, value) in row {
                guard let column = table.column(field) else {
                    throw DecisionError.invalidArgument("seed row \(index) of '\(name)': no column '\(field)'")
                }
                guard value.isNull ? column.nullable : true else {
                    throw DecisionError.invalidArgument("seed row \(index) of '\(name)': '\(field)' is not nullable")
                }
            }
            for column in table.columns where !column.nullable && row[column.name] == nil {
                throw DecisionError.invalidArgument("seed row \(index) of '\(name)': '\(column.name)' is required")
            }
        }
        try store.write { tx in
            _ = try tx.applyProductWrite(table, operation: .insert, rows: rows.map { ["values": .object($0)] }, keepExisting: true)
        }
    }
}
