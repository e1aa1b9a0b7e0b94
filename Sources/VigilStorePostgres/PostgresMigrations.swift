/// The PostgreSQL schema, as numbered migrations applied in order, recorded in `vigil_migrations` like GRDB records
/// the SQLite ones.
///
/// It mirrors the SQLite schema table for table, so that both stores answer the same rows in the same order:
/// - every text column sorts byte-wise (`COLLATE "C"`), as SQLite's default collation does;
/// - flags are `INTEGER` 0/1, times are the same ISO texts or nanosecond integers;
/// - `row_id` stands in for SQLite's `rowid` where the engines use one (memory records, decisions' search documents);
/// - full-text documents are `tsvector`s of vigil's own tokens (``SearchTokenizer``) with a GIN index, and bm25 is
///   computed the way FTS5 does (see `PostgresTransaction+Search.swift`);
/// - every commit that changes what a dashboard shows notifies the `vigil_changes` channel.
enum PostgresMigrations {
    /// Identifier and SQL of each migration, oldest first.
    static let all: [(identifier: String, sql: String)] = [
        ("v1-decisions", v1Decisions),
        ("v2-memory", v2Memory),
        ("v5-memory-audit-salience", "ALTER TABLE memory_audit ADD COLUMN salience DOUBLE PRECISION"),
        ("v6-retention-redaction", v6RetentionRedaction),
        // The two child tables whose key did not start with their parent: an export's page of decisions or records,
        // and retention's deletion of one, looked them up by scanning the whole table.
        ("v7-child-lookups", """
            CREATE INDEX write_idempotency_by_decision ON write_idempotency(decision_id);
            CREATE INDEX memory_consolidation_by_record ON memory_consolidation_log(record_id);
            """),
    ]

    /// The advisory lock that serializes migrations when several servers start at once.
    static let lockKey: Int64 = 0x7669_6769_6C00_0001

    /// The lock that orders the memory change log: taken by every transaction that appends to it, so sequence numbers
    /// become visible in commit order and a reader that has seen `n` never later finds an uncommitted `n − 1`.
    static let memoryLogLockKey: Int64 = 0x7669_6769_6C00_0002

    private static let text = "TEXT COLLATE \"C\""

    /// What retention leaves of a pruned decision, and the one way a trace event may be deleted: its decision has a
    /// tombstone, written first in the same transaction; redactions, and the one way an event may change: its body
    /// only, with a redaction recorded first (as on SQLite).
    static let v6RetentionRedaction = """
        CREATE TABLE decision_tombstones (
            decision_id \(text) PRIMARY KEY,
            agent_id    \(text) NOT NULL,
            intent      \(text) NOT NULL,
            status      \(text) NOT NULL,
            closed_at   \(text),
            event_count INTEGER NOT NULL,
            head_hash   \(text) NOT NULL,
            pruned_at   \(text) NOT NULL,
            reason      \(text) NOT NULL
        );
        CREATE FUNCTION vigil_events_delete_guard() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM decision_tombstones WHERE decision_id = OLD.decision_id) THEN
                RAISE EXCEPTION 'decision events are append-only';
            END IF;
            RETURN OLD;
        END $$;
        CREATE TABLE decision_redactions (
            decision_id     \(text) NOT NULL,
            seq             BIGINT NOT NULL,
            path            \(text) NOT NULL,
            original_sha256 \(text) NOT NULL,
            event_hash      \(text) NOT NULL,
            redacted_by     \(text) NOT NULL,
            redacted_at     \(text) NOT NULL,
            rationale       \(text) NOT NULL,
            redacted_body_sha256 \(text) NOT NULL,
            key_id          \(text) NOT NULL,
            signature       \(text) NOT NULL,
            PRIMARY KEY (decision_id, seq, path)
        );
        CREATE FUNCTION vigil_events_update_guard() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.decision_id IS DISTINCT FROM OLD.decision_id OR NEW.seq IS DISTINCT FROM OLD.seq
                OR NEW.event_id IS DISTINCT FROM OLD.event_id OR NEW.prev_hash IS DISTINCT FROM OLD.prev_hash
                OR NEW.hash IS DISTINCT FROM OLD.hash OR NEW.type IS DISTINCT FROM OLD.type
                OR NOT EXISTS (SELECT 1 FROM decision_redactions r WHERE r.decision_id = OLD.decision_id AND r.seq = OLD.seq) THEN
                RAISE EXCEPTION 'decision events are append-only';
            END IF;
            RETURN NEW;
        END $$;
        DROP TRIGGER decision_events_no_update ON decision_events;
        CREATE TRIGGER decision_events_no_update BEFORE UPDATE ON decision_events
            FOR EACH ROW EXECUTE FUNCTION vigil_events_update_guard();
        CREATE TRIGGER decision_events_no_delete BEFORE DELETE ON decision_events
            FOR EACH ROW EXECUTE FUNCTION vigil_events_delete_guard();
        CREATE INDEX memory_by_type_updated ON memory_records(type, updated_at);
        """

