import Foundation
import Synchronization

/// Agents, operators and their API keys. Stores only `sha256(key)`; the plaintext is returned once, at creation.
public struct PrincipalRegistry: Sendable {
    let store: any Store
    let clock: any WallClock
    /// Valid keys recently seen, by hash, for servers (see ``cachingKeys(for:)``).
    private let keyCache: KeyCache?

    package init(store: any Store, clock: any WallClock = SystemClock()) {
        self.store = store
        self.clock = clock
        keyCache = nil
    }

    private init(store: any Store, clock: any WallClock, keyCache: KeyCache?) {
        (self.store, self.clock, self.keyCache) = (store, clock, keyCache)
    }

    /// The same registry, remembering each valid key's principal for `ttl` so a server does not read the store on
    /// every request. A revoked or disabled key, or changed grants, take effect within `ttl` (changes made through
    /// this registry at once). Invalid keys are never remembered.
    public func cachingKeys(for ttl: Duration) -> PrincipalRegistry {
        PrincipalRegistry(store: store, clock: clock, keyCache: KeyCache(ttl: ttl))
    }

    /// An agent's id from its name as people write it (`claude-code` → `agent_claude-code`; an id is kept as it is),
    /// unchecked: for filters and lookups, where an unknown name simply finds nothing.
    public static func agentID(_ name: String) -> String { name.hasPrefix("agent_") ? name : "agent_" + name }

    /// The id a new principal gets: `agent_<slug>` for agents (a leading `agent_` in `name` is kept), the name
    /// itself for operators.
    public static func principalID(forName name: String, kind: PrincipalKind) throws(PrincipalError) -> String {
        switch kind {
        case .agent:
            let slug = name.hasPrefix("agent_") ? String(name.dropFirst("agent_".count)) : name
            guard Identifier.isValidAgentSlug(slug) else {
                throw PrincipalError.invalidName(name, expected: "[a-z0-9_-]{1,64}")
            }
            return agentID(slug)
        case .operator:
            guard Identifier.isValidOperatorID(name) else {
                throw PrincipalError.invalidName(name, expected: "[A-Za-z0-9._@-]{1,64}")
            }
            return name
        }
    }

    /// Registers a principal and creates its first key.
    /// - Returns: the principal and the plaintext key, which is never retrievable again.
    public func add(
        name: String, kind: PrincipalKind, allowOverride: Bool = false, productGrants: [String] = [],
        policyGrants: [String]? = nil
    ) throws -> (principal: Principal, apiKey: String) {
        let id = try Self.principalID(forName: name, kind: kind)
        let principal = Principal(
            principalID: id, kind: kind, name: name, isActive: true, allowOverride: allowOverride,
            productGrants: productGrants, policyGrants: policyGrants, createdAt: Timestamp.format(clock.now()))
        let key = Self.generateKey()
        try store.write { tx in
            if try tx.principal(id) != nil { throw PrincipalError.alreadyExists(id) }
            try tx.insertPrincipal(principal)
            try tx.insertAPIKey(key: key, record: makeKeyRecord(key: key, principal: principal))
        }
        return (principal, key)
    }

    /// Creates another key for an existing principal.
    public func issueKey(for principalID: String) throws -> String {
        let key = Self.generateKey()
        try store.write { tx in
            guard let principal = try tx.principal(principalID) else { throw PrincipalError.notFound(principalID) }
            try tx.insertAPIKey(key: key, record: makeKeyRecord(key: key, principal: principal))
        }
        return key
    }

    private func makeKeyRecord(key: String, principal: Principal) -> APIKeyRecord {
        APIKeyRecord(
            keyID: "key_" + Identifiers.ulid(at: clock.now()), role: principal.kind,
            principalID: principal.principalID, prefix: String(key.prefix(8)),
            createdAt: Timestamp.format(clock.now()), revokedAt: nil)
    }

    /// Every principal with its keys, agents first, then by id.
    public func list() throws -> [(principal: Principal, keys: [APIKeyRecord])] {
        try store.read { tx in
            try tx.principals().map { ($0, try tx.apiKeys(of: $0.principalID)) }
        }
    }

