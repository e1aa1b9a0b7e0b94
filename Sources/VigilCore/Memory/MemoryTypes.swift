import Foundation

/// The five memory record types, in Membrane's retrieval layer order.
public enum MemoryType: String, Sendable, Equatable, CaseIterable {
    case working, semantic, competence
    case planGraph = "plan_graph"
    case episodic

    /// The position in the default layer order `working, semantic, competence, plan_graph, episodic`.
    public var layerIndex: Int { Self.allCases.firstIndex(of: self)! }

    /// The default half-life of records of this type (Membrane spec §6.1, §7.5).
    public var defaultHalfLifeSeconds: Int64 {
        switch self {
        case .episodic: return 3600
        case .working: return 86400
        case .semantic, .competence, .planGraph: return 2_592_000
        }
    }

    static let list = "episodic, working, semantic, competence, plan_graph"
}

/// Sensitivity levels, ordered `public < low < medium < high < hyper`.
public enum Sensitivity: String, Sendable, Equatable, CaseIterable, Comparable {
    case `public`, low, medium, high, hyper

    public var level: Int { Self.allCases.firstIndex(of: self)! }
    public init?(level: Int) {
        guard Self.allCases.indices.contains(level) else { return nil }
        self = Self.allCases[level]
    }
    public static func < (a: Sensitivity, b: Sensitivity) -> Bool { a.level < b.level }
    static let list = "public, low, medium, high, hyper"
}

/// The internal revision status of a record (Membrane spec §9.2). Not a key of the record JSON.
public enum MemoryStatus: String, Sendable, Equatable, CaseIterable {
    case active, contested, retracted, superseded

    /// Whether Retrieve considers the record without `include_inactive`.
    public var isLive: Bool { self == .active || self == .contested }
}

/// What a caller may see (Membrane spec §8.1): asserted by the client; the API key is the server-side control.
public struct TrustContext: Sendable, Equatable {
    public var maxSensitivity: Sensitivity
    public var authenticated: Bool
    public var actorID: String
    public var scopes: [String]

    public init(maxSensitivity: Sensitivity, authenticated: Bool = false, actorID: String = "", scopes: [String] = []) {
        self.maxSensitivity = maxSensitivity
        self.authenticated = authenticated
        self.actorID = actorID
        self.scopes = scopes
    }

    /// Full visibility, for the operator's local dashboard and CLI.
    public static let operatorView = TrustContext(maxSensitivity: .hyper)

    /// How much of `record` this context may see.
    public func view(of sensitivity: Sensitivity, scope: String) -> MemoryView {
        let inScope = scopes.isEmpty || scope.isEmpty || scopes.contains(scope)
        guard inScope else { return .omitted }
        let d = sensitivity.level - maxSensitivity.level
        if d <= 0 { return .full }
        if d == 1 { return .redacted }
        return .omitted
    }
}

/// The three outcomes of the trust check.
public enum MemoryView: Sendable, Equatable {
    case full, redacted, omitted
}

/// Nanoseconds since the Unix epoch, UTC: how memory timestamps are stored. 0 means unset.
public typealias Nanoseconds = Int64

/// Go's RFC 3339 nano format, which Membrane clients parse.
public enum MemoryTime {
    public static let unset = "0001-01-01T00:00:00Z"

    public static func nanoseconds(_ date: Date) -> Nanoseconds {
        Nanoseconds((date.timeIntervalSince1970 * 1e9).rounded())
    }

    public static func date(_ ns: Nanoseconds) -> Date { Date(timeIntervalSince1970: Double(ns) / 1e9) }

