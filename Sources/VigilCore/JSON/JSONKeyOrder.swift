import Foundation

/// The order an object's keys were written in, so a file vigil edits keeps its layout: `JSONValue`'s objects are
/// dictionaries, and printing one sorts its keys.
///
/// Objects are named by their path, JSON Pointer style (RFC 6901): `""` for the top level, `/hooks/PreToolUse/0` for
/// the first element of the `PreToolUse` list inside `hooks`.
public struct JSONKeyOrder: Sendable, Equatable {
    public var orders: [String: [String]] = [:]

    public init() {}

    /// The key order of every object in `bytes` (a JSON text; anything that does not parse gives no orders).
    public init(bytes: [UInt8]) {
        var orders: [String: [String]] = [:]
        let parsed: Bool = bytes.withUnsafeBufferPointer { buffer in
            var cursor = JSONParser.Cursor(bytes: buffer)
            return (try? Self.collect(&cursor, path: "", depth: 0, into: &orders)) != nil
        }
        if parsed { self.orders = orders }
    }

    /// `name` as one step of a path.
    public static func step(_ name: String) -> String {
        "/" + name.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    /// The keys of `object` (found at `path`) in the order to print them: those the text had, in its order; then new
    /// ones, those named in `preferred` first in that order, the rest sorted.
    public func keys(of object: JSONObject, at path: String, preferred: [String] = []) -> [String] {
        var keys: [String] = []
        var seen = Set<String>()
        for key in orders[path] ?? [] where object[key] != nil && seen.insert(key).inserted { keys.append(key) }
        let rest = JCS.sortedKeys(object.filter { !seen.contains($0.key) })
        let rank = { (key: String) in preferred.firstIndex(of: key) ?? preferred.count }
        return keys + rest.enumerated().sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }.map(\.element)
    }

    private static func collect(
        _ cursor: inout JSONParser.Cursor, path: String, depth: Int, into orders: inout [String: [String]]
    ) throws(JSONParseError) {
        cursor.skipWhitespace()
        guard cursor.index < cursor.bytes.count else { throw cursor.error("unexpected end of input") }
        guard depth <= JSONParser.maximumDepth else { throw cursor.error("nesting deeper than \(JSONParser.maximumDepth)") }
        switch cursor.bytes[cursor.index] {
        case UInt8(ascii: "{"):
            cursor.index += 1
            var keys: [String] = []
            cursor.skipWhitespace()
            if cursor.index < cursor.bytes.count, cursor.bytes[cursor.index] == UInt8(ascii: "}") {
                cursor.index += 1
            } else {
                while true {
                    cursor.skipWhitespace()
                    guard cursor.index < cursor.bytes.count, cursor.bytes[cursor.index] == UInt8(ascii: "\"") else {
                        throw cursor.error("expected a string key")
                    }
                    let key = try cursor.parseString()
                    cursor.skipWhitespace()
                    guard cursor.index < cursor.bytes.count, cursor.bytes[cursor.index] == UInt8(ascii: ":") else { throw cursor.error("expected ':'") }
                    cursor.index += 1
                    try collect(&cursor, path: path + step(key), depth: depth + 1, into: &orders)
                    keys.append(key)
                    if try ended(&cursor, "}") { break }
                }
            }
            orders[path] = keys
        case UInt8(ascii: "["):
            cursor.index += 1
            cursor.skipWhitespace()
            if cursor.index < cursor.bytes.count, cursor.bytes[cursor.index] == UInt8(ascii: "]") {
                cursor.index += 1
                return
            }
            var position = 0
            while true {
                try collect(&cursor, path: path + "/\(position)", depth: depth + 1, into: &orders)
                position += 1
                if try ended(&cursor, "]") { return }
            }
        default:
            _ = try cursor.parseValue(depth: depth)
        }
    }

    /// After a member: past a `,` (false) or the `closing` bracket (true).
    private static func ended(_ cursor: inout JSONParser.Cursor, _ closing: Unicode.Scalar) throws(JSONParseError) -> Bool {
        cursor.skipWhitespace()
        guard cursor.index < cursor.bytes.count else { throw cursor.error("unexpected end of input") }
        let byte = cursor.bytes[cursor.index]
        cursor.index += 1
        if byte == UInt8(ascii: ",") { return false }
        if byte == UInt8(closing.value) { return true }
        cursor.index -= 1
        throw cursor.error("expected ',' or '\(closing)'")
    }
}
