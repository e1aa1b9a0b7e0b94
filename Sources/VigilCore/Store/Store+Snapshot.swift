import GRDB

extension Store {
    /// A textual dump of every vigil table but the decision full-text index (derived, rebuilt lazily), for tests that prove a refused call changed nothing.
    public func snapshot() throws -> String {
        try read { tx in
            var out = ""
            let tables = try String.fetchAll(
                tx.db,
                sql: """
                    SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
                    AND name NOT IN ('grdb_migrations', 'decision_search', 'decision_search_data', 'decision_search_idx',
                        'decision_search_content', 'decision_search_docsize', 'decision_search_config')
                    ORDER BY name
                    """)
            for table in tables {
                out += "## \(table)\n"
                for line in try Row.fetchAll(tx.db, sql: "SELECT * FROM \"\(table)\"").map(\.description).sorted() {
                    out += line + "\n"
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
