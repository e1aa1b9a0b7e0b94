import CSQLite
import Foundation
import VigilCore
import VigilStoreSQLite

/// `vigil bench decisions`: the decision engine against raw sqlite3 inserts of the same rows in the same
/// transactions.
///
/// Each decision is 10 events in 10 transactions: create, 8 × add_context, close. The raw baseline writes the same
/// rows (decision insert, event insert, head update, search words, receipt) with reused prepared statements and
/// no JSON, hashing or validation, so it is the ceiling SQLite allows on this machine.
public enum DecisionBench {
    public struct Report: Sendable {
        public var decisions: Int
        public var events: Int
        public var engineSeconds: Double
        public var rawSeconds: Double

        public var engineEventsPerSecond: Double { Double(events) / engineSeconds }
        public var rawEventsPerSecond: Double { Double(events) / rawSeconds }
        public var ratio: Double { engineEventsPerSecond / rawEventsPerSecond }

        public var text: String {
            """
            decisions bench: \(decisions) decisions × 10 events = \(events) events, one transaction per event
              engine   \(String(format: "%10.0f", engineEventsPerSecond)) events/s  (\(String(format: "%.2f", engineSeconds)) s)
              raw C    \(String(format: "%10.0f", rawEventsPerSecond)) events/s  (\(String(format: "%.2f", rawSeconds)) s)
              ratio    \(String(format: "%.1f", ratio * 100)) % of raw  (target ≥ 30 %)
            """
        }