    public func principal(_ id: String) throws -> Principal? {
        try store.read { tx in try tx.principal(id) }
    }

    /// Revokes every active key of `principalID` (or only `keyID`).
    /// - Returns: the number of keys revoked.
    @discardableResult
    public func revoke(_ principalID: String, keyID: String? = nil) throws -> Int {
        defer { keyCache?.clear() }
        return try store.write { tx in
            guard try tx.principal(principalID) != nil else { throw PrincipalError.notFound(principalID) }
            return try tx.revokeKeys(of: principalID, keyID: keyID, at: Timestamp.format(clock.now()))
        }
    }

    /// Enables or disables a principal; a disabled principal's keys stop authenticating.
    public func setActive(_ principalID: String, _ isActive: Bool) throws {
        defer { keyCache?.clear() }
        try store.write { tx in
            guard try tx.principal(principalID) != nil else { throw PrincipalError.notFound(principalID) }
            try tx.setPrincipalActive(principalID, isActive)
        }
    }

    /// Replaces the product grants of an agent.
    public func setProductGrants(_ principalID: String, _ grants: [String]) throws {
        defer { keyCache?.clear() }
        try store.write { tx in
            guard try tx.principal(principalID) != nil else { throw PrincipalError.notFound(principalID) }
            try tx.setProductGrants(principalID, grants)
        }
    }

    /// Limits the policies an agent may evaluate to `grants`, or lifts the limit with `nil` (the default: all).
    public func setPolicyGrants(_ principalID: String, _ grants: [String]?) throws {
        defer { keyCache?.clear() }
        try store.write { tx in
            guard try tx.principal(principalID) != nil else { throw PrincipalError.notFound(principalID) }
            try tx.setPolicyGrants(principalID, grants)
        }
    }

    /// The principal a presented key belongs to, if the key is valid: its hash matches, it is not revoked and its
    /// principal is active.
    public func authenticate(_ key: String) throws -> (principal: Principal, role: PrincipalKind)? {
        try authenticate(keyHash: Encoding.sha256Hex(key))
    }

    /// ``authenticate(_:)`` for a caller that already holds the key's hash (`Encoding.sha256Hex(key)`), as the
    /// MCP endpoint does for its rate limiter.
    public func authenticate(keyHash hash: String) throws -> (principal: Principal, role: PrincipalKind)? {
        if let cached = keyCache?.lookup(hash) { return cached }
        let found: (principal: Principal, role: PrincipalKind)? = try store.read { tx in
            guard let (principalID, role) = try tx.activeKey(hash: hash),
                let principal = try tx.principal(principalID), principal.isActive
            else { return nil }
            return (principal, role)
        }
        if let found { keyCache?.remember(hash, found) }
        return found
    }

    /// A new key: `vgl_` + base64url of 32 random bytes.
    static func generateKey() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return "vgl_" + Encoding.base64URL(bytes)
    }
}

/// Valid keys recently seen, by hash, with the instant each entry stops counting.
final class KeyCache: Sendable {
    private let entries = Mutex<[String: (principal: Principal, role: PrincipalKind, until: ContinuousClock.Instant)]>([:])
    private let ttl: Duration
    /// More distinct keys than this at once and the cache starts over (it holds only valid keys, so this is generous).
    private let capacity = 10_000

    init(ttl: Duration) { self.ttl = ttl }

    func lookup(_ hash: String) -> (principal: Principal, role: PrincipalKind)? {
        let now = ContinuousClock.now
        return entries.withLock { entries in
            guard let entry = entries[hash], entry.until > now else { return nil }
            return (entry.principal, entry.role)
        }
    }

    func remember(_ hash: String, _ found: (principal: Principal, role: PrincipalKind)) {
        let until = ContinuousClock.now + ttl
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[hash] = (found.principal, found.role, until)
        }
    }

    func clear() { entries.withLock { $0.removeAll() } }
}
