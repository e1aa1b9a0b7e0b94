import Foundation

/// The outcome of evaluating a policy.
public enum PolicyOutcome: String, Sendable, Equatable, CaseIterable {
    case allow
    case deny
    case requiresException = "requires_exception"
}

/// A comparison operator of a policy condition (TraceMem spec §9).
public enum PolicyOperator: String, Sendable, Equatable, CaseIterable {
    case eq, ne, gt, gte, lt, lte
    case `in` = "in"
    case notIn = "not_in"
    case contains
    case startsWith = "starts_with"
    case exists, missing
    /// The string field matches a regular expression anywhere (ICU syntax; anchor with `^…$` for the whole text).
    case matches
    /// The string field, a path, matches a glob: `*` and `?` within one path segment, `**` across segments
    /// (`**/.env*`, `/etc/**`, `*.pem`). A value may be one glob or a list of them.
    case glob
}

/// A `when` condition of a policy rule.
public indirect enum PolicyCondition: Sendable, Equatable {
    case all([PolicyCondition])
    case any([PolicyCondition])
    case not(PolicyCondition)
    case compare(field: String, op: PolicyOperator, value: JSONValue)
}

/// One ordered rule of a policy.
public struct PolicyRule: Sendable, Equatable {
    public var id: String
    public var when: PolicyCondition
    public var outcome: PolicyOutcome
    public var message: String
    public var approvalRouteID: String?
}

/// A declarative policy loaded from configuration. Agents never author policies.
public struct Policy: Sendable, Equatable {
    public var policyID: String
    public var name: String
    public var description: String?
    public var version: String
    public var rules: [PolicyRule]
    public var defaultOutcome: PolicyOutcome
    public var defaultMessage: String

    /// The definition as loaded, defaults filled in; what ``hash`` covers.
    public var definition: JSONValue {
        [
            "policy_id": .string(policyID),
            "name": .string(name),
            "description": JSONValue(description),
            "version": .string(version),
            "rules": .array(rules.map { rule in
                [
                    "id": .string(rule.id), "when": rule.when.json, "outcome": .string(rule.outcome.rawValue),
                    "message": .string(rule.message), "approval_route_id": JSONValue(rule.approvalRouteID),
                ]
            }),
            "default": ["outcome": .string(defaultOutcome.rawValue), "message": .string(defaultMessage)],
        ]
    }

    /// `sha256(JCS(definition))`, carried by every evaluation so traces stay replayable.
    public var hash: String { Encoding.sha256Hex(definition.canonicalBytes) }
}

extension PolicyCondition {
    /// The condition in its configuration form.
    public var json: JSONValue {
        switch self {
        case .all(let items): return ["all": .array(items.map(\.json))]
        case .any(let items): return ["any": .array(items.map(\.json))]
        case .not(let inner): return ["not": inner.json]
        case .compare(let field, let op, let value):
            return ["field": .string(field), "op": .string(op.rawValue), "value": value]
        }
    }
}

/// The result of one evaluation.
public struct PolicyDecision: Sendable, Equatable {
    public var outcome: PolicyOutcome
    public var message: String
    /// The id of the rule that matched, or `"default"`.
    public var ruleID: String
    /// The approval route named by the matching rule, if any.
    public var approvalRouteID: String?
}

extension Policy {
    /// Evaluates the policy on `inputs`. Pure: no clock, no I/O, no randomness.
    public func evaluate(_ inputs: JSONValue) -> PolicyDecision {
        for rule in rules where rule.when.holds(for: inputs) {
            return PolicyDecision(
                outcome: rule.outcome, message: rule.message, ruleID: rule.id, approvalRouteID: rule.approvalRouteID)
        }
        return PolicyDecision(outcome: defaultOutcome, message: defaultMessage, ruleID: "default", approvalRouteID: nil)
    }
}

extension PolicyCondition {
    /// Whether the condition holds for `inputs`.
    public func holds(for inputs: JSONValue) -> Bool {
        switch self {
        case .all(let items): return items.allSatisfy { $0.holds(for: inputs) }
        case .any(let items): return items.contains { $0.holds(for: inputs) }
        case .not(let inner): return !inner.holds(for: inputs)
        case .compare(let field, let op, let value):
            return Self.compare(Self.resolve(field, in: inputs), op, value)
        }
    }

    /// Follows a dot path of object keys; `nil` means *missing*.
    static func resolve(_ path: String, in inputs: JSONValue) -> JSONValue? {
        var current: JSONValue? = inputs
        for key in path.split(separator: ".", omittingEmptySubsequences: false) {
            guard case .object(let object)? = current else { return nil }
            current = object[String(key)]
        }
        return current
    }

    static func compare(_ field: JSONValue?, _ op: PolicyOperator, _ value: JSONValue) -> Bool {
        switch op {
        case .eq:
            guard let field else { return false }
            return field == value
        case .ne:
            guard let field else { return true }
            return field != value
        case .gt, .gte, .lt, .lte:
            guard let field else { return false }
            let order: Int
            if let a = field.numberValue, let b = value.numberValue {
                order = a < b ? -1 : (a > b ? 1 : 0)
            } else if let a = field.stringValue, let b = value.stringValue {
                order =
                    a.unicodeScalars.elementsEqual(b.unicodeScalars)
                    ? 0 : (a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars) ? -1 : 1)
            } else {
                return false
            }
            switch op {
            case .gt: return order > 0
            case .gte: return order >= 0
            case .lt: return order < 0
            default: return order <= 0
            }
        case .in:
            guard let field, let members = value.arrayValue else { return false }
            return members.contains(field)
        case .notIn:
            guard let field else { return true }
            guard let members = value.arrayValue else { return false }
            return !members.contains(field)
        case .contains:
            switch field {
            case .string(let s)?:
                guard let needle = value.stringValue else { return false }
                return s.contains(needle)
            case .array(let items)?: return items.contains(value)
            default: return false
            }
        case .startsWith:
            guard let s = field?.stringValue, let prefix = value.stringValue else { return false }
            return s.unicodeScalars.starts(with: prefix.unicodeScalars)
        case .exists:
            guard let field else { return false }
            return !field.isNull
        case .missing:
            guard let field else { return true }
            return field.isNull
        case .matches:
            guard let s = field?.stringValue, let pattern = value.stringValue, let regex = PatternCache.shared.regex(pattern) else { return false }
            return regex.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
        case .glob:
            guard let s = field?.stringValue else { return false }
            let globs = value.arrayValue?.compactMap(\.stringValue) ?? value.stringValue.map { [$0] } ?? []
            return globs.contains { Glob.matches($0, s) }
        }
    }
}