    /// `YYYY-MM-DDTHH:MM:SS[.fffffffff]Z`, trailing zeros trimmed; `0001-01-01T00:00:00Z` for 0.
    public static func format(_ ns: Nanoseconds) -> String {
        if ns == 0 { return unset }
        let seconds = ns >= 0 ? ns / 1_000_000_000 : (ns - 999_999_999) / 1_000_000_000
        let fraction = ns - seconds * 1_000_000_000
        let base = String(Timestamp.format(Date(timeIntervalSince1970: TimeInterval(seconds))).prefix(19))
        guard fraction != 0 else { return base + "Z" }
        var digits = String(fraction)
        digits = String(repeating: "0", count: 9 - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return base + "." + digits + "Z"
    }

    /// Parses RFC 3339 with `Z` or a numeric offset and up to 9 fraction digits, to nanoseconds.
    public static func parse(_ text: String) -> Nanoseconds? {
        guard let date = Timestamp.parse(text) else { return nil }
        // Recover the fraction exactly (Date's double loses nanoseconds).
        var whole = Nanoseconds((date.timeIntervalSince1970).rounded(.down)) * 1_000_000_000
        if let dot = text.firstIndex(of: ".") {
            let digits = text[text.index(after: dot)...].prefix { $0.isNumber }
            guard digits.count <= 9 else { return nil }
            let padded = digits + String(repeating: "0", count: 9 - digits.count)
            whole += Nanoseconds(padded) ?? 0
        }
        return whole
    }
}

/// A record's decay profile (Membrane spec §4.2).
public struct DecayProfile: Sendable, Equatable {
    public var curve = "exponential"
    public var halfLifeSeconds: Int64
    public var minSalience: Double = 0
    public var maxAgeSeconds: Int64 = 0
    public var reinforcementGain: Double = 0

    package init(
        curve: String = "exponential", halfLifeSeconds: Int64, minSalience: Double = 0, maxAgeSeconds: Int64 = 0, reinforcementGain: Double = 0
    ) {
        self.curve = curve
        self.halfLifeSeconds = halfLifeSeconds
        self.minSalience = minSalience
        self.maxAgeSeconds = maxAgeSeconds
        self.reinforcementGain = reinforcementGain
    }
}

public struct Lifecycle: Sendable, Equatable {
    public var decay: DecayProfile
    public var lastReinforcedAt: Nanoseconds
    public var pinned = false
    public var deletionPolicy = ""

    package init(
        decay: DecayProfile, lastReinforcedAt: Nanoseconds, pinned: Bool = false, deletionPolicy: String = ""
    ) {
        self.decay = decay
        self.lastReinforcedAt = lastReinforcedAt
        self.pinned = pinned
        self.deletionPolicy = deletionPolicy
    }
}

public struct ProvenanceSource: Sendable, Equatable {
    public var kind: String
    public var ref: String
    public var hash = ""
    public var createdBy = ""
    public var timestamp: Nanoseconds

    package init(
        kind: String, ref: String, hash: String = "", createdBy: String = "", timestamp: Nanoseconds
    ) {
        self.kind = kind
        self.ref = ref
        self.hash = hash
        self.createdBy = createdBy
        self.timestamp = timestamp
    }
}

public struct Provenance: Sendable, Equatable {
    public var sources: [ProvenanceSource] = []
    public var createdBy = ""

    package init(
        sources: [ProvenanceSource] = [], createdBy: String = ""
    ) {
        self.sources = sources
        self.createdBy = createdBy
    }
}

public struct Relation: Sendable, Equatable {
    public var predicate: String
    public var targetID: String
    public var weight: Double = 0
    public var createdAt: Nanoseconds

    package init(
        predicate: String, targetID: String, weight: Double = 0, createdAt: Nanoseconds
    ) {
        self.predicate = predicate
        self.targetID = targetID
        self.weight = weight
        self.createdAt = createdAt
    }
}

public struct AuditEntry: Sendable, Equatable {
    public var action: String
    public var actor: String
    public var timestamp: Nanoseconds
    public var rationale: String
    /// The record's salience right after this entry, as the store wrote it (``MemoryRecord/salienceStamp(for:)``);
    /// `nil` for entries older than that column or from before the record's current anchor. Not on the wire.
    public var salience: Double?

    package init(
        action: String, actor: String, timestamp: Nanoseconds, rationale: String, salience: Double? = nil
    ) {
        self.action = action
        self.actor = actor
        self.timestamp = timestamp
        self.rationale = rationale
        self.salience = salience
    }
}

/// A memory record (Membrane spec §4.2) with its internal status and salience anchor.
public struct MemoryRecord: Sendable, Equatable {
    public var id: String
    public var type: MemoryType
    public var sensitivity: Sensitivity
    public var confidence: Double
    /// The stored salience at the last anchor (`base` in spec §7.1).
    public var base: Double
    public var scope: String
    public var tags: [String]
    public var createdAt: Nanoseconds
    public var updatedAt: Nanoseconds
    public var lifecycle: Lifecycle
    public var provenance: Provenance
    public var relations: [Relation]
    /// The payload object; its `kind` equals `type`.
    public var payload: JSONObject
    public var auditLog: [AuditEntry]
    public var status: MemoryStatus