    static let v1Decisions = """
        CREATE FUNCTION vigil_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '%', TG_ARGV[0]; END $$;
        CREATE FUNCTION vigil_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM pg_notify('vigil_changes', ''); RETURN NULL; END $$;

        CREATE TABLE principals (
            principal_id   \(text) PRIMARY KEY,
            kind           \(text) NOT NULL CHECK (kind IN ('agent', 'operator')),
            name           \(text) NOT NULL,
            status         \(text) NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
            allow_override INTEGER NOT NULL DEFAULT 0,
            policy_grants  \(text),
            created_at     \(text) NOT NULL
        );
        CREATE TABLE product_grants (
            principal_id \(text) NOT NULL REFERENCES principals(principal_id) ON DELETE CASCADE,
            product_id   \(text) NOT NULL,
            PRIMARY KEY (principal_id, product_id)
        );
        CREATE TABLE api_keys (
            key_id       \(text) PRIMARY KEY,
            key_hash     \(text) NOT NULL UNIQUE,
            role         \(text) NOT NULL CHECK (role IN ('agent', 'operator')),
            principal_id \(text) NOT NULL REFERENCES principals(principal_id),
            key_prefix   \(text) NOT NULL,
            created_at   \(text) NOT NULL,
            revoked_at   \(text)
        );
        CREATE TABLE decisions (
            row_id            BIGSERIAL UNIQUE,
            decision_id       \(text) PRIMARY KEY,
            agent_id          \(text) NOT NULL,
            actor             \(text) NOT NULL,
            intent            \(text) NOT NULL,
            automation_mode   \(text) NOT NULL,
            instance          \(text),
            version           \(text),
            metadata          \(text),
            status            \(text) NOT NULL,
            approval_status   \(text) NOT NULL DEFAULT 'none',
            approval_required INTEGER NOT NULL DEFAULT 0,
            approval_id       \(text),
            created_at        \(text) NOT NULL,
            closed_at         \(text),
            close_action      \(text),
            close_reason      \(text),
            kind              \(text) NOT NULL DEFAULT 'envelope',
            title             \(text),
            category          \(text),
            tags              \(text),
            supersedes        \(text),
            superseded_by     \(text),
            event_count       BIGINT NOT NULL DEFAULT 0,
            head_hash         \(text) NOT NULL,
            last_exception    \(text)
        );
        CREATE INDEX decisions_by_agent ON decisions(agent_id, created_at DESC);
        CREATE INDEX decisions_by_created ON decisions(created_at DESC, decision_id DESC);
        CREATE INDEX decisions_by_status ON decisions(status, created_at DESC);
        CREATE TABLE decision_events (
            decision_id \(text) NOT NULL,
            seq         BIGINT NOT NULL,
            event_id    \(text) NOT NULL UNIQUE,
            type        \(text) NOT NULL,
            timestamp   \(text) NOT NULL,
            actor       \(text) NOT NULL,
            prev_hash   \(text) NOT NULL,
            hash        \(text) NOT NULL,
            body        \(text) NOT NULL,
            PRIMARY KEY (decision_id, seq)
        );
        CREATE TRIGGER decision_events_no_update BEFORE UPDATE OR DELETE ON decision_events
            FOR EACH ROW EXECUTE FUNCTION vigil_append_only('decision events are append-only');
        CREATE TABLE read_evidence (
            event_id    \(text) PRIMARY KEY,
            decision_id \(text) NOT NULL,
            evidence    \(text) NOT NULL
        );
        CREATE INDEX read_evidence_by_decision ON read_evidence(decision_id);
        CREATE TABLE write_buffer (
            event_id        \(text) PRIMARY KEY,
            decision_id     \(text) NOT NULL,
            seq             BIGINT NOT NULL,
            product_id      \(text) NOT NULL,
            operation       \(text) NOT NULL,
            rows            \(text) NOT NULL,
            created_records \(text)
        );
        CREATE INDEX write_buffer_by_decision ON write_buffer(decision_id, seq);
        CREATE TABLE write_idempotency (
            agent_id        \(text) NOT NULL,
            decision_id     \(text) NOT NULL,
            idempotency_key \(text) NOT NULL,
            fingerprint     \(text) NOT NULL,
            result          \(text) NOT NULL,
            PRIMARY KEY (agent_id, decision_id, idempotency_key)
        );
        CREATE TABLE approvals (
            approval_id       \(text) PRIMARY KEY,
            decision_id       \(text) NOT NULL REFERENCES decisions(decision_id),
            agent_id          \(text) NOT NULL,
            intent            \(text) NOT NULL,
            status            \(text) NOT NULL,
            title             \(text) NOT NULL,
            message           \(text),
            kind              \(text),
            reason            \(text),
            approval_route_id \(text),
            require_rationale INTEGER NOT NULL,
            requested_at      \(text) NOT NULL,
            expires_at        \(text) NOT NULL,
            resolved_at       \(text),
            resolved_by       \(text),
            rationale         \(text)
        );
        CREATE INDEX approvals_by_status ON approvals(status, requested_at, approval_id);
        CREATE INDEX approvals_by_decision ON approvals(decision_id);
        CREATE TABLE receipts (
            decision_id \(text) PRIMARY KEY,
            receipt     \(text) NOT NULL
        );
        CREATE TABLE receipt_keys (
            key_id     \(text) PRIMARY KEY,
            public_key \(text) NOT NULL,
            created_at \(text) NOT NULL
        );
        -- Decisions' searchable words, appended as pieces and indexed lazily (as SQLite's v3).
        CREATE TABLE decision_search_text (
            piece_id       BIGSERIAL PRIMARY KEY,
            decision_rowid BIGINT NOT NULL,
            text           \(text) NOT NULL
        );
        CREATE INDEX decision_search_text_by_decision ON decision_search_text(decision_rowid, piece_id);
        CREATE TABLE decision_search_stale (decision_rowid BIGINT PRIMARY KEY);
        CREATE TABLE decision_search (
            decision_rowid BIGINT PRIMARY KEY,
            body           \(text) NOT NULL,
            tokens         BIGINT NOT NULL,
            doc            tsvector NOT NULL
        );
        CREATE INDEX decision_search_doc ON decision_search USING GIN (doc);

        CREATE TRIGGER principals_notify AFTER INSERT OR UPDATE OR DELETE ON principals
            FOR EACH STATEMENT EXECUTE FUNCTION vigil_notify();
        CREATE TRIGGER api_keys_notify AFTER INSERT OR UPDATE OR DELETE ON api_keys
            FOR EACH STATEMENT EXECUTE FUNCTION vigil_notify();
        CREATE TRIGGER decisions_notify AFTER INSERT OR UPDATE OR DELETE ON decisions
            FOR EACH STATEMENT EXECUTE FUNCTION vigil_notify();
        CREATE TRIGGER decision_events_notify AFTER INSERT ON decision_events
            FOR EACH STATEMENT EXECUTE FUNCTION vigil_notify();
        CREATE TRIGGER approvals_notify AFTER INSERT OR UPDATE OR DELETE ON approvals
            FOR EACH STATEMENT EXECUTE FUNCTION vigil_notify();
        """

