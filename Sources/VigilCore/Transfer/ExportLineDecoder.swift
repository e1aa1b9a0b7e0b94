/// Reads an export line the way `vigil export` writes it, straight into rows: each row's columns in sorted order,
/// matched by their bytes, values checked against the column's kind, no intermediate JSON values or dictionaries.
///
/// It only speeds up the common case. Anything it does not expect (keys in another order, an extra or repeated key, a
/// value of the wrong type, a syntax error) makes it answer `nil`, and ``StoreTransfer/parse(_:number:)`` reads the
/// line with the general parser instead, which accepts what it should and says what is wrong with the rest. So for
/// every line the two give the same rows or the same refusal.
package enum ExportLineDecoder {
    /// A line field's table, and whether it holds one row (an object, or null for none) rather than a list.
    private static let fields: [String: (table: CopyTable, single: Bool)] = {
        var fields: [String: (table: CopyTable, single: Bool)] = [:]
        for layout in StoreTransfer.lineLayouts.values {
            fields[layout.parent.field] = (layout.parent.table, true)
            for (field, table) in layout.children { fields[field] = (table, table == .receipts) }
        }
        return fields
    }()

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
        return (try? decode(&cursor, keeping: false)) != nil
    }

    /// The line's rows; when not `keeping`, only each row's first column (its id) is made, the rest left null.
    private static func decode(_ cursor: inout JSONParser.Cursor, keeping: Bool) throws -> StoreTransfer.ParsedLine? {
        var kind: String?
        var version: Int64?
        var rows: [String: [[StoredValue]]] = [:]
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
            guard cursor.index < cursor.bytes.count, cursor.bytes[cursor.index] == UInt8(ascii: "\"") else { throw Unexpected() }
            let key = try cursor.parseString()
            cursor.skipWhitespace()
            try expect(&cursor, ":")
            cursor.skipWhitespace()
            switch key {
            case "v":
                guard version == nil, case .int(let v) = try cursor.parseNumber() else { throw Unexpected() }
                version = v
            case "kind":
                guard kind == nil, cursor.index < cursor.bytes.count, cursor.bytes[cursor.index] == UInt8(ascii: "\"") else { throw Unexpected() }
                kind = try cursor.parseString()
            default:
                guard let field = fields[key], rows[key] == nil else { throw Unexpected() }
                rows[key] = try field.single ? single(&cursor, field.table, keeping) : list(&cursor, field.table, keeping)
            }
        }
        cursor.skipWhitespace()
        guard cursor.index == cursor.bytes.count, version == Int64(StoreTransfer.version) else { throw Unexpected() }

        func take(_ field: String) throws -> [[StoredValue]] {
            guard let found = rows[field] else { throw Unexpected() }
            return found
        }
        func id(_ rows: [[StoredValue]]) throws -> String {
            guard let text = rows.first?.first?.text, !text.isEmpty else { throw Unexpected() }
            return text
        }
        guard let layout = kind.flatMap({ StoreTransfer.lineLayouts[$0] }) else { throw Unexpected() }
        let parent = try take(layout.parent.field)
        var all: [(table: CopyTable, rows: [[StoredValue]])] = [(layout.parent.table, parent)]
        for (field, table) in layout.children { all.append((table, try take(field))) }
        return .init(kind: layout.kind, id: try id(parent), rows: all)
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
            rows.append(try row(&cursor, table, keeping))
            cursor.skipWhitespace()
            guard cursor.index < cursor.bytes.count else { throw Unexpected() }
            if cursor.bytes[cursor.index] == UInt8(ascii: "]") { cursor.index += 1; return rows }
            try expect(&cursor, ",")
        }
    }

    /// A row object whose keys are exactly the table's columns, in sorted order.
    private static func row(_ cursor: inout JSONParser.Cursor, _ table: CopyTable, _ keeping: Bool) throws -> [StoredValue] {
        let columns = sortedColumns[table]!
        var row = [StoredValue](repeating: .null, count: columns.count)
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
                if keeping || column.index == 0 {
                    row[column.index] = .text(try cursor.parseString())
                } else {
                    try cursor.skipString()
                }
            case (UInt8(ascii: "-"), .integer), (UInt8(ascii: "0")...UInt8(ascii: "9"), .integer):
                guard case .int(let i) = try cursor.parseNumber() else { throw Unexpected() }
                row[column.index] = .integer(i)
            case (UInt8(ascii: "-"), .real), (UInt8(ascii: "0")...UInt8(ascii: "9"), .real):
                guard let number = try cursor.parseNumber().numberValue else { throw Unexpected() }
                row[column.index] = .real(number)
            default:
                throw Unexpected()
            }
        }
        cursor.skipWhitespace()
        try expect(&cursor, "}")
        return row
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
