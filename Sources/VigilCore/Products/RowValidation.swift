import Foundation

/// Checks values against product column types (TraceMem spec §10.2) and normalizes `decision_write` rows.
enum RowValidation {
    /// Throws `field <name> must be of type <type>` when `value` does not fit `column`.
    static func checkType(_ value: JSONValue, _ column: ColumnDefinition) throws(DecisionError) {
        let fits: Bool
        switch (column.type, value) {
        case (_, .null): fits = column.nullable
        case (.json, _): fits = true
        case (.string, .string): fits = true
        case (.integer, .int): fits = true
        case (.integer, .double(let d)): fits = JSONValue.double(d).integerValue != nil
        case (.number, .int), (.number, .double): fits = true
        case (.boolean, .bool): fits = true
        case (.timestamp, .string(let s)): fits = Timestamp.parse(s) != nil
        default: fits = false
        }
        if !fits { throw DecisionError.invalidArgument("field \(column.name) must be of type \(column.type.rawValue)") }
    }

    /// The result of normalizing a write.
    struct NormalizedWrite {
        /// The rows as field objects (generated values included), used as policy inputs.
        var rows: [JSONObject]
        /// The row operations buffered for commit: `{values}`, `{match, set}` or `{match}`.
        var operations: [JSONValue]
        var keyFields: [String]
        /// Primary-key and generated values of inserted rows.
        var createdRecords: [JSONObject]
    }

    /// Forms A–F of `decision_write` into row operations (spec §7.7 steps 3–5).
    static func normalize(
        product: DataProduct, operation: ProductOperation, mutation: JSONObject?, keys: JSONValue?, maxRows: Int,
        now: Date
    ) throws(DecisionError) -> NormalizedWrite {
        var rows: [JSONObject] = []
        if let mutation {
            let forms = ["records", "data", "fields"].filter { mutation[$0] != nil }
            if forms.count > 1 {
                throw DecisionError.invalidArgument("mutation must contain only one of records, data, fields")
            }
            if let records = mutation["records"] {
                guard case .array(let items) = records, !items.isEmpty else {
                    throw DecisionError.invalidArgument("mutation.records must be a non-empty array of objects")
                }
                for item in items {
                    guard case .object(let row) = item else {
                        throw DecisionError.invalidArgument("mutation.records must be a non-empty array of objects")
                    }
                    rows.append(row)
                }
                if rows.count > maxRows {
                    throw DecisionError.invalidArgument("mutation.records exceeds \(maxRows) items")
                }
            } else if let form = forms.first {
                guard case .object(let row) = mutation[form]! else {
                    throw DecisionError.invalidArgument("mutation.\(form) must be an object")
                }
                rows = [row]
            } else {
                let flat = mutation.filter { $0.key != "operation" }
                if !flat.isEmpty { rows = [flat] }
            }
        }
        if rows.isEmpty {
            if operation == .delete, case .object(let keyValues)? = keys {
                rows = [keyValues]
            } else {
                throw DecisionError.missingArgument("mutation is required")
            }
        }

        var keyFields: [String]
        switch keys {
        case .object(let keyValues)?:
            keyFields = keyValues.keys.sorted()
            rows = rows.map { $0.merging(keyValues) { _, key in key } }
        case .array(let names)?:
            keyFields = names.compactMap(\.stringValue)
            for (index, row) in rows.enumerated() {
                for name in keyFields where row[name] == nil {
                    throw DecisionError.invalidArgument("record \(index) is missing key field \(name)")
                }
            }
        default:
            keyFields = product.table.primaryKey.map(\.name)
        }
        for name in keyFields where !product.fields.contains(name) {
            throw DecisionError.invalidArgument("field \(name) not found in schema")
        }
        for row in rows {
            for name in row.keys.sorted() {
                guard product.fields.contains(name), let column = product.table.column(name) else {
                    throw DecisionError.invalidArgument("field \(name) not found in schema")
                }
                try checkType(row[name]!, column)
            }
        }

        var normalized = NormalizedWrite(rows: [], operations: [], keyFields: keyFields, createdRecords: [])
        switch operation {
        case .insert:
            let generated = product.exposedColumns.filter { $0.generated != nil }
            let required = product.exposedColumns.filter {
                $0.generated == nil && (!$0.nullable || product.insertRequired.contains($0.name))
            }
            normalized.keyFields = product.table.primaryKey.map(\.name)
            for row in rows {
                for column in generated where row[column.name] != nil {
                    throw DecisionError.invalidArgument("field \(column.name) is auto-generated")
                }
                for column in required where row[column.name] == nil || row[column.name]!.isNull {
                    throw DecisionError.invalidArgument("field \(column.name) is required")
                }
                var values = row
                var created: JSONObject = [:]
                for column in generated {
                    let value: String
                    switch column.generated! {
                    case .uuid: value = Identifiers.uuid()
                    case .ulid: value = Identifiers.ulid(at: now)
                    case .now: value = Timestamp.format(now)
                    }
                    values[column.name] = .string(value)
                    created[column.name] = .string(value)
                }
                for column in product.table.primaryKey { created[column.name] = values[column.name] ?? .null }
                normalized.rows.append(values)
                normalized.operations.append(["values": .object(values)])
                normalized.createdRecords.append(created)
            }
        case .update:
            for (index, row) in rows.enumerated() {
                var match: JSONObject = [:]
                for name in keyFields {
                    guard let value = row[name] else {
                        throw DecisionError.invalidArgument("record \(index) is missing key field \(name)")
                    }
                    match[name] = value
                }
                let set = row.filter { !keyFields.contains($0.key) }
                if set.isEmpty { throw DecisionError.invalidArgument("update requires at least one non-key field") }
                normalized.rows.append(row)
                normalized.operations.append(["match": .object(match), "set": .object(set)])
            }
        case .delete:
            for (index, row) in rows.enumerated() {
                var match: JSONObject = [:]
                for name in keyFields {
                    guard let value = row[name] else {
                        throw DecisionError.invalidArgument("record \(index) is missing key field \(name)")
                    }
                    match[name] = value
                }
                normalized.rows.append(row)
                normalized.operations.append(["match": .object(match)])
            }
        case .read:
            break
        }
        return normalized
    }
}
