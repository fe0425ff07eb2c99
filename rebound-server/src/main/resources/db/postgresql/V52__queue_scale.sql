-- PostgreSQL version of db/migration/V52__queue_scale.sql (same version; the Flyway location of jdbc:postgresql: stores).
-- Queue scale (issue 15): GET /v1/queue and the scheduler's claim read indexes and small tables, never the whole
-- recipients table. The same tables, indexes and backfill as the SQLite file; its triggers are plpgsql functions here.
-- queue_counts: recipients per state, kept by triggers in the writing transaction. Several nodes write at once, so each
-- state is spread over 8 shards (hot rows); a transaction adds to one shard (txid mod 8), so two nodes' transactions
-- rarely touch the same counter row, and one transaction touches one row per state.
-- queue_domains: per recipient domain, a lower bound of when a claim for it can next succeed (see the SQLite file).
-- recipients.queued_at: the acceptance time of a waiting recipient (a BEFORE INSERT trigger here).
CREATE TABLE queue_counts (state VARCHAR(16) NOT NULL, shard INTEGER NOT NULL, n BIGINT NOT NULL, PRIMARY KEY (state, shard));
INSERT INTO queue_counts (state, shard, n) SELECT s.state, g.shard, 0 FROM (VALUES ('QUEUED'),('DEFERRED'),('DELIVERED'),
  ('BOUNCED_SOFT'),('BOUNCED_HARD'),('BLOCKED_POLICY'),('COMPLAINT'),('SUPPRESSED')) s(state), generate_series(0,7) g(shard);
UPDATE queue_counts q SET n = (SELECT COUNT(*) FROM recipients r WHERE r.state = q.state) WHERE q.shard = 0;
CREATE FUNCTION recipients_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE sh INTEGER := (txid_current() % 8)::int; -- one shard per transaction: its updates touch one row per state
BEGIN
  IF TG_OP IN ('UPDATE','DELETE') THEN UPDATE queue_counts SET n = n - 1 WHERE state = OLD.state AND shard = sh; END IF;
  IF TG_OP IN ('UPDATE','INSERT') THEN UPDATE queue_counts SET n = n + 1 WHERE state = NEW.state AND shard = sh; END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER recipients_count_insert AFTER INSERT OR DELETE ON recipients FOR EACH ROW EXECUTE FUNCTION recipients_count();
CREATE TRIGGER recipients_count_update AFTER UPDATE OF state ON recipients FOR EACH ROW
  WHEN (OLD.state IS DISTINCT FROM NEW.state) EXECUTE FUNCTION recipients_count();
CREATE TABLE queue_domains (domain VARCHAR(255) PRIMARY KEY, next_due_at BIGINT);
CREATE INDEX queue_domains_due ON queue_domains (next_due_at);
INSERT INTO queue_domains (domain, next_due_at) SELECT domain, MIN(next_attempt_at) FROM recipients WHERE next_attempt_at IS NOT NULL GROUP BY domain;
CREATE INDEX recipients_domain_due ON recipients (domain, next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE FUNCTION recipients_due_bound() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE v BIGINT;
BEGIN
  IF TG_OP = 'INSERT' THEN v := NEW.next_attempt_at;
  ELSIF OLD.lease_owner IS NOT NULL AND (NEW.next_attempt_at IS NULL OR NEW.updated_at < NEW.next_attempt_at) THEN v := NEW.updated_at;
  ELSE v := NEW.next_attempt_at; END IF;
  INSERT INTO queue_domains (domain, next_due_at) VALUES (NEW.domain, v)
    ON CONFLICT (domain) DO UPDATE SET next_due_at = excluded.next_due_at
    WHERE queue_domains.next_due_at IS NULL OR queue_domains.next_due_at > excluded.next_due_at;
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
BEGIN NEW.queued_at := (SELECT m.created_at FROM messages m WHERE m.id = NEW.message_id); RETURN NEW; END $$;
CREATE TRIGGER recipients_queued_at BEFORE INSERT ON recipients FOR EACH ROW
  WHEN (NEW.queued_at IS NULL AND NEW.next_attempt_at IS NOT NULL) EXECUTE FUNCTION recipients_queued_at();
