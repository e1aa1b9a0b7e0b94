import Foundation
import VigilCore

/// The handle engines receive inside a PostgreSQL transaction. It never escapes the closure.
struct PostgresTransaction: StoreTransaction {
    let connection: PostgresConnection
    /// Rows read to be changed are locked (`FOR UPDATE`) in write transactions.
    let forWriting: Bool

    /// `FOR UPDATE` in a write transaction, nothing in a read one.
    var lock: String { forWriting ? " FOR UPDATE" : "" }

    @discardableResult
    func execute(_ sql: String, _ parameters: [any PostgresBindable] = [], prepare: Bool = true) throws -> Int {
        try connection.execute(sql, parameters, prepare: prepare)
    }

    /// Runs a statement whose row count nobody reads, sent with the next statement that needs an answer (or with
    /// `COMMIT`) in one round trip; a failure is thrown there.
    func enqueue(_ sql: String, _ parameters: [any PostgresBindable] = []) throws {
        try connection.enqueue(sql, parameters)
    }

    func query(_ sql: String, _ parameters: [any PostgresBindable] = [], prepare: Bool = true) throws -> PostgresRows {
        try connection.query(sql, parameters, prepare: prepare)
    }

    /// `$first, $first+1, …` for `count` parameters, comma-separated.
    static func placeholders(_ count: Int, from first: Int = 1) -> String {
        (first..<(first + count)).map { "$\($0)" }.joined(separator: ", ")
    }

    /// The size of the whole database, for the dashboard.
    func databaseSize() throws -> Int64 {
        try query("SELECT pg_database_size(current_database())").first { $0.int64(0) } ?? 0
    }

    /// Every vigil table but the derived search documents, rows sorted, as text.
    func snapshot() throws -> String {
        let tables = try query("""
            SELECT table_name FROM information_schema.tables
            WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
            AND table_name NOT IN ('vigil_migrations', 'decision_search')
            ORDER BY table_name COLLATE "C"
            """).map { $0.string(0) }
        var out = ""
        for table in tables {
            out += "## \(table)\n"
            let rows = try query("SELECT * FROM \"\(table)\"")
            var lines: [String] = []
            for index in 0..<rows.count {
                lines.append((0..<rows.columns).map { rows.string(index, $0) ?? "NULL" }.joined(separator: "|"))
            }
            rows.clear()
            for line in lines.sorted() { out += line + "\n" }
        }
        return out
    }
}

/// JSON text helpers shared by the files of this store.
enum StoredJSON {
    static func parse(_ text: String?) -> JSONValue? { text.flatMap { try? JSONParser.parse($0) } }
    static func strings(_ text: String?) -> [String]? { parse(text)?.arrayValue?.compactMap(\.stringValue) }
    /// `{"a","b"}`: a PostgreSQL array literal of `values`.
    static func array(_ values: [String]) -> String {
        "{" + values.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
            .joined(separator: ",") + "}"
    }
}
