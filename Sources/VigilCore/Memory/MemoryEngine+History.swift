import Foundation

extension MemoryEngine {
    /// The most records a history's lineage holds; a bigger family is marked truncated.
    public static let lineageLimit = 50

    /// The relations a lineage follows, both ways.
    static let lineagePredicates = ["supersedes", "derived_from", "contested_by"]

    /// The operator's history of a record (``MemoryHistory``): its lineage, walked breadth-first through revision
    /// relations in both directions, and its salience after each audit entry. HIGH and HYPER payloads are masked.
    /// `nil` when no record has `id`.
    public func history(of id: String) throws -> MemoryHistory? {
        let t = now()
        return try store.read { tx -> MemoryHistory? in
            guard let record = try tx.memoryRecord(id) else { return nil }
            var found: [String: MemoryRecord] = [id: record]
            var queue = [record]
            var truncated = false
            while !queue.isEmpty {
                let current = queue.removeFirst()
                var neighbours = current.relations.filter { Self.lineagePredicates.contains($0.predicate) }.map(\.targetID)
                neighbours += try tx.memoryRelations(targeting: current.id, predicates: Self.lineagePredicates, limit: Self.lineageLimit)
                    .map(\.recordID)
                for neighbour in neighbours where found[neighbour] == nil {
                    guard found.count < Self.lineageLimit else {
                        truncated = true
                        break
                    }
                    // A contest's reference is opaque: only a record of this store joins the lineage.
                    guard let next = try tx.memoryRecord(neighbour) else { continue }
                    found[neighbour] = next
                    queue.append(next)
                }
            }
            let revisions = found.values.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }.map { r in
                MemoryHistory.Revision(
                    id: r.id, type: r.type.rawValue, status: r.status, sensitivity: r.sensitivity.rawValue, createdAt: r.createdAt,
                    summary: MemoryBrowserRow.summary(of: r.payload), edges: Self.edges(of: r, among: found),
                    payload: r.sensitivity >= .high ? nil : r.payload)
            }
            return MemoryHistory(
                id: id, revisions: revisions, truncated: truncated,
                points: record.auditLog.compactMap { entry in
                    entry.salience.map { MemoryHistory.SaliencePoint(time: entry.timestamp, salience: $0, action: entry.action) }
                },
                halfLifeSeconds: record.lifecycle.decay.halfLifeSeconds, minSalience: record.lifecycle.decay.minSalience,
                pinned: record.lifecycle.pinned, now: t)
        }
    }

    /// A record's own revision relations to records of the lineage. A record derived from several, or created by a
    /// merge, names its sources as merged; one derived from a single record was forked from it.
    static func edges(of r: MemoryRecord, among lineage: [String: MemoryRecord]) -> [MemoryHistory.Edge] {
        let derived = r.relations.filter { $0.predicate == "derived_from" }
        let merged = derived.count > 1 || r.auditLog.contains { $0.action == "create" && $0.rationale.hasPrefix("merged from") }
        return r.relations.compactMap { relation in
            guard lineage[relation.targetID] != nil else { return nil }
            switch relation.predicate {
            case "supersedes": return .init(link: .supersedes, targetID: relation.targetID)
            case "derived_from": return .init(link: merged ? .mergedFrom : .forkedFrom, targetID: relation.targetID)
            case "contested_by": return .init(link: .contestedBy, targetID: relation.targetID)
            default: return nil
            }
        }
    }
}
