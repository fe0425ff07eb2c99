-- Queue scale (issue 15): GET /v1/queue and the scheduler's claim read indexes and small tables, never the whole
-- recipients table. SQLite dialect (the PostgreSQL mirror uses plpgsql trigger functions with the same logic).
--
-- queue_counts: recipients per state, kept by triggers on recipients in the inserting/updating transaction (so every
-- writer, present or future, keeps them exact). PostgreSQL spreads each state over 8 shards (hot rows); SQLite has one
-- writer and uses shard 0.
CREATE TABLE queue_counts (
    state VARCHAR(16) NOT NULL,
    shard INTEGER     NOT NULL,
    n     BIGINT      NOT NULL,
    PRIMARY KEY (state, shard)
);
INSERT INTO queue_counts (state, shard, n)
SELECT s.state, 0, (SELECT COUNT(*) FROM recipients r WHERE r.state = s.state)
FROM (SELECT 'QUEUED' AS state UNION ALL SELECT 'DEFERRED' UNION ALL SELECT 'DELIVERED' UNION ALL SELECT 'BOUNCED_SOFT'
      UNION ALL SELECT 'BOUNCED_HARD' UNION ALL SELECT 'BLOCKED_POLICY' UNION ALL SELECT 'COMPLAINT' UNION ALL SELECT 'SUPPRESSED') s;

CREATE TRIGGER recipients_count_insert AFTER INSERT ON recipients
BEGIN
    UPDATE queue_counts SET n = n + 1 WHERE state = NEW.state AND shard = 0;
END;
CREATE TRIGGER recipients_count_update AFTER UPDATE OF state ON recipients WHEN OLD.state <> NEW.state
BEGIN
    UPDATE queue_counts SET n = n - 1 WHERE state = OLD.state AND shard = 0;
    UPDATE queue_counts SET n = n + 1 WHERE state = NEW.state AND shard = 0;
END;
CREATE TRIGGER recipients_count_delete AFTER DELETE ON recipients
BEGIN
    UPDATE queue_counts SET n = n - 1 WHERE state = OLD.state AND shard = 0;
END;

-- queue_domains: per recipient domain, a lower bound of when a claim for it can next succeed (next_due_at). The claim
-- reads the due domains from its index and then each domain's due recipients from recipients_domain_due; it raises
-- the bound to the true value for every domain it looked at. The triggers only ever lower it: a recipient inserted
-- or made due, and a lease freed (the domain may have a free slot again).
CREATE TABLE queue_domains (
    domain      VARCHAR(255) PRIMARY KEY,
    next_due_at BIGINT
);
CREATE INDEX queue_domains_due ON queue_domains (next_due_at);
INSERT INTO queue_domains (domain, next_due_at)
SELECT domain, MIN(next_attempt_at) FROM recipients WHERE next_attempt_at IS NOT NULL GROUP BY domain;

CREATE INDEX recipients_domain_due ON recipients (domain, next_attempt_at) WHERE next_attempt_at IS NOT NULL;

CREATE TRIGGER recipients_due_insert AFTER INSERT ON recipients WHEN NEW.next_attempt_at IS NOT NULL
BEGIN
    INSERT INTO queue_domains (domain, next_due_at) SELECT NEW.domain, NEW.next_attempt_at
        WHERE NOT EXISTS (SELECT 1 FROM queue_domains WHERE domain = NEW.domain);
    UPDATE queue_domains SET next_due_at = NEW.next_attempt_at
        WHERE domain = NEW.domain AND (next_due_at IS NULL OR next_due_at > NEW.next_attempt_at);
END;
CREATE TRIGGER recipients_due_free AFTER UPDATE OF next_attempt_at, lease_owner ON recipients
    WHEN NEW.lease_owner IS NULL AND (NEW.next_attempt_at IS NOT NULL OR OLD.lease_owner IS NOT NULL)
BEGIN
    INSERT INTO queue_domains (domain, next_due_at) SELECT NEW.domain, NULL
        WHERE NOT EXISTS (SELECT 1 FROM queue_domains WHERE domain = NEW.domain);
    UPDATE queue_domains SET next_due_at = CASE
            WHEN OLD.lease_owner IS NOT NULL AND (NEW.next_attempt_at IS NULL OR NEW.updated_at < NEW.next_attempt_at) THEN NEW.updated_at
            ELSE NEW.next_attempt_at END
        WHERE domain = NEW.domain AND (next_due_at IS NULL OR next_due_at > CASE
            WHEN OLD.lease_owner IS NOT NULL AND (NEW.next_attempt_at IS NULL OR NEW.updated_at < NEW.next_attempt_at) THEN NEW.updated_at
            ELSE NEW.next_attempt_at END);
END;

-- the oldest waiting message without a join over every waiting recipient: its acceptance time on the recipient
ALTER TABLE recipients ADD COLUMN queued_at BIGINT;
UPDATE recipients SET queued_at = (SELECT m.created_at FROM messages m WHERE m.id = recipients.message_id)
    WHERE next_attempt_at IS NOT NULL;
CREATE INDEX recipients_waiting_since ON recipients (queued_at) WHERE next_attempt_at IS NOT NULL;
CREATE TRIGGER recipients_queued_at AFTER INSERT ON recipients WHEN NEW.queued_at IS NULL AND NEW.next_attempt_at IS NOT NULL
BEGIN
    UPDATE recipients SET queued_at = (SELECT m.created_at FROM messages m WHERE m.id = NEW.message_id) WHERE id = NEW.id;
END;
