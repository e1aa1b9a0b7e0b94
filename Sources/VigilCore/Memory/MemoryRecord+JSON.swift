extension MemoryRecord {
    /// The record JSON of the wire format (spec §4.2), with `salience` = effective salience at `t`.
    ///
    /// Keys marked "omit if empty" follow Go's `omitempty`. The redacted view (spec §8.2) keeps only the identifying
    /// fields.
    public func json(view: MemoryView = .full, at t: Nanoseconds) -> JSONValue {
        var out: JSONObject = [
            "id": .string(id), "type": .string(type.rawValue), "sensitivity": .string(sensitivity.rawValue),
            "confidence": .double(confidence), "salience": .double(salience(at: t)),
            "created_at": .string(MemoryTime.format(createdAt)), "updated_at": .string(MemoryTime.format(updatedAt)),
        ]
        if !scope.isEmpty { out["scope"] = .string(scope) }
        if !tags.isEmpty { out["tags"] = JSONValue(tags) }
        if view == .redacted {
            out["lifecycle"] = [
                "decay": ["curve": "exponential", "half_life_seconds": 0],
                "last_reinforced_at": .string(MemoryTime.unset), "deletion_policy": "auto_prune",
            ]
            out["provenance"] = ["sources": .array([])]
            out["payload"] = .null
            out["audit_log"] = .array([])
            return .object(out)
        }
        var decay: JSONObject = [
            "curve": .string(lifecycle.decay.curve), "half_life_seconds": .int(lifecycle.decay.halfLifeSeconds),
        ]
        if lifecycle.decay.minSalience != 0 { decay["min_salience"] = .double(lifecycle.decay.minSalience) }
        if lifecycle.decay.maxAgeSeconds != 0 { decay["max_age_seconds"] = .int(lifecycle.decay.maxAgeSeconds) }
        if lifecycle.decay.reinforcementGain != 0 {
            decay["reinforcement_gain"] = .double(lifecycle.decay.reinforcementGain)
        }
        var lifecycleJSON: JSONObject = [
            "decay": .object(decay), "last_reinforced_at": .string(MemoryTime.format(lifecycle.lastReinforcedAt)),
        ]
        if lifecycle.pinned { lifecycleJSON["pinned"] = true }
        if !lifecycle.deletionPolicy.isEmpty { lifecycleJSON["deletion_policy"] = .string(lifecycle.deletionPolicy) }
        out["lifecycle"] = .object(lifecycleJSON)
        var provenanceJSON: JSONObject = ["sources": .array(provenance.sources.map { source in
            var s: JSONObject = [
                "kind": .string(source.kind), "ref": .string(source.ref),
                "timestamp": .string(MemoryTime.format(source.timestamp)),
            ]
            if !source.hash.isEmpty { s["hash"] = .string(source.hash) }
            if !source.createdBy.isEmpty { s["created_by"] = .string(source.createdBy) }
            return .object(s)
        })]
        if !provenance.createdBy.isEmpty { provenanceJSON["created_by"] = .string(provenance.createdBy) }
        out["provenance"] = .object(provenanceJSON)
        if !relations.isEmpty {
            out["relations"] = .array(relations.map { relation in
                var r: JSONObject = [
                    "predicate": .string(relation.predicate), "target_id": .string(relation.targetID),
                    "created_at": .string(MemoryTime.format(relation.createdAt)),
                ]
                if relation.weight != 0 { r["weight"] = .double(relation.weight) }
                return .object(r)
            })
        }
        out["payload"] = .object(payload)
        out["audit_log"] = .array(auditLog.map { entry in
            [
                "action": .string(entry.action), "actor": .string(entry.actor),
                "timestamp": .string(MemoryTime.format(entry.timestamp)), "rationale": .string(entry.rationale),
            ]
        })
        return .object(out)
    }

    /// A one-line summary for lists: the text the search index ranks as `summary` (spec §8.4).
    public var summaryText: String { MemoryText.summary(type: type, payload: payload) }
}

/// The text of a record as the search index sees it (spec §8.4).
package enum MemoryText {
    /// What the full-text index holds for a record.
    package typealias Document = (summary: String, body: String)

    /// The search document of a memory record's row as a copy carries it (``CopyTable/memoryRecords``): what the
    /// record read back from the store would give, without reading it back.
    package static func document(copiedRow row: [StoredValue]) -> Document {
        func text(_ index: Int) -> String {
            if case .text(let t) = row[index] { return t }
            return ""
        }
        let type = MemoryType(rawValue: text(recordColumns.type)) ?? .episodic
        let tags = ((try? JSONParser.parse(text(recordColumns.tags)))?.arrayValue ?? []).compactMap(\.stringValue)
        let payload = (try? JSONParser.parse(text(recordColumns.payload)))?.objectValue ?? [:]
        return (summary(type: type, payload: payload), body(payload: payload, tags: tags))
    }

    private static let recordColumns: (type: Int, tags: Int, payload: Int) = {
        let names = CopyTable.memoryRecords.columns.map(\.name)
        return (names.firstIndex(of: "type")!, names.firstIndex(of: "tags")!, names.firstIndex(of: "payload")!)
    }()

    package static func summary(type: MemoryType, payload: JSONObject) -> String {
        switch type {
        case .episodic:
            let timeline = payload["timeline"]?.arrayValue ?? []
            if let summary = timeline.reversed().compactMap({ $0["summary"]?.stringValue }).first(where: { !$0.isEmpty }) {
                return summary
            }
            guard let last = timeline.last else { return "" }
            return "\(last["event_kind"]?.stringValue ?? "") \(last["ref"]?.stringValue ?? "")"
        case .working:
            return payload["context_summary"]?.stringValue ?? ""
        case .semantic:
            let object: String
            switch payload["object"] {
            case .string(let s)?: object = s
            case .int?, .double?, .bool?: object = payload["object"]!.canonicalText
            default: object = ""
            }
            return "\(payload["subject"]?.stringValue ?? "") \(payload["predicate"]?.stringValue ?? "") \(object)"
        case .competence:
            return payload["skill_name"]?.stringValue ?? ""
        case .planGraph:
            if let intent = payload["intent"]?.stringValue, !intent.isEmpty { return intent }
            return (payload["nodes"]?.arrayValue ?? []).compactMap { $0["op"]?.stringValue }.joined(separator: " ")
        }
    }

    /// Every other string leaf of the payload (except `kind`), then the tags, joined by newlines.
    package static func body(payload: JSONObject, tags: [String]) -> String {
        var leaves: [String] = []
        func visit(_ value: JSONValue, key: String?) {
            switch value {
            case .string(let s): if key != "kind" { leaves.append(s) }
            case .array(let items): items.forEach { visit($0, key: nil) }
            case .object(let object): JCS.sortedKeys(object).forEach { visit(object[$0]!, key: $0) }
            default: break
            }
        }
        visit(.object(payload), key: nil)
        return (leaves + tags).joined(separator: "\n")
    }
}
