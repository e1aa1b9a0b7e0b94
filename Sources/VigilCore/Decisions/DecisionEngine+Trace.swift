import Foundation

/// The result of re-checking a decision's hash chain.
public struct ChainVerification: Sendable, Equatable {
    public var decisionID: String
    public var eventCount: Int
    /// The recomputed head hash (of the last event whose own hash verified).
    public var headHash: String
    /// The first `seq` whose hash or link does not verify, or `nil` when the chain is intact.
    public var brokenAtSeq: Int?
    /// Set when retention deleted the decision: its trace is gone, not altered. ``eventCount`` and ``headHash`` are then
    /// the tombstone's, as they were when it was pruned.
    public var pruned: DecisionTombstone?
    /// Values operators took out of events (`vigil decisions redact`): those events verify by the hash they were
    /// appended with, and are reported here rather than as tampered.
    public var redactions: [DecisionRedaction] = []
    public var isIntact: Bool { brokenAtSeq == nil }
}

extension DecisionEngine {
    /// `decision_trace` (spec §7.8).
    public func trace(_ arguments: JSONObject, caller: Caller) throws -> JSONObject {
        let a = ToolArguments(arguments)
        try a.require(["decision_id"])
        let id = try a.requiredString("decision_id")
        var types: Set<String>?
        if let requested = try a.strings("types") {
            var set = Set<String>()
            for raw in requested {
                let name = raw == "policy_eval" ? "evaluate" : raw
                guard TraceEventType(rawValue: name) != nil else {
                    throw DecisionError.invalidArgument("invalid type '\(raw)'")
                }
                set.insert(name)
            }
            types = set
        }
        return try transaction { tx, now in
            let decision = try loadDecision(tx, id, caller: caller, now: now)
            return try traceJSON(tx, decision, types: types)
        }
    }

    func traceJSON(_ tx: any StoreTransaction, _ d: StoredDecision, types: Set<String>?) throws -> JSONObject {
        var events: [JSONValue] = []
        for stored in try tx.events(of: d.decisionID) where types?.contains(stored.type) ?? true {
            var event = (try? JSONParser.parse(stored.body))?.objectValue ?? [:]
            event["hash"] = .string(stored.hash)
            events.append(.object(event))
        }
        var out: JSONObject = [
            "decision_id": .string(d.decisionID), "intent": .string(d.intent), "status": .string(d.status.rawValue),
            "approval_status": .string(d.approvalStatus.rawValue),
            "automation_mode": .string(d.automationMode.rawValue), "created_at": .string(d.createdAt),
            "closed_at": JSONValue(d.closedAt), "events": .array(events),
            "chain": [
                "algorithm": "sha256", "canonicalization": "JCS", "genesis_prev_hash": .string(genesisPrevHash),
                "head_hash": .string(d.headHash), "event_count": .int(Int64(d.eventCount)),
            ],
        ]
        // vigil's extension, present only when an operator redacted a value: which events carry a marker, and why.
        let redactions = try tx.redactions(of: d.decisionID)
        if !redactions.isEmpty { out["redactions"] = .array(redactions.map(\.json)) }
        return out
    }

    /// `decision_receipt` (spec §7.10, §11.3): the stored final receipt of a closed decision, byte-identical on every
    /// call, or a fresh signature over the current state of an open one.
    public func receipt(_ arguments: JSONObject, caller: Caller) throws -> JSONObject {
        let a = ToolArguments(arguments)
        try a.require(["decision_id"])
        let id = try a.requiredString("decision_id")
        return try transaction { tx, now in
            let decision = try loadDecision(tx, id, caller: caller, now: now)
            if decision.status.isTerminal, let text = try tx.receipt(decisionID: id),
                let stored = try? JSONParser.parse(text).objectValue
            {
                return stored
            }
            return makeReceipt(decision, signedAt: Timestamp.format(now))
        }
    }

    func makeReceipt(_ d: StoredDecision, signedAt: String) -> JSONObject {
        let data: JSONValue = [
            "decision_id": .string(d.decisionID), "agent_id": .string(d.agentID), "intent": .string(d.intent),
            "automation_mode": .string(d.automationMode.rawValue), "status": .string(d.status.rawValue),
            "created_at": .string(d.createdAt), "closed_at": JSONValue(d.closedAt),
            "event_count": .int(Int64(d.eventCount)), "chain_head_hash": .string(d.headHash),
            "signed_at": .string(signedAt), "key_id": .string(signer.keyID), "algorithm": "Ed25519",
        ]
        // Everything beside receipt_data repeats a signed field (ReceiptVerification.statements checks it).
        return [
            "decision_id": .string(d.decisionID), "status": .string(d.status.rawValue),
            "final": .bool(d.status.isTerminal), "signature": .string(signer.sign(data)),
            "signed_at": .string(signedAt), "algorithm": "Ed25519", "key_id": .string(signer.keyID),
            "receipt_data": data,
        ]
    }

    /// Recomputes every event hash of a decision and checks every `prev_hash` link (spec §11.2).
    public func verifyChain(decisionID: String) throws -> ChainVerification {
        try Self.verifyChain(decisionID: decisionID, in: store)
    }

