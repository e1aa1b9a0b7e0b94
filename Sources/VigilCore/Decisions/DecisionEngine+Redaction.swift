import Foundation

extension DecisionEngine {
    /// Takes one value out of one trace event (`vigil decisions redact`): the value at `path` in event `seq` is replaced
    /// by a marker naming who redacted it, when, and the SHA-256 of what was there.
    ///
    /// The event keeps the hash it was appended with, so the chain still links and receipts still verify;
    /// ``verifyChain(decisionID:)`` reports the event as redacted (by whom, when) and checks everything else as before.
    /// The redaction is signed with this server's receipt key over the event's hash and the hash of the body it left,
    /// so an exported trace shows offline that this server made it and that nothing else in the event changed.
    /// Copies of the value go too: the event's read evidence and buffered write rows (every equal value in them), and
    /// the decision's search words, rebuilt from the events as they now are. The write runs through
    /// ``Store/erasing(_:)``, so on SQLite the old bytes are overwritten. Open or closed decisions alike; operators only.
    /// - Throws: ``DecisionError`` for an unknown decision or event, a path that names nothing or a chain field, a value
    ///   already redacted, or an empty rationale.
    @discardableResult
    public func redact(decisionID: String, seq: Int, path: String, rationale: String, by operatorID: String) throws -> DecisionRedaction {
        guard Identifier.isValidOperatorID(operatorID) else {
            throw DecisionError.invalidArgument("operator '\(operatorID)' is not a valid operator id")
        }
        guard !rationale.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw DecisionError.missingArgument("rationale is required: say why the value is redacted")
        }
        let steps = try Redaction.parse(path)
        let at = Timestamp.format(clock.now())
        return try store.erasing { tx in
            guard let decision = try tx.decision(decisionID) else { throw DecisionError.decisionNotFound(decisionID) }
            let events = try tx.events(of: decisionID)
            guard let event = events.first(where: { $0.seq == seq }) else { throw DecisionError.eventNotFound("\(decisionID) seq \(seq)") }
            let body = try JSONParser.parse(event.body)
            guard let original = Redaction.value(at: steps, in: body) else {
                throw DecisionError.invalidArgument("event \(seq) of \(decisionID) has no value at \(Redaction.text(steps))")
            }
            guard !Redaction.containsMarker(original) else {
                throw DecisionError.invalidArgument("\(Redaction.text(steps)) in event \(seq) of \(decisionID) is already redacted")
            }
            let digest = Encoding.sha256Hex(original.canonicalBytes)
            let marker = Redaction.marker(by: operatorID, at: at, originalSHA256: digest)
            let redactedBody = Redaction.replacing(steps, in: body, with: marker)
            let redactedText = redactedBody.canonicalText
            var redaction = DecisionRedaction(
                decisionID: decisionID, seq: seq, path: Redaction.text(steps), originalSHA256: digest, eventHash: event.hash,
                redactedBy: operatorID, redactedAt: at, rationale: rationale, redactedBodySHA256: Encoding.sha256Hex(redactedText),
                keyID: signer.keyID)
            redaction.signature = signer.sign(redaction.statement)
            try tx.redactEvent(redaction, body: redactedText)
            // The value's copies beside the event.
            if let eventID = body["event_id"]?.stringValue {
                let copies = try tx.eventCopies(eventID: eventID)
                func scrubbed(_ text: String?) -> String? {
                    guard let text, let value = try? JSONParser.parse(text) else { return nil }
                    let clean = Redaction.scrubbing(original, from: value, marker: marker)
                    return clean == value ? nil : clean.canonicalText
                }
                try tx.updateEventCopies(eventID: eventID, evidence: scrubbed(copies.evidence), writeRows: scrubbed(copies.writeRows))
            }
            // The search words, from the events as they now are.
            var words = [decision.intent, decision.title ?? ""]
            for stored in events {
                let value = stored.seq == seq ? redactedBody : ((try? JSONParser.parse(stored.body)) ?? .null)
                guard case .object(var object) = value else { continue }
                for field in Redaction.chainFields { object.removeValue(forKey: field) }
                words += Self.searchableText(.object(object))
            }
            try tx.replaceSearchText(decisionID, words.filter { !$0.isEmpty }.joined(separator: " "))
            // Rebuilt now rather than before the next search, so the old document is gone when this write commits.
            while try tx.refreshDecisionSearch(limit: Self.searchRefreshChunk) {}
            return redaction
        }
    }
}