    static let v2Memory = """
        CREATE TABLE memory_records (
            row_id             BIGSERIAL PRIMARY KEY,
            id                 \(text) NOT NULL UNIQUE,
            type               \(text) NOT NULL,
            sensitivity        INTEGER NOT NULL,
            confidence         DOUBLE PRECISION NOT NULL,
            base               DOUBLE PRECISION NOT NULL,
            scope              \(text) NOT NULL DEFAULT '',
            status             \(text) NOT NULL,
            live               INTEGER NOT NULL,
            created_at         BIGINT NOT NULL,
            updated_at         BIGINT NOT NULL,
            curve              \(text) NOT NULL,
            half_life          BIGINT NOT NULL,
            min_salience       DOUBLE PRECISION NOT NULL,
            max_age            BIGINT NOT NULL,
            reinforcement_gain DOUBLE PRECISION NOT NULL,
            last_reinforced_at BIGINT NOT NULL,
            pinned             INTEGER NOT NULL,
            deletion_policy    \(text) NOT NULL,
            anchor             DOUBLE PRECISION,
            special            INTEGER NOT NULL,
            tags               \(text) NOT NULL,
            provenance         \(text) NOT NULL,
            payload            \(text) NOT NULL,
            last_audit_at      BIGINT NOT NULL,
            swept_salience     DOUBLE PRECISION,
            swept_at           BIGINT
        );
        CREATE INDEX memory_by_anchor ON memory_records(type, half_life, anchor DESC) WHERE live = 1 AND special = 0;
        CREATE INDEX memory_by_type ON memory_records(type, live);
        CREATE INDEX memory_unordered ON memory_records(type) WHERE live = 1 AND (special = 1 OR anchor IS NULL);
        CREATE INDEX memory_inactive ON memory_records(type) WHERE live = 0;
        CREATE INDEX memory_by_fact ON memory_records(((payload::jsonb) ->> 'subject'), ((payload::jsonb) ->> 'predicate'))
            WHERE type = 'semantic';
        CREATE INDEX memory_by_skill ON memory_records(((payload::jsonb) ->> 'skill_name')) WHERE type = 'competence';
        CREATE INDEX memory_by_prune ON memory_records(last_audit_at) WHERE deletion_policy = 'auto_prune' AND pinned = 0;
        CREATE TABLE memory_relations (
            record_id  \(text) NOT NULL,
            ord        BIGINT NOT NULL,
            predicate  \(text) NOT NULL,
            target_id  \(text) NOT NULL,
            weight     DOUBLE PRECISION NOT NULL,
            created_at BIGINT NOT NULL,
            PRIMARY KEY (record_id, ord)
        );
        CREATE INDEX memory_relations_by_target ON memory_relations(target_id);
        CREATE TABLE memory_audit (
            record_id \(text) NOT NULL,
            ord       BIGINT NOT NULL,
            action    \(text) NOT NULL,
            actor     \(text) NOT NULL,
            timestamp BIGINT NOT NULL,
            rationale \(text) NOT NULL,
            PRIMARY KEY (record_id, ord)
        );
        CREATE TRIGGER memory_audit_no_update BEFORE UPDATE ON memory_audit
            FOR EACH ROW EXECUTE FUNCTION vigil_append_only('memory audit entries are append-only');
        CREATE TABLE memory_search (
            row_id  BIGINT PRIMARY KEY,
            summary \(text) NOT NULL,
            body    \(text) NOT NULL,
            tokens  BIGINT NOT NULL,
            doc     tsvector NOT NULL
        );
        CREATE INDEX memory_search_doc ON memory_search USING GIN (doc);
        CREATE TABLE memory_decision_links (
            decision_id \(text) NOT NULL,
            record_id   \(text) NOT NULL,
            PRIMARY KEY (decision_id, record_id)
        );
        CREATE INDEX memory_links_by_record ON memory_decision_links(record_id);
        -- Every change to a record, so a process's in-memory relevance index can catch up with other processes.
        CREATE TABLE memory_changes (seq BIGSERIAL PRIMARY KEY, row_id BIGINT NOT NULL);
        CREATE FUNCTION memory_changes_log() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_advisory_xact_lock(\(memoryLogLockKey));
            IF TG_OP = 'DELETE' THEN
                INSERT INTO memory_changes (row_id) VALUES (OLD.row_id);
            ELSE
                INSERT INTO memory_changes (row_id) VALUES (NEW.row_id);
            END IF;
            RETURN NULL;
        END $$;
        CREATE TRIGGER memory_changes_insert AFTER INSERT OR DELETE ON memory_records
            FOR EACH ROW EXECUTE FUNCTION memory_changes_log();
        CREATE TRIGGER memory_changes_update AFTER UPDATE OF type, sensitivity, confidence, base, scope, status,
            updated_at, half_life, min_salience, max_age, last_reinforced_at, pinned, tags, payload ON memory_records
            FOR EACH ROW EXECUTE FUNCTION memory_changes_log();
        CREATE TABLE memory_tombstones (
            id        \(text) PRIMARY KEY,
            type      \(text) NOT NULL,
            pruned_at BIGINT NOT NULL,
            reason    \(text) NOT NULL
        );
        CREATE TABLE memory_consolidation_log (
            stage     \(text) NOT NULL,
            record_id \(text) NOT NULL,
            PRIMARY KEY (stage, record_id)
        );
        CREATE TRIGGER memory_records_notify AFTER INSERT OR UPDATE OR DELETE ON memory_records
            FOR EACH STATEMENT EXECUTE FUNCTION vigil_notify();
        """
}
