/// Client-supplied JSON in `bytes` fields (Membrane spec §4.4): size, depth and value-count limits, and Go-style
/// key matching (exact first, then case-insensitive).
public enum MemoryJSON {
    public static let maximumBytes = 10_485_760
    public static let maximumDepth = 64
    public static let maximumValues = 100_000

    /// How a parse failure is worded: `invalid <field> JSON: …` for payload fields, `invalid <field>: …` for records.
    public enum Style: Sendable { case value, record }

    /// Parses `bytes`; empty bytes mean absent (`nil`).
    public static func parse(_ bytes: [UInt8], field: String, style: Style = .value) throws(MemoryError) -> JSONValue? {
        if bytes.isEmpty { return nil }
        if bytes.count > maximumBytes {
            throw MemoryError.invalidArgument("\(field) exceeds maximum payload size of \(maximumBytes) bytes")
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes: bytes)
        } catch {
            switch style {
            case .value: throw MemoryError.invalidArgument("invalid \(field) JSON: \(error.description)")
            case .record: throw MemoryError.invalidArgument("invalid \(field): \(error.description)")
            }
        }
        var count = 0
        let depth = measure(value, count: &count)
        if depth > maximumDepth { throw MemoryError.invalidArgument("\(field): nesting deeper than \(maximumDepth)") }
        if count > maximumValues {
            throw MemoryError.invalidArgument("\(field): more than \(maximumValues) JSON values")
        }
        return value
    }

    private static func measure(_ value: JSONValue, count: inout Int) -> Int {
        count += 1
        switch value {
        case .array(let items): return 1 + (items.map { measure($0, count: &count) }.max() ?? 0)
        case .object(let object): return 1 + (object.values.map { measure($0, count: &count) }.max() ?? 0)
        default: return 0
        }
    }

    /// Go `encoding/json` key lookup: the exact key, else the first key equal ignoring case.
    static func member(_ object: JSONObject, _ key: String) -> JSONValue? {
        if let exact = object[key] { return exact }
        let lowered = key.lowercased()
        return object.keys.sorted().first { $0.lowercased() == lowered }.flatMap { object[$0] }
    }
}

/// Reads a supplied record's fields with Go semantics: `null` is the zero value, wrong JSON types are errors.
struct SuppliedObject {
    let object: JSONObject
    let path: String

    init(_ value: JSONValue?, path: String) throws(MemoryError) {
        switch value {
        case nil, .null?: object = [:]
        case .object(let o)?: object = o
        default: throw MemoryError.invalidArgument("\(path): must be an object")
        }
        self.path = path
    }

    func value(_ key: String) -> JSONValue? {
        guard let v = MemoryJSON.member(object, key), !v.isNull else { return nil }
        return v
    }

    func string(_ key: String) throws(MemoryError) -> String {
        guard let v = value(key) else { return "" }
        guard case .string(let s) = v else { throw MemoryError.invalidArgument("\(path).\(key): must be a string") }
        return s
    }

    func double(_ key: String) throws(MemoryError) -> Double {
        guard let v = value(key) else { return 0 }
        guard let d = v.numberValue, d.isFinite else { throw MemoryError.invalidArgument("\(path).\(key): must be a number") }
        return d
    }

    func int(_ key: String) throws(MemoryError) -> Int64 {
        guard let v = value(key) else { return 0 }
        guard let i = v.integerValue else { throw MemoryError.invalidArgument("\(path).\(key): must be an integer") }
        return i
    }

    func bool(_ key: String) throws(MemoryError) -> Bool {
        guard let v = value(key) else { return false }
        guard case .bool(let b) = v else { throw MemoryError.invalidArgument("\(path).\(key): must be a boolean") }
        return b
    }

    func time(_ key: String) throws(MemoryError) -> Nanoseconds {
        let text = try string(key)
        if text.isEmpty { return 0 }
        guard let ns = MemoryTime.parse(text) else {
            throw MemoryError.invalidArgument("invalid timestamp: \(path).\(key) is not RFC 3339")
        }
        return ns
    }

    func strings(_ key: String) throws(MemoryError) -> [String] {
        guard let v = value(key) else { return [] }
        guard case .array(let items) = v else { throw MemoryError.invalidArgument("\(path).\(key): must be an array") }
        var out: [String] = []
        for item in items {
            guard case .string(let s) = item else {
                throw MemoryError.invalidArgument("\(path).\(key): must be an array of strings")
            }
            out.append(s)
        }
        return out
    }

    func objects(_ key: String) throws(MemoryError) -> [SuppliedObject] {
        guard let v = value(key) else { return [] }
        guard case .array(let items) = v else { throw MemoryError.invalidArgument("\(path).\(key): must be an array") }
        var out: [SuppliedObject] = []
        for (i, item) in items.enumerated() { out.append(try SuppliedObject(item, path: "\(path).\(key)[\(i)]")) }
        return out
    }

    func child(_ key: String) throws(MemoryError) -> SuppliedObject {
        try SuppliedObject(value(key), path: "\(path).\(key)")
    }
}
