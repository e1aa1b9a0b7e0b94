import Foundation

/// What sanitizing one value produced: the cleaned value and the JSON Pointers of what was changed.
public struct SanitizedValue: Sendable, Equatable {
    public var value: JSONValue
    /// Pointers of keys whose values were replaced by `[REDACTED]`, in traversal order.
    public var redactedKeys: [String]
    /// Pointers of values that were shortened (strings, arrays, objects, depth), in traversal order.
    public var truncatedPaths: [String]
}

/// The server-side sanitizer of TraceMem spec §12: redacts secret-like keys and bounds sizes before anything free-form
/// is persisted.
///
/// Pure and deterministic: one depth-first pass, object keys in code-point order, array elements by index.
public struct Sanitizer: Sendable {
    public static let redactedMarker = "[REDACTED]"
    public static let maxDepthMarker = "[…max depth]"
    public static let maximumStringLength = 1000
    public static let maximumArrayItems = 100
    public static let maximumObjectKeys = 100
    /// The top-level value has depth 1; containers at a deeper level than this are replaced.
    public static let maximumDepth = 10

    /// Substrings that mark a key as secret-like (case-insensitive, anywhere in the key).
    static let secretKeyFragments = [
        "token", "secret", "password", "passwd", "api_key", "apikey", "auth", "credential", "private_key",
    ]

    public init() {}

    /// Whether an object key names a secret (so its value is never stored).
    public static func isSecretKey(_ key: String) -> Bool {
        let lowered = key.lowercased()
        return secretKeyFragments.contains { lowered.contains($0) }
    }

    /// Sanitizes `value`, which sits at `pointer` inside the event (for example `/metadata`).
    public func sanitize(_ value: JSONValue, at pointer: String) -> SanitizedValue {
        var redacted: [String] = []
        var truncated: [String] = []
        let cleaned = visit(value, pointer: pointer, depth: 1, redacted: &redacted, truncated: &truncated)
        return SanitizedValue(value: cleaned, redactedKeys: redacted, truncatedPaths: truncated)
    }

    private func visit(
        _ value: JSONValue, pointer: String, depth: Int, redacted: inout [String], truncated: inout [String]
    ) -> JSONValue {
        switch value {
        case .string(let s):
            let scalars = s.unicodeScalars
            guard scalars.count > Self.maximumStringLength else { return value }
            truncated.append(pointer)
            var kept = String.UnicodeScalarView(scalars.prefix(Self.maximumStringLength))
            kept.append(contentsOf: "…[truncated \(scalars.count - Self.maximumStringLength) chars]".unicodeScalars)
            return .string(String(kept))
        case .array(let items):
            if depth > Self.maximumDepth {
                truncated.append(pointer)
                return .string(Self.maxDepthMarker)
            }
            var out: [JSONValue] = []
            for (index, item) in items.prefix(Self.maximumArrayItems).enumerated() {
                out.append(
                    visit(item, pointer: pointer + "/\(index)", depth: depth + 1, redacted: &redacted,
                        truncated: &truncated))
            }
            if items.count > Self.maximumArrayItems {
                truncated.append(pointer)
                out.append(.string("[…\(items.count - Self.maximumArrayItems) more items]"))
            }
            return .array(out)
        case .object(let object):
            if depth > Self.maximumDepth {
                truncated.append(pointer)
                return .string(Self.maxDepthMarker)
            }
            let keys = object.keys.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
            var out: JSONObject = [:]
            for key in keys.prefix(Self.maximumObjectKeys) {
                let child = pointer + "/" + Self.escapePointerToken(key)
                if Self.isSecretKey(key) {
                    redacted.append(child)
                    out[key] = .string(Self.redactedMarker)
                } else {
                    out[key] = visit(
                        object[key]!, pointer: child, depth: depth + 1, redacted: &redacted, truncated: &truncated)
                }
            }
            if keys.count > Self.maximumObjectKeys {
                truncated.append(pointer)
                out["__truncated__"] = .string("[…\(keys.count - Self.maximumObjectKeys) more keys]")
            }
            return .object(out)
        default:
            return value
        }
    }

    /// RFC 6901 escaping of one reference token.
    public static func escapePointerToken(_ token: String) -> String {
        token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }
}
