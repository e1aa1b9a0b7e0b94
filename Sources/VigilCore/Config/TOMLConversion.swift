import TOMLKit

/// Turns TOML text into a ``JSONValue`` tree, the form the rest of the configuration code reads.
enum TOMLConversion {
    static func json(fromTOML text: String, path: String) throws(ConfigError) -> JSONValue {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError.syntax(path: path, detail: "\(error.description) (\(error.source.debugDescription))")
        } catch {
            throw ConfigError.syntax(path: path, detail: "\(error)")
        }
        return convert(table)
    }

    private static func convert(_ value: any TOMLValueConvertible) -> JSONValue {
        switch value.type {
        case .table:
            var object: JSONObject = [:]
            if let table = value.table {
                for (key, member) in table { object[key] = convert(member) }
            }
            return .object(object)
        case .array:
            return .array(value.array.map { $0.map(convert) } ?? [])
        case .string: return .string(value.string ?? "")
        case .int: return .int(Int64(value.int ?? 0))
        case .double: return .double(value.double ?? 0)
        case .bool: return .bool(value.bool ?? false)
        case .date, .time, .dateTime: return .string(value.debugDescription)
        }
    }
}

/// TOML files other modules read (themes, the keymap) as JSON trees, with the same errors as `config.toml`.
public enum TOMLFile {
    public static func parse(_ text: String, path: String) throws(ConfigError) -> JSONValue {
        try TOMLConversion.json(fromTOML: text, path: path)
    }
}
