/// Typed access to one configuration table, with errors that name the offending key.
///
/// Configuration is parsed from TOML into ``JSONValue`` first, so this reader is the one place that turns loose
/// values into typed settings.
struct ConfigReader {
    let object: JSONObject
    let path: String

    init(_ value: JSONValue?, path: String) throws(ConfigError) {
        switch value {
        case nil, .null?: object = [:]
        case .object(let o)?: object = o
        default: throw ConfigError.invalid(key: path, message: "must be a table")
        }
        self.path = path
    }

    func key(_ name: String) -> String { path.isEmpty ? name : path + "." + name }

    func has(_ name: String) -> Bool { object[name] != nil }

    func string(_ name: String) throws(ConfigError) -> String? {
        switch object[name] {
        case nil: return nil
        case .string(let s)?: return s
        default: throw ConfigError.invalid(key: key(name), message: "must be a string")
        }
    }

    func requiredString(_ name: String) throws(ConfigError) -> String {
        guard let value = try string(name), !value.isEmpty else {
            throw ConfigError.invalid(key: key(name), message: "is required")
        }
        return value
    }

    func bool(_ name: String) throws(ConfigError) -> Bool? {
        switch object[name] {
        case nil: return nil
        case .bool(let b)?: return b
        default: throw ConfigError.invalid(key: key(name), message: "must be true or false")
        }
    }

    func int(_ name: String) throws(ConfigError) -> Int? {
        switch object[name] {
        case nil: return nil
        case let value?:
            guard let i = value.integerValue else {
                throw ConfigError.invalid(key: key(name), message: "must be an integer")
            }
            return Int(i)
        }
    }

    func double(_ name: String) throws(ConfigError) -> Double? {
        switch object[name] {
        case nil: return nil
        case let value?:
            guard let d = value.numberValue else {
                throw ConfigError.invalid(key: key(name), message: "must be a number")
            }
            return d
        }
    }

    func strings(_ name: String) throws(ConfigError) -> [String]? {
        switch object[name] {
        case nil: return nil
        case .array(let items)?:
            var out: [String] = []
            for item in items {
                guard let s = item.stringValue else {
                    throw ConfigError.invalid(key: key(name), message: "must be a list of strings")
                }
                out.append(s)
            }
            return out
        default: throw ConfigError.invalid(key: key(name), message: "must be a list of strings")
        }
    }

    func table(_ name: String) throws(ConfigError) -> ConfigReader {
        try ConfigReader(object[name], path: key(name))
    }

    /// The members of an array of tables (`[[name]]`), each with its indexed path.
    func tables(_ name: String) throws(ConfigError) -> [ConfigReader] {
        switch object[name] {
        case nil: return []
        case .array(let items)?:
            var out: [ConfigReader] = []
            for (index, item) in items.enumerated() {
                out.append(try ConfigReader(item, path: "\(key(name))[\(index)]"))
            }
            return out
        default: throw ConfigError.invalid(key: key(name), message: "must be an array of tables")
        }
    }
}
