import Foundation

/// One value taken out of one trace event: who did it, when, why, and the SHA-256 of what was there (JCS), so the
/// value can be recognised if it is ever produced again, never read back.
public struct DecisionRedaction: Sendable, Equatable {
    public var decisionID: String
    public var seq: Int
    /// The path as given, normalised (`$.context.customer.email`).
    public var path: String
    public var originalSHA256: String
    /// The event's hash as recorded when it was appended: the chain keeps linking through it.
    public var eventHash: String
    public var redactedBy: String
    public var redactedAt: String
    public var rationale: String
    /// SHA-256 of the event's body as the redaction left it: a later change to any other value shows.
    public var redactedBodySHA256: String
    /// The receipt key that signed ``statement`` (the server's), and its signature: anyone holding the published
    /// public key can check, offline, that this server made this redaction and nothing else changed in the event.
    public var keyID: String
    public var signature: String

    public init(
        decisionID: String, seq: Int, path: String, originalSHA256: String, eventHash: String, redactedBy: String,
        redactedAt: String, rationale: String, redactedBodySHA256: String, keyID: String = "", signature: String = ""
    ) {
        (self.decisionID, self.seq, self.path, self.originalSHA256, self.eventHash) = (decisionID, seq, path, originalSHA256, eventHash)
        (self.redactedBy, self.redactedAt, self.rationale) = (redactedBy, redactedAt, rationale)
        (self.redactedBodySHA256, self.keyID, self.signature) = (redactedBodySHA256, keyID, signature)
    }

    /// What the signature covers (JCS of this object).
    public var statement: JSONValue {
        [
            "decision_id": .string(decisionID), "seq": .int(Int64(seq)), "path": .string(path), "event_hash": .string(eventHash),
            "original_sha256": .string(originalSHA256), "redacted_body_sha256": .string(redactedBodySHA256),
            "redacted_by": .string(redactedBy), "redacted_at": .string(redactedAt), "rationale": .string(rationale),
            "key_id": .string(keyID),
        ]
    }

    /// The statement with its signature, as `decision_trace` lists it under `redactions`.
    public var json: JSONValue {
        guard case .object(var object) = statement else { return statement }
        object["signature"] = .string(signature)
        return .object(object)
    }

    /// A redaction as an exported trace lists it.
    public init?(json: JSONValue) {
        guard let decisionID = json["decision_id"]?.stringValue, let seq = json["seq"]?.integerValue,
            let bodyHash = json["redacted_body_sha256"]?.stringValue, let eventHash = json["event_hash"]?.stringValue
        else { return nil }
        self.init(
            decisionID: decisionID, seq: Int(seq), path: json["path"]?.stringValue ?? "",
            originalSHA256: json["original_sha256"]?.stringValue ?? "", eventHash: eventHash,
            redactedBy: json["redacted_by"]?.stringValue ?? "", redactedAt: json["redacted_at"]?.stringValue ?? "",
            rationale: json["rationale"]?.stringValue ?? "", redactedBodySHA256: bodyHash,
            keyID: json["key_id"]?.stringValue ?? "", signature: json["signature"]?.stringValue ?? "")
    }
}

/// The pure parts of redaction: paths into an event body, the marker that replaces a value, and scrubbing copies.
public enum Redaction {
    /// The key of the marker object that stands where a redacted value was.
    public static let markerKey = "$redacted"

    /// Fields that make the chain: never redacted (the event would stop being verifiable as part of it).
    static let chainFields: Set<String> = ["event_id", "decision_id", "seq", "type", "timestamp", "actor", "prev_hash", "hash"]

    /// One step of a path: an object key or an array index.
    public enum Step: Sendable, Equatable {
        case key(String)
        case index(Int)
    }