    /// ``verifyChain(decisionID:)`` on any store, without an engine (and so without registering a signing key there).
    package static func verifyChain(decisionID: String, in store: any Store) throws -> ChainVerification {
        try store.read { tx in
            guard let decision = try tx.decision(decisionID) else {
                guard let tombstone = try tx.decisionTombstone(decisionID) else { throw DecisionError.decisionNotFound(decisionID) }
                return ChainVerification(
                    decisionID: decisionID, eventCount: tombstone.eventCount, headHash: tombstone.headHash, brokenAtSeq: nil,
                    pruned: tombstone)
            }
            let events = try tx.events(of: decisionID)
            let redactions = try tx.redactions(of: decisionID)
            let redactedSeqs = Dictionary(grouping: redactions, by: \.seq)
            var previous = genesisPrevHash
            for (index, event) in events.enumerated() {
                let expectedSeq = index + 1
                let body = try? JSONParser.parse(event.body)
                // A redacted event's body differs from what was hashed only where a recorded redaction put its marker.
                let bodyHash = Encoding.sha256Hex(event.body)
                let hashed = bodyHash == event.hash
                    || (redactedSeqs[expectedSeq].map { $0.allSatisfy { $0.eventHash == event.hash } && $0.last?.redactedBodySHA256 == bodyHash }
                        ?? false)
                let intact =
                    event.seq == expectedSeq && hashed
                    && event.prevHash == previous && body?["prev_hash"]?.stringValue == previous
                    && body?["seq"]?.integerValue == Int64(expectedSeq)
                    && body?["decision_id"]?.stringValue == decisionID
                guard intact else {
                    return ChainVerification(
                        decisionID: decisionID, eventCount: events.count, headHash: previous, brokenAtSeq: expectedSeq)
                }
                previous = event.hash
            }
            if events.count != decision.eventCount || previous != decision.headHash {
                return ChainVerification(
                    decisionID: decisionID, eventCount: events.count, headHash: previous,
                    brokenAtSeq: min(events.count, decision.eventCount) + 1)
            }
            return ChainVerification(
                decisionID: decisionID, eventCount: events.count, headHash: previous, brokenAtSeq: nil, redactions: redactions)
        }
    }

    /// Every decision's chain in the store: how many are intact, and the broken ones. `progress` gets chains checked
    /// so far and the total.
    package static func verifyAllChains(
        in store: any Store, progress: (Int, Int) -> Void = { _, _ in }
    ) throws -> (verified: Int, broken: [ChainVerification]) {
        let ids = try store.read { tx in try tx.allDecisionIDs() }
        var verified = 0
        var broken: [ChainVerification] = []
        for (index, id) in ids.enumerated() {
            let chain = try verifyChain(decisionID: id, in: store)
            if chain.isIntact { verified += 1 } else { broken.append(chain) }
            progress(index + 1, ids.count)
        }
        return (verified, broken)
    }

    /// Verifies a saved receipt result against this store: its statements and signature with the key it names
    /// (every replica's public key is in the store), then the stored chain against `receipt_data.chain_head_hash`.
    public func verifyReceipt(_ receipt: JSONValue) throws -> ChainVerification {
        let keyID = try ReceiptVerification.statements(of: receipt).keyID
        guard let stored = try store.read({ tx in try tx.receiptPublicKey(keyID: keyID) }),
            let publicKey = Encoding.fromBase64URL(stored).flatMap({ ReceiptPublicKey(raw: $0) })
        else {
            throw ReceiptVerification.Failure.unknownKey(keyID)
        }
        let signed = try ReceiptVerification.verifySignature(receipt: receipt, publicKey: publicKey)
        let chain: ChainVerification
        do {
            chain = try verifyChain(decisionID: signed.decisionID)
        } catch DecisionError.decisionNotFound {
            throw ReceiptVerification.Failure.decisionMissing(signed.decisionID)
        }
        if let seq = chain.brokenAtSeq { throw ReceiptVerification.Failure.chainBroken(seq: seq) }
        if chain.pruned != nil {
            // Retention kept the head the chain had: a final receipt must name it; an earlier one cannot be checked.
            if signed.isFinal, signed.chainHeadHash != chain.headHash {
                throw ReceiptVerification.Failure.chainMismatch(expected: signed.chainHeadHash, actual: chain.headHash)
            }
            return chain
        }
        // An open decision's receipt covers a prefix of the chain; a closed one covers all of it.
        let head: String
        if signed.isFinal || signed.eventCount == chain.eventCount {
            head = chain.headHash
        } else {
            head = try store.read { tx in try tx.events(of: signed.decisionID) }.first(where: { $0.seq == signed.eventCount })?.hash ?? ""
        }
        if head != signed.chainHeadHash { throw ReceiptVerification.Failure.chainMismatch(expected: signed.chainHeadHash, actual: head) }
        return chain
    }

    /// Every receipt signing key the store knows (each server's), oldest first.
    public func receiptKeys() throws -> [ReceiptPublicKey] {
        try store.read { tx in try tx.receiptKeys() }.compactMap { key in
            Encoding.fromBase64URL(key.publicKey).flatMap { ReceiptPublicKey(raw: $0, createdAt: key.createdAt) }
        }
    }

    /// The key id this engine signs with.
    public var signingKeyID: String { signer.keyID }
}
