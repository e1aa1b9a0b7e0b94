extension TableDefinition {
    init(name: String, config reader: ConfigReader) throws(ConfigError) {
        guard Identifier.isValidSQLName(name) else {
            throw ConfigError.invalid(key: reader.path, message: "table names must match [a-z_][a-z0-9_]*")
        }
        self.name = name
        let columnsReader = try reader.table("columns")
        var columns: [ColumnDefinition] = []
        for columnName in columnsReader.object.keys.sorted() {
            let column = try columnsReader.table(columnName)
            guard Identifier.isValidSQLName(columnName) else {
                throw ConfigError.invalid(key: column.path, message: "column names must match [a-z_][a-z0-9_]*")
            }
            let rawType = try column.requiredString("type")
            guard let type = ColumnType(rawValue: rawType) else {
                throw ConfigError.invalid(
                    key: column.key("type"),
                    message: "'\(rawType)' is not one of " + ColumnType.allCases.map(\.rawValue).joined(separator: ", "))
            }
            var generated: GeneratedValue?
            if let rawGenerated = try column.string("generated") {
                guard let value = GeneratedValue(rawValue: rawGenerated) else {
                    throw ConfigError.invalid(key: column.key("generated"), message: "must be uuid, ulid or now")
                }
                generated = value
            }
            columns.append(
                ColumnDefinition(
                    name: columnName, type: type, primaryKey: try column.bool("primary_key") ?? false,
                    nullable: try column.bool("nullable") ?? false, generated: generated))
        }
        guard !columns.isEmpty else { throw ConfigError.invalid(key: columnsReader.path, message: "needs columns") }
        guard columns.contains(where: \.primaryKey) else {
            throw ConfigError.invalid(key: columnsReader.path, message: "needs a primary_key column")
        }
        self.columns = columns
    }
}

extension DataProduct {
    init(config reader: ConfigReader, tables: [String: TableDefinition], policyIDs: Set<String>) throws(ConfigError) {
        let id = try reader.requiredString("product_id")
        guard Identifier.isValidConfigID(id) else {
            throw ConfigError.invalid(key: reader.key("product_id"), message: "must match [A-Za-z0-9_.-]{1,128}")
        }
        productID = id
        name = try reader.string("name") ?? id
        description = try reader.string("description")
        version = try reader.string("version") ?? "1"
        let tableName = try reader.requiredString("table")
        guard let table = tables[tableName] else {
            throw ConfigError.invalid(key: reader.key("table"), message: "no table '\(tableName)' under data_products.tables")
        }
        self.table = table
        let rawOperation = try reader.requiredString("operation")
        guard let operation = ProductOperation(rawValue: rawOperation) else {
            throw ConfigError.invalid(key: reader.key("operation"), message: "must be read, insert, update or delete")
        }
        self.operation = operation
        let fields = try reader.strings("fields") ?? table.columns.map(\.name)
        for field in fields where table.column(field) == nil {
            throw ConfigError.invalid(key: reader.key("fields"), message: "'\(field)' is not a column of \(tableName)")
        }
        self.fields = fields
        allowedPurposes = try reader.strings("allowed_purposes") ?? []
        guard !allowedPurposes.isEmpty else {
            throw ConfigError.invalid(key: reader.key("allowed_purposes"), message: "must list at least one purpose")
        }
        maxResults = try reader.int("max_results") ?? 100
        guard (1...1000).contains(maxResults) else {
            throw ConfigError.invalid(key: reader.key("max_results"), message: "must be between 1 and 1000")
        }
        let insert = try reader.table("insert")
        insertRequired = try insert.strings("required") ?? []
        returnCreated = try insert.bool("return_created") ?? false
        policies = try reader.strings("policies") ?? []
        for policy in policies where !policyIDs.contains(policy) {
            throw ConfigError.invalid(key: reader.key("policies"), message: "no policy '\(policy)'")
        }
        exampleQueries = reader.object["example_queries"] ?? .array([])
        for field in insertRequired where !fields.contains(field) {
            throw ConfigError.invalid(key: reader.key("insert.required"), message: "'\(field)' is not an exposed field")
        }
        switch operation {
        case .update, .delete:
            for key in table.primaryKey where !fields.contains(key.name) {
                throw ConfigError.invalid(
                    key: reader.key("fields"), message: "\(operation.rawValue) products must expose key field '\(key.name)'")
            }
        case .insert:
            for column in table.columns where !column.nullable && column.generated == nil && !fields.contains(column.name) {
                throw ConfigError.invalid(
                    key: reader.key("fields"),
                    message: "insert products must expose the non-nullable column '\(column.name)'")
            }
        case .read:
            break
        }
    }
}
