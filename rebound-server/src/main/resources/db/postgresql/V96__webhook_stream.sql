-- The webhook stream (see WebhookStore, "the stream"): one node at a time holds the outbox's new events under a
-- lease on the fan-out cursor row and attempts each one directly, so a delivery row is written only for an event
-- that failed or had to wait (one behind a retrying event of its recipient, or for a disabled endpoint), and a
-- success leaves only its log row. hwm is the highest outbox seq whose attempt or hand-off was committed: after a
-- crash or a take-over, events up to it are checked against the log and the delivery rows before any is sent again.
-- Portable SQL (SQLite and PostgreSQL).

ALTER TABLE webhook_cursor ADD COLUMN hwm BIGINT NOT NULL DEFAULT 0;
ALTER TABLE webhook_cursor ADD COLUMN lease_owner VARCHAR(128);
ALTER TABLE webhook_cursor ADD COLUMN lease_expires_at BIGINT;
ALTER TABLE webhook_cursor ADD COLUMN lease_version BIGINT NOT NULL DEFAULT 0;
