import GRDB
import VigilCore

/// The store's schema, as numbered migrations applied in order. Tests run the same migrations.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-decisions", migrate: v1Decisions)
        migrator.registerMigration("v2-memory", migrate: v2Memory)
        migrator.registerMigration("v3-decision-search-pieces", migrate: v3DecisionSearchPieces)
        migrator.registerMigration("v4-memory-search-rank", migrate: v4MemorySearchRank)
        migrator.registerMigration("v5-memory-audit-salience", migrate: v5MemoryAuditSalience)
        migrator.registerMigration("v6-retention-redaction", migrate: v6RetentionRedaction)
        migrator.registerMigration("v7-child-lookups", migrate: v7ChildLookups)
        return migrator
    }

    /// Principals, keys, decisions, their hash-chained events, approvals, write buffer, receipts and search.
    static func v1Decisions(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE principals (
                    principal_id   TEXT PRIMARY KEY,
                    kind           TEXT NOT NULL CHECK (kind IN ('agent', 'operator')),
                    name           TEXT NOT NULL,
                    status         TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
                    allow_override INTEGER NOT NULL DEFAULT 0,
                    policy_grants  TEXT,            -- JSON list of policy ids; NULL means all policies
                    created_at     TEXT NOT NULL
                );
                CREATE TABLE product_grants (
                    principal_id TEXT NOT NULL REFERENCES principals(principal_id) ON DELETE CASCADE,
                    product_id   TEXT NOT NULL,     -- '*' grants every configured product
                    PRIMARY KEY (principal_id, product_id)
                ) WITHOUT ROWID;
                CREATE TABLE api_keys (
                    key_id       TEXT PRIMARY KEY,
                    key_hash     TEXT NOT NULL UNIQUE,   -- sha256(key) in hex; the plaintext is never stored
                    role         TEXT NOT NULL CHECK (role IN ('agent', 'operator')),
                    principal_id TEXT NOT NULL REFERENCES principals(principal_id),
                    key_prefix   TEXT NOT NULL,          -- the first 8 characters, for display
                    created_at   TEXT NOT NULL,
                    revoked_at   TEXT
                );
                CREATE TABLE decisions (
                    decision_id       TEXT PRIMARY KEY,
                    agent_id          TEXT NOT NULL,
                    actor             TEXT NOT NULL,
                    intent            TEXT NOT NULL,
                    automation_mode   TEXT NOT NULL,
                    instance          TEXT,
                    version           TEXT,
                    metadata          TEXT,
                    status            TEXT NOT NULL,
                    approval_status   TEXT NOT NULL DEFAULT 'none',
                    approval_required INTEGER NOT NULL DEFAULT 0,
                    approval_id       TEXT,
                    created_at        TEXT NOT NULL,
                    closed_at         TEXT,
                    close_action      TEXT,
                    close_reason      TEXT,
                    kind              TEXT NOT NULL DEFAULT 'envelope',
                    title             TEXT,
                    category          TEXT,
                    tags              TEXT,
                    supersedes        TEXT,
                    superseded_by     TEXT,
                    event_count       INTEGER NOT NULL DEFAULT 0,
                    head_hash         TEXT NOT NULL,
                    last_exception    TEXT,   -- JSON {policy_id, message, approval_route_id} of the latest requires_exception
                    search_text       TEXT NOT NULL DEFAULT ''
                );
                CREATE INDEX decisions_by_agent ON decisions(agent_id, created_at DESC);
                CREATE INDEX decisions_by_created ON decisions(created_at DESC, decision_id DESC);
                CREATE INDEX decisions_by_status ON decisions(status, created_at DESC);
                CREATE TABLE decision_events (
                    decision_id TEXT NOT NULL,
                    seq         INTEGER NOT NULL,
                    event_id    TEXT NOT NULL UNIQUE,
                    type        TEXT NOT NULL,
                    timestamp   TEXT NOT NULL,
                    actor       TEXT NOT NULL,
                    prev_hash   TEXT NOT NULL,
                    hash        TEXT NOT NULL,
                    body        TEXT NOT NULL,   -- JCS of the event without its hash; hash = sha256(body)
                    PRIMARY KEY (decision_id, seq)
                ) WITHOUT ROWID;
                CREATE TRIGGER decision_events_no_update BEFORE UPDATE ON decision_events
                BEGIN SELECT RAISE(ABORT, 'decision events are append-only'); END;
                CREATE TRIGGER decision_events_no_delete BEFORE DELETE ON decision_events
                BEGIN SELECT RAISE(ABORT, 'decision events are append-only'); END;
                CREATE TABLE read_evidence (
                    event_id    TEXT PRIMARY KEY,
                    decision_id TEXT NOT NULL,
                    evidence    TEXT NOT NULL     -- JSON the inputs_ref resolves to
                );
                CREATE INDEX read_evidence_by_decision ON read_evidence(decision_id);
                CREATE TABLE write_buffer (
                    event_id    TEXT PRIMARY KEY,
                    decision_id TEXT NOT NULL,
                    seq         INTEGER NOT NULL,
                    product_id  TEXT NOT NULL,
                    operation   TEXT NOT NULL,
                    rows        TEXT NOT NULL,    -- JSON list of normalized row operations
                    created_records TEXT
                );
                CREATE INDEX write_buffer_by_decision ON write_buffer(decision_id, seq);
                CREATE TABLE write_idempotency (
                    agent_id        TEXT NOT NULL,
                    decision_id     TEXT NOT NULL,
                    idempotency_key TEXT NOT NULL,
                    fingerprint     TEXT NOT NULL,
                    result          TEXT NOT NULL,
                    PRIMARY KEY (agent_id, decision_id, idempotency_key)
                ) WITHOUT ROWID;
                CREATE TABLE approvals (
                    approval_id       TEXT PRIMARY KEY,
                    decision_id       TEXT NOT NULL REFERENCES decisions(decision_id),
                    agent_id          TEXT NOT NULL,
                    intent            TEXT NOT NULL,
                    status            TEXT NOT NULL,
                    title             TEXT NOT NULL,
                    message           TEXT,
                    kind              TEXT,
                    reason            TEXT,
                    approval_route_id TEXT,
                    require_rationale INTEGER NOT NULL,
                    requested_at      TEXT NOT NULL,
                    expires_at        TEXT NOT NULL,
                    resolved_at       TEXT,
                    resolved_by       TEXT,
                    rationale         TEXT
                );
                CREATE INDEX approvals_by_status ON approvals(status, requested_at, approval_id);
                CREATE INDEX approvals_by_decision ON approvals(decision_id);
                CREATE TABLE receipts (
                    decision_id TEXT PRIMARY KEY,
                    receipt     TEXT NOT NULL     -- the final receipt's JCS text, returned byte-identical
                );
                CREATE TABLE receipt_keys (
                    key_id     TEXT PRIMARY KEY,
                    public_key TEXT NOT NULL,     -- base64url of the raw 32-byte Ed25519 public key
                    created_at TEXT NOT NULL
                );
                CREATE VIRTUAL TABLE decision_search USING fts5(body, tokenize = 'unicode61');
                """)
    }

    /// Memory records (Membrane semantics), their relations, append-only audit log, full-text index, the links to
    /// decisions, prune tombstones and the consolidation log.
    static func v2Memory(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE memory_records (
                    id                 TEXT NOT NULL UNIQUE,
                    type               TEXT NOT NULL,
                    sensitivity        INTEGER NOT NULL,           -- 0 public … 4 hyper
                    confidence         REAL NOT NULL,
                    base               REAL NOT NULL,              -- salience at the last anchor
                    scope              TEXT NOT NULL DEFAULT '',
                    status             TEXT NOT NULL,
                    live               INTEGER NOT NULL,           -- 1 when active or contested
                    created_at         INTEGER NOT NULL,           -- nanoseconds since the epoch, UTC
                    updated_at         INTEGER NOT NULL,
                    curve              TEXT NOT NULL,
                    half_life          INTEGER NOT NULL,
                    min_salience       REAL NOT NULL,
                    max_age            INTEGER NOT NULL,
                    reinforcement_gain REAL NOT NULL,
                    last_reinforced_at INTEGER NOT NULL,
                    pinned             INTEGER NOT NULL,
                    deletion_policy    TEXT NOT NULL,
                    -- log2(base) + last_reinforced_at / half_life (seconds): within one half-life, ordering by anchor
                    -- is ordering by decayed salience at any instant. NULL when base is 0.
                    anchor             REAL,
                    special            INTEGER NOT NULL,           -- pinned, floored or age-limited: scored exactly
                    tags               TEXT NOT NULL,              -- JSON array, in order
                    provenance         TEXT NOT NULL,              -- JSON {sources, created_by}
                    payload            TEXT NOT NULL,              -- JSON object
                    last_audit_at      INTEGER NOT NULL,
                    swept_salience     REAL,                       -- salience(swept_at), persisted by the sweep;
                    swept_at           INTEGER                     -- readers always recompute from base and L
                );
                CREATE INDEX memory_by_anchor ON memory_records(type, half_life, anchor DESC) WHERE live = 1 AND special = 0;
                CREATE INDEX memory_by_type ON memory_records(type, live);
                CREATE INDEX memory_unordered ON memory_records(type) WHERE live = 1 AND (special = 1 OR anchor IS NULL);
                CREATE INDEX memory_inactive ON memory_records(type) WHERE live = 0;
                CREATE INDEX memory_by_fact ON memory_records(json_extract(payload, '$.subject'), json_extract(payload, '$.predicate'))
                    WHERE type = 'semantic';
                CREATE INDEX memory_by_skill ON memory_records(json_extract(payload, '$.skill_name')) WHERE type = 'competence';
                CREATE INDEX memory_by_prune ON memory_records(last_audit_at) WHERE deletion_policy = 'auto_prune' AND pinned = 0;
                CREATE TABLE memory_relations (
                    record_id  TEXT NOT NULL,
                    ord        INTEGER NOT NULL,
                    predicate  TEXT NOT NULL,
                    target_id  TEXT NOT NULL,                       -- a plain string: the target need not exist
                    weight     REAL NOT NULL,
                    created_at INTEGER NOT NULL,
                    PRIMARY KEY (record_id, ord)
                ) WITHOUT ROWID;
                CREATE INDEX memory_relations_by_target ON memory_relations(target_id);
                CREATE TABLE memory_audit (
                    record_id TEXT NOT NULL,
                    ord       INTEGER NOT NULL,
                    action    TEXT NOT NULL,
                    actor     TEXT NOT NULL,
                    timestamp INTEGER NOT NULL,
                    rationale TEXT NOT NULL,
                    PRIMARY KEY (record_id, ord)
                ) WITHOUT ROWID;
                CREATE TRIGGER memory_audit_no_update BEFORE UPDATE ON memory_audit
                BEGIN SELECT RAISE(ABORT, 'memory audit entries are append-only'); END;
                CREATE VIRTUAL TABLE memory_search USING fts5(summary, body, tokenize = 'unicode61 remove_diacritics 2');
                CREATE TABLE memory_decision_links (
                    decision_id TEXT NOT NULL,
                    record_id   TEXT NOT NULL,
                    PRIMARY KEY (decision_id, record_id)
                ) WITHOUT ROWID;
                CREATE INDEX memory_links_by_record ON memory_decision_links(record_id);
                -- Every change to a record, so a process's in-memory relevance index can catch up with other processes.
                CREATE TABLE memory_changes (seq INTEGER PRIMARY KEY, row_id INTEGER NOT NULL);  -- the newest row is never deleted, so seq only grows
                CREATE TRIGGER memory_changes_insert AFTER INSERT ON memory_records
                BEGIN INSERT INTO memory_changes (row_id) VALUES (new.rowid); END;
                CREATE TRIGGER memory_changes_update AFTER UPDATE OF type, sensitivity, confidence, base, scope, status,
                    updated_at, half_life, min_salience, max_age, last_reinforced_at, pinned, tags, payload ON memory_records
                BEGIN INSERT INTO memory_changes (row_id) VALUES (new.rowid); END;
                CREATE TRIGGER memory_changes_delete AFTER DELETE ON memory_records
                BEGIN INSERT INTO memory_changes (row_id) VALUES (old.rowid); END;
                CREATE TABLE memory_tombstones (
                    id        TEXT PRIMARY KEY,
                    type      TEXT NOT NULL,
                    pruned_at INTEGER NOT NULL,
                    reason    TEXT NOT NULL
                );
                CREATE TABLE memory_consolidation_log (
                    stage     TEXT NOT NULL,
                    record_id TEXT NOT NULL,
                    PRIMARY KEY (stage, record_id)
                ) WITHOUT ROWID;
                """)
    }

    /// Decisions' searchable words as append-only pieces, indexed in full text lazily.
    ///
    /// v1 kept each decision's whole text in `decisions.search_text` and rewrote its full-text document on every
    /// event, so a decision's n-th event cost O(n) and every event paid the index's write cost. Now an event appends
    /// one piece and marks the decision stale; ``StoreTransaction/refreshDecisionSearch()`` rebuilds the documents of
    /// stale decisions, once each, before a query reads the index. `decisions.search_text` stays, always empty.
    static func v3DecisionSearchPieces(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE decision_search_text (
                    decision_rowid INTEGER NOT NULL,   -- decisions.rowid, as decision_search's rowid
                    text           TEXT NOT NULL
                );
                CREATE INDEX decision_search_text_by_decision ON decision_search_text(decision_rowid);
                -- Decisions whose decision_search document lags their pieces.
                CREATE TABLE decision_search_stale (decision_rowid INTEGER PRIMARY KEY);
                INSERT INTO decision_search_text (decision_rowid, text)
                    SELECT rowid, search_text FROM decisions WHERE search_text != '';
                -- Emptied, not dropped: SQLite's DROP COLUMN cannot edit v1's CREATE TABLE (a comment precedes the
                -- column), and rebuilding the table is not worth one unused column.
                UPDATE decisions SET search_text = '' WHERE search_text != '';
                """)
    }

    /// Memory search's `rank` is the weighted bm25 that Retrieve scores with (summary 2, body 1).
    ///
    /// Before, `ORDER BY rank` walked matches by FTS5's default, unweighted bm25 while Retrieve scored them weighted, so
    /// its early stop (which assumes the walk is best first) could cut a record that belonged in the top `limit`.
    /// Found by the search parity test: PostgreSQL, which sorts by the weighted score, returned the right record.
    static func v4MemorySearchRank(_ db: Database) throws {
        try db.execute(sql: "INSERT INTO memory_search (memory_search, rank) VALUES ('rank', 'bm25(2.0, 1.0)')")
    }

    /// Each audit entry's salience right after it (NULL for entries written before this migration): the memory
    /// history's salience curve.
    static func v5MemoryAuditSalience(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE memory_audit ADD COLUMN salience REAL")
    }

    /// What retention leaves of a pruned decision (a receipt for it then verifies as "pruned", not "tampered"), and
    /// the one way a trace event may be deleted: its decision has a tombstone, written first in the same transaction.
    /// Redactions: the record of each value taken out of an event, and the one way an event may change — its body
    /// only, with a redaction recorded for it first; the chain fields and the recorded hash never change.
    static func v6RetentionRedaction(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE decision_tombstones (
                    decision_id TEXT PRIMARY KEY,
                    agent_id    TEXT NOT NULL,
                    intent      TEXT NOT NULL,
                    status      TEXT NOT NULL,
                    closed_at   TEXT,
                    event_count INTEGER NOT NULL,
                    head_hash   TEXT NOT NULL,
                    pruned_at   TEXT NOT NULL,
                    reason      TEXT NOT NULL
                );
                DROP TRIGGER decision_events_no_delete;
                CREATE TRIGGER decision_events_no_delete BEFORE DELETE ON decision_events
                WHEN NOT EXISTS (SELECT 1 FROM decision_tombstones WHERE decision_id = OLD.decision_id)
                BEGIN SELECT RAISE(ABORT, 'decision events are append-only'); END;
                CREATE INDEX memory_by_type_updated ON memory_records(type, updated_at);
                CREATE TABLE decision_redactions (
                    decision_id     TEXT NOT NULL,
                    seq             INTEGER NOT NULL,
                    path            TEXT NOT NULL,
                    original_sha256 TEXT NOT NULL,
                    event_hash      TEXT NOT NULL,
                    redacted_by     TEXT NOT NULL,
                    redacted_at     TEXT NOT NULL,
                    rationale       TEXT NOT NULL,
                    redacted_body_sha256 TEXT NOT NULL,
                    key_id          TEXT NOT NULL,
                    signature       TEXT NOT NULL,
                    PRIMARY KEY (decision_id, seq, path)
                ) WITHOUT ROWID;
                DROP TRIGGER decision_events_no_update;
                CREATE TRIGGER decision_events_no_update BEFORE UPDATE ON decision_events
                WHEN NEW.decision_id IS NOT OLD.decision_id OR NEW.seq IS NOT OLD.seq OR NEW.event_id IS NOT OLD.event_id
                    OR NEW.prev_hash IS NOT OLD.prev_hash OR NEW.hash IS NOT OLD.hash OR NEW.type IS NOT OLD.type
                    OR NOT EXISTS (SELECT 1 FROM decision_redactions r WHERE r.decision_id = OLD.decision_id AND r.seq = OLD.seq)
                BEGIN SELECT RAISE(ABORT, 'decision events are append-only'); END;
                """)
    }

    /// The two child tables whose key did not start with their parent: an export's page of decisions or records, and
    /// retention's deletion of one, looked them up by scanning the whole table.
    static func v7ChildLookups(_ db: Database) throws {
        try db.execute(sql: """
            CREATE INDEX write_idempotency_by_decision ON write_idempotency(decision_id);
            CREATE INDEX memory_consolidation_by_record ON memory_consolidation_log(record_id);
            """)
    }
}