    /// Parses `$.context.customer.email` or `context.items[2].sku` (keys containing dots cannot be named). A path
    /// must name something below the event (not the whole event) and not one of the chain's own fields.
    public static func parse(_ text: String) throws(DecisionError) -> [Step] {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        if rest.hasPrefix("$") { rest = rest.dropFirst() }
        if rest.hasPrefix(".") { rest = rest.dropFirst() }
        var steps: [Step] = []
        for segment in rest.split(separator: ".", omittingEmptySubsequences: false) {
            var part = segment
            var key = part
            if let bracket = part.firstIndex(of: "[") {
                key = part[..<bracket]
                part = part[bracket...]
            } else {
                part = ""
            }
            guard !key.isEmpty else {
                throw .invalidArgument("invalid path '\(text)': expected keys separated by dots, e.g. $.context.customer.email")
            }
            if !key.isEmpty { steps.append(.key(String(key))) }
            while !part.isEmpty {
                guard part.hasPrefix("["), let close = part.firstIndex(of: "]"),
                    let index = Int(part[part.index(after: part.startIndex)..<close]), index >= 0
                else { throw .invalidArgument("invalid path '\(text)': an index is written [0], [1], …") }
                steps.append(.index(index))
                part = part[part.index(after: close)...]
            }
        }
        guard case .key(let first)? = steps.first else {
            throw .invalidArgument("invalid path '\(text)': name a value inside the event, e.g. $.context.customer.email")
        }
        if chainFields.contains(first) {
            throw .invalidArgument("'\(first)' links the event into the chain and cannot be redacted; redact a value inside the event")
        }
        return steps
    }

    /// `$.a.b[2]` for steps.
    public static func text(_ steps: [Step]) -> String {
        "$" + steps.map { step in
            switch step {
            case .key(let key): return "." + key
            case .index(let index): return "[\(index)]"
            }
        }.joined()
    }

    /// The value at `steps`, if there is one.
    public static func value(at steps: [Step], in value: JSONValue) -> JSONValue? {
        var current = value
        for step in steps {
            switch (step, current) {
            case (.key(let key), .object(let object)):
                guard let next = object[key] else { return nil }
                current = next
            case (.index(let index), .array(let items)):
                guard items.indices.contains(index) else { return nil }
                current = items[index]
            default: return nil
            }
        }
        return current
    }

    /// `value` with the value at `steps` replaced by `replacement` (the path must exist).
    public static func replacing(_ steps: [Step], in value: JSONValue, with replacement: JSONValue) -> JSONValue {
        guard let step = steps.first else { return replacement }
        switch (step, value) {
        case (.key(let key), .object(var object)):
            guard let child = object[key] else { return value }
            object[key] = replacing(Array(steps.dropFirst()), in: child, with: replacement)
            return .object(object)
        case (.index(let index), .array(var items)):
            guard items.indices.contains(index) else { return value }
            items[index] = replacing(Array(steps.dropFirst()), in: items[index], with: replacement)
            return .array(items)
        default: return value
        }
    }

    /// The marker that stands where a value was.
    public static func marker(by: String, at: String, originalSHA256: String) -> JSONValue {
        [markerKey: ["by": .string(by), "at": .string(at), "sha256": .string(originalSHA256)]]
    }

    /// Whether `value` is (or holds, anywhere) a redaction marker.
    public static func containsMarker(_ value: JSONValue) -> Bool {
        switch value {
        case .object(let object): return object[markerKey] != nil || object.values.contains(where: containsMarker)
        case .array(let items): return items.contains(where: containsMarker)
        default: return false
        }
    }

    /// `value` with every subtree equal to `original` replaced by `marker`: the copies of a redacted value elsewhere
    /// (read evidence, buffered write rows).
    public static func scrubbing(_ original: JSONValue, from value: JSONValue, marker: JSONValue) -> JSONValue {
        if value == original { return marker }
        switch value {
        case .object(let object): return .object(object.mapValues { scrubbing(original, from: $0, marker: marker) })
        case .array(let items): return .array(items.map { scrubbing(original, from: $0, marker: marker) })
        default: return value
        }
    }
}
