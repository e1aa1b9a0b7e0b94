/// The Membrane client's types, as the Python `membrane-client` has them: what a record looks like on the wire
/// (spec `membrane-grpc.md` §4), decoded from its snake_case JSON.

public enum Sensitivity: String, Sendable, CaseIterable, Comparable {
    case `public`, low, medium, high, hyper

    public static func < (a: Sensitivity, b: Sensitivity) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

public enum MemoryType: String, Sendable, CaseIterable {
    case episodic, working, semantic, competence
    case planGraph = "plan_graph"
}

/// What the caller may see: records above `maxSensitivity` come back redacted (one level) or not at all.
public struct TrustContext: Sendable, Equatable {
    public var maxSensitivity: Sensitivity
    public var authenticated: Bool
    public var actorID: String
    public var scopes: [String]

    public init(maxSensitivity: Sensitivity, authenticated: Bool = false, actorID: String = "", scopes: [String] = []) {
        (self.maxSensitivity, self.authenticated, self.actorID, self.scopes) = (maxSensitivity, authenticated, actorID, scopes)
    }
}

public struct DecayProfile: Sendable, Equatable {
    public var curve: String
    public var halfLifeSeconds: Int64
    public var minSalience: Double
    public var maxAgeSeconds: Int64
    public var reinforcementGain: Double
}

public struct Lifecycle: Sendable, Equatable {
    public var decay: DecayProfile
    /// RFC 3339 with nanoseconds, as the server sent it.
    public var lastReinforcedAt: String
    public var pinned: Bool
    public var deletionPolicy: String
}

public struct ProvenanceSource: Sendable, Equatable {
    public var kind: String
    public var ref: String
    public var hash: String
    public var createdBy: String
    public var timestamp: String
}

public struct Provenance: Sendable, Equatable {
    public var sources: [ProvenanceSource]
    public var createdBy: String
}

public struct Relation: Sendable, Equatable {
    /// `supersedes`, `derived_from`, `contested_by`, …
    public var predicate: String
    public var targetID: String
    public var weight: Double
    public var createdAt: String
}

public struct AuditEntry: Sendable, Equatable {
    public var action: String
    public var actor: String
    public var timestamp: String
    public var rationale: String
}

/// One memory record as the server returned it. `salience` is the effective salience when it was read.
public struct MemoryRecord: Sendable {
    public var id: String
    public var type: MemoryType
    public var sensitivity: Sensitivity
    public var confidence: Double
    public var salience: Double
    public var scope: String
    public var tags: [String]
    public var createdAt: String
    public var updatedAt: String
    public var lifecycle: Lifecycle
    public var provenance: Provenance
    public var relations: [Relation]
    /// The type's payload object; `nil` when the record is redacted for the caller's trust.
    public var payload: JSONValue?
    public var auditLog: [AuditEntry]
    /// The record exactly as received (for fields a newer server adds).
    public var json: JSONValue

    /// Whether the trust context hid the payload.
    public var isRedacted: Bool { payload == nil }