    package init(
        id: String, type: MemoryType, sensitivity: Sensitivity, confidence: Double, base: Double, scope: String, tags: [String], createdAt: Nanoseconds, updatedAt: Nanoseconds, lifecycle: Lifecycle, provenance: Provenance, relations: [Relation], payload: JSONObject, auditLog: [AuditEntry], status: MemoryStatus
    ) {
        self.id = id
        self.type = type
        self.sensitivity = sensitivity
        self.confidence = confidence
        self.base = base
        self.scope = scope
        self.tags = tags
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.lifecycle = lifecycle
        self.provenance = provenance
        self.relations = relations
        self.payload = payload
        self.auditLog = auditLog
        self.status = status
    }

    /// Effective salience at `t` (spec §7.2): a pure function of the stored state, never compounding.
    public func salience(at t: Nanoseconds) -> Double {
        Self.salience(
            base: base, status: status, lastReinforcedAt: lifecycle.lastReinforcedAt, decay: lifecycle.decay,
            pinned: lifecycle.pinned, createdAt: createdAt, at: t)
    }

    static func salience(
        base: Double, status: MemoryStatus, lastReinforcedAt: Nanoseconds, decay: DecayProfile, pinned: Bool,
        createdAt: Nanoseconds, at t: Nanoseconds
    ) -> Double {
        if status == .retracted || status == .superseded { return 0 }
        if decay.maxAgeSeconds > 0, Double(t - createdAt) / 1e9 >= Double(decay.maxAgeSeconds) { return 0 }
        if pinned { return max(base, decay.minSalience) }
        return max(base * decayFactor(lastReinforcedAt: lastReinforcedAt, halfLife: decay.halfLifeSeconds, at: t), decay.minSalience)
    }

    /// The salience a store writes beside a new audit entry: the record's, as it stands after the write, at the entry's
    /// time. An entry from before the record's current anchor (a client-supplied history) gets none: the state that
    /// decided its salience then is gone. What the salience history (``MemoryHistory``) draws.
    package func salienceStamp(for entry: AuditEntry) -> Double? {
        if let stamped = entry.salience { return stamped }
        guard entry.timestamp >= lifecycle.lastReinforcedAt else { return nil }
        return salience(at: entry.timestamp)
    }

    /// `2^(−Δ/H)` with `Δ = max(0, t − L)` in seconds.
    static func decayFactor(lastReinforcedAt: Nanoseconds, halfLife: Int64, at t: Nanoseconds) -> Double {
        let delta = max(0, Double(t - lastReinforcedAt) / 1e9)
        guard halfLife > 0 else { return 1 }
        return exp2(-delta / Double(halfLife))
    }

    /// The `decision_id`s this record names in its provenance refs or tags (the decision ↔ memory link).
    public var linkedDecisionIDs: [String] { DecisionReference.ids(in: provenance.sources.map(\.ref) + tags) }
}

/// Finds TraceMem decision ids (`TMEM_` + 26 Crockford characters) inside free text.
public enum DecisionReference {
    static let alphabet = Set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")

    /// The distinct decision ids in `texts`, in order of first appearance (a record's provenance refs and tags).
    public static func ids(in texts: [String]) -> [String] {
        var found: [String] = []
        for text in texts {
            for id in find(in: text) where !found.contains(id) { found.append(id) }
        }
        return found
    }

    public static func find(in text: String) -> [String] {
        guard text.contains("TMEM_") else { return [] }
        var out: [String] = []
        let chars = Array(text)
        var i = 0
        while i + 31 <= chars.count {
            if chars[i] == "T", String(chars[i..<(i + 5)]) == "TMEM_" {
                let body = chars[(i + 5)..<(i + 31)]
                if body.allSatisfy({ alphabet.contains($0) }), i + 31 == chars.count || !alphabet.contains(chars[i + 31]) {
                    out.append("TMEM_" + String(body))
                    i += 31
                    continue
                }
            }
            i += 1
        }
        return out
    }
}
