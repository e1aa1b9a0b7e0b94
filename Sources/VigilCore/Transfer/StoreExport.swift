import Foundation

/// What `vigil export` writes: `decisions` (with their traces, approvals, receipts and evidence, then the receipt
/// signing keys that verify them), `approvals` alone, `memories` (with audit logs, relations and links), or `all`.
public enum ExportKind: String, CaseIterable, Sendable {
    case decisions, approvals, memories, all
}

/// Why an import file was refused. Nothing of the file was loaded.
public enum ImportError: Error, Equatable, CustomStringConvertible {
    case malformed(line: Int, reason: String)

    public var description: String {
        switch self {
        case .malformed(let line, let reason): return "line \(line): \(reason); nothing was imported"
        }
    }
}

/// vigil's export format, version 1: JSON Lines, one object a line, each JCS (sorted keys, no spaces) except that
/// integers keep every digit (nanosecond times pass 2^53, where JCS would round them to a double), so exporting the
/// same store twice gives the same bytes and importing loses nothing. Every line has `"v": 1` and a `"kind"`:
///
/// - `decision`: `decision` (the row), `events` (the trace, each body the exact hashed text), `approvals`, `receipt`
///   (or null), `read_evidence`, `write_buffer`, `write_idempotency`, `search_text` (its searchable words),
///   `redactions`.
/// - `receipt_key` (after the decisions): `key` — the public half (`key_id`, `public_key`, `created_at`) of a key
///   that signed an exported receipt.
/// - `approval` (only with `--kind approvals`): `approval`.
/// - `memory`: `record` (every column, payload as stored), `audit`, `relations`, `links` (to decisions),
///   `consolidation` (the stages that processed it).
///
/// A row is an object of its columns: text, integer, real or null, named as in the store.
package enum StoreTransfer {
    public static let version = 1
    static let pageSize = 500

    /// A line kind's child tables, the field each goes in, and the column that names the parent.
    package static let decisionChildren: [(field: String, table: CopyTable)] = [
        ("events", .decisionEvents), ("approvals", .approvals), ("receipt", .receipts), ("read_evidence", .readEvidence),
        ("write_buffer", .writeBuffer), ("write_idempotency", .writeIdempotency), ("search_text", .decisionSearchText),
        ("redactions", .decisionRedactions),
    ]
    package static let memoryChildren: [(field: String, table: CopyTable)] = [
        ("audit", .memoryAudit), ("relations", .memoryRelations), ("links", .memoryDecisionLinks),
        ("consolidation", .memoryConsolidationLog),
    ]

    /// Each line kind as an import reads it: the field of its one row (whose first column is the line's id), then
    /// its children; a child field holds a list, but `receipt` one row or null.
    typealias LineLayout = (kind: ParsedLine.Kind, parent: (field: String, table: CopyTable), children: [(field: String, table: CopyTable)])
    static let lineLayouts: [String: LineLayout] = [
        "receipt_key": (.receiptKey, ("key", .receiptKeys), []),
        "decision": (.decision, ("decision", .decisions), decisionChildren),
        "approval": (.approval, ("approval", .approvals), []),
        "memory": (.memory, ("record", .memoryRecords), memoryChildren),
    ]

    /// How many of each kind an export wrote or an import loaded (and, for an import, found already there).
    package struct Counts: Sendable, Equatable {
        package var receiptKeys = 0, decisions = 0, approvals = 0, memories = 0
        package var skipped = 0
        package var total: Int { receiptKeys + decisions + approvals + memories }

        package init() {}

        package static func += (total: inout Counts, more: Counts) {
            total.receiptKeys += more.receiptKeys
            total.decisions += more.decisions
            total.approvals += more.approvals
            total.memories += more.memories
            total.skipped += more.skipped
        }

        package var json: JSONValue {
            ["receipt_keys": .int(Int64(receiptKeys)), "decisions": .int(Int64(decisions)), "approvals": .int(Int64(approvals)),
             "memories": .int(Int64(memories)), "already_present": .int(Int64(skipped))]
        }
    }

    // MARK: Export

    /// Writes every line's bytes through `emit` (without its newline); `progress` gets the lines written so far.
    package static func export(
        from store: any Store, kind: ExportKind, since: Date?, emit: ([UInt8]) throws -> Void, progress: (Int) -> Void = { _ in }
    ) throws -> Counts {
        var counts = Counts()
        // One buffer for every line: `emit` copies what it keeps.
        var out: [UInt8] = []
        out.reserveCapacity(1 << 16)
        func write(_ kind: String, _ fields: [(String, Field)]) throws {
            out.removeAll(keepingCapacity: true)
            writeLine(kind, fields, into: &out)
            try emit(out)
        }
        let sinceText = since.map { StoredValue.text(Timestamp.format($0)) }
        if kind == .decisions || kind == .all {
            var signingKeys = Set<String>()
            try pages(store, .decisions, key: "decision_id", since: sinceText.map { ("created_at", $0) }, children: decisionChildren) { row, children in
                var fields: [(String, Field)] = [("decision", .row(.decisions, row))]
                for (index, (field, table)) in decisionChildren.enumerated() {
                    let rows = children[index]
                    fields.append((field, table == .receipts ? (rows.first.map { .row(table, $0) } ?? .null) : .rows(table, rows)))
                }
                if let receipt = children[receiptsIndex].first?[1].text, let keyID = receiptKeyID(receipt) {
                    signingKeys.insert(keyID)
                }
                try write("decision", fields)
                counts.decisions += 1
                progress(counts.total)
            }
            // After the decisions, the public keys their receipts name: what a receipt needs to verify in the store
            // it is imported into (and only those, so an export of an import is the same bytes).
            let keys = try store.read { tx in try tx.copiedRows(.receiptKeys, keyColumn: "key_id", after: nil, since: nil, limit: 100_000) }
            for row in keys where signingKeys.contains(row[0].text ?? "") {
                try write("receipt_key", [("key", .row(.receiptKeys, row))])
                counts.receiptKeys += 1
            }
        }
        if kind == .approvals {
            try pages(store, .approvals, key: "approval_id", since: sinceText.map { ("requested_at", $0) }, children: []) { row, _ in
                try write("approval", [("approval", .row(.approvals, row))])
                counts.approvals += 1
                progress(counts.total)
            }
        }
        if kind == .memories || kind == .all {
            let sinceNanos = since.map { StoredValue.integer(MemoryTime.nanoseconds($0)) }
            try pages(store, .memoryRecords, key: "id", since: sinceNanos.map { ("created_at", $0) }, children: memoryChildren) { row, children in
                var fields: [(String, Field)] = [("record", .row(.memoryRecords, row))]
                for (index, (field, table)) in memoryChildren.enumerated() { fields.append((field, .rows(table, children[index]))) }
                try write("memory", fields)
                counts.memories += 1
                progress(counts.total)
            }
        }
        return counts
    }

    /// The key a stored receipt names: found as vigil writes it (`"key_id":"…"`, no spaces), else by parsing it.
    package static func receiptKeyID(_ receipt: String) -> String? {
        var receipt = receipt
        let found: String?? = receipt.withUTF8 { bytes in
            let marker = Array(#""key_id":""#.utf8)
            guard bytes.count > marker.count else { return nil }
            var start = 0
            for index in 0...(bytes.count - marker.count) where bytes[index] == marker[0] {
                if (1..<marker.count).allSatisfy({ bytes[index + $0] == marker[$0] }) {
                    start = index + marker.count
                    break
                }
            }
            guard start > 0, let end = bytes[start...].firstIndex(of: UInt8(ascii: "\"")) else { return nil }
            let key = bytes[start..<end]
            return key.contains(UInt8(ascii: "\\")) ? nil : .some(String(decoding: UnsafeBufferPointer(rebasing: key), as: UTF8.self))
        }
        if let found { return found }
        return (try? JSONParser.parse(receipt))?["key_id"]?.stringValue
    }

    static let receiptsIndex = decisionChildren.firstIndex { $0.table == .receipts }!

    /// Reads `table` page by page in `key` order, with each page's children in one query per child table; `body`
    /// gets a row and its children, a list per child table in the order of `children`. A thread of its own reads
    /// the next page while `body` handles this one.
    static func pages(
        _ store: any Store, _ table: CopyTable, key: String, since: (String, StoredValue)?,
        children: [(field: String, table: CopyTable)], _ body: ([StoredValue], [[[StoredValue]]]) throws -> Void
    ) throws {
        let keyIndex = table.columns.firstIndex { $0.name == key }!
        typealias Page = (rows: [[StoredValue]], children: [String: [[[StoredValue]]]])
        let none = [[[StoredValue]]](repeating: [], count: children.count)
        try pipelined(produce: { (hand: (Page) -> Bool) in
            var after: String?
            while true {
                let page: Page = try store.read { tx in
                    let rows = try tx.copiedRows(table, keyColumn: key, after: after, since: since.map { (column: $0.0, value: $0.1) }, limit: pageSize)
                    let keys = rows.compactMap { $0[keyIndex].text }
                    var grouped: [String: [[[StoredValue]]]] = [:]
                    grouped.reserveCapacity(keys.count)
                    for (index, (_, child)) in children.enumerated() {
                        let parent = child.columns.firstIndex { $0.name == (table == .memoryRecords ? "record_id" : "decision_id") } ?? 0
                        for row in try tx.copiedRows(child, whereColumn: child == .decisionSearchText ? "decision_id" : child.columns[parent].name, in: keys) {
                            grouped[row[parent].text ?? "", default: none][index].append(row)
                        }
                    }
                    return (rows, grouped)
                }
                guard hand(page), page.rows.count == pageSize, let last = page.rows.last?[keyIndex].text else { return }
                after = last
            }
        }, consume: { page in
            for row in page.rows { try body(row, page.children[row[keyIndex].text ?? ""] ?? none) }
        })
    }

    /// A value of a line's field: a row, a list of rows, or null.
    package enum Field {
        case row(CopyTable, [StoredValue])
        case rows(CopyTable, [[StoredValue]])
        case null
    }

    /// Each table's column positions in JCS key order (the names are ASCII, so byte order is UTF-16 order), with
    /// each key as written: `"name":`.
    static let sortedColumns: [CopyTable: [(name: String, index: Int, key: [UInt8])]] = Dictionary(uniqueKeysWithValues: CopyTable.allCases.map { table in
        (table, table.columns.enumerated().map { column -> (name: String, index: Int, key: [UInt8]) in
            var key: [UInt8] = []
            JCS.writeString(column.element.name, into: &key)
            key.append(UInt8(ascii: ":"))
            return (column.element.name, column.offset, key)
        }.sorted { $0.name < $1.name })
    })

    /// The line's text, written straight from the rows (no intermediate JSON values): JCS, keys sorted, no spaces,
    /// integers exact.
    package static func line(_ kind: String, _ fields: [(String, Field)]) -> String {
        var out: [UInt8] = []
        writeLine(kind, fields, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends ``line(_:_:)``'s bytes to `out`.
    static func writeLine(_ kind: String, _ fields: [(String, Field)], into out: inout [UInt8]) {
        let start = out.count
        // The fields in key order, with "kind" and "v" merged in where they sort.
        var order = Array(fields.indices)
        order.sort { fields[$0].0 < fields[$1].0 }
        var pending: [(key: String, value: [UInt8])] = [("kind", []), ("v", Array(String(version).utf8))]
        JCS.writeString(kind, into: &pending[0].value)
        out.append(UInt8(ascii: "{"))
        func key(_ name: String) {
            if out.count > start + 1 { out.append(UInt8(ascii: ",")) }
            JCS.writeString(name, into: &out)
            out.append(UInt8(ascii: ":"))
        }
        func writePending(before name: String?) {
            while let next = pending.first, name.map({ next.key < $0 }) ?? true {
                key(next.key)
                out.append(contentsOf: next.value)
                pending.removeFirst()
            }
        }
        for index in order {
            let (name, field) = fields[index]
            writePending(before: name)
            key(name)
            switch field {
            case .row(let table, let row): writeRow(table, row, into: &out)
            case .rows(let table, let rows):
                out.append(UInt8(ascii: "["))
                for (n, row) in rows.enumerated() {
                    if n > 0 { out.append(UInt8(ascii: ",")) }
                    writeRow(table, row, into: &out)
                }
                out.append(UInt8(ascii: "]"))
            case .null: out.append(contentsOf: "null".utf8)
            }
        }
        writePending(before: nil)
        out.append(UInt8(ascii: "}"))
    }

    /// `value` as an export line writes it: JCS with integers exact (for checking a line).
    package static func sortedText(_ value: JSONValue) -> String {
        var out: [UInt8] = []
        JCS.write(value, into: &out, exactIntegers: true)
        return String(decoding: out, as: UTF8.self)
    }

    static func writeRow(_ table: CopyTable, _ row: [StoredValue], into out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        for (position, column) in sortedColumns[table]!.enumerated() {
            if position > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: column.key)
            switch row[column.index] {
            case .null: out.append(contentsOf: "null".utf8)
            // Every digit: nanosecond times pass 2^53, where JCS would print the nearest double instead.
            case .integer(let i): JCS.writeDigits(i, into: &out)
            case .real(let d): JCS.writeDouble(d, into: &out)
            case .text(let t): JCS.writeString(t, into: &out)
            }
        }
        out.append(UInt8(ascii: "}"))
    }

    // MARK: Import

    /// One line, read and checked: the rows it inserts, table by table, under the id that tells whether it is there.
    package struct ParsedLine: Sendable {
        package enum Kind: Sendable { case receiptKey, decision, approval, memory }
        package var kind: Kind
        package var id: String
        package var rows: [(table: CopyTable, rows: [[StoredValue]])]
        /// A memory record's search document, made as the line is read (on the import's reading thread, which has
        /// time to spare, rather than by the store's writer).
        package var searchDocument: MemoryText.Document?

        package init(kind: Kind, id: String, rows: [(table: CopyTable, rows: [[StoredValue]])]) {
            self.kind = kind
            self.id = id
            self.rows = rows
            searchDocument = kind == .memory ? rows.first?.rows.first.map(MemoryText.document(copiedRow:)) : nil
        }
    }

    /// Reads and checks one line (`number` counts from 1) without touching any store.
    package static func parse(_ text: String, number: Int) throws(ImportError) -> ParsedLine {
        var text = text
        // Lines as vigil writes them are read straight into rows; anything else takes the general way below.
        if let line = text.withUTF8({ ExportLineDecoder.decode($0) }) { return line }
        return try parseGenerally(text, number: number)
    }

    /// ``parse(_:number:)`` of a line's bytes, which need not be UTF-8 (a line that is not is refused).
    package static func parse(bytes: UnsafeBufferPointer<UInt8>, number: Int) throws(ImportError) -> ParsedLine {
        // A line the fast reader accepts is valid UTF-8: every byte outside its strings is JSON's, and each string is
        // validated as it is read.
        if let line = ExportLineDecoder.decode(bytes) { return line }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .malformed(line: number, reason: "not UTF-8") }
        return try parseGenerally(text, number: number)
    }

    /// ``parse(_:number:)`` through the general JSON parser: any key order, spacing or extra keys, and the reason a
    /// line is refused.
    package static func parseGenerally(_ text: String, number: Int) throws(ImportError) -> ParsedLine {
        func fail(_ reason: String) -> ImportError { .malformed(line: number, reason: reason) }
        let value: JSONValue
        do { value = try JSONParser.parse(text) } catch { throw fail("not JSON (\(error.description))") }
        guard case .object(let object) = value else { throw fail("not a JSON object") }
        guard let v = object["v"]?.integerValue else { throw fail("no \"v\" (the format version)") }
        guard v == Int64(version) else { throw fail("format version \(v) is not one this vigil reads (it reads \(version))") }
        func rows(_ field: String, _ table: CopyTable, single: Bool = false) throws(ImportError) -> [[StoredValue]] {
            let items: [JSONValue]
            switch object[field] {
            case .array(let list)? where !single: items = list
            case .object? where single: items = [object[field]!]
            case .null? where single: items = []
            default: throw fail("\"\(field)\" is missing or not \(single ? "an object" : "a list")")
            }
            return try items.enumerated().map { (index, item) throws(ImportError) -> [StoredValue] in
                let place = single ? field : "\(field)[\(index)]"
                guard case .object(let columns) = item else { throw fail("\(place) is not an object") }
                return try table.columns.map { (column) throws(ImportError) -> StoredValue in
                    switch (columns[column.name], column.kind) {
                    case (nil, _): throw fail("\(place) has no \"\(column.name)\"")
                    case (.null?, _): return .null
                    case (.string(let s)?, .text): return .text(s)
                    case (.int(let i)?, .integer): return .integer(i)
                    case (let number?, .real) where number.numberValue != nil: return .real(number.numberValue!)
                    default: throw fail("\(place).\(column.name) must be \(column.kind == .text ? "a string" : "a number")")
                    }
                }
            }
        }
        func id(_ row: [StoredValue]?, _ what: String) throws(ImportError) -> String {
            guard let text = row?.first?.text, !text.isEmpty else { throw fail("\(what) has no id") }
            return text
        }
        switch object["kind"]?.stringValue {
        case let name? where lineLayouts[name] != nil:
            let layout = lineLayouts[name]!
            let parent = try rows(layout.parent.field, layout.parent.table, single: true)
            var all: [(table: CopyTable, rows: [[StoredValue]])] = [(layout.parent.table, parent)]
            for (field, table) in layout.children { all.append((table, try rows(field, table, single: table == .receipts))) }
            return ParsedLine(kind: layout.kind, id: try id(parent.first, layout.parent.field), rows: all)
        case let other?:
            throw fail("unknown kind \"\(other)\" (expected receipt_key, decision, approval or memory)")
        case nil:
            throw fail("no \"kind\"")
        }
    }

    /// Loads checked lines in one transaction; a line whose id the store already has (or an earlier line of the
    /// batch had) is skipped, so importing twice adds nothing, as is an approval whose decision is in neither.
    ///
    /// Rows go in table by table for the whole batch, parents first, so each table takes one run of inserts (and
    /// SQLite's full-text index one statement for the batch's memory records).
    package static func load(_ lines: [ParsedLine], into store: any Store) throws -> Counts {
        try store.write { tx in
            var counts = Counts()
            var taken: [ParsedLine.Kind: Set<String>] = [:]
            var byTable: [CopyTable: [[StoredValue]]] = [:]
            var documents: [MemoryText.Document] = []
            // What the store already has, a query per table for the whole batch.
            func ids(_ kind: ParsedLine.Kind) -> [String] { lines.filter { $0.kind == kind }.map(\.id) }
            func decisionOf(_ approval: ParsedLine) -> String { approval.rows.first?.rows.first?[1].text ?? "" }
            let approvalLines = lines.filter { $0.kind == .approval }
            let stored: [ParsedLine.Kind: Set<String>] = [
                .receiptKey: try tx.copiedIDs(.receiptKeys, among: ids(.receiptKey)),
                .decision: try tx.copiedIDs(.decisions, among: ids(.decision) + approvalLines.map(decisionOf)),
                .approval: try tx.copiedIDs(.approvals, among: approvalLines.map(\.id)),
                .memory: try tx.copiedIDs(.memoryRecords, among: ids(.memory)),
            ]
            for line in lines {
                var present = stored[line.kind]!.contains(line.id)
                if line.kind == .approval {
                    let decisionID = decisionOf(line)
                    present = present || !(stored[.decision]!.contains(decisionID) || taken[.decision, default: []].contains(decisionID))
                }
                if present || !taken[line.kind, default: []].insert(line.id).inserted { counts.skipped += 1; continue }
                for (table, rows) in line.rows where !rows.isEmpty { byTable[table, default: []].append(contentsOf: rows) }
                // One record a memory line, so the documents follow the records' order.
                if line.kind == .memory { documents.append(line.searchDocument ?? MemoryText.document(copiedRow: line.rows[0].rows[0])) }
                switch line.kind {
                case .receiptKey: counts.receiptKeys += 1
                case .decision: counts.decisions += 1
                case .approval: counts.approvals += 1
                case .memory: counts.memories += 1
                }
            }
            for table in loadOrder {
                guard let rows = byTable[table] else { continue }
                try tx.insertCopiedRows(table, rows, searchDocuments: table == .memoryRecords ? documents : nil)
            }
            return counts
        }
    }

    /// Parents before the rows that name them.
    static let loadOrder: [CopyTable] = [.receiptKeys, .decisions] + decisionChildren.map(\.table) + [.memoryRecords]
        + memoryChildren.map(\.table)
}

extension StoredValue {
    var text: String? {
        if case .text(let t) = self { return t }
        return nil
    }
}
