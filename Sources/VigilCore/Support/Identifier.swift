/// Syntax rules for the identifiers vigil accepts from configuration and the CLI.
public enum Identifier {
    /// `[a-z0-9_.-]{1,128}`: policy ids.
    public static func isValidPolicyID(_ id: String) -> Bool {
        matches(id, max: 128) { $0.isASCII && ($0.isLowercase || $0.isNumber || "_.-".contains($0)) }
    }

    /// Product, purpose and route ids: 1–128 characters of `[A-Za-z0-9_.-]`.
    public static func isValidConfigID(_ id: String) -> Bool {
        matches(id, max: 128) { $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) }
    }

    /// `[a-z0-9_-]{1,64}`: the slug of an agent id (`agent_<slug>`).
    public static func isValidAgentSlug(_ slug: String) -> Bool {
        matches(slug, max: 64) { $0.isASCII && ($0.isLowercase || $0.isNumber || "_-".contains($0)) }
    }

    /// `[A-Za-z0-9._@-]{1,64}`: operator ids.
    public static func isValidOperatorID(_ id: String) -> Bool {
        matches(id, max: 64) { $0.isASCII && ($0.isLetter || $0.isNumber || "._@-".contains($0)) }
    }

    /// SQL-safe column and table names: `[a-z_][a-z0-9_]{0,62}`.
    public static func isValidSQLName(_ name: String) -> Bool {
        guard let first = name.first, first == "_" || (first.isASCII && first.isLowercase) else { return false }
        return matches(name, max: 63) { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }
    }

    private static func matches(_ text: String, max: Int, _ allowed: (Character) -> Bool) -> Bool {
        !text.isEmpty && text.count <= max && text.allSatisfy(allowed)
    }
}
