import CLibPQ
import Foundation
import VigilCore

/// A value bound to a statement parameter, sent in PostgreSQL's text format.
protocol PostgresBindable {
    /// The text PostgreSQL parses for this value; `nil` is SQL NULL.
    var postgresText: String? { get }
}

extension String: PostgresBindable { var postgresText: String? { self } }
extension Int: PostgresBindable { var postgresText: String? { String(self) } }
extension Int64: PostgresBindable { var postgresText: String? { String(self) } }
extension Int32: PostgresBindable { var postgresText: String? { String(self) } }
extension Bool: PostgresBindable { var postgresText: String? { self ? "1" : "0" } }
extension Double: PostgresBindable {
    /// The shortest text that reads back as the same double (PostgreSQL parses it exactly), with PostgreSQL's names
    /// for the special values.
    var postgresText: String? {
        if isNaN { return "NaN" }
        if isInfinite { return self > 0 ? "Infinity" : "-Infinity" }
        return description
    }
}
extension Optional: PostgresBindable where Wrapped: PostgresBindable {
    var postgresText: String? { self?.postgresText }
}

/// A failed statement or connection, with PostgreSQL's SQLSTATE when the server sent one.
struct PostgresFailure: Error {
    var sqlstate: String?
    var message: String
    /// The connection itself is gone (the server stopped, the network broke): it must be reopened.
    var connectionLost: Bool

    /// `40001` serialization failure, `40P01` deadlock and `23505` unique violation: the transaction was rolled back
    /// whole and may run again. A unique violation is what a check-then-insert race between two servers ends in
    /// (both saw no row, both inserted); run again, the loser sees the winner's row and answers as SQLite would.
    var isRetryable: Bool { sqlstate == "40001" || sqlstate == "40P01" || sqlstate == "23505" }
}

/// The rows of one statement's result, read as text.
struct PostgresRows {
    private let result: OpaquePointer
    let count: Int
    let columns: Int
    /// Rows the statement changed (`UPDATE`, `DELETE`, `INSERT`), 0 for queries.
    let affected: Int

    fileprivate init(_ result: OpaquePointer) {
        self.result = result
        count = Int(PQntuples(result))
        columns = Int(PQnfields(result))
        affected = Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    func clear() { PQclear(result) }

    func isNull(_ row: Int, _ column: Int) -> Bool { PQgetisnull(result, Int32(row), Int32(column)) == 1 }

    func string(_ row: Int, _ column: Int) -> String? {
        isNull(row, column) ? nil : String(cString: PQgetvalue(result, Int32(row), Int32(column)))
    }
    func int64(_ row: Int, _ column: Int) -> Int64? { string(row, column).flatMap { Int64($0) } }
    func int(_ row: Int, _ column: Int) -> Int? { string(row, column).flatMap { Int($0) } }
    func double(_ row: Int, _ column: Int) -> Double? { string(row, column).flatMap { Double($0) } }
    /// An `INTEGER` 0/1 flag or a `boolean`.
    func bool(_ row: Int, _ column: Int) -> Bool? {
        string(row, column).map { $0 == "1" || $0 == "t" || $0 == "true" }
    }
}

/// One row of a result: typed getters by column position.
struct PostgresRow {
    let rows: PostgresRows
    let index: Int

    subscript(_ column: Int) -> String? { rows.string(index, column) }
    func string(_ column: Int) -> String { rows.string(index, column) ?? "" }
    func int64(_ column: Int) -> Int64 { rows.int64(index, column) ?? 0 }
    func optionalInt64(_ column: Int) -> Int64? { rows.int64(index, column) }
    func int(_ column: Int) -> Int { rows.int(index, column) ?? 0 }
    func double(_ column: Int) -> Double { rows.double(index, column) ?? 0 }
    func optionalDouble(_ column: Int) -> Double? { rows.double(index, column) }
    func bool(_ column: Int) -> Bool { rows.bool(index, column) ?? false }
}

/// One libpq connection, used by one thread at a time (the pool hands it out).
///
/// Statements run with parameters in text format; each distinct SQL text is prepared once per connection and
/// reused. Server notices are dropped (they would go to standard error).
/// Sendable only so the pool can hand it between threads: it is used by one thread at a time.
final class PostgresConnection: @unchecked Sendable {
    private var connection: OpaquePointer?
    private var prepared: [String: String] = [:]
    let location: PostgresLocation