    /// Decodes the wire JSON; a record without `id`, or with an unknown `type` or `sensitivity`, is refused.
    public init(json: JSONValue) throws(MembraneError) {
        guard case .object(let o) = json, let id = o["id"]?.stringValue, !id.isEmpty else {
            throw MembraneError(code: .internal, message: "a record without an id")
        }
        guard let type = o["type"]?.stringValue.flatMap(MemoryType.init(rawValue:)) else {
            throw MembraneError(code: .internal, message: "record \(id) has an unknown type")
        }
        guard let sensitivity = o["sensitivity"]?.stringValue.flatMap(Sensitivity.init(rawValue:)) else {
            throw MembraneError(code: .internal, message: "record \(id) has an unknown sensitivity")
        }
        self.id = id
        self.type = type
        self.sensitivity = sensitivity
        confidence = o["confidence"]?.numberValue ?? 0
        salience = o["salience"]?.numberValue ?? 0
        scope = o["scope"]?.stringValue ?? ""
        tags = o["tags"]?.arrayValue?.compactMap(\.stringValue) ?? []
        createdAt = o["created_at"]?.stringValue ?? ""
        updatedAt = o["updated_at"]?.stringValue ?? ""
        let l = o["lifecycle"]
        let d = l?["decay"]
        lifecycle = Lifecycle(
            decay: DecayProfile(
                curve: d?["curve"]?.stringValue ?? "exponential", halfLifeSeconds: d?["half_life_seconds"]?.integerValue ?? 0,
                minSalience: d?["min_salience"]?.numberValue ?? 0, maxAgeSeconds: d?["max_age_seconds"]?.integerValue ?? 0,
                reinforcementGain: d?["reinforcement_gain"]?.numberValue ?? 0),
            lastReinforcedAt: l?["last_reinforced_at"]?.stringValue ?? "", pinned: l?["pinned"]?.boolValue ?? false,
            deletionPolicy: l?["deletion_policy"]?.stringValue ?? "")
        provenance = Provenance(
            sources: (o["provenance"]?["sources"]?.arrayValue ?? []).map { s in
                ProvenanceSource(
                    kind: s["kind"]?.stringValue ?? "", ref: s["ref"]?.stringValue ?? "", hash: s["hash"]?.stringValue ?? "",
                    createdBy: s["created_by"]?.stringValue ?? "", timestamp: s["timestamp"]?.stringValue ?? "")
            },
            createdBy: o["provenance"]?["created_by"]?.stringValue ?? "")
        relations = (o["relations"]?.arrayValue ?? []).map { r in
            Relation(
                predicate: r["predicate"]?.stringValue ?? r["kind"]?.stringValue ?? "", targetID: r["target_id"]?.stringValue ?? "",
                weight: r["weight"]?.numberValue ?? 0, createdAt: r["created_at"]?.stringValue ?? "")
        }
        // (Not `flatMap { $0.isNull ? nil : $0 }`: JSONValue is ExpressibleByNilLiteral, so that `nil` is `.null`.)
        if let value = o["payload"], !value.isNull { payload = value } else { payload = nil }
        auditLog = (o["audit_log"]?.arrayValue ?? []).map { a in
            AuditEntry(
                action: a["action"]?.stringValue ?? "", actor: a["actor"]?.stringValue ?? "",
                timestamp: a["timestamp"]?.stringValue ?? "", rationale: a["rationale"]?.stringValue ?? "")
        }
        self.json = json
    }
}

/// Retrieve's choice among competence and plan-graph candidates (spec §8.5).
public struct Selection: Sendable {
    public var selected: [MemoryRecord]
    public var confidence: Double
    public var needsMore: Bool
    public var scores: [String: Double]

    init(json: JSONValue) throws(MembraneError) {
        var selected: [MemoryRecord] = []
        for item in json["Selected"]?.arrayValue ?? [] { selected.append(try MemoryRecord(json: item)) }
        self.selected = selected
        confidence = json["Confidence"]?.numberValue ?? 0
        needsMore = json["NeedsMore"]?.boolValue ?? false
        scores = (json["Scores"]?.objectValue ?? [:]).compactMapValues(\.numberValue)
    }
}

/// A failed Membrane call, with its gRPC status (the embedded backend uses the same codes the server would send).
public struct MembraneError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case cancelled = "CANCELLED", unknown = "UNKNOWN", invalidArgument = "INVALID_ARGUMENT"
        case deadlineExceeded = "DEADLINE_EXCEEDED", notFound = "NOT_FOUND", alreadyExists = "ALREADY_EXISTS"
        case permissionDenied = "PERMISSION_DENIED", resourceExhausted = "RESOURCE_EXHAUSTED"
        case failedPrecondition = "FAILED_PRECONDITION", aborted = "ABORTED", outOfRange = "OUT_OF_RANGE"
        case unimplemented = "UNIMPLEMENTED", `internal` = "INTERNAL", unavailable = "UNAVAILABLE", dataLoss = "DATA_LOSS"
        case unauthenticated = "UNAUTHENTICATED"
    }

    public var code: Code
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
