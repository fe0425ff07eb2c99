-- PostgreSQL version of db/migration/V2__suppression_review_audit_domain_outcomes.sql (same version; the Flyway location of jdbc:postgresql: stores).
-- Suppression management and the domain circuit breaker's input. Portable SQL (SQLite and PostgreSQL); times
-- are epoch milliseconds.

-- SUPPRESSED blocks sending on the stream; REVIEW is a policy's "suggestive, not conclusive" (e.g. the domain
-- circuit breaker turned a suppression into a review): listed for a human, never blocks.
ALTER TABLE suppressions ADD COLUMN state VARCHAR(16) NOT NULL DEFAULT 'SUPPRESSED';
CREATE INDEX suppressions_stream_state ON suppressions (stream, state);

-- Every change to the suppression list: who (a policy rule, or an API caller), what, why, with the evidence.
CREATE TABLE suppression_audit (
    id           VARCHAR(64)  PRIMARY KEY,
    at           BIGINT       NOT NULL,
    address      VARCHAR(512) NOT NULL,
    stream       VARCHAR(64)  NOT NULL,
    action       VARCHAR(16)  NOT NULL,
    state        VARCHAR(16)  NOT NULL,
    reason       VARCHAR(32)  NOT NULL,
    rule_id      VARCHAR(128) NOT NULL,
    expires_at   BIGINT,
    evidence_ref VARCHAR(64),
    actor        VARCHAR(128) NOT NULL,
    note         TEXT         NOT NULL
);
CREATE INDEX suppression_audit_address ON suppression_audit (address, stream, at);

-- Final outcomes per recipient domain and minute (the circuit breaker's window is summed from these rows):
-- finals = recipients that reached a final state by an attempt, failures = those that did not end DELIVERED.
CREATE TABLE domain_outcomes (
    domain   VARCHAR(255) NOT NULL,
    minute   BIGINT       NOT NULL,
    finals   INTEGER      NOT NULL,
    failures INTEGER      NOT NULL,
    PRIMARY KEY (domain, minute)
);
