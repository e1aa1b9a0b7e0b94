import Foundation

extension DecisionEngine {
    /// `decision_write` (spec §7.7): validates, evaluates the product's policies and buffers row operations until
    /// commit. Idempotent under `idempotency_key`.
    public func write(_ arguments: JSONObject, agent: Principal) throws -> JSONObject {
        let a = ToolArguments(arguments, aliases: ["product_id": "product"])
        try a.require(["decision_id", "product", "purpose"])
        let id = try a.requiredString("decision_id")
        let productID = try a.requiredString("product", maxLength: 128)
        let purpose = try a.requiredString("purpose", maxLength: 128)
        let topOperation = try a.string("operation")
        let mutation = try a.object("mutation")
        let keys = a.value("keys")
        switch keys {
        case nil, .object?: break
        case .array(let items)? where items.allSatisfy({ $0.stringValue != nil }): break
        default: throw DecisionError.invalidArgument("keys must be an object or an array of strings")
        }
        let idempotencyKey = try a.string("idempotency_key", maxLength: 256)
        if let key = idempotencyKey, key.isEmpty {
            throw DecisionError.invalidArgument("idempotency_key must be 1 to 256 characters")
        }
        var mutationOperation: String?
        if let raw = mutation?["operation"] {
            guard case .string(let s) = raw else { throw DecisionError.invalidArgument("mutation.operation must be a string") }
            mutationOperation = s
        }
        for raw in [topOperation, mutationOperation].compactMap({ $0 }) {
            guard let op = ProductOperation(rawValue: raw), op != .read else {
                throw DecisionError.invalidArgument("invalid operation '\(raw)': expected insert, update or delete")
            }
        }
        if let top = topOperation, let inner = mutationOperation, top != inner {
            throw DecisionError.invalidArgument("operation mismatch: '\(top)' vs '\(inner)'")
        }
        var fingerprintSource = a.canonicalized
        fingerprintSource.removeValue(forKey: "decision_id")
        fingerprintSource.removeValue(forKey: "idempotency_key")
        let fingerprint = Encoding.sha256Hex(JSONValue.object(fingerprintSource).canonicalBytes)

        let outcome: Result<JSONObject, DecisionError> = try transaction { tx, now in
            var decision = try loadDecision(tx, id, caller: .agent(agent), now: now)
            if decision.status.isTerminal { throw DecisionError.decisionClosed(id, decision.status) }
            if let key = idempotencyKey,
                let stored = try tx.idempotentWrite(agentID: agent.principalID, decisionID: id, key: key)
            {
                guard stored.fingerprint == fingerprint else {
                    throw DecisionError.invalidArgument("idempotency_key '\(key)' was already used with a different payload")
                }
                var replay = stored.result.objectValue ?? [:]
                replay["idempotent_replay"] = true
                return .success(replay)
            }
            switch decision.status {
            case .needsApproval: throw DecisionError.awaitingApproval(id, approvalID: decision.approvalID ?? "")
            case .rejected: throw DecisionError.decisionRejected(id, decision.approvalStatus)
            default: break
            }
            switch decision.automationMode {
            case .propose:
                throw DecisionError.writesNotAllowedInProposeMode
            case .approve:
                if decision.status != .approved { throw DecisionError.approvalRequiredBeforeWriting(id) }
            case .autonomous:
                if decision.approvalRequired, decision.status != .approved {
                    guard let note = decision.lastException else {
                        throw DecisionError.approvalRequiredBeforeWriting(id)
                    }
                    throw DecisionError.policyRequiresException(policyID: note.policyID, message: note.message)
                }
            case .override:
                break
            }
            let product = try grantedProduct(productID, agent: agent)
            guard product.allowedPurposes.contains(purpose) else { throw DecisionError.purposeNotAllowed(purpose) }
            let operationName = topOperation ?? mutationOperation ?? product.operation.rawValue
            guard let operation = ProductOperation(rawValue: operationName), operation == product.operation,
                operation != .read
            else {
                throw DecisionError.operationNotSupported(
                    product: productID, requested: operationName, productOperation: product.operation.rawValue)
            }
            let normalized = try RowValidation.normalize(
                product: product, operation: operation, mutation: mutation, keys: keys,
                maxRows: config.tracemem.maxWriteRows, now: now)

            // Policies: every evaluation is recorded, even when the write is then refused.
            let inputs: JSONValue = [
                "operation": .string(operation.rawValue), "product": .string(productID), "purpose": .string(purpose),
                "records": .array(normalized.rows.map { .object($0) }), "record": .object(normalized.rows[0]),
            ]
            var denied: PolicyDecision?
            var deniedPolicy = ""
            var exception: (String, PolicyDecision)?
            for policyID in product.policies {
                guard let policy = config.policy(policyID) else { continue }
                let evaluation = try recordEvaluation(
                    tx, &decision, policy: policy, inputs: inputs, storeInputs: true, inputsRef: nil,
                    trigger: "decision_write", actor: agent.principalID, now: now)
                if evaluation.decision.outcome == .deny, denied == nil {
                    denied = evaluation.decision
                    deniedPolicy = policyID
                }
                if evaluation.decision.outcome == .requiresException, exception == nil {
                    exception = (policyID, evaluation.decision)
                }
            }
            if let denied {
                try tx.updateDecision(decision)
                return .failure(DecisionError.policyDenied(policyID: deniedPolicy, message: denied.message))
            }
            if let (policyID, found) = exception, decision.status != .approved, decision.automationMode != .override {
                try tx.updateDecision(decision)
                return .failure(DecisionError.policyRequiresException(policyID: policyID, message: found.message))
            }

            let eventID = Identifiers.eventID(at: now)
            let dataRef = "ref:write:" + eventID
            let created: JSONValue? =
                operation == .insert && product.returnCreated
                ? .array(normalized.createdRecords.map { .object($0) }) : nil
            let keyValues: JSONValue = .array(
                normalized.rows.prefix(100).map { row in
                    .object(Dictionary(uniqueKeysWithValues: normalized.keyFields.compactMap { name in
                        row[name].map { (name, $0) }
                    }))
                })
            let sanitizedKeys = sanitizer.sanitize(keyValues, at: "/keys")
            let fieldNames = Set(normalized.rows.flatMap(\.keys)).sorted()
            try tx.bufferWrite(
                eventID: eventID, decisionID: id, seq: decision.eventCount + 1, productID: productID,
                operation: operation.rawValue, rows: .array(normalized.operations), createdRecords: created)
            try appendEvent(
                tx, &decision, .write, actor: agent.principalID, at: Timestamp.format(now),
                fields: [
                    "product": .string(productID), "purpose": .string(purpose),
                    "operation": .string(operation.rawValue), "rows": .int(Int64(normalized.operations.count)),
                    "fields": JSONValue(fieldNames), "keys": sanitizedKeys.value,
                    "idempotency_key": JSONValue(idempotencyKey), "data_ref": .string(dataRef),
                    "product_version": .string(product.version), "product_hash": .string(product.hash),
                    "override": .bool(decision.automationMode == .override),
                    "approval_id": decision.status == .approved ? JSONValue(decision.approvalID) : .null,
                    "created_records": created ?? .null,
                ],
                redacted: sanitizedKeys.redactedKeys, truncated: sanitizedKeys.truncatedPaths, eventID: eventID)
            try tx.updateDecision(decision)
            var result: JSONObject = [
                "event_id": .string(eventID), "product": .string(productID), "operation": .string(operation.rawValue),
                "rows": .int(Int64(normalized.operations.count)), "data_ref": .string(dataRef),
                "status": "executed", "buffered": true,
            ]
            if let created { result["created_records"] = created }
            if let key = idempotencyKey {
                try tx.recordIdempotentWrite(
                    agentID: agent.principalID, decisionID: id, key: key, fingerprint: fingerprint,
                    result: .object(result))
            }
            return .success(result)
        }
        return try outcome.get()
    }

