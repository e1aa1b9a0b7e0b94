import GRDB
import VigilCore

extension SQLiteStore {
    /// A textual dump of every vigil table but the decision full-text index (derived, rebuilt lazily), for tests that
    /// prove a refused call changed nothing.
    package func snapshot() throws -> String {
        try pool.read { db in
            var out = ""
            let tables = try String.fetchAll(
                db,
                sql: """
                    SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
                    AND name NOT IN ('grdb_migrations', 'decision_search', 'decision_search_data', 'decision_search_idx',
                        'decision_search_content', 'decision_search_docsize', 'decision_search_config')
                    ORDER BY name
                    """)
            for table in tables {
                out += "## \(table)\n"
                for line in try Row.fetchAll(db, sql: "SELECT * FROM \"\(table)\"").map(\.description).sorted() {
                    out += line + "\n"
                }
            }
            return out
        }
    }
}