        public var json: JSONValue {
            [
                "decisions": .int(Int64(decisions)), "events": .int(Int64(events)),
                "engine_events_per_second": .double(engineEventsPerSecond.rounded()),
                "raw_events_per_second": .double(rawEventsPerSecond.rounded()),
                "engine_seconds": .double(engineSeconds), "raw_seconds": .double(rawSeconds),
                "ratio": .double((ratio * 1000).rounded() / 1000), "target_ratio": 0.3,
            ]
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs both halves in fresh temporary stores, calling `progress` with the number of decisions done.
    public static func run(decisions: Int, progress: (Int) -> Void = { _ in }) throws -> Report {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let engineSeconds = try runEngine(decisions: decisions, path: directory.appendingPathComponent("engine.db").path, progress: progress)
        let rawSeconds = try runRaw(decisions: decisions, path: directory.appendingPathComponent("raw.db").path)
        return Report(decisions: decisions, events: decisions * 10, engineSeconds: engineSeconds, rawSeconds: rawSeconds)
    }

    static func runEngine(decisions: Int, path: String, progress: (Int) -> Void) throws -> Double {
        let store = try SQLiteStore(path: path)
        let engine = try DecisionEngine(store: store, config: VigilConfig())
        let (agent, _) = try PrincipalRegistry(store: store).add(name: "bench", kind: .agent)
        let start = DispatchTime.now()
        for index in 0..<decisions {
            let created = try engine.createDecision(
                ["intent": "bench.decision.run", "automation_mode": "autonomous", "metadata": ["run": .int(Int64(index))]],
                agent: agent)
            let id = created["decision_id"]!
            for note in 0..<8 {
                _ = try engine.addContext(
                    ["decision_id": id, "context": ["step": .int(Int64(note)), "note": "checked the release notes"],
                     "summary": .string("step \(note)")],
                    agent: agent)
            }
            _ = try engine.close(["decision_id": id, "action": "commit"], agent: agent)
            if index % 100 == 99 { progress(index + 1) }
        }
        return Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }

    static func runRaw(decisions: Int, path: String) throws -> Double {
        _ = try SQLiteStore(path: path)  // the same schema, made by the same migrations
        var db: OpaquePointer?
        guard sqlite3_open(path, &db) == SQLITE_OK, let db else { throw Failure(description: "cannot open \(path)") }
        defer { sqlite3_close(db) }
        func exec(_ sql: String) throws {
            guard sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else {
                throw Failure(description: String(cString: sqlite3_errmsg(db)))
            }
        }
        try exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON")
        func prepare(_ sql: String) throws -> OpaquePointer {
            var statement: OpaquePointer?
            guard sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil) == SQLITE_OK,
                let statement
            else { throw Failure(description: String(cString: sqlite3_errmsg(db))) }
            return statement
        }
        let insertDecision = try prepare(
            """
            INSERT INTO decisions (decision_id, agent_id, actor, intent, automation_mode, metadata, status,
            created_at, head_hash) VALUES (?, 'agent_bench', 'agent_bench', 'bench.decision.run',
            'autonomous', ?, 'open', ?, ?)
            """)
        let insertEvent = try prepare(
            """
            INSERT INTO decision_events (decision_id, seq, event_id, type, timestamp, actor, prev_hash, hash, body)
            VALUES (?, ?, ?, ?, ?, 'agent_bench', ?, ?, ?)
            """)
        let updateDecision = try prepare(
            "UPDATE decisions SET status = ?, event_count = ?, head_hash = ? WHERE decision_id = ?")
        let rowID = try prepare("SELECT rowid FROM decisions WHERE decision_id = ?")
        let insertWords = try prepare("INSERT INTO decision_search_text (decision_rowid, text) VALUES (?, ?)")
        let markStale = try prepare("INSERT OR IGNORE INTO decision_search_stale (decision_rowid) VALUES (?)")
        let deleteBuffer = try prepare("DELETE FROM write_buffer WHERE decision_id = ?")
        let deleteEvidence = try prepare("DELETE FROM read_evidence WHERE decision_id = ?")
        let insertReceipt = try prepare("INSERT INTO receipts (decision_id, receipt) VALUES (?, ?)")
        let statements = [insertDecision, insertEvent, updateDecision, rowID, insertWords, markStale, deleteBuffer,
                          deleteEvidence, insertReceipt]
        defer { statements.forEach { sqlite3_finalize($0) } }

        func step(_ statement: OpaquePointer, _ values: [Any]) throws {
            for (i, value) in values.enumerated() {
                switch value {
                case let s as String: sqlite3_bind_text(statement, Int32(i + 1), s, -1, csqlite_transient())
                case let n as Int: sqlite3_bind_int64(statement, Int32(i + 1), Int64(n))
                case let n as Int64: sqlite3_bind_int64(statement, Int32(i + 1), n)
                default: sqlite3_bind_null(statement, Int32(i + 1))
                }
            }
            let code = sqlite3_step(statement)
            guard code == SQLITE_DONE || code == SQLITE_ROW else {
                throw Failure(description: String(cString: sqlite3_errmsg(db)))
            }
            sqlite3_reset(statement)
        }
        func lookupRowID(_ id: String) throws -> Int64 {
            sqlite3_bind_text(rowID, 1, id, -1, csqlite_transient())
            guard sqlite3_step(rowID) == SQLITE_ROW else { throw Failure(description: "missing row") }
            let value = sqlite3_column_int64(rowID, 0)
            sqlite3_reset(rowID)
            return value
        }
        // Pre-built values of the sizes the engine writes, so the baseline measures SQLite alone.
        let hash = String(repeating: "ab", count: 32)
        let body = String(repeating: "x", count: 520)
        let receipt = String(repeating: "r", count: 640)
        let start = DispatchTime.now()
        for index in 0..<decisions {
            let id = "TMEM_RAW\(index)"
            try exec("BEGIN IMMEDIATE")
            try step(insertDecision, [id, "{\"run\":\(index)}", "2026-01-01T00:00:00.000Z", hash])
            try step(insertEvent, [id, 1, "evt_\(index)_1", "created", "2026-01-01T00:00:00.000Z", hash, hash, body])
            let row = try lookupRowID(id)
            try step(insertWords, [row, "bench.decision.run"])
            try step(markStale, [row])
            try step(updateDecision, ["open", 1, hash, id])
            try exec("COMMIT")
            for seq in 2...10 {
                try exec("BEGIN IMMEDIATE")
                try step(insertEvent, [id, seq, "evt_\(index)_\(seq)", seq == 10 ? "closed" : "context",
                                       "2026-01-01T00:00:00.000Z", hash, hash, body])
                let row = try lookupRowID(id)
                if seq < 10 { try step(insertWords, [row, "step \(seq) checked the release notes \(seq)"]) }
                try step(markStale, [row])
                if seq == 10 {
                    try step(deleteBuffer, [id])
                    try step(deleteEvidence, [id])
                    try step(insertReceipt, [id, receipt])
                }
                try step(updateDecision, [seq == 10 ? "committed" : "open", seq, hash, id])
                try exec("COMMIT")
            }
        }
        return Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }
}
