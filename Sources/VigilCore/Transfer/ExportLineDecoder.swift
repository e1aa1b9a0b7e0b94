/// Reads an export line the way `vigil export` writes it, straight into rows: each row's columns in sorted order,
/// matched by their bytes, values checked against the column's kind, no intermediate JSON values or dictionaries.
///
/// It only speeds up the common case. Anything it does not expect (keys in another order, an extra or repeated key, a
/// value of the wrong type, a syntax error) makes it answer `nil`, and ``StoreTransfer/parse(_:number:)`` reads the
/// line with the general parser instead, which accepts what it should and says what is wrong with the rest. So for
/// every line the two give the same rows or the same refusal.
package enum ExportLineDecoder {
    /// The line's keys as bytes: `v`, `kind`, then every line kind's row fields with their table and whether each
    /// holds one row (an object, or null for none) rather than a list. A field's place here is its slot in `decode`.
    private static let keys: [[UInt8]] = [Array("v".utf8), Array("kind".utf8)] + fields.map { Array($0.name.utf8) }
    private static let fields: [(name: String, table: CopyTable, single: Bool)] = {
        var fields: [(name: String, table: CopyTable, single: Bool)] = []
        for name in StoreTransfer.lineLayouts.keys.sorted() {
            let layout = StoreTransfer.lineLayouts[name]!
            for (field, table, single) in [(layout.parent.field, layout.parent.table, true)] + layout.children.map({ ($0.field, $0.table, $0.table == .receipts) })
            where !fields.contains(where: { $0.name == field }) {
                fields.append((field, table, single))
            }
        }
        return fields
    }()
    /// Each line kind's name as bytes, its layout, and the slots of its parent field and children.
    private static let kinds: [(name: [UInt8], layout: StoreTransfer.LineLayout, parent: Int, children: [Int])] =
        StoreTransfer.lineLayouts.map { name, layout in
            func slot(_ field: String) -> Int { fields.firstIndex { $0.name == field }! }
            return (Array(name.utf8), layout, slot(layout.parent.field), layout.children.map { slot($0.field) })
        }
    private static let kindNames = kinds.map(\.name)

    /// Each table's columns in key order: the name's bytes, where the value goes in the row, and its kind.
    private static let sortedColumns: [CopyTable: [(name: [UInt8], index: Int, kind: CopyTable.Kind)]] =
        Dictionary(uniqueKeysWithValues: CopyTable.allCases.map { table in
            let columns = table.columns
            return (table, StoreTransfer.sortedColumns[table]!.map { (Array($0.name.utf8), $0.index, columns[$0.index].kind) })
        })

    private struct Unexpected: Error {}

    package static func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> StoreTransfer.ParsedLine? {
        var cursor = JSONParser.Cursor(bytes: bytes)
        do {
            return try decode(&cursor, keeping: true)
        } catch {
            return nil
        }
    }

    /// Whether ``decode(_:)`` reads the line, found without making its strings (only each row's id): what an
    /// import's first pass over the file needs.
    package static func check(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        // decode validates the UTF-8 of each string as it makes it; here the whole line is validated once.
        guard bytes.baseAddress != nil else { return false }
        if !JSONStringScan.isASCII(bytes), String(validating: bytes, as: UTF8.self) == nil { return false }
        var cursor = JSONParser.Cursor(bytes: bytes)
        do {
            _ = try decode(&cursor, keeping: false)
            return true
        } catch {
            return false
        }
    }

    /// The line's rows; when not `keeping`, only checked (nil when it passes).
    private static func decode(_ cursor: inout JSONParser.Cursor, keeping: Bool) throws -> StoreTransfer.ParsedLine? {
        var kind: Int?
        var version: Int64?
        var found = [[[StoredValue]]?](repeating: nil, count: fields.count)
        cursor.skipWhitespace()
        try expect(&cursor, "{")
        var first = true
        while true {
            cursor.skipWhitespace()
            if !first {
                guard cursor.index < cursor.bytes.count else { throw Unexpected() }
                if cursor.bytes[cursor.index] == UInt8(ascii: "}") { cursor.index += 1; break }
                try expect(&cursor, ",")
                cursor.skipWhitespace()
            }
            first = false
            let key = try plainString(&cursor, among: keys)
            cursor.skipWhitespace()
            try expect(&cursor, ":")
            cursor.skipWhitespace()
            switch key {
            case 0:
                guard version == nil, case .int(let v) = try cursor.parseNumber() else { throw Unexpected() }
                version = v
            case 1:
                guard kind == nil else { throw Unexpected() }
                kind = try plainString(&cursor, among: kindNames)
            default:
                let slot = key - 2
                guard found[slot] == nil else { throw Unexpected() }
                let field = fields[slot]
                found[slot] = try field.single ? single(&cursor, field.table, keeping) : list(&cursor, field.table, keeping)
            }
        }
        cursor.skipWhitespace()
        guard cursor.index == cursor.bytes.count, version == Int64(StoreTransfer.version), let kind else { throw Unexpected() }

        let line = kinds[kind]
        guard let parent = found[line.parent], let id = parent.first?.first?.text, !id.isEmpty else { throw Unexpected() }
        guard line.children.allSatisfy({ found[$0] != nil }) else { throw Unexpected() }
        guard keeping else { return nil }
        var all: [(table: CopyTable, rows: [[StoredValue]])] = [(line.layout.parent.table, parent)]
        all.reserveCapacity(line.children.count + 1)
        for (slot, child) in zip(line.children, line.layout.children) { all.append((child.table, found[slot]!)) }
        return .init(kind: line.layout.kind, id: id, rows: all)
    }

    /// A string without escapes that is one of `candidates`: its position among them.
    private static func plainString(_ cursor: inout JSONParser.Cursor, among candidates: [[UInt8]]) throws -> Int {
        guard cursor.index < cursor.bytes.count, cursor.bytes[cursor.index] == UInt8(ascii: "\""), let base = cursor.bytes.baseAddress else {
            throw Unexpected()
        }
        let start = cursor.index + 1
        let end = start + JSONStringScan.plainRun(base, from: start, to: cursor.bytes.count)
        guard end < cursor.bytes.count, cursor.bytes[end] == UInt8(ascii: "\"") else { throw Unexpected() }
        let text = UnsafeBufferPointer(rebasing: cursor.bytes[start..<end])
        guard let match = candidates.firstIndex(where: { $0.elementsEqual(text) }) else { throw Unexpected() }
        cursor.index = end + 1
        return match
    }

    private static func expect(_ cursor: inout JSONParser.Cursor, _ character: Unicode.Scalar) throws {
        guard cursor.index < cursor.bytes.count, cursor.bytes[cursor.index] == UInt8(character.value) else { throw Unexpected() }
        cursor.index += 1
    }

    /// An object, or null for no row.
    private static func single(_ cursor: inout JSONParser.Cursor, _ table: CopyTable, _ keeping: Bool) throws -> [[StoredValue]] {
        guard cursor.index < cursor.bytes.count else { throw Unexpected() }
        if cursor.bytes[cursor.index] == UInt8(ascii: "n") {
            try cursor.expectLiteral("null")
            return []
        }
        return [try row(&cursor, table, keeping)]
    }

    private static func list(_ cursor: inout JSONParser.Cursor, _ table: CopyTable, _ keeping: Bool) throws -> [[StoredValue]] {
        try expect(&cursor, "[")
        var rows: [[StoredValue]] = []
        cursor.skipWhitespace()
        if cursor.index < cursor.bytes.count, cursor.bytes[cursor.index] == UInt8(ascii: "]") {
            cursor.index += 1
            return rows
        }
        while true {
            cursor.skipWhitespace()
            let row = try row(&cursor, table, keeping)
            if keeping { rows.append(row) }
            cursor.skipWhitespace()
            guard cursor.index < cursor.bytes.count else { throw Unexpected() }
            if cursor.bytes[cursor.index] == UInt8(ascii: "]") { cursor.index += 1; return rows }
            try expect(&cursor, ",")
        }
    }

    /// In a check, what a row whose id is a non-empty string reads as (none of its values are made); a row without
    /// one reads as no values.
    private static let checkedID: [StoredValue] = [.text("(checked)")]

    /// A row object whose keys are exactly the table's columns, in sorted order. When not `keeping`, only checked:
    /// ``checkedID`` or nothing.
    private static func row(_ cursor: inout JSONParser.Cursor, _ table: CopyTable, _ keeping: Bool) throws -> [StoredValue] {
        let columns = sortedColumns[table]!
        var row = keeping ? [StoredValue](repeating: .null, count: columns.count) : []
        var hasID = false
        try expect(&cursor, "{")
        for (position, column) in columns.enumerated() {
            cursor.skipWhitespace()
            if position > 0 {
                try expect(&cursor, ",")
                cursor.skipWhitespace()
            }
            try key(&cursor, column.name)
            cursor.skipWhitespace()
            try expect(&cursor, ":")
            cursor.skipWhitespace()
            guard cursor.index < cursor.bytes.count else { throw Unexpected() }
            switch (cursor.bytes[cursor.index], column.kind) {
            case (UInt8(ascii: "n"), _):
                try cursor.expectLiteral("null")
            case (UInt8(ascii: "\""), .text):
                if keeping {
                    row[column.index] = .text(try cursor.parseString())
                } else {
                    let start = cursor.index
                    try cursor.skipString()
                    // More than its two quotes: not empty.
                    if column.index == 0 { hasID = cursor.index - start > 2 }
                }
            case (UInt8(ascii: "-"), .integer), (UInt8(ascii: "0")...UInt8(ascii: "9"), .integer):
                guard case .int(let i) = try cursor.parseNumber() else { throw Unexpected() }
                if keeping { row[column.index] = .integer(i) }
            case (UInt8(ascii: "-"), .real), (UInt8(ascii: "0")...UInt8(ascii: "9"), .real):
                guard let number = try cursor.parseNumber().numberValue else { throw Unexpected() }
                if keeping { row[column.index] = .real(number) }
            default:
                throw Unexpected()
            }
        }
        cursor.skipWhitespace()
        try expect(&cursor, "}")
        return keeping ? row : hasID ? checkedID : []
    }

    /// The quoted key `name`, byte for byte (a key written with escapes is left to the general parser).
    private static func key(_ cursor: inout JSONParser.Cursor, _ name: [UInt8]) throws {
        let start = cursor.index
        let end = start + name.count + 2
        guard end <= cursor.bytes.count, cursor.bytes[start] == UInt8(ascii: "\""), cursor.bytes[end - 1] == UInt8(ascii: "\"") else {
            throw Unexpected()
        }
        for (offset, byte) in name.enumerated() where cursor.bytes[start + 1 + offset] != byte { throw Unexpected() }
        cursor.index = end
    }
}
