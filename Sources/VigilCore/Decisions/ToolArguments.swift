import Foundation

/// The arguments object of a tool call, with the checks of TraceMem spec §7: canonical names win over aliases,
/// strings are trimmed before the emptiness check, types are strict, and errors carry the spec's data strings.
///
/// Callers check presence of every required argument first (``require(_:)``), then read typed values, so errors come
/// out in the precedence order of spec §5.3.
public struct ToolArguments: Sendable {
    public let raw: JSONObject
    /// Alias → canonical name, for this tool.
    let aliases: [String: String]

    public init(_ raw: JSONObject, aliases: [String: String] = [:]) {
        self.raw = raw
        self.aliases = aliases
    }

    /// The value under the canonical `name`, else under one of its aliases. `null` counts as absent.
    public func value(_ name: String) -> JSONValue? {
        if let value = raw[name], !value.isNull { return value }
        for (alias, canonical) in aliases.sorted(by: { $0.key < $1.key }) where canonical == name {
            if let value = raw[alias], !value.isNull { return value }
        }
        return nil
    }

    /// Whether `name` is present: not absent, not null and, for strings, not blank.
    public func isPresent(_ name: String) -> Bool {
        guard let value = value(name) else { return false }
        if case .string(let s) = value { return !s.trimmedOfWhitespace.isEmpty }
        return true
    }

    /// Throws `<name> is required` for the first absent name, in order.
    public func require(_ names: [String]) throws(DecisionError) {
        for name in names where !isPresent(name) { throw DecisionError.missingArgument("\(name) is required") }
    }

    /// An optional string, at most `maxLength` characters. Required strings come back trimmed.
    public func string(_ name: String, maxLength: Int? = nil, trimmed: Bool = false) throws(DecisionError) -> String? {
        guard let value = value(name) else { return nil }
        guard case .string(var s) = value else { throw DecisionError.invalidArgument("\(name) must be a string") }
        if trimmed { s = s.trimmedOfWhitespace }
        if let maxLength, s.count > maxLength {
            throw DecisionError.invalidArgument("\(name) exceeds \(maxLength) characters")
        }
        return s
    }

    /// A required string (presence already checked), trimmed.
    public func requiredString(_ name: String, maxLength: Int? = nil) throws(DecisionError) -> String {
        guard let s = try string(name, maxLength: maxLength, trimmed: true), !s.isEmpty else {
            throw DecisionError.missingArgument("\(name) is required")
        }
        return s
    }

    public func bool(_ name: String) throws(DecisionError) -> Bool? {
        guard let value = value(name) else { return nil }
        guard case .bool(let b) = value else { throw DecisionError.invalidArgument("\(name) must be a boolean") }
        return b
    }

    public func integer(_ name: String) throws(DecisionError) -> Int? {
        guard let value = value(name) else { return nil }
        guard case .int(let i) = value else {
            if case .double(let d) = value, let i = JSONValue.double(d).integerValue { return Int(i) }
            throw DecisionError.invalidArgument("\(name) must be an integer")
        }
        return Int(i)
    }

    public func object(_ name: String) throws(DecisionError) -> JSONObject? {
        guard let value = value(name) else { return nil }
        guard case .object(let o) = value else { throw DecisionError.invalidArgument("\(name) must be an object") }
        return o
    }

    public func array(_ name: String, maxItems: Int? = nil) throws(DecisionError) -> [JSONValue]? {
        guard let value = value(name) else { return nil }
        guard case .array(let a) = value else { throw DecisionError.invalidArgument("\(name) must be an array") }
        if let maxItems, a.count > maxItems { throw DecisionError.invalidArgument("\(name) exceeds \(maxItems) items") }
        return a
    }

    /// A list of strings, each at most `maxLength` characters.
    public func strings(_ name: String, maxItems: Int? = nil, maxLength: Int? = nil) throws(DecisionError) -> [String]? {
        guard let items = try array(name, maxItems: maxItems) else { return nil }
        var out: [String] = []
        for item in items {
            guard case .string(let s) = item else { throw DecisionError.invalidArgument("\(name) must be an array of strings") }
            if let maxLength, s.count > maxLength {
                throw DecisionError.invalidArgument("\(name) items exceed \(maxLength) characters")
            }
            out.append(s)
        }
        return out
    }

    /// A string or list of strings (the operator filters' `status`).
    public func stringOrStrings(_ name: String) throws(DecisionError) -> [String]? {
        guard let value = value(name) else { return nil }
        if case .string(let s) = value { return [s] }
        guard case .array(let items) = value else {
            throw DecisionError.invalidArgument("\(name) must be a string or an array of strings")
        }
        var out: [String] = []
        for item in items {
            guard case .string(let s) = item else {
                throw DecisionError.invalidArgument("\(name) must be a string or an array of strings")
            }
            out.append(s)
        }
        return out
    }

    /// The arguments with every alias renamed to its canonical name (canonical values win), for fingerprints.
    public var canonicalized: JSONObject {
        var out = raw
        for (alias, canonical) in aliases where raw[alias] != nil {
            out.removeValue(forKey: alias)
            if raw[canonical] == nil || raw[canonical]!.isNull { out[canonical] = raw[alias] }
        }
        return out
    }
}
