extension Policy {
    /// Parses one `[[policies]]` entry. Unknown ops, a missing `default` and bad outcomes are errors.
    init(config reader: ConfigReader) throws(ConfigError) {
        let id = try reader.requiredString("policy_id")
        guard Identifier.isValidPolicyID(id) else {
            throw ConfigError.invalid(key: reader.key("policy_id"), message: "must match [a-z0-9_.-]{1,128}")
        }
        policyID = id
        name = try reader.string("name") ?? id
        description = try reader.string("description")
        version = try reader.requiredString("version")
        var parsedRules: [PolicyRule] = []
        var seenRuleIDs = Set<String>()
        for rule in try reader.tables("rules") {
            let ruleID = try rule.requiredString("id")
            guard seenRuleIDs.insert(ruleID).inserted else {
                throw ConfigError.invalid(key: rule.key("id"), message: "duplicate rule id '\(ruleID)'")
            }
            guard let whenValue = rule.object["when"] else {
                throw ConfigError.invalid(key: rule.key("when"), message: "is required")
            }
            parsedRules.append(
                PolicyRule(
                    id: ruleID,
                    when: try PolicyCondition(config: whenValue, key: rule.key("when")),
                    outcome: try Self.outcome(rule, "outcome"),
                    message: try rule.string("message") ?? "",
                    approvalRouteID: try rule.string("approval_route_id")))
        }
        rules = parsedRules
        guard reader.has("default") else {
            throw ConfigError.invalid(key: reader.key("default"), message: "is required (there is no implicit default)")
        }
        let fallback = try reader.table("default")
        defaultOutcome = try Self.outcome(fallback, "outcome")
        defaultMessage = try fallback.string("message") ?? ""
    }

    private static func outcome(_ reader: ConfigReader, _ name: String) throws(ConfigError) -> PolicyOutcome {
        let raw = try reader.requiredString(name)
        guard let outcome = PolicyOutcome(rawValue: raw) else {
            throw ConfigError.invalid(
                key: reader.key(name), message: "'\(raw)' is not one of allow, deny, requires_exception")
        }
        return outcome
    }
}

extension PolicyCondition {
    init(config value: JSONValue, key: String) throws(ConfigError) {
        guard case .object(let object) = value else {
            throw ConfigError.invalid(key: key, message: "must be a table")
        }
        if let items = object["all"] ?? object["any"] {
            guard case .array(let list) = items else {
                throw ConfigError.invalid(key: key, message: "all/any must be a list of conditions")
            }
            var parsed: [PolicyCondition] = []
            for (index, item) in list.enumerated() {
                parsed.append(try PolicyCondition(config: item, key: "\(key).\(object["all"] != nil ? "all" : "any")[\(index)]"))
            }
            self = object["all"] != nil ? .all(parsed) : .any(parsed)
        } else if let inner = object["not"] {
            self = .not(try PolicyCondition(config: inner, key: key + ".not"))
        } else {
            guard let field = object["field"]?.stringValue, !field.isEmpty else {
                throw ConfigError.invalid(key: key + ".field", message: "is required (a dot path into the inputs)")
            }
            guard let rawOp = object["op"]?.stringValue else {
                throw ConfigError.invalid(key: key + ".op", message: "is required")
            }
            guard let op = PolicyOperator(rawValue: rawOp) else {
                throw ConfigError.invalid(
                    key: key + ".op",
                    message: "unknown op '\(rawOp)'; expected one of "
                        + PolicyOperator.allCases.map(\.rawValue).joined(separator: ", "))
            }
            let operand = object["value"] ?? .null
            if op == .in || op == .notIn, operand.arrayValue == nil {
                throw ConfigError.invalid(key: key + ".value", message: "must be a list for op '\(rawOp)'")
            }
            if op == .matches {
                guard let pattern = operand.stringValue else {
                    throw ConfigError.invalid(key: key + ".value", message: "must be a regular expression (a string) for op 'matches'")
                }
                if let problem = PatternCache.shared.problem(pattern) {
                    throw ConfigError.invalid(key: key + ".value", message: "is not a valid regular expression: \(problem)")
                }
            }
            if op == .glob {
                let globs = operand.arrayValue.map { $0.compactMap(\.stringValue).count == $0.count ? $0.count : -1 } ?? (operand.stringValue != nil ? 1 : -1)
                guard globs > 0 else {
                    throw ConfigError.invalid(key: key + ".value", message: "must be a glob or a list of globs for op 'glob'")
                }
            }
            self = .compare(field: field, op: op, value: operand)
        }
    }
}
