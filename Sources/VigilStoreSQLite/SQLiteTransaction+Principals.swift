import GRDB
import VigilCore

extension SQLiteTransaction {
    package func insertPrincipal(_ p: Principal) throws {
        try db.execute(
            sql: """
                INSERT INTO principals (principal_id, kind, name, status, allow_override, policy_grants, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                p.principalID, p.kind.rawValue, p.name, p.isActive ? "active" : "disabled", p.allowOverride,
                p.policyGrants.map { JSONValue($0).canonicalText }, p.createdAt,
            ])
        try setProductGrants(p.principalID, p.productGrants)
    }

    package func setProductGrants(_ principalID: String, _ grants: [String]) throws {
        try db.execute(sql: "DELETE FROM product_grants WHERE principal_id = ?", arguments: [principalID])
        for product in Set(grants) {
            try db.execute(
                sql: "INSERT INTO product_grants (principal_id, product_id) VALUES (?, ?)",
                arguments: [principalID, product])
        }
    }

    package func setPolicyGrants(_ principalID: String, _ grants: [String]?) throws {
        try db.execute(
            sql: "UPDATE principals SET policy_grants = ? WHERE principal_id = ?",
            arguments: [grants.map { JSONValue($0).canonicalText }, principalID])
    }

    package func setPrincipalActive(_ principalID: String, _ isActive: Bool) throws {
        try db.execute(
            sql: "UPDATE principals SET status = ? WHERE principal_id = ?",
            arguments: [isActive ? "active" : "disabled", principalID])
    }

    package func principal(_ id: String) throws -> Principal? {
        guard let row = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT * FROM principals WHERE principal_id = ?"), arguments: [id])
        else { return nil }
        return try makePrincipal(row)
    }

    package func principals() throws -> [Principal] {
        try Row.fetchAll(db, sql: "SELECT * FROM principals ORDER BY kind, principal_id").map(makePrincipal)
    }

    private func makePrincipal(_ row: Row) throws -> Principal {
        let id: String = row["principal_id"]
        let grants = try String.fetchAll(
            db.cachedStatement(sql: "SELECT product_id FROM product_grants WHERE principal_id = ? ORDER BY product_id"),
            arguments: [id])
        let policyGrants = (row["policy_grants"] as String?).flatMap { try? JSONParser.parse($0) }?.arrayValue?
            .compactMap(\.stringValue)
        return Principal(
            principalID: id, kind: PrincipalKind(rawValue: row["kind"]) ?? .agent, name: row["name"],
            isActive: (row["status"] as String) == "active", allowOverride: row["allow_override"],
            productGrants: grants, policyGrants: policyGrants, createdAt: row["created_at"])
    }

    package func insertAPIKey(key: String, record: APIKeyRecord) throws {
        try db.execute(
            sql: """
                INSERT INTO api_keys (key_id, key_hash, role, principal_id, key_prefix, created_at, revoked_at)
                VALUES (?, ?, ?, ?, ?, ?, NULL)
                """,
            arguments: [
                record.keyID, Encoding.sha256Hex(key), record.role.rawValue, record.principalID, record.prefix,
                record.createdAt,
            ])
    }

    package func apiKeys(of principalID: String) throws -> [APIKeyRecord] {
        try Row.fetchAll(
            db, sql: "SELECT * FROM api_keys WHERE principal_id = ? ORDER BY created_at, key_id",
            arguments: [principalID]
        ).map { row in
            APIKeyRecord(
                keyID: row["key_id"], role: PrincipalKind(rawValue: row["role"]) ?? .agent,
                principalID: row["principal_id"], prefix: row["key_prefix"], createdAt: row["created_at"],
                revokedAt: row["revoked_at"])
        }
    }

    /// The principal and role of an unrevoked key with this hash.
    package func activeKey(hash: String) throws -> (String, PrincipalKind)? {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT principal_id, role FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL"),
                arguments: [hash])
        else { return nil }
        return (row["principal_id"], PrincipalKind(rawValue: row["role"]) ?? .agent)
    }

    package func revokeKeys(of principalID: String, keyID: String?, at time: String) throws -> Int {
        if let keyID {
            try db.execute(
                sql: "UPDATE api_keys SET revoked_at = ? WHERE principal_id = ? AND key_id = ? AND revoked_at IS NULL",
                arguments: [time, principalID, keyID])
        } else {
            try db.execute(
                sql: "UPDATE api_keys SET revoked_at = ? WHERE principal_id = ? AND revoked_at IS NULL",
                arguments: [time, principalID])
        }
        return db.changesCount
    }
}