    /// `decision_close` (spec §7.9): commit applies the buffered writes in one transaction; abort discards them.
    public func close(_ arguments: JSONObject, agent: Principal) throws -> JSONObject {
        let a = ToolArguments(arguments, aliases: ["outcome": "action"])
        guard a.isPresent("decision_id"), a.isPresent("action") else {
            throw DecisionError.missingArgument("decision_id and action are required")
        }
        let id = try a.requiredString("decision_id")
        let rawAction = try a.requiredString("action")
        guard let action = CloseAction(rawValue: rawAction) else {
            throw DecisionError.invalidArgument("invalid action '\(rawAction)': expected commit, abort or rollback")
        }
        let reason = try a.string("reason", maxLength: 4000)
        let summary = try a.object("summary")
        let sanitizedSummary = summary.map { sanitizer.sanitize(.object($0), at: "/summary") }

        let outcome: Result<JSONObject, DecisionError> = try transaction { tx, now in
            var decision = try loadDecision(tx, id, caller: .agent(agent), now: now)
            if decision.status.isTerminal { throw DecisionError.decisionClosed(id, decision.status) }
            let time = Timestamp.format(now)
            var writes: [JSONValue] = []
            var failure: String?
            if action == .commit {
                switch decision.status {
                case .needsApproval: throw DecisionError.cannotCommitWhilePending(id)
                case .rejected: throw DecisionError.cannotCommitRejected(id, decision.approvalStatus)
                default: break
                }
                do {
                    writes = try tx.inProductSavepoint { () throws -> [JSONValue] in
                        var applied: [JSONValue] = []
                        for buffered in try tx.bufferedWrites(of: id) {
                            guard let product = config.product(buffered.productID),
                                let operation = ProductOperation(rawValue: buffered.operation)
                            else {
                                throw ProductWriteFailure(detail: "data product '\(buffered.productID)' is no longer configured")
                            }
                            let affected = try tx.applyProductWrite(product.table, operation: operation, rows: buffered.rows)
                            applied.append([
                                "event_id": .string(buffered.eventID), "product": .string(buffered.productID),
                                "operation": .string(buffered.operation), "affected_rows": .int(Int64(affected)),
                                "created_records": buffered.createdRecords ?? .null,
                            ])
                        }
                        return applied
                    }
                    decision.status = .committed
                } catch let error as ProductWriteFailure {
                    failure = error.detail
                    writes = []
                    decision.status = .aborted
                }
            } else {
                if decision.status == .needsApproval, let approvalID = decision.approvalID,
                    var approval = try tx.approval(approvalID), approval.status == .pending
                {
                    approval.status = .rejected
                    approval.resolvedBy = "system:abort"
                    approval.rationale = "decision aborted"
                    approval.resolvedAt = time
                    _ = try tx.resolveApproval(approval)
                    decision.approvalStatus = .rejected
                    try appendEvent(
                        tx, &decision, .approvalResolved, actor: "system:abort", at: time,
                        fields: [
                            "approval_id": .string(approvalID), "status": "rejected", "resolved_by": "system:abort",
                            "rationale": "decision aborted", "resolved_at": .string(time),
                        ])
                }
                decision.status = .aborted
            }
            let closeReason = failure.map { "commit failed: \($0)" } ?? reason
            decision.closedAt = time
            decision.closeAction = action.rawValue
            decision.closeReason = closeReason
            try appendEvent(
                tx, &decision, .closed, actor: agent.principalID, at: time,
                fields: [
                    "action": .string(action.rawValue), "status": .string(decision.status.rawValue),
                    "reason": JSONValue(closeReason), "summary": sanitizedSummary?.value ?? .null,
                    "writes": .array(writes),
                ],
                redacted: sanitizedSummary?.redactedKeys ?? [], truncated: sanitizedSummary?.truncatedPaths ?? [])
            try finishClose(tx, &decision, searchText: [closeReason ?? ""], now: now)
            if let failure { return .failure(DecisionError.commitFailed(id, detail: failure)) }
            return .success([
                "decision_id": .string(id), "status": .string(decision.status.rawValue), "closed_at": .string(time),
                "writes": .array(writes),
            ])
        }
        return try outcome.get()
    }

    /// The common end of every close: drop working state, index, seal the receipt, save the row.
    func finishClose(_ tx: any StoreTransaction, _ decision: inout StoredDecision, searchText: [String], now: Date) throws {
        try tx.discardWorkingState(of: decision.decisionID)
        try index(tx, decision, searchText)
        try tx.updateDecision(decision)
        let receipt = makeReceipt(decision, signedAt: decision.closedAt ?? Timestamp.format(now))
        try tx.insertReceipt(decisionID: decision.decisionID, text: JSONValue.object(receipt).canonicalText)
    }
}
