import GRDB

extension Store {
    /// A textual dump of every vigil table, for tests that prove a refused call changed nothing.
    public func snapshot() throws -> String {
        try read { tx in
            var out = ""
            let tables = try String.fetchAll(
                tx.db,
                sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'decision_search%' AND name != 'grdb_migrations' ORDER BY name")
            for table in tables {
                out += "## \(table)\n"
                for row in try Row.fetchAll(tx.db, sql: "SELECT * FROM \"\(table)\" ORDER BY 1, 2") {
                    out += row.description + "\n"
                }
            }
            return out
        }
    }
}

extension DecisionEngine {
    /// The store's snapshot; see ``Store/snapshot()``.
    public func debugSnapshot() throws -> String { try store.snapshot() }
}
