import Foundation

/// A memory record's history as an operator reads it: the revision lineage around it (what it superseded, forked or
/// merged from, what did that to it, what contests it), each revision's payload for diffs, and its salience over time.
///
/// Built by ``MemoryEngine/history(of:)``; the dashboard shows it locally and through `operator_memory_history`.
public struct MemoryHistory: Sendable, Equatable {
    /// How a revision names the record it came from (its own relations, spec §9.3).
    public enum Link: String, Sendable, Equatable, CaseIterable {
        /// `Supersede`: this revision replaced the target.
        case supersedes
        /// `Fork`: this revision derives from the target, which stays active.
        case forkedFrom = "forked_from"
        /// `Merge`: this revision replaced the target together with others.
        case mergedFrom = "merged_from"
        /// `Contest`: the target disputes this revision.
        case contestedBy = "contested_by"

        public var phrase: String {
            switch self {
            case .supersedes: "supersedes"
            case .forkedFrom: "forked from"
            case .mergedFrom: "merged from"
            case .contestedBy: "contested by"
            }
        }
    }

    public struct Edge: Sendable, Equatable {
        public var link: Link
        public var targetID: String
        public init(link: Link, targetID: String) { (self.link, self.targetID) = (link, targetID) }
    }

    /// One record of the lineage.
    public struct Revision: Sendable, Equatable, Identifiable {
        public var id: String
        public var type: String
        public var status: MemoryStatus
        public var sensitivity: String
        public var createdAt: Nanoseconds
        public var summary: String
        /// What this revision says it came from, among the lineage's records.
        public var edges: [Edge]
        /// The payload; `nil` when masked (HIGH and HYPER are shown only through an audited reveal).
        public var payload: JSONObject?

        public init(
            id: String, type: String, status: MemoryStatus, sensitivity: String, createdAt: Nanoseconds, summary: String,
            edges: [Edge], payload: JSONObject?
        ) {
            (self.id, self.type, self.status, self.sensitivity, self.createdAt) = (id, type, status, sensitivity, createdAt)
            (self.summary, self.edges, self.payload) = (summary, edges, payload)
        }
    }

    /// The salience right after an audit entry (create, reinforce, penalize, revise…).
    public struct SaliencePoint: Sendable, Equatable {
        public var time: Nanoseconds
        public var salience: Double
        public var action: String
        public init(time: Nanoseconds, salience: Double, action: String) { (self.time, self.salience, self.action) = (time, salience, action) }
    }

    /// The record the history is of.
    public var id: String
    /// The lineage, oldest first, the record itself included.
    public var revisions: [Revision]
    /// More records are linked than the lineage holds (``MemoryEngine/lineageLimit``).
    public var truncated: Bool
    /// Salience after each audit entry that recorded one, oldest first.
    public var points: [SaliencePoint]
    /// The record's decay, for the curve between points.
    public var halfLifeSeconds: Int64
    public var minSalience: Double
    public var pinned: Bool
    /// When the history was read.
    public var now: Nanoseconds

    public init(
        id: String, revisions: [Revision], truncated: Bool, points: [SaliencePoint], halfLifeSeconds: Int64, minSalience: Double,
        pinned: Bool, now: Nanoseconds
    ) {
        (self.id, self.revisions, self.truncated, self.points) = (id, revisions, truncated, points)
        (self.halfLifeSeconds, self.minSalience, self.pinned, self.now) = (halfLifeSeconds, minSalience, pinned, now)
    }

    /// The salience at `t`: the last point at or before it, decayed since (decay is memoryless, so a point is as good
    /// an anchor as the record's own); `nil` before the first point.
    public func salience(at t: Nanoseconds) -> Double? {
        guard let point = points.last(where: { $0.time <= t }) else { return nil }
        guard !pinned, halfLifeSeconds > 0, point.salience > 0 else { return point.salience }
        let decayed = point.salience * exp2(-Double(t - point.time) / 1e9 / Double(halfLifeSeconds))
        return max(decayed, min(minSalience, point.salience))
    }

    /// `count` samples of the salience, evenly from the first point to ``now`` (each at the end of its slice); empty
    /// when no entry recorded a salience.
    public func curve(samples count: Int) -> [Double] {
        guard count > 0, let start = points.first?.time else { return [] }
        let span = max(0, now - start)
        return (1...count).map { i in salience(at: start + span * Int64(i) / Int64(count)) ?? 0 }
    }

    /// The revision with `id`, if the lineage holds it.
    public func revision(_ id: String) -> Revision? { revisions.first { $0.id == id } }
}

// MARK: JSON (operator_memory_history)

// Times travel as RFC 3339 texts with nanoseconds (as Membrane's records do): a nanosecond count does not survive
// JSON parsers that read numbers as doubles.

