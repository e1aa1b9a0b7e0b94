extension MemoryStatus {
    /// The audit rationale Supersede writes on the old record (spec §9.3): `superseded by <new id>: <why>`.
    static let supersededRationalePrefix = "superseded by "

    /// The status a Membrane wire record implies, for a client that sees only the record: its JSON has no status key
    /// (spec §9.2), but every change of status leaves what §9.3 prescribes. Retract and Merge zero the salience and
    /// write `delete` / `merge` audit entries, Supersede a `revise` entry whose rationale starts `superseded by `;
    /// Contest adds a `contested_by` relation (or, with an empty ref, shows only in a semantic record's
    /// `payload.revision.status`). The last terminal entry wins; a record penalized to zero stays live.
    ///
    /// - Parameters:
    ///   - audit: the record's audit log, oldest first.
    ///   - revisionStatus: `payload.revision.status` of a semantic record.
    public static func implied(
        salience: Double, audit: [(action: String, rationale: String)], relationPredicates: [String],
        revisionStatus: String?
    ) -> MemoryStatus {
        if salience == 0 {
            for entry in audit.reversed() {
                switch entry.action {
                case "delete": return .retracted
                case "merge": return .superseded
                case "revise" where entry.rationale.hasPrefix(supersededRationalePrefix): return .superseded
                default: continue
                }
            }
        }
        return relationPredicates.contains("contested_by") || revisionStatus == "contested" ? .contested : .active
    }
}
