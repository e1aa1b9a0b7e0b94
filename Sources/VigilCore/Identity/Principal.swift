/// Whether a principal is an agent or an operator.
public enum PrincipalKind: String, Sendable, Equatable {
    case agent, `operator`
}

/// An agent or operator registered in the store (TraceMem spec §4.1).
public struct Principal: Sendable, Equatable {
    public var principalID: String
    public var kind: PrincipalKind
    public var name: String
    /// `active` or `disabled`; only active principals authenticate.
    public var isActive: Bool
    /// Whether the agent may create `override` decisions.
    public var allowOverride: Bool
    /// Granted product ids; `"*"` grants every configured product.
    public var productGrants: [String]
    /// Granted policy ids, or `nil` for every policy (the default).
    public var policyGrants: [String]?
    public var createdAt: String

    package init(
        principalID: String, kind: PrincipalKind, name: String, isActive: Bool, allowOverride: Bool, productGrants: [String], policyGrants: [String]? = nil, createdAt: String
    ) {
        self.principalID = principalID
        self.kind = kind
        self.name = name
        self.isActive = isActive
        self.allowOverride = allowOverride
        self.productGrants = productGrants
        self.policyGrants = policyGrants
        self.createdAt = createdAt
    }

    public func isGranted(product productID: String) -> Bool {
        productGrants.contains("*") || productGrants.contains(productID)
    }

    public func isGranted(policy policyID: String) -> Bool {
        policyGrants.map { $0.contains(policyID) } ?? true
    }

    public var json: JSONObject {
        [
            "id": .string(principalID), "kind": .string(kind.rawValue), "name": .string(name),
            "status": .string(isActive ? "active" : "disabled"), "allow_override": .bool(allowOverride),
            "product_grants": JSONValue(productGrants), "policy_grants": policyGrants.map { JSONValue($0) } ?? .null,
            "created_at": .string(createdAt),
        ]
    }
}

/// What is kept of an API key: never the key itself (TraceMem spec §4.2).
public struct APIKeyRecord: Sendable, Equatable {
    public var keyID: String
    public var role: PrincipalKind
    public var principalID: String
    /// The first 8 characters, for display.
    public var prefix: String
    public var createdAt: String
    public var revokedAt: String?

    package init(
        keyID: String, role: PrincipalKind, principalID: String, prefix: String, createdAt: String, revokedAt: String? = nil
    ) {
        self.keyID = keyID
        self.role = role
        self.principalID = principalID
        self.prefix = prefix
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }

    public var json: JSONObject {
        [
            "key_id": .string(keyID), "role": .string(role.rawValue), "principal_id": .string(principalID),
            "prefix": .string(prefix), "created_at": .string(createdAt), "revoked_at": JSONValue(revokedAt),
        ]
    }
}

/// Refusals of the principal registry.
public enum PrincipalError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidName(String, expected: String)
    case alreadyExists(String)
    case notFound(String)
    case unknownProduct(String)
    case unknownPolicy(String)

    public var description: String {
        switch self {
        case .invalidName(let name, let expected): return "'\(name)' is not a valid name: expected \(expected)"
        case .alreadyExists(let id): return "'\(id)' already exists; pick another name or revoke it first"
        case .notFound(let id): return "no agent or operator '\(id)'; see `vigil agents list`"
        case .unknownProduct(let id): return "no data product '\(id)' in the configuration"
        case .unknownPolicy(let id): return "no policy '\(id)' in the configuration"
        }
    }
}