    /// A statement held back to be sent with the next one whose answer is needed (see ``enqueue(_:_:)``).
    private struct Queued {
        /// The prepared statement's name, or `nil` for text sent as is (transaction control).
        var name: String?
        var sql: String
        var texts: [String?]
        /// The transaction's `BEGIN` (``begin(_:)``): its answer means the transaction reached the server.
        var isBegin = false
    }

    /// Statements not sent yet, in order.
    private var queued: [Queued] = []
    /// Whether the current transaction's `BEGIN` has been answered by the server (``begin(_:)`` queues it).
    private(set) var transactionReachedServer = false

    /// Opens a connection, turning libpq's failures into store errors that name the host and database.
    init(_ location: PostgresLocation, applicationName: String = "vigil") throws(StoreError) {
        self.location = location
        let connection = location.connectionString(applicationName: applicationName).withCString { PQconnectdb($0) }
        guard let connection else { throw StoreError.unreachable(location: location.redacted, reason: "out of memory") }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = location.scrub(String(cString: PQerrorMessage(connection)))
            PQfinish(connection)
            throw Self.connectError(message, location: location)
        }
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
        self.connection = connection
    }

    deinit { if let connection { PQfinish(connection) } }

    /// Maps libpq's connection failure text onto the store's error cases.
    static func connectError(_ message: String, location: PostgresLocation) -> StoreError {
        let line = message.split(whereSeparator: \.isNewline).map(String.init)
            .first { $0.contains("FATAL") || $0.contains("failed") } ?? message
        let reason = line.trimmingCharacters(in: .whitespaces)
        if message.contains("password authentication failed") || message.contains("no password supplied")
            || message.contains("authentication failed")
        {
            return .authenticationFailed(location: location.redacted)
        }
        if message.contains("does not exist"), message.contains("database") {
            return .unreachable(location: location.redacted, reason: "the database does not exist (create it first: createdb)")
        }
        let cause = reason.range(of: "failed: ").map { String(reason[$0.upperBound...]) } ?? reason
        return .unreachable(location: location.redacted, reason: cause)
    }

    /// Whether the connection is still usable.
    var isHealthy: Bool { connection.map { PQstatus($0) == CONNECTION_OK } ?? false }

    /// Runs one statement. `parameters` bind `$1`, `$2`, …
    @discardableResult
    func execute(_ sql: String, _ parameters: [any PostgresBindable] = [], prepare: Bool = true) throws(PostgresFailure) -> Int {
        let rows = try query(sql, parameters, prepare: prepare)
        defer { rows.clear() }
        return rows.affected
    }

    /// Statements a connection keeps prepared at most; past that they are all dropped and prepared again as used.
    static let preparedLimit = 512

    /// Runs one statement and returns its rows; the caller must ``PostgresRows/clear()`` them.
    ///
    /// - Parameter prepare: prepare the statement once and reuse it (the default); `false` for text that is used once
    ///   (cursor names).
    func query(_ sql: String, _ parameters: [any PostgresBindable] = [], prepare: Bool = true) throws(PostgresFailure) -> PostgresRows {
        guard let connection else { throw PostgresFailure(sqlstate: nil, message: "the connection is closed", connectionLost: true) }
        let texts = parameters.map(\.postgresText)
        if !queued.isEmpty {
            // Everything held back goes first, in the same round trip.
            let last = Queued(name: prepare ? try preparedName(sql, parameterCount: texts.count) : nil, sql: sql, texts: texts)
            return try flush(then: last)!
        }
        guard prepare else {
            let result = Self.withCStrings(texts) { pointers in
                PQexecParams(connection, sql, Int32(texts.count), nil, pointers, nil, nil, 0)
            }
            try check(result, connection)
            return PostgresRows(result!)
        }
        let name = try preparedName(sql, parameterCount: texts.count)
        let result = Self.withCStrings(texts) { pointers in
            PQexecPrepared(connection, name, Int32(texts.count), pointers, nil, nil, 0)
        }
        try check(result, connection)
        return PostgresRows(result!)
    }

