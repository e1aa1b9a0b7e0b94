import Foundation
import VigilCore
import VigilStoreSQLite

/// A memory engine on a real temporary store (a SQLite file or a PostgreSQL database) with a clock that starts at T0 and moves only when told.
public final class MemoryFixture: Sendable {
    public let directory: TemporaryDirectory
    public let clock: ManualClock
    package let store: any Store
    /// Which kind of store this fixture runs on.
    public let storeKind: TestStore
    public let engine: MemoryEngine
    /// T0, in nanoseconds.
    public let t0: Nanoseconds

    public init(store kind: TestStore = .sqlite, settings: MemorySettings = MemorySettings()) throws {
        directory = try TemporaryDirectory()
        let start = Date(timeIntervalSince1970: 1_767_780_000)
        clock = ManualClock(start)
        t0 = MemoryTime.nanoseconds(start)
        storeKind = kind
        store = try kind.open(in: directory)
        engine = MemoryEngine(store: store, settings: settings, clock: clock)
    }

    /// Another handle on the same database, as a second process (or server) would open it.
    package func secondStore() throws -> any Store {
        try storeKind.reopen(store, in: directory)
    }

    /// Moves the clock forward.
    public func advance(_ seconds: TimeInterval) { clock.advance(by: seconds) }

    /// An ingested event with sensible defaults.
    @discardableResult
    public func event(
        _ summary: String = "hello", kind: String = "user_message", ref: String = "m1", sensitivity: String = "",
        scope: String = "", tags: [String] = []
    ) throws -> MemoryRecord {
        var r = IngestEventRequest()
        r.source = "python-client"
        r.eventKind = kind
        r.ref = ref
        r.summary = summary
        r.sensitivity = sensitivity
        r.scope = scope
        r.tags = tags
        return try engine.ingestEvent(r)
    }

    /// An ingested observation (a semantic record).
    @discardableResult
    public func observation(
        _ subject: String, _ predicate: String, _ object: JSONValue, sensitivity: String = "", scope: String = ""
    ) throws -> MemoryRecord {
        var r = IngestObservationRequest()
        r.source = "python-client"
        r.subject = subject
        r.predicate = predicate
        r.object = object.canonicalBytes
        r.sensitivity = sensitivity
        r.scope = scope
        return try engine.ingestObservation(r)
    }

    /// Retrieve with trust `maxSensitivity` and everything else as given.
    public func retrieve(
        _ task: String = "", trust: String = "hyper", scopes: [String] = [], types: [String] = [], minSalience: Double = 0,
        limit: Int32 = 0, includeInactive: Bool = false
    ) throws -> RetrieveResult {
        var r = RetrieveRequest()
        r.taskDescriptor = task
        r.trust = TrustContextRequest(maxSensitivity: trust, scopes: scopes)
        r.memoryTypes = types
        r.minSalience = minSalience
        r.limit = limit
        r.includeInactive = includeInactive
        return try engine.retrieve(r)
    }

    /// The record by id, with full trust.
    public func get(_ id: String) throws -> MemoryRecord {
        try engine.retrieveByID(id, trust: TrustContextRequest(maxSensitivity: "hyper"))
    }

    /// The record's JSON at the current clock.
    public func json(_ id: String) throws -> JSONValue {
        try get(id).json(at: engine.currentTime)
    }

    /// A supplied record as the Python client's `to_dict()` would send it.
    public static func suppliedRecord(
        type: String = "semantic", extra: JSONObject = [:], payload: JSONObject? = nil
    ) -> [UInt8] {
        var record: JSONObject = [
            "type": .string(type), "sensitivity": "low", "confidence": 0.9, "salience": 1.0,
            "payload": .object(payload ?? (type == "semantic"
                ? ["kind": "semantic", "subject": "db", "predicate": "uses", "object": "postgres",
                   "validity": ["mode": "global"],
                   "evidence": [["source_type": "observation", "source_id": "x", "timestamp": "2026-01-01T00:00:00Z"]]]
                : ["kind": .string(type)])),
        ]
        for (k, v) in extra { record[k] = v }
        return JSONValue.object(record).canonicalBytes
    }
}
