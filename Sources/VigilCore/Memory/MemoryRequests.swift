/// Requests of the memory engine, field for field the `membrane.v1` messages (spec §3). JSON fields hold the raw
/// bytes of the `bytes` field; empty means absent.
public struct IngestEventRequest: Sendable {
    public var source = "", eventKind = "", ref = "", summary = "", timestamp = ""
    public var tags: [String] = []
    public var scope = "", sensitivity = ""
    public init() {}
}

public struct IngestToolOutputRequest: Sendable {
    public var source = "", toolName = ""
    public var args: [UInt8] = [], result: [UInt8] = []
    public var dependsOn: [String] = []
    public var timestamp = ""
    public var tags: [String] = []
    public var scope = "", sensitivity = ""
    public init() {}
}

public struct IngestObservationRequest: Sendable {
    public var source = "", subject = "", predicate = ""
    public var object: [UInt8] = []
    public var timestamp = ""
    public var tags: [String] = []
    public var scope = "", sensitivity = ""
    public init() {}
}

public struct IngestOutcomeRequest: Sendable {
    public var source = "", targetRecordID = "", outcomeStatus = "", timestamp = ""
    public init() {}
}

public struct IngestWorkingStateRequest: Sendable {
    public var source = "", threadID = "", state = ""
    public var nextActions: [String] = [], openQuestions: [String] = []
    public var contextSummary = ""
    public var activeConstraints: [UInt8] = []
    public var timestamp = ""
    public var tags: [String] = []
    public var scope = "", sensitivity = ""
    public init() {}
}

/// The TrustContext as sent: optional, with a raw `max_sensitivity`, validated by the engine.
public struct TrustContextRequest: Sendable {
    public var maxSensitivity = ""
    public var authenticated = false
    public var actorID = ""
    public var scopes: [String] = []
    public init(maxSensitivity: String = "", scopes: [String] = []) {
        self.maxSensitivity = maxSensitivity
        self.scopes = scopes
    }
}

public struct RetrieveRequest: Sendable {
    public var taskDescriptor = ""
    public var trust: TrustContextRequest?
    public var memoryTypes: [String] = []
    public var minSalience = 0.0
    public var limit: Int32 = 0
    public var includeInactive = false
    public init() {}
}

/// One revision or salience call's common fields.
public struct RevisionActor: Sendable {
    public var actor: String
    public var rationale: String
    public init(actor: String = "", rationale: String = "") {
        self.actor = actor
        self.rationale = rationale
    }
}

/// What Retrieve returns: records with their view, and the selection over competence and plan_graph candidates.
public struct RetrieveResult: Sendable {
    public var records: [(record: MemoryRecord, view: MemoryView)]
    public var selection: Selection?
    /// The instant the call read the clock; every salience in the result is at this time.
    public var now: Nanoseconds

    public var recordsJSON: [JSONValue] { records.map { $0.record.json(view: $0.view, at: now) } }
}

/// Spec §8.5's selection result.
public struct Selection: Sendable {
    public var selected: [(record: MemoryRecord, view: MemoryView)]
    public var confidence: Double
    public var needsMore: Bool
    public var scores: [String: Double]

    /// The PascalCase JSON of spec §4.5.
    public func json(at t: Nanoseconds) -> JSONValue {
        [
            "Selected": .array(selected.map { $0.record.json(view: $0.view, at: t) }),
            "Confidence": .double(confidence), "NeedsMore": .bool(needsMore),
            "Scores": .object(scores.mapValues { .double($0) }),
        ]
    }
}

/// One creating ingestion, for batches.
public enum MemoryIngestRequest: Sendable {
    case event(IngestEventRequest)
    case toolOutput(IngestToolOutputRequest)
    case observation(IngestObservationRequest)
    case workingState(IngestWorkingStateRequest)
}