extension MemoryHistory {
    public var json: JSONValue {
        .object([
            "id": .string(id), "truncated": .bool(truncated), "now": .string(MemoryTime.format(now)),
            "half_life_seconds": .int(halfLifeSeconds), "min_salience": .double(minSalience), "pinned": .bool(pinned),
            "revisions": .array(revisions.map { r in
                .object([
                    "id": .string(r.id), "type": .string(r.type), "status": .string(r.status.rawValue),
                    "sensitivity": .string(r.sensitivity), "created_at": .string(MemoryTime.format(r.createdAt)), "summary": .string(r.summary),
                    "edges": .array(r.edges.map { .object(["link": .string($0.link.rawValue), "target_id": .string($0.targetID)]) }),
                    "payload": r.payload.map(JSONValue.object) ?? .null,
                ])
            }),
            "salience": .array(points.map { .object(["time": .string(MemoryTime.format($0.time)), "salience": .double($0.salience), "action": .string($0.action)]) }),
        ])
    }

    /// A history from `operator_memory_history`'s JSON; `nil` when it is not one.
    public init?(json: JSONValue) {
        guard let id = json["id"]?.stringValue, let revisions = json["revisions"]?.arrayValue else { return nil }
        self.init(
            id: id,
            revisions: revisions.map { r in
                Revision(
                    id: r["id"]?.stringValue ?? "", type: r["type"]?.stringValue ?? "",
                    status: MemoryStatus(rawValue: r["status"]?.stringValue ?? "") ?? .active, sensitivity: r["sensitivity"]?.stringValue ?? "",
                    createdAt: MemoryTime.parse(r["created_at"]?.stringValue ?? "") ?? 0, summary: r["summary"]?.stringValue ?? "",
                    edges: (r["edges"]?.arrayValue ?? []).compactMap { e in
                        guard let link = Link(rawValue: e["link"]?.stringValue ?? ""), let target = e["target_id"]?.stringValue else { return nil }
                        return Edge(link: link, targetID: target)
                    },
                    payload: r["payload"]?.objectValue)
            },
            truncated: json["truncated"]?.boolValue ?? false,
            points: (json["salience"]?.arrayValue ?? []).map {
                SaliencePoint(time: MemoryTime.parse($0["time"]?.stringValue ?? "") ?? 0, salience: $0["salience"]?.numberValue ?? 0, action: $0["action"]?.stringValue ?? "")
            },
            halfLifeSeconds: json["half_life_seconds"]?.integerValue ?? 0, minSalience: json["min_salience"]?.numberValue ?? 0,
            pinned: json["pinned"]?.boolValue ?? false, now: MemoryTime.parse(json["now"]?.stringValue ?? "") ?? 0)
    }
}

// MARK: Payload diff

/// One difference between two payloads, at a path such as `fact.object` or `timeline[2].summary`.
public struct PayloadChange: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable { case added, removed, changed }
    public var kind: Kind
    public var path: String
    public var before: JSONValue?
    public var after: JSONValue?

    public init(kind: Kind, path: String, before: JSONValue?, after: JSONValue?) {
        (self.kind, self.path, self.before, self.after) = (kind, path, before, after)
    }
}

public enum PayloadDiff {
    /// What changed from `old` to `new`, key by key (sorted) and element by element, down to the leaves that differ.
    public static func changes(from old: JSONObject, to new: JSONObject) -> [PayloadChange] {
        var changes: [PayloadChange] = []
        compare(.object(old), .object(new), path: "", into: &changes)
        return changes
    }

    private static func compare(_ a: JSONValue, _ b: JSONValue, path: String, into changes: inout [PayloadChange]) {
        switch (a, b) {
        case (.object(let x), .object(let y)):
            for key in Set(x.keys).union(y.keys).sorted() {
                let child = path.isEmpty ? key : "\(path).\(key)"
                switch (x[key], y[key]) {
                case (let before?, let after?): compare(before, after, path: child, into: &changes)
                case (let before?, nil): changes.append(PayloadChange(kind: .removed, path: child, before: before, after: nil))
                case (nil, let after?): changes.append(PayloadChange(kind: .added, path: child, before: nil, after: after))
                case (nil, nil): break
                }
            }
        case (.array(let x), .array(let y)):
            for index in 0..<max(x.count, y.count) {
                let child = "\(path)[\(index)]"
                if index >= x.count {
                    changes.append(PayloadChange(kind: .added, path: child, before: nil, after: y[index]))
                } else if index >= y.count {
                    changes.append(PayloadChange(kind: .removed, path: child, before: x[index], after: nil))
                } else {
                    compare(x[index], y[index], path: child, into: &changes)
                }
            }
        default:
            if a != b { changes.append(PayloadChange(kind: .changed, path: path, before: a, after: b)) }
        }
    }
}
