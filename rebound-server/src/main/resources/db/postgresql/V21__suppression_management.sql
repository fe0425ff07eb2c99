-- PostgreSQL version of db/migration/V21__suppression_management.sql (the same portable SQL).
-- Suppression management (issue 12): where an entry came from, the free-text why of a manual or imported entry, a
-- stable order for cursor pagination, and held mail. Portable SQL (SQLite and PostgreSQL); times are epoch
-- milliseconds. Versions V21-V29 belong to suppression management.

-- origin: policy (a decision of the core SuppressionPolicy), manual (POST /v1/suppressions), import (bulk import)
ALTER TABLE suppressions ADD COLUMN origin VARCHAR(16) NOT NULL DEFAULT 'policy';
ALTER TABLE suppressions ADD COLUMN note TEXT NOT NULL DEFAULT '';
-- the list's keyset order (created_at DESC, address, stream) and its filters
CREATE INDEX suppressions_created ON suppressions (created_at, address, stream);

-- Held mail: a recipient accepted while its address was suppressed on the message's stream (state SUPPRESSED).
-- Removing the entry releases the held recipients younger than suppression.release-window in the transaction of the
-- removal: their state flips to QUEUED, released_at is set and their held_mail rows are deleted, so a second removal,
-- a retried request or a crash after the commit finds nothing left to release.
CREATE TABLE held_mail (
    recipient_id VARCHAR(64)  PRIMARY KEY,
    message_id   VARCHAR(64)  NOT NULL,
    address      VARCHAR(512) NOT NULL,
    stream       VARCHAR(64)  NOT NULL,
    held_at      BIGINT       NOT NULL
);
CREATE INDEX held_mail_address ON held_mail (address, stream);
ALTER TABLE recipients ADD COLUMN released_at BIGINT;

INSERT INTO held_mail (recipient_id, message_id, address, stream, held_at)
SELECT r.id, r.message_id, LOWER(r.address), m.stream, m.created_at
FROM recipients r JOIN messages m ON m.id = r.message_id
WHERE r.state = 'SUPPRESSED';