    /// The name `sql` is prepared under on this connection, preparing it first if needed (prepared statements belong
    /// to the session, not to a transaction, so this may run while statements are queued).
    private func preparedName(_ sql: String, parameterCount: Int) throws(PostgresFailure) -> String {
        guard let connection else { throw PostgresFailure(sqlstate: nil, message: "the connection is closed", connectionLost: true) }
        if let known = prepared[sql] { return known }
        if prepared.count >= Self.preparedLimit {
            let result = PQexec(connection, "DEALLOCATE ALL")
            try check(result, connection)
            PQclear(result)
            prepared.removeAll()
        }
        let name = "s\(prepared.count)"
        let result = PQprepare(connection, name, sql, Int32(parameterCount), nil)
        try check(result, connection)
        PQclear(result)
        prepared[sql] = name
        return name
    }

    /// Runs SQL text with no parameters, possibly several statements (migrations, transaction control).
    func run(_ sql: String) throws(PostgresFailure) {
        guard let connection else { throw PostgresFailure(sqlstate: nil, message: "the connection is closed", connectionLost: true) }
        if !queued.isEmpty { _ = try flush(then: nil) }
        let result = PQexec(connection, sql)
        try check(result, connection)
        PQclear(result)
    }

    // MARK: Statements held back

    /// Starts a transaction with `sql` (`BEGIN …`), sent together with the transaction's first statement.
    func begin(_ sql: String) {
        queued = [Queued(name: nil, sql: sql, texts: [], isBegin: true)]
        transactionReachedServer = false
    }

    /// Queues a statement whose answer nobody reads (an insert or update whose row count does not matter): it is sent
    /// with the next statement that needs an answer, or with `COMMIT`, in one round trip (libpq's pipeline mode).
    /// Its failure, if any, is thrown there, and the transaction fails whole as it would have.
    func enqueue(_ sql: String, _ parameters: [any PostgresBindable]) throws(PostgresFailure) {
        queued.append(Queued(name: try preparedName(sql, parameterCount: parameters.count), sql: sql, texts: parameters.map(\.postgresText)))
        // A pipeline is sent whole before its answers are read: kept to a size whose answers fit the sockets' buffers,
        // so neither side waits on the other.
        if queued.count >= Self.queueLimit { _ = try flush(then: nil) }
    }

    /// Statements queued at most before they are sent.
    static let queueLimit = 1_000

    /// Commits, sending what is queued with the `COMMIT` (nothing at all when the transaction never reached the server).
    func commit() throws(PostgresFailure) {
        if !transactionReachedServer, queued.count == 1, queued[0].isBegin {
            queued.removeAll()  // only the BEGIN: nothing to commit
            return
        }
        _ = try flush(then: Queued(name: nil, sql: "COMMIT", texts: []))?.clear()
    }

    /// Rolls back; what is queued is dropped unsent.
    func rollback() {
        queued.removeAll()
        if transactionReachedServer, isHealthy { try? run("ROLLBACK") }
    }

    /// Sends the queued statements and `last` in one pipeline and reads every answer.
    /// - Returns: `last`'s rows (the caller clears them).
    /// - Throws: the first statement's failure (the server skips the rest of the pipeline after it).
    private func flush(then last: Queued?) throws(PostgresFailure) -> PostgresRows? {
        guard let connection else { throw PostgresFailure(sqlstate: nil, message: "the connection is closed", connectionLost: true) }
        let batch = queued + (last.map { [$0] } ?? [])
        queued.removeAll()
        guard PQenterPipelineMode(connection) == 1 else { throw lostFailure(connection) }
        for statement in batch {
            let sent = Self.withCStrings(statement.texts) { pointers in
                if let name = statement.name {
                    return PQsendQueryPrepared(connection, name, Int32(statement.texts.count), pointers, nil, nil, 0)
                }
                return PQsendQueryParams(connection, statement.sql, 0, nil, nil, nil, nil, 0)
            }
            guard sent == 1 else { throw lostFailure(connection) }
        }
        guard PQpipelineSync(connection) == 1 else { throw lostFailure(connection) }
        var failure: PostgresFailure?
        var answer: PostgresRows?
        for (index, statement) in batch.enumerated() {
            // One result per statement, then NULL.
            guard let result = PQgetResult(connection) else { throw lostFailure(connection) }
            while let extra = PQgetResult(connection) { PQclear(extra) }
            let status = PQresultStatus(result)
            if status == PGRES_PIPELINE_ABORTED {
                PQclear(result)
                continue
            }
            if failure == nil {
                do throws(PostgresFailure) {
                    try check(result, connection)
                } catch {
                    failure = error
                    continue
                }
            } else {
                PQclear(result)
                continue
            }
            if statement.isBegin { transactionReachedServer = true }
            if index == batch.count - 1, last != nil { answer = PostgresRows(result) } else { PQclear(result) }
        }
        // The sync point ends the pipeline.
        while let result = PQgetResult(connection) {
            let status = PQresultStatus(result)
            PQclear(result)
            if status == PGRES_PIPELINE_SYNC { break }
        }
        guard PQexitPipelineMode(connection) == 1 else {
            answer?.clear()
            throw failure ?? lostFailure(connection)
        }
        if let failure {
            answer?.clear()
            throw failure
        }
        return answer
    }

