-- Queue scale (issue 15), the PostgreSQL mirror of db/migration/V52: the same tables, indexes and backfill; the
-- triggers are plpgsql functions with the same logic. queue_counts spreads each state over 8 shards, picked by the
-- connection's backend pid, so concurrent transactions on other connections rarely wait on one counter row and one
-- transaction only ever locks counter rows of its own shard.

CREATE TABLE queue_counts (
    state VARCHAR(16) NOT NULL,
    shard INTEGER     NOT NULL,
    n     BIGINT      NOT NULL,
    PRIMARY KEY (state, shard)
);
INSERT INTO queue_counts (state, shard, n)
SELECT s.state, g.shard, 0
FROM (VALUES ('QUEUED'), ('DEFERRED'), ('DELIVERED'), ('BOUNCED_SOFT'), ('BOUNCED_HARD'), ('BLOCKED_POLICY'), ('COMPLAINT'),
             ('SUPPRESSED')) s(state), generate_series(0, 7) g(shard);
UPDATE queue_counts q SET n = (SELECT COUNT(*) FROM recipients r WHERE r.state = q.state) WHERE q.shard = 0;

-- Each change goes to the connection's own shard when that row is free, else to any shard of the state no other
-- transaction holds (SKIP LOCKED: a transaction never waits on another's counter row), and only when all 8 are held
-- it waits for its own shard's row. Rows this transaction already holds are never skipped.
CREATE FUNCTION queue_count_add(st VARCHAR, delta INTEGER) RETURNS void LANGUAGE plpgsql AS $$
DECLARE sh INTEGER := pg_backend_pid() % 8; target INTEGER;
BEGIN
    SELECT shard INTO target FROM queue_counts WHERE state = st ORDER BY (shard = sh) DESC, shard LIMIT 1 FOR UPDATE SKIP LOCKED;
    IF target IS NULL THEN target := sh; END IF;
    UPDATE queue_counts SET n = n + delta WHERE state = st AND shard = target;
END $$;
CREATE FUNCTION recipients_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM queue_count_add(OLD.state, -1); END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN PERFORM queue_count_add(NEW.state, 1); END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER recipients_count_insert_delete AFTER INSERT OR DELETE ON recipients FOR EACH ROW EXECUTE FUNCTION recipients_count();
CREATE TRIGGER recipients_count_update AFTER UPDATE OF state ON recipients FOR EACH ROW
    WHEN (OLD.state IS DISTINCT FROM NEW.state) EXECUTE FUNCTION recipients_count();

CREATE TABLE queue_domains (
    domain      VARCHAR(255) PRIMARY KEY,
    next_due_at BIGINT
);
CREATE INDEX queue_domains_due ON queue_domains (next_due_at);
INSERT INTO queue_domains (domain, next_due_at)
SELECT domain, MIN(next_attempt_at) FROM recipients WHERE next_attempt_at IS NOT NULL GROUP BY domain;

CREATE INDEX recipients_domain_due ON recipients (domain, next_attempt_at) WHERE next_attempt_at IS NOT NULL;

CREATE FUNCTION recipients_due_bound() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE v BIGINT;
BEGIN
    IF TG_OP = 'INSERT' THEN
        v := NEW.next_attempt_at;
    ELSIF OLD.lease_owner IS NOT NULL AND (NEW.next_attempt_at IS NULL OR NEW.updated_at < NEW.next_attempt_at) THEN
        v := NEW.updated_at;
    ELSE
        v := NEW.next_attempt_at;
    END IF;
    -- an UPDATE whose condition is false neither locks nor waits: only a lowering takes the domain's row
    UPDATE queue_domains SET next_due_at = v WHERE domain = NEW.domain AND (next_due_at IS NULL OR next_due_at > v);
    IF NOT FOUND THEN
        INSERT INTO queue_domains (domain, next_due_at) VALUES (NEW.domain, v) ON CONFLICT (domain) DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER recipients_due_insert AFTER INSERT ON recipients FOR EACH ROW WHEN (NEW.next_attempt_at IS NOT NULL)
    EXECUTE FUNCTION recipients_due_bound();
CREATE TRIGGER recipients_due_free AFTER UPDATE OF next_attempt_at, lease_owner ON recipients FOR EACH ROW
    WHEN (NEW.lease_owner IS NULL AND (NEW.next_attempt_at IS NOT NULL OR OLD.lease_owner IS NOT NULL))
    EXECUTE FUNCTION recipients_due_bound();

ALTER TABLE recipients ADD COLUMN queued_at BIGINT;
UPDATE recipients r SET queued_at = m.created_at FROM messages m WHERE m.id = r.message_id AND r.next_attempt_at IS NOT NULL;
CREATE INDEX recipients_waiting_since ON recipients (queued_at) WHERE next_attempt_at IS NOT NULL;

CREATE FUNCTION recipients_queued_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.queued_at := (SELECT m.created_at FROM messages m WHERE m.id = NEW.message_id);
    RETURN NEW;
END $$;
CREATE TRIGGER recipients_queued_at BEFORE INSERT ON recipients FOR EACH ROW
    WHEN (NEW.queued_at IS NULL AND NEW.next_attempt_at IS NOT NULL) EXECUTE FUNCTION recipients_queued_at();
