import Foundation
import VigilCore

extension PostgresTransaction {
    private static let principalColumns = "principal_id, kind, name, status, allow_override, policy_grants, created_at"

    func insertPrincipal(_ p: Principal) throws {
        try execute(
            "INSERT INTO principals (\(Self.principalColumns)) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            [
                p.principalID, p.kind.rawValue, p.name, p.isActive ? "active" : "disabled", p.allowOverride,
                p.policyGrants.map { JSONValue($0).canonicalText }, p.createdAt,
            ])
        try setProductGrants(p.principalID, p.productGrants)
    }

    func setProductGrants(_ principalID: String, _ grants: [String]) throws {
        try execute("DELETE FROM product_grants WHERE principal_id = $1", [principalID])
        for product in Set(grants) {
            try execute("INSERT INTO product_grants (principal_id, product_id) VALUES ($1, $2)", [principalID, product])
        }
    }

    func setPolicyGrants(_ principalID: String, _ grants: [String]?) throws {
        try execute(
            "UPDATE principals SET policy_grants = $1 WHERE principal_id = $2",
            [grants.map { JSONValue($0).canonicalText }, principalID])
    }

    func setPrincipalActive(_ principalID: String, _ isActive: Bool) throws {
        try execute("UPDATE principals SET status = $1 WHERE principal_id = $2", [isActive ? "active" : "disabled", principalID])
    }

    func principal(_ id: String) throws -> Principal? {
        try makePrincipals(query("SELECT \(Self.principalColumns) FROM principals WHERE principal_id = $1", [id])).first
    }

    func principals() throws -> [Principal] {
        try makePrincipals(query("SELECT \(Self.principalColumns) FROM principals ORDER BY kind, principal_id"))
    }

    private func makePrincipals(_ rows: PostgresRows) throws -> [Principal] {
        let partial = rows.map { row in
            (id: row.string(0), kind: row.string(1), name: row.string(2), status: row.string(3), override: row.bool(4),
             policyGrants: StoredJSON.strings(row[5]), createdAt: row.string(6))
        }
        return try partial.map { p in
            let grants = try query(
                "SELECT product_id FROM product_grants WHERE principal_id = $1 ORDER BY product_id", [p.id]
            ).map { $0.string(0) }
            return Principal(
                principalID: p.id, kind: PrincipalKind(rawValue: p.kind) ?? .agent, name: p.name,
                isActive: p.status == "active", allowOverride: p.override, productGrants: grants,
                policyGrants: p.policyGrants, createdAt: p.createdAt)
        }
    }

    func insertAPIKey(key: String, record: APIKeyRecord) throws {
        try execute(
            """
            INSERT INTO api_keys (key_id, key_hash, role, principal_id, key_prefix, created_at, revoked_at)
            VALUES ($1, $2, $3, $4, $5, $6, NULL)
            """,
            [
                record.keyID, Encoding.sha256Hex(key), record.role.rawValue, record.principalID, record.prefix,
                record.createdAt,
            ])
    }

    func apiKeys(of principalID: String) throws -> [APIKeyRecord] {
        try query(
            """
            SELECT key_id, role, principal_id, key_prefix, created_at, revoked_at FROM api_keys
            WHERE principal_id = $1 ORDER BY created_at, key_id
            """, [principalID]
        ).map { row in
            APIKeyRecord(
                keyID: row.string(0), role: PrincipalKind(rawValue: row.string(1)) ?? .agent, principalID: row.string(2),
                prefix: row.string(3), createdAt: row.string(4), revokedAt: row[5])
        }
    }

    func activeKey(hash: String) throws -> (String, PrincipalKind)? {
        try query("SELECT principal_id, role FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL", [hash])
            .first { ($0.string(0), PrincipalKind(rawValue: $0.string(1)) ?? .agent) }
    }

    func revokeKeys(of principalID: String, keyID: String?, at time: String) throws -> Int {
        if let keyID {
            return try execute(
                "UPDATE api_keys SET revoked_at = $1 WHERE principal_id = $2 AND key_id = $3 AND revoked_at IS NULL",
                [time, principalID, keyID])
        }
        return try execute(
            "UPDATE api_keys SET revoked_at = $1 WHERE principal_id = $2 AND revoked_at IS NULL", [time, principalID])
    }
}