    /// The connection's own error, as a lost connection.
    private func lostFailure(_ connection: OpaquePointer) -> PostgresFailure {
        PostgresFailure(
            sqlstate: nil, message: location.scrub(String(cString: PQerrorMessage(connection)).trimmingCharacters(in: .whitespacesAndNewlines)),
            connectionLost: true)
    }

    private func check(_ result: OpaquePointer?, _ connection: OpaquePointer) throws(PostgresFailure) {
        let status = result.map(PQresultStatus) ?? PGRES_FATAL_ERROR
        switch status {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return
        default:
            let sqlstate = result.flatMap { PQresultErrorField($0, Int32(UInt8(ascii: "C"))) }.map { String(cString: $0) }
            let message = result.flatMap { PQresultErrorField($0, Int32(UInt8(ascii: "M"))) }.map { String(cString: $0) }
                ?? String(cString: PQerrorMessage(connection)).trimmingCharacters(in: .whitespacesAndNewlines)
            if let result { PQclear(result) }
            let lost = PQstatus(connection) != CONNECTION_OK || sqlstate?.hasPrefix("08") == true
                || sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03"
            throw PostgresFailure(sqlstate: sqlstate, message: location.scrub(message), connectionLost: lost)
        }
    }

    /// The socket, for waiting on notifications.
    var socket: Int32 { connection.map { PQsocket($0) } ?? -1 }

    /// Reads what the server sent and returns the notifications received since the last call (channel names).
    func drainNotifications() throws(PostgresFailure) -> [String] {
        guard let connection else { throw PostgresFailure(sqlstate: nil, message: "the connection is closed", connectionLost: true) }
        guard PQconsumeInput(connection) == 1 else {
            throw PostgresFailure(
                sqlstate: nil, message: location.scrub(String(cString: PQerrorMessage(connection))), connectionLost: true)
        }
        var channels: [String] = []
        while let notification = PQnotifies(connection) {
            channels.append(String(cString: notification.pointee.relname))
            PQfreemem(notification)
        }
        return channels
    }

    /// Calls `body` with NUL-terminated copies of `strings` (NULL for `nil`), valid only during the call.
    private static func withCStrings<T>(_ strings: [String?], _ body: ([UnsafePointer<CChar>?]) -> T) -> T {
        var buffers: [UnsafeMutablePointer<CChar>?] = strings.map { $0.map { strdup($0) } ?? nil }
        defer { for buffer in buffers { free(buffer) } }
        return buffers.withUnsafeMutableBufferPointer { pointers in
            body(pointers.map { $0.map { UnsafePointer($0) } })
        }
    }
}

extension PostgresRows {
    /// Every row, decoded by `make`; clears the result.
    func map<T>(_ make: (PostgresRow) throws -> T) rethrows -> [T] {
        defer { clear() }
        var out: [T] = []
        out.reserveCapacity(count)
        for index in 0..<count { out.append(try make(PostgresRow(rows: self, index: index))) }
        return out
    }

    /// The first row, decoded by `make`; clears the result.
    func first<T>(_ make: (PostgresRow) throws -> T) rethrows -> T? {
        defer { clear() }
        guard count > 0 else { return nil }
        return try make(PostgresRow(rows: self, index: 0))
    }
}
